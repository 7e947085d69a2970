"""Image tests: pytest on the host drives Docker and the built lab image (`make test` builds it first)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest
from image_helpers import IMAGE, TEST_UID, TEST_USER, Lab, sh

from tests.support.processes import REPO, docker, free_port


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.image)


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
