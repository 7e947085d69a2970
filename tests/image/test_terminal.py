"""The lab's terminal runs part 00 of the course: a real JupyterLab terminal over its websocket (a login shell,
as the student), the other shells of the image, `conda` as this build provides it, the part-00 terminal
exercise, and a `pip freeze` -> `pip install -r` round trip in a fresh venv (packages from PyPI)."""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import urllib.request
import uuid

import pytest
import websocket
from image_helpers import in_image

from tests.support.processes import docker, make_env

LAB_BIN = "/opt/conda/envs/lab/bin"
ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07)")


class Terminal:
    """A JupyterLab terminal, opened as the browser does: POST /api/terminals, then its websocket."""

    def __init__(self, lab):
        request = urllib.request.Request(f"{lab.base_url}/api/terminals", method="POST", data=b"{}",
                                         headers={"Authorization": f"token {lab.token()}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            self.name = json.load(response)["name"]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{lab.port}/terminals/websocket/{self.name}?token={lab.token()}", timeout=120)

    def run(self, command: str) -> tuple[str, int]:
        """Type one command line; return its output (without the echo and the prompt) and its exit status."""
        mark = uuid.uuid4().hex[:8]
        # The quotes split the markers in the echoed command line, so only the real output matches.
        self.ws.send(json.dumps(["stdin", f'echo "{mark}""B"; {command}; echo "{mark}""E$?"\r']))
        pattern = re.compile(rf"{mark}B\n(.*?){mark}E(\d+)\n", re.S)
        text = ""
        while not (match := pattern.search(text)):
            kind, *payload = json.loads(self.ws.recv())
            if kind == "stdout":
                text = ANSI.sub("", text + payload[0]).replace("\r", "")
            elif kind == "disconnect":
                raise AssertionError(f"the terminal closed:\n{text}")
        return match.group(1), int(match.group(2))

    def close(self):
        self.ws.close()


@pytest.fixture(scope="module")
def terminal(lab):
    term = Terminal(lab)
    yield term
    term.close()


@pytest.fixture(scope="module")
def versions():
    """What the image records about itself: python (the pin, see test_image_contents), python_source."""
    return json.loads(in_image("cat", "/opt/lab/image-lock/versions.json").stdout)


def test_terminal_is_a_login_shell_of_the_student(lab, terminal):
    out, status = terminal.run("shopt -q login_shell && echo login; id -un; id -u; pwd")
    assert status == 0
    assert out.split() == ["login", "student", str(pwd.getpwnam(lab.user).pw_uid), "/home/student/work"]


def test_terminal_has_the_lab_python_pip_and_jupyter(terminal, versions):
    out, status = terminal.run("type -p python pip jupyter")
    assert status == 0 and out.split() == [f"{LAB_BIN}/python", f"{LAB_BIN}/pip", f"{LAB_BIN}/jupyter"]
    out, _ = terminal.run("python --version; pip --version")
    version, pip = out.splitlines()
    assert version == f"Python {versions['python']}"
    assert "/opt/conda/envs/lab/" in pip
    assert terminal.run("jupyter lab --version")[1] == 0


def test_conda_in_the_terminal(terminal, versions):
    out, status = terminal.run("conda env list")
    if versions["python_source"] == "system":
        assert status == 1
        assert out.startswith("conda : cette image du lab a été construite sans conda (PYTHON_SOURCE=system")
        assert "python -m venv" in out and len(out.strip().splitlines()) == 1
        assert terminal.run("conda activate lab")[1] == 1
    else:
        assert status == 0 and "/opt/conda/envs/lab" in out
        out, status = terminal.run('conda activate lab && echo "$CONDA_DEFAULT_ENV $(type -p python)"')
        assert status == 0 and out.split() == ["lab", f"{LAB_BIN}/python"]
        out, status = terminal.run("conda env export")
        assert status == 0 and f"python={versions['python']}" in out


def test_part_00_terminal_exercise(lab, terminal):
    """Exercise 7 of part 00 as a student does it: `pip freeze` typed in the terminal, then the notebook's check."""
    out, status = terminal.run("pip freeze > ~/work/module1/freeze.txt")
    assert status == 0, out
    saved = lab.work / "module1" / "freeze.txt"
    assert saved.stat().st_uid == pwd.getpwnam(lab.user).pw_uid
    assert re.search(r"^torch==", saved.read_text(), re.M)
    check = docker("exec", "-u", "student", "-w", "/home/student/work/module1", lab.container, "python", "-c",
                   "from lab.exercises.environment import check_terminal_freeze; check_terminal_freeze('freeze.txt')")
    assert "✅" in check.stdout and "exactement ceux de ce notebook" in check.stdout


@pytest.mark.slow
def test_pip_freeze_round_trip_in_a_fresh_venv(lab, terminal):
    """The notebook's round trip, typed in the terminal: a venv, two packages from PyPI, `pip freeze`, then
    `pip install -r` of that freeze in another fresh venv gives exactly the same versions."""
    bundle = os.environ.get("CA_BUNDLE")
    if bundle:  # behind a TLS-intercepting proxy (CI), pip needs the proxy's CA, as the build does
        docker("cp", bundle, f"{lab.container}:/tmp/ca.pem")
        docker("exec", lab.container, "chmod", "a+r", "/tmp/ca.pem")
        assert terminal.run("export PIP_CERT=/tmp/ca.pem")[1] == 0
    steps = [
        "python -m venv /tmp/essai",
        "source /tmp/essai/bin/activate",
        "pip install --quiet python-dateutil==2.9.0.post0",
        "pip freeze > /tmp/essai.txt",
        "deactivate",
        "python -m venv /tmp/copie",
        "/tmp/copie/bin/pip install --quiet -r /tmp/essai.txt",
    ]
    for step in steps:
        out, status = terminal.run(step)
        assert status == 0, f"{step}:\n{out}"
    frozen, _ = terminal.run("cat /tmp/essai.txt")
    reinstalled, _ = terminal.run("/tmp/copie/bin/pip freeze")
    assert frozen.split() == ["python-dateutil==2.9.0.post0", "six==1.17.0"]
    assert reinstalled == frozen
    assert terminal.run("type -p python")[0].strip() == f"{LAB_BIN}/python"  # deactivate gave the lab back


@pytest.mark.parametrize("user", ["student", "root"])
@pytest.mark.parametrize("shell", [["bash", "-l", "-c"], ["bash", "-c"], ["bash", "-i", "-c"], ["sh", "-l", "-c"]],
                         ids=["bash-login", "bash", "bash-interactive", "sh-login"])
def test_every_shell_of_the_lab_finds_the_lab_python(lab, user, shell):
    result = docker("exec", "-u", user, lab.container, *shell,
                    "for c in python pip jupyter; do command -v $c; done")
    assert result.stdout.split()[:3] == [f"{LAB_BIN}/python", f"{LAB_BIN}/pip", f"{LAB_BIN}/jupyter"]


def test_make_shell_is_a_login_shell_with_the_lab_python(lab):
    """`make shell` (docker exec -it ... bash -l) in a pseudo-terminal, as the host user types it."""
    env = make_env(CONTAINER=lab.container)
    command = ["script", "-qec", f"make --no-print-directory -C {lab.repo} shell", "/dev/null"]
    if os.getuid() != pwd.getpwnam(lab.user).pw_uid:
        command = ["runuser", "-u", lab.user, "--", *command]
    result = subprocess.run(command, input='echo "$(shopt -q login_shell && echo login) $(type -p python)"; exit\n',
                            capture_output=True, text=True, env=env, timeout=120)
    assert f"login {LAB_BIN}/python" in ANSI.sub("", result.stdout).replace("\r", ""), result.stdout + result.stderr


def test_nvidia_smi_in_the_terminal_says_why_there_is_no_gpu_in_french(lab, terminal):
    """Without a GPU (this lab was started with GPU=auto on a host without one), one French sentence; with a GPU
    the toolkit's real nvidia-smi, earlier on PATH, answers."""
    has_gpu = docker("container", "inspect", "-f", "{{json .HostConfig.DeviceRequests}}", lab.container).stdout.strip()
    output, status = terminal.run("nvidia-smi")
    if has_gpu not in ("null", "[]"):
        assert status == 0 and "NVIDIA-SMI" in output, output
        return
    assert status == 127 and len(output.strip().splitlines()) == 1, output
    assert "ce conteneur n'a pas de GPU" in output and "« make doctor »" in output and "command not found" not in output


@pytest.mark.parametrize("shell", [["bash", "-lc"], ["sh", "-c"]], ids=["login", "plain"])
def test_the_real_nvidia_smi_comes_before_the_fallback(shell):
    """Where the NVIDIA Container Toolkit mounts the real one (/usr/bin), it wins; the fallback is last on PATH."""
    fake = "printf '#!/bin/sh\\necho vrai-nvidia-smi\\n' >/usr/bin/nvidia-smi && chmod +x /usr/bin/nvidia-smi"
    result = in_image("bash", "-c", f"{fake} && {' '.join(shell)} nvidia-smi")
    assert result.stdout.strip() == "vrai-nvidia-smi", result.stdout + result.stderr
    path = in_image(*shell, 'echo "$PATH"').stdout.strip().split(":")
    assert path[-1] == "/usr/local/lib/lab/fallback-bin", path
