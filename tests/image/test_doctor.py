"""The doctor on this host against the real daemon and the built image: `make doctor` with named checks, and the
Docker check's verdict against another command that asks the same daemon."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from image_helpers import IMAGE, REPO, free_port

from labtools.doctor import docker as docker_check
from labtools.doctor.model import run_cmd


def test_real_docker_info_agrees_with_docker_version():
    c = docker_check.check_docker(shutil.which("docker"), run_cmd(["docker", "info", "--format", "{{json .}}"], 20))
    server = run_cmd(["docker", "version", "--format", "{{.Server.Version}}"], 20)
    assert server.rc == 0 and server.stdout.strip(), server
    assert c.status == "ok" and c.data["server_version"] == server.stdout.strip(), c


def test_make_doctor_runs_only_the_named_checks_host_and_image():
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    port = free_port()
    result = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "doctor", f"IMAGE={IMAGE}",
                             f"PORT={port}", "CONTAINER=pytorch-lab-doctor-test-absent",
                             "DOCTOR_ARGS=--json image port packages lab-package"],
                            capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert list(checks) == ["image", "port", "packages", "lab-package"], result.stderr
    assert report["env_source"]["kind"] == "image" and report["env_source"]["name"] == IMAGE
    assert checks["port"]["status"] == "ok" and checks["packages"]["status"] == "ok", checks
    assert checks["lab-package"]["status"] == "ok"
    assert result.returncode == report["exit_status"] == (1 if report["summary"]["fail"] else 0)
