"""The Python code passes ruff, the Dockerfile hadolint and the shell scripts shellcheck (all from the host test venv)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SHELL_SCRIPTS = sorted([*REPO.glob("docker/*.sh"), *REPO.glob("scripts/*.sh"), *REPO.glob("scripts/lab/*.sh"),
                        REPO / ".ci" / "run",
                        *REPO.glob(".ci/*.sh")])


def tool(name: str) -> str:
    path = BIN / name if (BIN / name).exists() else shutil.which(name)
    assert path, f"{name} is missing: install the host test requirements (make test does)"
    return str(path)


def test_dockerfile_passes_hadolint():
    result = subprocess.run([tool("hadolint"), str(REPO / "docker" / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck():
    assert len(SHELL_SCRIPTS) >= 7
    result = subprocess.run([tool("shellcheck"), *map(str, SHELL_SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_passes_ruff():
    """The rule set and its reasons are in pyproject.toml ([tool.ruff])."""
    result = subprocess.run([tool("ruff"), "check", "--no-cache", str(REPO)], capture_output=True, text=True,
                            cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tests_import_helpers_from_modules_not_conftest():
    """conftest.py is pytest's (fixtures, hooks); shared helpers live in a named module (tests/image/image_helpers.py)."""
    forbidden = re.compile(r"^\s*(from conftest import|import conftest)\b", re.M)
    offenders = [str(p.relative_to(REPO)) for p in REPO.glob("tests/**/*.py") if forbidden.search(p.read_text())]
    assert offenders == []


def test_only_the_data_set_is_read_from_beside_the_repository():
    """A fresh clone's `make test` needs nothing beside it: ../shared only stands in for the data set's download host
    (tests/lab/conftest.py); the chart's schema is vendored in deploy/k8s/z2jh."""
    beside = re.compile(r"REPO\.parent|parents\[3\]|\.\./shared")
    readers = sorted(str(p.relative_to(REPO)) for p in REPO.glob("tests/**/*.py")
                     if p != Path(__file__).resolve() and any(beside.search(line) and not line.lstrip().startswith("#")
                            for line in p.read_text().splitlines()))
    assert readers == ["tests/lab/conftest.py"]
