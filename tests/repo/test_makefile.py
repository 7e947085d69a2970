"""The Makefile is the user interface: `make` alone explains it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_default_names_come_from_labtools_policy():
    from labtools import policy

    env = {k: v for k, v in os.environ.items() if k not in {"IMAGE", "CONTAINER", "PORT"}}
    result = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "help"], capture_output=True,
                            text=True, env={k: v for k, v in env.items() if k not in {"MAKEFLAGS", "MFLAGS"}})
    for name, value in (("IMAGE", policy.DEFAULT_IMAGE), ("CONTAINER", policy.DEFAULT_CONTAINER),
                        ("PORT", policy.DEFAULT_PORT)):
        assert any(line.split()[:3] == [name, "=", str(value)] for line in result.stdout.splitlines()), name


def test_variables_are_overridable_on_the_command_line():
    result = make("help", "PORT=8899", "GPU=off")
    assert "= 8899" in result.stdout and "= off" in result.stdout


def test_help_writes_no_escape_codes_into_a_pipe_but_bolds_on_a_terminal():
    assert "\033" not in make("help").stdout
    if not shutil.which("script"):
        pytest.skip("no `script` command to give make a terminal")
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "NO_COLOR"}}
    tty = subprocess.run(["script", "-qec", f"make --no-print-directory -C {REPO} help", "/dev/null"],
                         capture_output=True, text=True, env=env, timeout=60).stdout
    assert "\033[1mlab" in tty
    no_color = subprocess.run(["script", "-qec", f"make --no-print-directory -C {REPO} help", "/dev/null"],
                              capture_output=True, text=True, env=dict(env, NO_COLOR="1"), timeout=60).stdout
    assert "lab" in no_color and "\033" not in no_color


def test_bad_gpu_value_is_refused_before_anything_starts():
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), "gpu"], capture_output=True, text=True,
                            env=dict(os.environ, GPU="maybe"))
    assert result.returncode != 0 and "GPU=« maybe » : les valeurs possibles sont auto" in result.stderr


FAKE_DOCKER = """#!/bin/sh
# docker info: the nvidia runtime is configured; image inspect: a lab image built for CUDA 13.
case "$1 $2" in
  "info --format") echo '{"ServerVersion": "28.2.2", "Runtimes": {"nvidia": {}, "runc": {}}}' ;;
  "image inspect") echo '[{"Config": {"Labels": {"org.pytorch-lab.cuda": "13.2"}}}]' ;;
  *) exit 1 ;;
esac
"""


@pytest.fixture
def host_with_driver(tmp_path):
    """A PATH where nvidia-smi reports a driver and docker has the NVIDIA runtime; returns run(driver, GPU)."""
    if Path("/proc/driver/nvidia/version").exists():
        pytest.skip("this machine has a real NVIDIA driver, which the doctor reads before nvidia-smi")
    (tmp_path / "docker").write_text(FAKE_DOCKER)

    def run(driver: str, gpu: str) -> subprocess.CompletedProcess:
        (tmp_path / "nvidia-smi").write_text(f"#!/bin/sh\necho {driver}\n")
        for tool in tmp_path.iterdir():
            tool.chmod(0o755)
        env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}", GPU=gpu, IMAGE="lab:cuda13",
                   PYTHON=sys.executable)
        return subprocess.run([str(REPO / "scripts" / "lab.sh"), "gpu"], capture_output=True, text=True, env=env,
                              timeout=60)

    return run


def test_make_lab_and_the_doctor_agree_on_an_old_driver(host_with_driver):
    """Driver 575 with the CUDA 13 image: the doctor says ✗, so `make lab` must not pass --gpus."""
    auto = host_with_driver("575.57.08", "auto")
    assert auto.returncode == 0 and auto.stdout.strip() == ""
    assert "mode CPU, pilote 575.57.08 trop ancien pour CUDA 13.2" in auto.stderr and "580" in auto.stderr
    on = host_with_driver("575.57.08", "on")
    assert on.returncode != 0 and "pilote 575.57.08 trop ancien" in on.stderr and "make lab GPU=off" in on.stderr
    recent = host_with_driver("580.65.06", "auto")
    assert recent.returncode == 0 and recent.stdout.strip() == "--gpus all", recent.stderr
