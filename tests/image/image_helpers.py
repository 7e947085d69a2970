"""Helpers of the image tests (``from image_helpers import Lab``); the fixtures that use them are in conftest.py,
the helpers every test folder shares in tests/support."""

from __future__ import annotations

import os
import pwd
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from labtools.policy import DEFAULT_IMAGE, python_pin
from tests.support.processes import REPO, docker, make_env

IMAGE = os.environ.get("IMAGE", DEFAULT_IMAGE)
TEST_UID = 1234  # a host user that is neither root nor the image's default uid 1000
TEST_USER = "labtest"


def sh(*cmd: str, check: bool = True, user: str | None = None, env: dict | None = None,
       cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a command (optionally as another host user), capture its text output."""
    full = list(cmd)
    if user is not None and pwd.getpwuid(os.getuid()).pw_name != user:
        full = ["runuser", "-u", user, "--", *full]
    result = subprocess.run(full, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def in_image(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command in a throwaway container of the image, bypassing the start script."""
    return docker("run", "--rm", "--entrypoint", "", IMAGE, *cmd, check=check)


def docker_build(tag: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`docker build` of docker/Dockerfile as `make build` runs it here (same client, base and Python source)."""
    pin = python_pin((cwd / "environment.yml").read_text())
    command = [*os.environ.get("DOCKER_BUILD", "docker build").split(), "--progress=plain", "--file",
               "docker/Dockerfile", "--tag", tag, "--build-arg", f"PYTHON_PIN={pin}", *args]
    for variable in ("BASE_IMAGE", "PYTHON_SOURCE"):
        if os.environ.get(variable):
            command += ["--build-arg", f"{variable}={os.environ[variable]}"]
    return subprocess.run([*command, "."], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, DOCKER_BUILDKIT="1"), timeout=1800)


def http_status(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Lab:
    """A lab started with `make lab` by the test user, on its own port, container and work directory."""

    def __init__(self, repo: Path, user: str, work: Path, port: int, container: str):
        self.repo, self.user, self.work, self.port, self.container = repo, user, work, port, container

    def make(self, *targets: str, check: bool = True, timeout: float = 900, **variables: str
             ) -> subprocess.CompletedProcess:
        variables.setdefault("TOKEN_DIR", str(self.token_dir))
        env = make_env(IMAGE=IMAGE, PORT=str(self.port), WORK_DIR=str(self.work), CONTAINER=self.container, GPU="auto",
                       HOUSING_CSV=str(self.repo / "docker" / "seed-data" / "cal_housing.csv"), **variables)
        return sh("make", "--no-print-directory", "-C", str(self.repo), *targets,
                  user=self.user, env=env, check=check, timeout=timeout)

    @property
    def token_dir(self) -> Path:
        """Where this lab's `make` keeps its token: beside the work directory (each test lab its own), not in it."""
        return self.work.parent / "tokens"

    def token(self) -> str:
        env = docker("container", "inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", self.container).stdout
        return next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("JUPYTER_TOKEN="))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> str:
        return docker("container", "inspect", "-f", "{{.State.Status}}", self.container, check=False).stdout.strip()

    def wait_healthy(self, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            status = docker("container", "inspect", "-f", "{{.State.Health.Status}}", self.container).stdout.strip()
            if status == "healthy":
                return status
            time.sleep(1)
        return status
