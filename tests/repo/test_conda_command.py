"""`conda` in the image (docker/conda.sh and the shell function of docker/shell-env.sh), without the network.

CI builds the image without conda (no conda channel is reachable), so the conda-mode logic runs here with
micromamba's command line faked at the boundary: a stub `micromamba` on PATH records its arguments and, for
`micromamba shell activate`, prints shell code the way micromamba does. Everything else is the real scripts.
The system-mode refusal is also tested in the real image (tests/image/test_shells.py)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONDA = REPO / "docker" / "conda.sh"
SHELL_ENV = REPO / "docker" / "shell-env.sh"
PIN = "3.14.8"

FAKE_MICROMAMBA = """#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$MICROMAMBA_CALLS"
if [[ "$1 $2" == "shell activate" ]]; then
    name=$3
    echo "export CONDA_PREFIX='$MAMBA_ROOT_PREFIX/envs/$name' CONDA_DEFAULT_ENV='$name'"
    echo "export PATH='$MAMBA_ROOT_PREFIX/envs/$name/bin':\\"\\$PATH\\""
elif [[ "$1 $2" == "env export" ]]; then
    echo "name: from-micromamba"
fi
"""


@pytest.fixture
def conda_image(tmp_path):
    """A fake conda layout (root prefix, lab env with its pin), a fake micromamba and the real `conda` on PATH."""
    root = tmp_path / "conda"
    lab = root / "envs" / "lab"
    (lab / "conda-meta").mkdir(parents=True)
    (lab / "bin").mkdir()
    (lab / "conda-meta" / "pinned").write_text(f"python {PIN}\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    micromamba = bin_dir / "micromamba"
    micromamba.write_text(FAKE_MICROMAMBA)
    micromamba.chmod(0o755)
    (bin_dir / "conda").symlink_to(CONDA)
    calls = tmp_path / "calls.txt"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "ENV_PREFIX": str(lab),
           "MAMBA_ROOT_PREFIX": str(root), "MICROMAMBA_CALLS": str(calls), "LANG": "C.UTF-8"}
    return {"env": env, "lab": lab, "root": root, "calls": calls, "bin": bin_dir}


def conda(image, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["conda", *args], capture_output=True, text=True, env={**image["env"], **extra_env})


def calls(image) -> list[str]:
    return image["calls"].read_text().splitlines() if image["calls"].exists() else []


def test_env_export_targets_the_lab_environment(conda_image):
    result = conda(conda_image, "env", "export")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "name: from-micromamba\n"  # micromamba's output, untouched
    assert calls(conda_image) == [f"env export -p {conda_image['lab']}"]


@pytest.mark.parametrize("args, expected", [
    (["env", "export", "-n", "essai"], "env export -n essai"),
    (["list"], "list -p {lab}"),
    (["list", "-n", "essai"], "list -n essai"),
    (["run", "python", "-V"], "run -p {lab} python -V"),
    (["install", "numpy"], "install -p {lab} numpy"),
    (["install", "--prefix=/tmp/x", "numpy"], "install --prefix=/tmp/x numpy"),
    (["create", "-n", "essai", "python=3.12"], "create -n essai python=3.12"),
    (["env", "list"], "env list"),
    (["env", "remove", "-n", "essai"], "env remove -n essai"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_course_commands_reach_micromamba(conda_image, args, expected):
    result = conda(conda_image, *args)
    assert result.returncode == 0, result.stderr
    assert calls(conda_image) == [expected.format(lab=conda_image["lab"])]


def test_an_activated_environment_is_the_default_target(conda_image):
    other = conda_image["root"] / "envs" / "essai"
    assert conda(conda_image, "list", CONDA_PREFIX=str(other)).returncode == 0
    assert calls(conda_image) == [f"list -p {other}"]


@pytest.mark.parametrize("spec", ["python=3.15", "python>=3.15", "python"])
def test_the_lab_environment_keeps_its_python_pin(conda_image, spec):
    result = conda(conda_image, "install", spec)
    assert result.returncode == 1
    assert f"garde Python {PIN}" in result.stderr and "règle 1" in result.stderr
    assert f"conda create -n essai {spec}" in result.stderr
    assert calls(conda_image) == []  # refused before micromamba runs


def test_other_environments_and_the_pinned_version_itself_are_allowed(conda_image):
    assert conda(conda_image, "install", "-n", "essai", "python=3.15").returncode == 0
    assert conda(conda_image, "install", f"python={PIN}").returncode == 0
    assert calls(conda_image) == ["install -n essai python=3.15", f"install -p {conda_image['lab']} python={PIN}"]


def test_activate_as_a_command_explains_it_needs_the_shell(conda_image):
    result = conda(conda_image, "activate", "essai")
    assert result.returncode == 1
    assert "terminal du lab" in result.stderr and "conda run -n NOM" in result.stderr
    assert calls(conda_image) == []


def shell(image, script: str, shell_cmd: str = "bash") -> subprocess.CompletedProcess:
    return subprocess.run([shell_cmd, "-c", f". {shlex.quote(str(SHELL_ENV))}; {script}"], capture_output=True,
                          text=True, env=image["env"])


@pytest.mark.parametrize("shell_cmd, shell_name", [("bash", "bash"), ("sh", "posix")])
def test_conda_activate_changes_the_calling_shell(conda_image, shell_cmd, shell_name):
    result = shell(conda_image, 'echo "$CONDA_DEFAULT_ENV"; conda activate essai && echo "$CONDA_DEFAULT_ENV $PATH"',
                   shell_cmd)
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    assert before == "lab"  # the lab environment is the active one in a fresh shell
    name, path = after.split(" ", 1)
    assert name == "essai" and path.startswith(f"{conda_image['root']}/envs/essai/bin:")
    assert calls(conda_image) == [f"shell activate essai --shell {shell_name}"]


def test_conda_activate_without_a_name_means_the_lab_environment(conda_image):
    assert shell(conda_image, "conda activate").returncode == 0
    assert calls(conda_image) == ["shell activate lab --shell bash"]


def test_other_subcommands_of_the_shell_function_run_the_conda_command(conda_image):
    result = shell(conda_image, "conda env list")
    assert result.returncode == 0, result.stderr
    assert calls(conda_image) == ["env list"]


def test_without_micromamba_conda_says_why_in_french_and_fails(conda_image):
    (conda_image["bin"] / "micromamba").unlink()
    result = conda(conda_image, "env", "export")
    assert result.returncode == 1 and result.stdout == ""
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "sans conda (PYTHON_SOURCE=system" in message and "python -m venv" in message and "pip freeze" in message


def test_shell_env_puts_the_lab_first_once_and_keeps_an_activated_venv_in_front(conda_image, tmp_path):
    lab_bin = f"{conda_image['lab']}/bin"
    env = {**conda_image["env"], "PATH": "/usr/bin:/bin"}
    run = lambda script: subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env)  # noqa: E731
    fallback = "/usr/local/lib/lab/fallback-bin"  # last: stand-ins such as nvidia-smi without a GPU
    once = run(f'. "{SHELL_ENV}"; . "{SHELL_ENV}"; echo "$PATH"').stdout.strip()
    assert once == f"{lab_bin}:/usr/bin:/bin:{fallback}"
    venv = run(f'PATH=/tmp/venv/bin:{lab_bin}:/usr/bin; . "{SHELL_ENV}"; echo "$PATH"').stdout.strip()
    assert venv == f"/tmp/venv/bin:{lab_bin}:/usr/bin:{fallback}"
    system_mode = {**env, "PATH": "/usr/bin:/bin"}  # no micromamba on PATH: no conda function, no CONDA_*
    out = subprocess.run(["bash", "-c", f'. "{SHELL_ENV}"; type -t conda; echo "[${{CONDA_PREFIX:-}}]"'],
                         capture_output=True, text=True, env=system_mode).stdout.split()
    assert out == ["[]"]
    assert os.access(CONDA, os.X_OK)
