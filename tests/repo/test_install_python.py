"""docker/install-python.sh without the network: the pin, the conda specs, lockfile or not, checksums.

The conda path cannot run here (no conda channel), so `curl` and `micromamba` are replaced by stubs on
PATH that record how they were called; everything else is the real script."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.processes import make

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "install-python.sh"
REPO_ENV = SCRIPT.parents[1] / "environment.yml"


def source(snippet: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f'LAB_SOURCE_ONLY=1 source "{SCRIPT}"; {snippet}'], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})


def policy_pin(spec: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labtools.policy", "python-pin", str(spec)], capture_output=True,
                          text=True, cwd=SCRIPT.parents[1])


def test_the_build_gets_the_repo_environments_pin_from_labtools_policy():
    """make build passes `python -m labtools.policy python-pin` as PYTHON_PIN; the script installs exactly that."""
    pin = policy_pin(REPO_ENV)
    assert pin.returncode == 0 and pin.stdout.strip().startswith("3.14."), pin.stderr
    result = source("python_pin", env={"PYTHON_PIN": pin.stdout.strip()})
    assert result.returncode == 0 and result.stdout.strip() == pin.stdout.strip()
    dry_run = make("-n", "build", "IMAGE=x:y", "PYTHON=python3").stdout
    assert "$(python3 -m labtools.policy build-args)" in dry_run
    build_args = subprocess.run([sys.executable, "-m", "labtools.policy", "build-args"], capture_output=True, text=True,
                                cwd=SCRIPT.parents[1], check=True).stdout.split()
    assert f"PYTHON_PIN={pin.stdout.strip()}" in build_args


def test_python_pin_must_be_exact(tmp_path):
    loose = tmp_path / "environment.yml"
    loose.write_text("dependencies:\n  - python=3.14\n  - pip\n")
    result = policy_pin(loose)
    assert result.returncode == 1 and "no exact 'python=X.Y.Z' pin" in result.stderr
    for unset in ("", "3.14", "3.14.8; rm -rf /"):
        refused = source("python_pin", env={"PYTHON_PIN": unset})
        assert refused.returncode != 0 and "is not an exact X.Y.Z version" in refused.stderr


def test_conda_specs_skip_the_pip_section_and_comments(tmp_path):
    spec = tmp_path / "environment.yml"
    spec.write_text(textwrap.dedent("""\
        name: lab
        channels:
          - conda-forge
        dependencies:
          - python=3.14.8  # the pin
          - pip
          - nodejs=22
          - pip:
              - -r requirements.txt
        variables:
          - not-a-dependency
        """))
    assert source(f'conda_specs "{spec}"').stdout.split() == ["python=3.14.8", "pip", "nodejs=22"]


@pytest.mark.parametrize("machine, subdir", [("x86_64", "linux-64"), ("aarch64", "linux-aarch64")])
def test_conda_subdir(machine, subdir):
    assert source(f"conda_subdir {machine}").stdout.strip() == subdir


def test_unsupported_architecture_is_an_error():
    assert "unsupported architecture" in source("conda_subdir riscv64").stderr


def test_verify_sha256_accepts_the_right_sum_and_rejects_another(tmp_path):
    blob = tmp_path / "micromamba"
    blob.write_bytes(b"binary")
    good = hashlib.sha256(b"binary").hexdigest()
    assert source(f'verify_sha256 "{blob}" {good}').returncode == 0
    bad = source(f'verify_sha256 "{blob}" {"0" * 64}')
    assert bad.returncode != 0 and "checksum mismatch" in bad.stderr and good in bad.stderr


def fake_tools(tmp_path: Path, payload: bytes) -> tuple[Path, Path]:
    """`curl` writes PAYLOAD to its -o file; `micromamba` logs its arguments and makes a conda prefix."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    (tmp_path / "payload").write_bytes(payload)
    (bin_dir / "curl").write_text(textwrap.dedent(f"""\
        #!/bin/bash
        while [[ $# -gt 0 ]]; do [[ $1 == -o ]] && out=$2; shift; done
        cp "{tmp_path}/payload" "$out"
        """))
    (bin_dir / "micromamba").write_text(textwrap.dedent(f"""\
        #!/bin/bash
        echo "micromamba $*" >>"{log}"
        if [[ $1 == create ]]; then
            while [[ $# -gt 0 ]]; do [[ $1 == -p ]] && prefix=$2; shift; done
            mkdir -p "$prefix/conda-meta" "$prefix/bin"
        fi
        """))
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return bin_dir, log


def run_install_conda(tmp_path: Path, payload: bytes, expected_sha: str, lock: bool):
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    (spec_dir / "environment.yml").write_text("dependencies:\n  - python=3.14.8\n  - pip\n  - pip:\n    - x\n")
    if lock:
        (spec_dir / "conda-linux-64.lock").write_text("@EXPLICIT\n")
    bin_dir, log = fake_tools(tmp_path, payload)
    # install_conda writes micromamba to /usr/local/bin: point it at a scratch copy of the script instead.
    script = tmp_path / "install-python.sh"
    script.write_text(SCRIPT.read_text().replace("/usr/local/bin/micromamba", f"{bin_dir}/micromamba.downloaded"))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "ENV_PREFIX": str(tmp_path / "env"),
           "PYTHON_PIN": "3.14.8", "MICROMAMBA_SHA256_LINUX_64": expected_sha, "LAB_SOURCE_ONLY": "1"}
    result = subprocess.run(["bash", "-c", f'source "{script}"; conda_subdir() {{ echo linux-64; }}; '
                             f'install_conda "{spec_dir}"'], capture_output=True, text=True, env=env)
    return result, (log.read_text() if log.exists() else ""), tmp_path / "env"


def test_conda_install_uses_environment_yml_without_a_lock_and_pins_python(tmp_path):
    payload = b"fake micromamba"
    result, calls, prefix = run_install_conda(tmp_path, payload, hashlib.sha256(payload).hexdigest(), lock=False)
    assert result.returncode == 0, result.stderr
    create = calls.splitlines()[0]
    assert "-c conda-forge --override-channels python=3.14.8 pip" in create and " -f " not in create
    assert (prefix / "conda-meta" / "pinned").read_text().strip() == "python 3.14.8"


def test_conda_install_prefers_the_explicit_lock(tmp_path):
    payload = b"fake micromamba"
    result, calls, _ = run_install_conda(tmp_path, payload, hashlib.sha256(payload).hexdigest(), lock=True)
    assert result.returncode == 0, result.stderr
    assert calls.splitlines()[0].endswith("conda-linux-64.lock") and "conda-forge" not in calls.splitlines()[0]


def test_conda_install_stops_on_a_bad_checksum_before_running_anything(tmp_path):
    result, calls, prefix = run_install_conda(tmp_path, b"tampered", "0" * 64, lock=False)
    assert result.returncode != 0 and "checksum mismatch" in result.stderr
    assert calls == "" and not prefix.exists()


def test_system_source_requires_python314_in_the_base(tmp_path):
    empty = tmp_path / "bin"  # a PATH without python3.14
    empty.mkdir()
    result = subprocess.run(["/bin/bash", "-c", f'LAB_SOURCE_ONLY=1 source "{SCRIPT}"; install_system'],
                            capture_output=True, text=True, env={"PATH": str(empty)})
    assert result.returncode != 0 and "needs python3.14" in result.stderr


def test_unknown_python_source_is_refused():
    result = subprocess.run(["bash", str(SCRIPT), "pyenv", str(REPO_ENV.parent)], capture_output=True, text=True)
    assert result.returncode != 0 and "must be 'conda' or 'system'" in result.stderr
