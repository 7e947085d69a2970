"""Break a running lab's environment the way students do, let the doctor name the damage, repair it with
`make repair`, and prove the student's work was never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.processes import REPO, docker

pytestmark = pytest.mark.slow
CA_BUNDLE = os.environ.get("CA_BUNDLE", "")


def doctor(lab) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "doctor.py"), "--json", "--container",
                             lab.container, "--port", str(lab.port)], capture_output=True, text=True, timeout=300)
    return result.returncode, json.loads(result.stdout)


def assert_environment_clean(status: int, report: dict) -> None:
    """No check of the lab's environment fails, and the exit code says whether anything failed.

    Host-resource checks (free disk, say) depend on the machine running the tests, not on the lab: they may fail
    here, but then the exit code must say so.
    """
    fails = [c for c in report["checks"] if c["status"] == "fail"]
    assert [c for c in fails if c["scope"] == "env"] == []
    assert status == (1 if fails else 0), fails


def env_check(report: dict, name: str) -> dict:
    return next(check for check in report["checks"] if check["name"] == name and check["scope"] == "env")


def student_pip(lab, *args: str) -> None:
    """`pip` as the student inside the lab (the environment is group-writable), through the build's CA."""
    env = []
    if CA_BUNDLE:
        with open(CA_BUNDLE, "rb") as bundle:
            subprocess.run(["docker", "exec", "-i", "-u", "student", lab.container, "sh", "-c",
                            "cat > /dev/shm/ca.pem"], stdin=bundle, check=True)
        env = ["-e", "PIP_CERT=/dev/shm/ca.pem"]
    docker("exec", "-u", "student", *env, lab.container, "python", "-m", "pip", "install", "-q", *args)


def test_doctor_finds_the_broken_packages_and_repair_restores_the_lock(lab):
    work_file = lab.work / "module1" / "00_environnement.ipynb"
    work_file.write_text(work_file.read_text().replace("Environnement", "Environnement (mes notes)", 1))
    work_bytes = work_file.read_bytes()

    status, report = doctor(lab)
    assert_environment_clean(status, report)
    assert env_check(report, "packages")["status"] == "ok"

    student_pip(lab, "numpy==2.4.6")
    docker("exec", "-u", "student", lab.container, "python", "-m", "pip", "uninstall", "-y", "-q", "scikit-learn")

    status, report = doctor(lab)
    packages = env_check(report, "packages")
    assert status == 1 and report["summary"]["fail"] >= 1
    assert packages["status"] == "fail"
    assert [item["name"] for item in packages["data"]["different"]] == ["numpy"]
    assert [item["name"] for item in packages["data"]["missing"]] == ["scikit-learn"]
    assert packages["data"]["extra"] == []
    assert "numpy" in packages["detail"] and "scikit-learn" in packages["detail"]
    assert "make repair" in (packages["fix"] or "")

    url = lab.make("url").stdout
    repaired = lab.make("repair", timeout=900)
    assert lab.make("url").stdout == url  # the open tab's URL is unchanged
    assert "numpy" in repaired.stdout and "scikit-learn" in repaired.stdout, repaired.stdout

    status, report = doctor(lab)
    assert_environment_clean(status, report)
    assert env_check(report, "packages")["status"] == "ok"
    assert work_file.read_bytes() == work_bytes


def test_repair_without_a_running_lab_says_what_to_do(lab, tmp_path):
    other = type(lab)(lab.repo, lab.user, tmp_path / "w", lab.port, lab.container + "-absent")
    result = other.make("repair", check=False)
    assert result.returncode != 0
    assert "ne tourne pas" in result.stderr and "make lab" in result.stderr
