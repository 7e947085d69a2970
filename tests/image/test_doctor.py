"""The doctor on this host against the real daemon and the built image: `make doctor` with named checks, and the
Docker check's verdict against another command that asks the same daemon."""

from __future__ import annotations

import json
import shutil

from image_helpers import IMAGE

from labtools.doctor import docker as docker_check
from labtools.doctor.model import run_cmd
from tests.support.processes import free_port, make


def test_real_docker_info_agrees_with_docker_version():
    c = docker_check.check_docker(shutil.which("docker"), run_cmd(["docker", "info", "--format", "{{json .}}"], 20))
    server = run_cmd(["docker", "version", "--format", "{{.Server.Version}}"], 20)
    assert server.rc == 0 and server.stdout.strip(), server
    assert c.status == "ok" and c.data["server_version"] == server.stdout.strip(), c


def test_make_doctor_runs_only_the_named_checks_host_and_image():
    port = free_port()
    result = make("doctor", f"IMAGE={IMAGE}", f"PORT={port}", "CONTAINER=pytorch-lab-doctor-test-absent",
                  "DOCTOR_ARGS=--json image port packages lab-package", timeout=300)
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert list(checks) == ["image", "port", "packages", "lab-package"], result.stderr
    assert report["env_source"]["kind"] == "image" and report["env_source"]["name"] == IMAGE
    assert checks["port"]["status"] == "ok" and checks["packages"]["status"] == "ok", checks
    assert checks["lab-package"]["status"] == "ok"
    assert result.returncode == report["exit_status"] == (1 if report["summary"]["fail"] else 0)
