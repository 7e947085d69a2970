"""Shared by the doctor's tests: the repository root and an environment without the caller's lab variables."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env():
    """Environment for doctor subprocesses: no LAB_IN_IMAGE / IMAGE / CONTAINER / PORT leaking from the caller."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LAB_IN_IMAGE", "IMAGE", "CONTAINER", "PORT", "LAB_DOCTOR_TODAY", "LAB_LOCK_FILE",
                        "JUPYTER_TOKEN", "JUPYTER_PORT")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env
