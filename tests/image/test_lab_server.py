"""`make lab` as a non-root host user: a real JupyterLab over HTTP, the token, 127.0.0.1, the uid mapping,
and the student's files surviving `make stop` and `make rebuild`."""

from __future__ import annotations

import json
import os
import pwd
import re
import urllib.request
from pathlib import Path

import pytest
from image_helpers import IMAGE, http_status

from tests.support.processes import docker

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab\?token=([0-9a-f]+)")


def test_make_lab_prints_the_url_with_its_token(lab):
    match = URL.search(lab.first_start.stdout)
    assert match, lab.first_start.stdout
    assert int(match.group(1)) == lab.port
    assert match.group(2) == lab.token()


def test_api_requires_the_token(lab):
    status_url = f"{lab.base_url}/api/status"
    assert http_status(status_url, lab.token()) == 200
    assert http_status(status_url) == 403
    assert http_status(status_url, "0" * 48) == 403
    assert http_status(f"{lab.base_url}/api/contents") == 403


def get_json(lab, path: str) -> dict:
    request = urllib.request.Request(f"{lab.base_url}{path}", headers={"Authorization": f"token {lab.token()}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def test_jupyterlab_serves_its_interface_in_french(lab):
    with urllib.request.urlopen(f"{lab.base_url}/lab?token={lab.token()}", timeout=30) as response:
        assert "<title>JupyterLab</title>" in response.read().decode()
    assert "fr_FR" in get_json(lab, "/lab/api/translations/")["data"]
    plugin = get_json(lab, "/lab/api/settings/@jupyterlab/translation-extension:plugin")
    assert plugin["schema"]["properties"]["locale"]["default"] == "fr_FR"


def test_port_is_published_on_loopback_only(lab):
    bindings = json.loads(docker("container", "inspect", "-f", "{{json .HostConfig.PortBindings}}",
                                 lab.container).stdout)
    assert bindings == {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(lab.port)}]}


def test_second_make_lab_reuses_the_container_and_prints_the_same_url(lab):
    before = docker("container", "inspect", "-f", "{{.Id}}", lab.container).stdout
    again = lab.make("lab")
    assert "tourne déjà" in again.stdout
    assert URL.search(again.stdout).group(0) == URL.search(lab.first_start.stdout).group(0)
    assert docker("container", "inspect", "-f", "{{.Id}}", lab.container).stdout == before


def test_busy_port_gets_a_clear_message(lab):
    other = type(lab)(lab.repo, lab.user, lab.work.parent / "w-other", lab.port, lab.container + "-other")
    result = other.make("lab", check=False)
    assert result.returncode != 0
    assert f"le port {lab.port} est déjà utilisé par le conteneur {lab.container}" in result.stderr
    assert f"make lab PORT={lab.port + 1}" in result.stderr
    assert other.state() == ""  # nothing was started


def test_gpu_on_without_a_usable_gpu_fails_with_the_fix(lab):
    """This host has no NVIDIA driver: GPU=on must refuse clearly instead of starting on the CPU."""
    other = type(lab)(lab.repo, lab.user, lab.work.parent / "w-gpu", lab.port + 1, lab.container + "-gpu")
    result = other.make("lab", "GPU=on", check=False)
    assert result.returncode != 0
    assert "GPU=on, mais le GPU est inutilisable : aucun pilote NVIDIA sur cet hôte" in result.stderr
    assert "make lab GPU=off" in result.stderr
    assert other.state() == ""


def test_healthcheck_turns_healthy(lab):
    assert lab.wait_healthy() == "healthy"


def test_server_runs_as_the_host_user_not_root(lab):
    uid = pwd.getpwnam(lab.user).pw_uid
    processes = docker("top", lab.container, "-eo", "pid,uid,args").stdout.splitlines()[1:]
    jupyter = [line.split(None, 2) for line in processes if "bin/jupyter-lab" in line]
    assert jupyter, processes
    assert all(int(owner) == uid for _, owner, _ in jupyter), jupyter
    assert docker("exec", lab.container, "id", "-u", "student").stdout.strip() == str(uid)


def test_student_notebooks_are_seeded_and_owned_by_the_host_user(lab):
    uid = pwd.getpwnam(lab.user).pw_uid
    notebooks = sorted((lab.work / "module1").glob("*.ipynb"))
    assert len(notebooks) >= 6, notebooks
    assert {path.stat().st_uid for path in notebooks} == {uid}


@pytest.fixture(scope="module")
def saved_notebook(lab):
    """A notebook saved through Jupyter's REST API, as the browser does."""
    body = {"type": "notebook", "format": "json", "content": {
        "cells": [{"cell_type": "code", "source": "print('mon travail')", "metadata": {}, "outputs": [],
                   "execution_count": None}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}}
    request = urllib.request.Request(f"{lab.base_url}/api/contents/mon_travail.ipynb", method="PUT",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"token {lab.token()}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
    path: Path = lab.work / "mon_travail.ipynb"
    return path, path.read_bytes()


def test_file_written_in_the_lab_belongs_to_the_host_user(lab, saved_notebook):
    path, _ = saved_notebook
    assert path.stat().st_uid == pwd.getpwnam(lab.user).pw_uid
    assert "mon travail" in path.read_text()


@pytest.mark.slow
def test_work_survives_stop_and_rebuild(lab, saved_notebook):
    path, content = saved_notebook
    stopped = lab.make("stop")
    assert "arrêté" in stopped.stdout and lab.state() == ""
    assert path.read_bytes() == content

    created = docker("image", "inspect", "-f", "{{.Created}}", IMAGE).stdout
    rebuilt = lab.make("rebuild", timeout=1800)
    assert "rebuild : la nouvelle image a exactement les mêmes paquets qu'avant." in rebuilt.stdout
    assert docker("image", "inspect", "-f", "{{.Created}}", IMAGE).stdout > created  # really rebuilt
    assert path.read_bytes() == content
    assert path.stat().st_uid == pwd.getpwnam(lab.user).pw_uid

    restarted = lab.make("lab")
    assert URL.search(restarted.stdout).group(0) == URL.search(lab.first_start.stdout).group(0)  # same token
    request = urllib.request.Request(f"{lab.base_url}/api/contents/mon_travail.ipynb",
                                     headers={"Authorization": f"token {lab.token()}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "mon travail" in json.dumps(json.load(response)["content"])


def test_start_never_reowns_files_already_in_the_work_directory(idle_lab):
    """Remapping the student to the host user must not chown host files (uid 1000's, say) in the bind mount."""
    if os.getuid() != 0:
        pytest.skip("creating a file owned by another host user needs root (CI runs as root)")
    uid = pwd.getpwnam(idle_lab.user).pw_uid
    idle_lab.work.mkdir()
    os.chown(idle_lab.work, uid, uid)
    foreign = idle_lab.work / "fichier_d_un_autre.txt"
    foreign.write_text("à ne pas toucher")
    os.chown(foreign, 1000, 1000)
    try:
        idle_lab.make("lab")
        assert (foreign.stat().st_uid, foreign.stat().st_gid) == (1000, 1000)
        assert (idle_lab.work / "module1").stat().st_uid == uid
    finally:
        docker("rm", "-f", idle_lab.container, check=False)
