"""The hub's Dockerfile passes hadolint (scripts/hub.sh is in tests/repo/test_lint.py's shellcheck run)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

REPO = Path(__file__).resolve().parents[2]


def test_hub_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), "hadolint is missing: install the host test requirements (make test does)"
    result = subprocess.run([str(hadolint), str(REPO / "hub" / "Dockerfile")], check=False,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
