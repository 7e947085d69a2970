"""A build for another platform (make build PLATFORM=linux/arm64 on an amd64 machine, or the reverse) installs the
lock's packages natively: the Dockerfile's packages-cross-staging stage runs uv from this machine's Python stage and
stages the other platform's wheels for its image to copy. Building that stage needs no emulation, so it is tried here,
for real, from PyPI; what the arm64 image does with the copy is `make test-arm64`'s part (scripts/arm64_smoke.sh)."""

from __future__ import annotations

import json
import os

import pytest
from image_helpers import docker_build

from tests.support.lock import locked_for
from tests.support.processes import docker, native_and_other_platform

ENV_PREFIX = "/opt/conda/envs/lab"
STAGED = "/staging" + ENV_PREFIX

# Run in the staging stage (this machine's Python 3.14): what was staged for the other platform's image.
PROBE = r"""
import importlib.util, json, marshal, os, pathlib, re, sys, sysconfig
prefix, staged = sys.argv[1], sys.argv[2]
site = pathlib.Path(staged + sysconfig.get_path("purelib")[len(prefix):])
installed = {}
for dist in site.glob("*.dist-info"):
    meta = dict(l.split(": ", 1) for l in (dist / "METADATA").read_text().splitlines() if ": " in l)
    installed[re.sub(r"[-_.]+", "-", meta["Name"]).lower()] = meta["Version"]

def elf_machine(path):
    with open(path, "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF", path
    return int.from_bytes(head[18:20], "little")

source = site / "torch" / "__init__.py"
cached = pathlib.Path(importlib.util.cache_from_source(str(source)))
pyc = cached.read_bytes()
code = marshal.loads(pyc[16:])
stat = source.stat()
print(json.dumps({
    "installed": installed,
    "torch_lib_machine": elf_machine(site / "torch" / "lib" / "libtorch_cpu.so"),
    "build_python_machine": elf_machine(os.path.realpath(sys.executable)),
    "jupyter_shebang": (pathlib.Path(staged) / "bin" / "jupyter").read_text().splitlines()[0],
    "pyc_filename": code.co_filename,
    "pyc_matches_source": int.from_bytes(pyc[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
                          and int.from_bytes(pyc[12:16], "little") == stat.st_size & 0xFFFFFFFF,
    "uv_lock_left": (pathlib.Path(staged) / ".lock").exists(),
    "not_group_writable": [str(p) for p in list(site.glob("torch/*"))[:200] if not os.stat(p).st_mode & 0o020],
}))
"""


def ca_secret() -> list[str]:
    bundle = os.environ.get("CA_BUNDLE")
    return ["--secret", f"id=ca_bundle,src={bundle}"] if bundle else []


NATIVE, OTHER = native_and_other_platform()
ELF_MACHINE = {"linux/amd64": 62, "linux/arm64": 183}  # e_machine: x86-64, AArch64
LOCK_MACHINE = {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}


@pytest.fixture(scope="module")
def other_staging() -> dict:
    """Build this machine's Python stage, then the other platform's staging stage from it, as make build does."""
    python_image, staging_image = "pytorch-gpu-lab-test:cross-python", "pytorch-gpu-lab-test:cross-staging"
    source = os.environ.get("PYTHON_SOURCE", "conda")
    built = docker_build(python_image, "--platform", NATIVE, "--target", f"python-{source}", *ca_secret())
    assert built.returncode == 0, built.stderr[-3000:]
    built = docker_build(staging_image, "--target", "packages-cross-staging", "--platform", OTHER,
                         "--build-arg", "PACKAGES=cross", "--build-arg", f"CROSS_PYTHON_IMAGE={python_image}",
                         *ca_secret())
    assert built.returncode == 0, built.stderr[-3000:]
    # Docker labels the stage with the target platform, although it ran, and runs, on this machine's.
    try:
        out = docker("run", "--rm", "--entrypoint", "", staging_image,
                     f"{ENV_PREFIX}/bin/python", "-c", PROBE, ENV_PREFIX, STAGED).stdout
    finally:
        docker("image", "rm", staging_image, python_image, check=False)
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_every_package_of_the_lock_is_staged_at_its_locked_version(other_staging):
    lock = locked_for(LOCK_MACHINE[OTHER])
    assert len(lock) > 100 and "torch" in lock, "the lock was not read"
    assert other_staging["installed"] == lock


@pytest.mark.slow
def test_the_staged_binaries_are_the_other_platforms_while_the_installer_ran_natively(other_staging):
    assert other_staging["torch_lib_machine"] == ELF_MACHINE[OTHER]
    assert other_staging["build_python_machine"] == ELF_MACHINE[NATIVE]


@pytest.mark.slow
def test_the_staged_files_name_their_paths_in_the_image_not_the_staging_folder(other_staging):
    assert other_staging["jupyter_shebang"] == f"#!{ENV_PREFIX}/bin/python"
    assert other_staging["pyc_filename"].startswith(ENV_PREFIX + "/lib/"), other_staging["pyc_filename"]
    assert other_staging["pyc_matches_source"], "torch's bytecode does not match its source: Python would recompile it"
    assert not other_staging["uv_lock_left"]
    assert other_staging["not_group_writable"] == [], "the student (group users) could not pip install over these"
