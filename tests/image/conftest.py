"""Image tests: pytest on the host drives Docker and the built lab image (`make test` builds it first)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("IMAGE", "pytorch-gpu-lab:latest")
TEST_UID = 1234  # a host user that is neither root nor the image's default uid 1000
TEST_USER = "labtest"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.image)


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


def docker(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    return sh("docker", *args, check=check, timeout=timeout)


def in_image(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command in a throwaway container of the image, bypassing the start script."""
    return docker("run", "--rm", "--entrypoint", "", IMAGE, *cmd, check=check)


def docker_build(tag: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`docker build` of docker/Dockerfile as `make build` runs it here (same client, base and Python source)."""
    command = [*os.environ.get("DOCKER_BUILD", "docker build").split(), "--progress=plain", "--file",
               "docker/Dockerfile", "--tag", tag, *args]
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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def built_image():
    """The image must exist: `make test` builds it before running these tests."""
    result = docker("image", "inspect", IMAGE, check=False)
    if result.returncode != 0:
        pytest.fail(f"no image {IMAGE}: run `make build` (or `make test`, which builds it) first")
    return json.loads(result.stdout)[0]


@pytest.fixture(scope="session")
def host_user():
    """A non-root host user in the docker group who runs `make lab` (CI runs as root: create uid 1234)."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid()).pw_name
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        sh("useradd", "--create-home", "--uid", str(TEST_UID), "--groups", "docker", TEST_USER)
    return TEST_USER


@pytest.fixture(scope="session")
def shared_tmp():
    """A scratch directory every host user can reach (pytest's own is private to the running user)."""
    root = Path(tempfile.mkdtemp(prefix="lab-image-tests-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def user_repo(shared_tmp, host_user):
    """A copy of the working tree the test user can read and write (the CI checkout may not be)."""
    root = shared_tmp / "user-repo"
    root.mkdir(mode=0o755)
    repo = root / "repo"
    shutil.copytree(REPO, repo, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", "work", "exports", "__pycache__", ".pytest_cache"))
    staged = REPO / "docker" / "seed-data" / "cal_housing.csv"
    if staged.exists():  # keep the build's data step cached: same staged file, same content
        shutil.copy2(staged, repo / "docker" / "seed-data" / "cal_housing.csv")
    if os.getuid() == 0:
        pw = pwd.getpwnam(host_user)
        sh("chown", "-R", f"{pw.pw_uid}:{pw.pw_gid}", str(root))
    return repo


class Lab:
    """A lab started with `make lab` by the test user, on its own port, container and work directory."""

    def __init__(self, repo: Path, user: str, work: Path, port: int, container: str):
        self.repo, self.user, self.work, self.port, self.container = repo, user, work, port, container

    def make(self, *targets: str, check: bool = True, timeout: float = 900, **variables: str
             ) -> subprocess.CompletedProcess:
        env = dict(os.environ, IMAGE=IMAGE, PORT=str(self.port), WORK_DIR=str(self.work),
                   CONTAINER=self.container, GPU="auto",
                   HOUSING_CSV=str(self.repo / "docker" / "seed-data" / "cal_housing.csv"), **variables)
        env.pop("MAKEFLAGS", None)
        env.pop("MFLAGS", None)
        env.pop("MAKELEVEL", None)
        return sh("make", "--no-print-directory", "-C", str(self.repo), *targets,
                  user=self.user, env=env, check=check, timeout=timeout)

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


@pytest.fixture
def idle_lab(shared_tmp, user_repo, host_user):
    """The test user's `make`, with its own port, container name and (not yet created) work directory."""
    work_root = Path(tempfile.mkdtemp(prefix="work-", dir=shared_tmp))
    work_root.chmod(0o777)
    port = free_port()
    return Lab(user_repo, host_user, work_root / "student-work", port, f"pytorch-lab-test-{port}")


@pytest.fixture(scope="module")
def lab(shared_tmp, user_repo, host_user):
    """A running lab for the module's tests; stopped (container removed) at the end."""
    work_root = Path(tempfile.mkdtemp(prefix="work-", dir=shared_tmp))
    work_root.chmod(0o777)
    work = work_root / "student-work"
    port = free_port()
    lab = Lab(user_repo, host_user, work, port, f"pytorch-lab-test-{port}")
    lab.first_start = lab.make("lab")
    yield lab
    docker("rm", "-f", lab.container, check=False)
