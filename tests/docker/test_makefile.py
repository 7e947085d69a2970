"""The Makefile is the user interface: `make` alone explains it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def make(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_make_alone_prints_the_help_with_every_target_and_variable():
    result = make()
    assert result.returncode == 0
    for target in ("lab", "test", "build", "rebuild", "stop", "shell", "logs", "lock", "export", "bench",
                   "doctor", "repair", "help"):
        assert f"{target} " in result.stdout, target
    for variable in ("IMAGE", "PORT", "WORK_DIR", "GPU", "BASE_IMAGE", "PYTHON_SOURCE", "CA_BUNDLE"):
        assert variable in result.stdout, variable


def test_variables_are_overridable_on_the_command_line():
    result = make("help", "PORT=8899", "GPU=off")
    assert "= 8899" in result.stdout and "= off" in result.stdout


def test_bad_gpu_value_is_refused_before_anything_starts():
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), "gpu"], capture_output=True, text=True,
                            env=dict(os.environ, GPU="maybe"))
    assert result.returncode != 0 and "GPU=« maybe » : les valeurs possibles sont auto" in result.stderr
