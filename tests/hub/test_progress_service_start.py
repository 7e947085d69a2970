"""The progress service answers the hub in time even when importing JupyterHub is slow.

The hub gives a managed service ten one-second tries to answer HTTP, then exits ("Cannot connect to managed
service progress"). With a class's servers starting on 2 cores, importing jupyterhub.services.auth alone took
longer than that. Here the service runs in the real hub image with that import held up for IMPORT_DELAY seconds
(a sitecustomize on its path, the only thing faked): it must answer GET before the hub's budget is spent, refuse
posts with 503 meanwhile (the students' senders retry), then serve its real, login-protected pages.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from hubtest import HUB_IMAGE

from tests.support.processes import docker, free_port

IMPORT_DELAY = 20
HUB_BUDGET = 10  # seconds: JupyterHub 5.5's ten tries of wait_up(timeout=1) in start_service
PREFIX = "/services/progress/"
SLOW_IMPORT = f"""
import sys, time
class SlowJupyterHub:
    def find_spec(self, name, path=None, target=None):
        if name == "jupyterhub":
            time.sleep({IMPORT_DELAY})
        return None
sys.meta_path.insert(0, SlowJupyterHub())
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, dict, str]:
    """(status, headers, text) of one request; errors are answers too. Status 0: no answer yet."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=2) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except OSError:
        return 0, {}, ""


@pytest.fixture
def slow_service(images, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(SLOW_IMPORT)
    port = free_port()
    name = f"progress-start-{port}"
    environment = {
        "PYTHONPATH": "/slow", "JUPYTERHUB_SERVICE_URL": "http://0.0.0.0:10101", "JUPYTERHUB_SERVICE_PREFIX": PREFIX,
        "JUPYTERHUB_SERVICE_NAME": "progress", "JUPYTERHUB_API_TOKEN": "test-token",
        "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api", "JUPYTERHUB_CLIENT_ID": "service-progress",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback", "JUPYTERHUB_BASE_URL": "/",
        "PROGRESS_DB": "/tmp/progress.sqlite", "PROGRESS_ROSTER": "/tmp/no-roster.csv"}
    args = [f"--env={key}={value}" for key, value in environment.items()]
    started = time.monotonic()
    docker("run", "-d", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:10101", "-v", f"{tmp_path}:/slow:ro",
           *args, HUB_IMAGE, "python", "/srv/jupyterhub/progress_service.py")
    try:
        yield f"http://127.0.0.1:{port}{PREFIX}", started, name
    finally:
        docker("rm", "-f", name, check=False)


def test_the_service_answers_within_the_hubs_budget_then_serves_its_pages(slow_service):
    base, started, name = slow_service
    while (answer := fetch(base))[0] == 0 or answer[0] >= 500:
        assert time.monotonic() - started < HUB_BUDGET, (
            "no answer the hub accepts within its budget:\n" + docker("logs", name, check=False).stderr)
        time.sleep(0.2)
    status, _, text = answer
    assert status == 200 and "Le suivi de la classe démarre" in text and '<html lang="fr">' in text
    status, headers, text = fetch(base + "api/events", "POST", b'{"events": []}')
    assert status == 503 and headers.get("Retry-After") == "5" and "réessayez" in json.loads(text)["error"]

    deadline = started + IMPORT_DELAY + 60
    while (answer := fetch(base))[0] == 200:
        assert time.monotonic() < deadline, docker("logs", name, check=False).stderr
        time.sleep(0.5)
    status, headers, _ = answer
    assert status == 302 and "/hub/api/oauth2/authorize" in headers["Location"], (status, headers)
    assert time.monotonic() - started >= IMPORT_DELAY  # the import really was held up
    assert fetch(base + "api/progress")[0] == 302  # login-protected, as with the hub
    assert fetch(base + "api/events", "POST", b'{"events": []}')[0] == 403  # no token: refused, not 503
    assert fetch(base + "no-such-page")[0] == 404
    assert "progress service: ready" in docker("logs", name).stderr


def test_a_service_that_cannot_start_exits_so_that_the_hub_restarts_it(images, tmp_path):
    """Its database cannot be opened: the service must not answer "starting" forever; it exits (status 1), which
    JupyterHub notices and answers by restarting it."""
    name = f"progress-broken-{free_port()}"
    docker("run", "-d", "--name", name, "--env=JUPYTERHUB_SERVICE_URL=http://0.0.0.0:10101",
           f"--env=JUPYTERHUB_SERVICE_PREFIX={PREFIX}", "--env=JUPYTERHUB_API_TOKEN=test-token",
           "--env=PROGRESS_DB=/no/such/folder/progress.sqlite", HUB_IMAGE,
           "python", "/srv/jupyterhub/progress_service.py")
    try:
        deadline = time.monotonic() + 120
        while docker("container", "inspect", "-f", "{{.State.Running}}", name).stdout.strip() == "true":
            assert time.monotonic() < deadline, docker("logs", name, check=False).stderr
            time.sleep(0.5)
        assert docker("container", "inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "1"
        assert "could not start; exiting so that the hub restarts it" in docker("logs", name).stderr
    finally:
        docker("rm", "-f", name, check=False)
