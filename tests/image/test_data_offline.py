"""Building offline (`make build DATA_OFFLINE=1`) with no local copy of the data: a warning, and the build goes
on (the lab then says how to get the data). Built from a copy of the repo under a scratch tag; every layer
before the data step comes from the cache."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from image_helpers import docker_build

from tests.support.processes import REPO, docker

pytestmark = pytest.mark.slow


def test_build_without_data_copy_warns_and_goes_on(shared_tmp):
    repo = shared_tmp / f"no-data-{uuid.uuid4().hex[:6]}"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", ".venv", "work", "exports", "*.csv"))
    tag = f"lab-no-data:{uuid.uuid4().hex[:8]}"
    args = ["--secret", f"id=ca_bundle,src={os.environ['CA_BUNDLE']}"] if os.environ.get("CA_BUNDLE") else []
    # Any non-empty DATA_OFFLINE works; a unique one keeps the data step from coming out of the build cache.
    result = docker_build(tag, "--build-arg", f"DATA_OFFLINE=1-{uuid.uuid4().hex}", *args, cwd=repo)
    try:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Impossible de charger California housing" in result.stderr
        assert "téléchargement non tenté" in result.stderr
        assert "--allow-missing : on continue sans les données" in result.stderr
        probe = docker("run", "--rm", "--entrypoint", "python", tag, "-c",
                       "import lab.data; print(lab.data.is_cached())").stdout.strip()
        assert probe == "False"
    finally:
        docker("rmi", "-f", tag, check=False)
        shutil.rmtree(repo, ignore_errors=True)
