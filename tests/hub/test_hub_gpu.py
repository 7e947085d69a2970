"""HUB_GPU follows the doctor's GPU decision, the one `make lab` uses (labtools/doctor/gpu.py): the driver must be
recent enough for the lab image's CUDA and the NVIDIA Container Toolkit present. The doctor's facts are faked at
its boundary, on PATH: an `nvidia-smi` that reports a driver version and lists two GPUs, and a toolkit binary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from hubtest import IMAGE

from tests.support.processes import REPO

# On a host with a real driver the doctor reads it first (NVML, /proc), and the fake nvidia-smi is not asked.
REAL_DRIVER = Path("/proc/driver/nvidia/version").exists()
TWO_GPUS = "GPU 0: NVIDIA H200 (UUID: GPU-11111111-aaaa)\nGPU 1: NVIDIA H200 (UUID: GPU-22222222-bbbb)"


def fake_host(tmp_path: Path, driver: str | None, toolkit: bool) -> str:
    """A PATH whose first directory holds the faked NVIDIA tools; returns it."""
    bin_dir = tmp_path / f"bin-{driver}-{toolkit}"
    bin_dir.mkdir()
    tools = {}
    if driver:
        tools["nvidia-smi"] = (f'case "$*" in *driver_version*) echo "{driver}" ;; '
                               f'-L) printf "%s\\n" "{TWO_GPUS}" ;; esac')
    if toolkit:
        tools["nvidia-container-cli"] = "exit 0"
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return f"{bin_dir}:{os.environ['PATH']}"


def doctor_says(path: str) -> str:
    """What `make lab`'s GPU decision says on this (faked) host: 'gpu', or 'cpu : <reason>'."""
    return subprocess.run(["python3", "-m", "labtools.doctor", "--gpu-decision", "--image", IMAGE], cwd=REPO,
                          env=dict(os.environ, PATH=path, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_driver_too_old_for_the_images_cuda_means_cpu_for_auto_and_refusal_for_shared(new_hub, tmp_path):
    hub = new_hub()
    path = fake_host(tmp_path, "575.57.08", toolkit=True)  # the image's CUDA 13 needs the 580 branch
    decision = doctor_says(path)
    if not REAL_DRIVER:
        assert decision.startswith("cpu : ") and "575.57.08 trop ancien" in decision
    reason = decision.removeprefix("cpu : ")
    auto = hub.run("check", HUB_GPU="auto", PATH=path)
    assert "GPU des élèves : none" in auto.stdout and f"les élèves travaillent sur le CPU ({reason})" in auto.stderr
    for mode in ("shared", "per-student"):
        refused = hub.run("check", check=False, HUB_GPU=mode, PATH=path)
        assert refused.returncode != 0
        assert f"HUB_GPU={mode}, mais les conteneurs des élèves ne peuvent pas utiliser le GPU : {reason}." \
               in refused.stderr
        assert "make hub HUB_GPU=none" in refused.stderr


def test_no_container_toolkit_refuses_per_student(new_hub, tmp_path):
    hub = new_hub()
    path = fake_host(tmp_path, "580.65.06", toolkit=False)
    decision = doctor_says(path)
    if decision == "gpu":  # this host has a real toolkit: the doctor says yes, and so must the hub
        assert hub.run("check", HUB_GPU="per-student", PATH=path).returncode == 0
        return
    assert "NVIDIA Container Toolkit" in decision or REAL_DRIVER
    refused = hub.run("check", check=False, HUB_GPU="per-student", PATH=path)
    assert refused.returncode != 0 and decision.removeprefix("cpu : ") in refused.stderr


def test_a_usable_gpu_is_shared_by_auto_and_split_by_per_student(new_hub, tmp_path):
    hub = new_hub()
    path = fake_host(tmp_path, "580.65.06", toolkit=True)
    assert doctor_says(path) == "gpu"
    assert "GPU des élèves : shared" in hub.run("check", HUB_GPU="auto", PATH=path).stdout
    split = hub.run("check", HUB_GPU="per-student", PATH=path).stdout
    if not REAL_DRIVER:
        assert "GPU des élèves : per-student, GPU-11111111-aaaa,GPU-22222222-bbbb" in split


def test_this_hosts_own_decision_is_the_doctors(new_hub):
    """No fake: on this host, HUB_GPU=auto resolves as `make lab` does."""
    hub = new_hub()
    decision = doctor_says(os.environ["PATH"])
    out = hub.run("check", HUB_GPU="auto").stdout
    assert ("GPU des élèves : shared" in out) == (decision == "gpu"), (decision, out)
