"""The Makefile is the user interface: `make` alone explains it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import make, make_env

REPO = Path(__file__).resolve().parents[2]
HELP_VARIABLES = re.search(r"^HELP_VARS := (.*?)\n\n", (REPO / "Makefile").read_text(), re.S | re.M).group(1).split()


def test_make_alone_prints_the_help_with_every_target_and_variable():
    result = make()
    assert result.returncode == 0
    for target in ("lab", "test", "build", "rebuild", "stop", "shell", "logs", "lock", "export", "bench",
                   "doctor", "repair", "help"):
        assert f"{target} " in result.stdout, target
    for variable in ("IMAGE", "PORT", "WORK_DIR", "GPU", "BASE_IMAGE", "PYTHON_SOURCE", "CA_BUNDLE"):
        assert variable in result.stdout, variable


def test_every_default_shown_by_make_help_is_the_one_of_defaults_env():
    """labtools/defaults.env is the one copy: Make includes it, Python parses it (policy.DEFAULTS), bash sources it."""
    from labtools import policy

    settings = [name for name in policy.DEFAULTS if name in HELP_VARIABLES]
    assert {"IMAGE", "CONTAINER", "PORT", "HUB_IMAGE", "HUB_SHM_SIZE", "HUB_SPAWN_TIMEOUT"} <= set(settings)
    env = {k: v for k, v in make_env().items() if k not in settings}
    lines = make("help", env=env).stdout.splitlines()
    for name in settings:
        assert any(line.split()[:3] == [name, "=", policy.DEFAULTS[name]] for line in lines), name
    assert policy.DEFAULT_PORT == int(policy.DEFAULTS["PORT"]) and policy.HOST_PYTHON_MIN == (3, 10)
    printed = subprocess.run([sys.executable, "-m", "labtools.policy", "defaults"], capture_output=True, text=True,
                             cwd=REPO, check=True).stdout
    assert dict(line.split("=", 1) for line in printed.splitlines()) == policy.DEFAULTS


def test_the_lock_fingerprint_make_builds_with_is_the_doctors(tmp_path):
    """The image's label (Makefile: python -m labtools.policy fingerprint) is what the doctor compares with."""
    from labtools import policy

    (tmp_path / "requirements.txt").write_bytes(b"numpy==2.6.0\n")
    (tmp_path / "environment.yml").write_bytes(b"- python=3.14.8\n")
    printed = subprocess.run([sys.executable, "-m", "labtools.policy", "fingerprint", str(tmp_path / "requirements.txt")],
                             capture_output=True, text=True, cwd=REPO, check=True).stdout.strip()
    assert printed == policy.lock_fingerprint(b"numpy==2.6.0\n", b"- python=3.14.8\n")
    assert "-m labtools.policy build-args" in make("-n", "build", "IMAGE=x:y", "DOCKER_BUILD=true").stdout
    build_args = subprocess.run([sys.executable, "-m", "labtools.policy", "build-args"], capture_output=True, text=True,
                                cwd=REPO, check=True).stdout.split()
    repo_files = [(REPO / name).read_bytes() for name in ("requirements.txt", "environment.yml")]
    assert f"LOCK_SHA256={policy.lock_fingerprint(*repo_files)}" in build_args
    assert f"LOCK_CUDA={policy.cuda_from_lock(repo_files[0].decode())}" in build_args


@pytest.mark.parametrize("args", [[], ["nope"], ["export"], ["preflight"], ["snapshot"]], ids=str)
def test_lab_sh_without_a_known_command_prints_its_usage(args):
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), *args], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("usage : lab.sh start") and "unbound" not in result.stderr


def test_variables_are_overridable_on_the_command_line():
    result = make("help", "PORT=8899", "GPU=off")
    assert "= 8899" in result.stdout and "= off" in result.stdout


def test_help_writes_no_escape_codes_into_a_pipe_but_bolds_on_a_terminal():
    assert "\033" not in make("help").stdout
    if not shutil.which("script"):
        pytest.skip("no `script` command to give make a terminal")
    env = {k: v for k, v in make_env().items() if k != "NO_COLOR"}
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
