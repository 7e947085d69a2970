"""`make lab` answers every bad input in one French line before anything slow runs (`scripts/lab.sh preflight`).

Each test runs the real `make lab` with a build command that only records that it was called, an image tag
and a container name that exist nowhere, and checks the message, that the build command never ran, and that
no image or container appeared. The build client check (buildx) is fed fake Docker clients at the boundary.
A running lab started with other settings, and a work directory the user cannot write, are tested with a
real lab in tests/image/test_lab_settings.py."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support.processes import make

REPO = Path(__file__).resolve().parents[2]

FAKE_CLIENT = """#!/usr/bin/env bash
# A Docker CLI {version}{plugin}: `build` only records that it ran.
case "$1" in
    buildx) {buildx} ;;
    version) echo "{version}" ;;
    build) touch "{marker}" ;;
    *) exit 0 ;;
esac
"""


@pytest.fixture
def sandbox(tmp_path):
    """Names nothing else uses, a recording build command, and helpers to run `make lab` and look at Docker."""
    suffix = uuid.uuid4().hex[:10]
    marker = tmp_path / "build-was-called"
    recorder = tmp_path / "record-build"
    recorder.write_text(f'#!/bin/sh\ntouch "{marker}"\n')
    recorder.chmod(0o755)

    class Sandbox:
        image = f"pytorch-gpu-lab-preflight:{suffix}"
        container = f"pytorch-lab-preflight-{suffix}"
        work = tmp_path / "work"

        def client(self, version: str, buildx: bool) -> str:
            """A fake Docker CLI; returns its path."""
            path = tmp_path / f"client-{version}-{buildx}" / "docker"
            path.parent.mkdir()
            path.write_text(FAKE_CLIENT.format(
                version=version, plugin=" with buildx" if buildx else " without buildx", marker=marker,
                buildx="echo 'github.com/docker/buildx v0.29.1'" if buildx
                else "echo \"docker: 'buildx' is not a docker command.\" >&2; exit 1"))
            path.chmod(0o755)
            return str(path)

        def make_lab(self, **variables: str) -> subprocess.CompletedProcess:
            settings = {"IMAGE": self.image, "CONTAINER": self.container, "PORT": "18765", "GPU": "off",
                        "WORK_DIR": str(self.work), "DOCKER_BUILD": str(recorder), **variables}
            return make("lab", *(f"{k}={v}" for k, v in settings.items()), timeout=120)

        def nothing_happened(self) -> bool:
            image = subprocess.run(["docker", "image", "inspect", self.image], capture_output=True)
            containers = subprocess.run(["docker", "ps", "-aq", "--filter", f"name={self.container}"],
                                        capture_output=True, text=True, check=True).stdout.strip()
            return not marker.exists() and image.returncode != 0 and containers == "" and not self.work.exists()

    return Sandbox()


def refused(result: subprocess.CompletedProcess) -> str:
    """The one French line of a refused `make lab`, which must be the first line it prints."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert result.stdout == "", result.stdout
    first = result.stderr.splitlines()[0]
    assert first.startswith("lab : erreur : "), result.stderr
    return first


@pytest.mark.parametrize("variable, value, expected", [
    ("PORT", "notaport", "PORT=« notaport » n'est pas un port : il faut un nombre entre 1 et 65535"),
    ("PORT", "99999", "PORT=« 99999 » n'est pas un port"),
    ("PORT", "0", "PORT=« 0 » n'est pas un port"),
    ("GPU", "maybe", "GPU=« maybe » : les valeurs possibles sont auto"),
    ("IMAGE", "Mon Image:latest", "IMAGE=« Mon Image:latest » n'est pas un nom d'image Docker"),
    ("CONTAINER", "mon lab", "CONTAINER=« mon lab » n'est pas un nom de conteneur Docker"),
    ("SHM_SIZE", "beaucoup", "SHM_SIZE=« beaucoup » n'est pas une taille"),
    ("WORK_DIR", "/tmp/a:b", "contient « : » ou « , »"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_bad_value_is_refused_before_the_build(sandbox, variable, value, expected):
    result = sandbox.make_lab(**{variable: value})
    line = refused(result)
    assert expected in line
    assert "make lab" in line  # says what to type instead
    assert len([ln for ln in result.stderr.splitlines() if ln.startswith("lab :")]) == 1
    assert sandbox.nothing_happened()


def test_several_bad_values_are_all_named(sandbox):
    result = sandbox.make_lab(PORT="http", GPU="oui")
    refused(result)
    assert "PORT=« http »" in result.stderr and "GPU=« oui »" in result.stderr
    assert sandbox.nothing_happened()


def test_work_dir_under_a_file_is_named(sandbox, tmp_path):
    blocker = tmp_path / "un-fichier"
    blocker.write_text("")
    line = refused(sandbox.make_lab(WORK_DIR=str(blocker / "travail")))
    assert f"{blocker} existe mais n'est pas un dossier" in line
    assert sandbox.nothing_happened()


def test_busy_port_is_refused_before_the_build(sandbox):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        line = refused(sandbox.make_lab(PORT=str(port)))
    assert f"le port {port} est déjà utilisé" in line and f"make lab PORT={port + 1}" in line
    assert sandbox.nothing_happened()


def test_docker_daemon_that_does_not_answer_is_named(sandbox, tmp_path):
    line = refused(sandbox.make_lab(DOCKER_HOST=f"unix://{tmp_path}/absent.sock"))
    assert "Docker ne répond pas" in line and "sudo systemctl start docker" in line
    assert sandbox.nothing_happened()


def test_missing_buildx_plugin_is_make_labs_first_line(sandbox):
    client = sandbox.client("28.2.2", buildx=False)
    line = refused(sandbox.make_lab(DOCKER_BUILD=f"{client} build"))
    assert f"le client Docker {client} n'a pas le plugin buildx" in line
    assert "sudo apt-get install docker-buildx-plugin" in line
    assert sandbox.nothing_happened()


@pytest.mark.parametrize("version, buildx", [("28.2.2", True), ("20.10.24+dfsg1", False)],
                         ids=["plugin-installed", "buildkit-built-in"])
def test_a_client_that_can_build_passes_the_check(sandbox, version, buildx):
    env = dict(os.environ, DOCKER_BUILD=f"{sandbox.client(version, buildx)} build", IMAGE=sandbox.image)
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), "preflight", "build"], capture_output=True,
                            text=True, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_this_machines_build_command_passes_the_check():
    """The DOCKER_BUILD this test run uses (CI: the engine-bundled client when the plugin is missing)."""
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), "preflight", "build"], capture_output=True,
                            text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stderr


def test_the_fix_names_another_client_that_can_build(sandbox, tmp_path):
    broken = sandbox.client("28.2.2", buildx=False)
    working = sandbox.client("20.10.24", buildx=False)
    env = dict(os.environ, DOCKER_BUILD="docker build", IMAGE=sandbox.image,
               PATH=f"{Path(broken).parent}:{Path(working).parent}:{os.environ['PATH']}")
    result = subprocess.run([str(REPO / "scripts" / "lab.sh"), "preflight", "build"], capture_output=True,
                            text=True, env=env)
    assert result.returncode == 1
    assert f'make lab DOCKER_BUILD="{working} build"' in result.stderr


def test_gpu_on_without_a_usable_gpu_is_refused_before_the_build(sandbox):
    """GPU=on is judged by the doctor's rule before anything is built: on a host where containers cannot get the
    GPU (CI's), one line gives the reason and the CPU command; where they can, the build goes ahead."""
    decision = subprocess.run(["python3", "-m", "labtools.doctor", "--gpu-decision", "--image", sandbox.image],
                              capture_output=True, text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                              check=True).stdout.strip()
    result = sandbox.make_lab(GPU="on")
    if decision == "gpu":
        assert "GPU=on" not in result.stderr
        return
    line = refused(result)
    assert line == f"lab : erreur : GPU=on, mais le GPU est inutilisable : {decision.removeprefix('cpu : ')} ; " \
                   "make doctor dit quoi installer, ou lancez le lab sur le CPU : make lab GPU=off."
    assert sandbox.nothing_happened()


def test_a_host_python_older_than_the_minimum_is_named(sandbox, tmp_path):
    """An interpreter that answers like Python 3.9 (HOST_PYTHON_MIN is 3.10, labtools/defaults.env)."""
    from labtools.policy import DEFAULTS

    old = tmp_path / "python3.9"
    old.write_text('#!/bin/sh\ncase "$*" in *version_info*) exit 1 ;; *python_version*) echo 3.9.18 ;; esac\nexit 0\n')
    old.chmod(0o755)
    line = refused(sandbox.make_lab(PYTHON=str(old)))
    assert f"{old} est trop ancien (3.9.18)" in line and f"Python {DEFAULTS['HOST_PYTHON_MIN']} ou plus récent" in line
    assert "make lab PYTHON=" in line
    assert sandbox.nothing_happened()
