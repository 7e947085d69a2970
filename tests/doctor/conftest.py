"""Load scripts/doctor.py (a standalone script, not a package) as a module for the doctor's tests."""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "doctor.py"


def _load():
    spec = importlib.util.spec_from_file_location("lab_doctor", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lab_doctor"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def doctor():
    return _load()


@pytest.fixture
def clean_env():
    """Environment for doctor subprocesses: no LAB_IN_IMAGE / IMAGE / CONTAINER / PORT leaking from the caller."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LAB_IN_IMAGE", "IMAGE", "CONTAINER", "PORT", "LAB_DOCTOR_TODAY", "LAB_LOCK_FILE",
                        "JUPYTER_TOKEN", "JUPYTER_PORT")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env
