"""Shared helpers for the bench_transfer tests: load the standalone script as a module, run it as a process."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_transfer.py"


@pytest.fixture(scope="session")
def bt():
    """The script imported as a module (it is not part of the `lab` package)."""
    spec = importlib.util.spec_from_file_location("bench_transfer", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_transfer"] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def run_script(*args: str, code: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the script with no visible GPU (CUDA_VISIBLE_DEVICES=''), so the CPU path is what runs everywhere.

    `code`, when given, is Python run before the script in the same interpreter (e.g. to hide a module).
    """
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONIOENCODING="utf-8")
    if code is None:
        cmd = [sys.executable, str(SCRIPT), *args]
    else:
        runner = (f"{code}\nimport runpy, sys\nsys.argv = [{str(SCRIPT)!r}] + {list(args)!r}\n"
                  f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n")
        cmd = [sys.executable, "-c", runner]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, encoding="utf-8")


@pytest.fixture(scope="session")
def run_bench():
    return run_script


def assert_valid_png(path: Path) -> None:
    """PNG signature, then a real decode by matplotlib into a non-empty RGB(A) image."""
    import matplotlib.image

    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100 and image.shape[2] in (3, 4)


@pytest.fixture(scope="session")
def valid_png():
    return assert_valid_png
