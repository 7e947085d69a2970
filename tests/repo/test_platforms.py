"""The arm64 (Apple Silicon) path, checked statically: no registry, no emulation, a second.

The image's base is pinned by its multi-platform index, so that an arm64 host builds natively; the
per-platform pieces (micromamba's checksum, the lock's markers, download URLs) cover aarch64 too.
`make test-arm64` builds and runs the arm64 image for real (slow, under emulation here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.lock import locked_for
from tests.support.processes import make, native_and_other_platform

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def base_pin() -> tuple[str, str]:
    """The Dockerfile's default BASE_IMAGE: (reference, digest)."""
    match = re.search(r"^ARG BASE_IMAGE=(\S+@(sha256:[0-9a-f]{64}))$", DOCKERFILE.read_text(), re.M)
    assert match, "docker/Dockerfile: no `ARG BASE_IMAGE=name@sha256:...` default"
    return match.group(1), match.group(2)


def platform_entries() -> dict[str, str]:
    """The per-platform digests recorded beside the pin: `#   linux/arm64  sha256:...` lines."""
    return dict(re.findall(r"^#\s+(linux/[a-z0-9]+)\s+(sha256:[0-9a-f]{64})\s*$", DOCKERFILE.read_text(), re.M))


def test_base_is_pinned_by_the_index_beside_its_platform_entries():
    """The pin is the index: a platform's manifest digest would force that platform on every host."""
    _, digest = base_pin()
    entries = platform_entries()
    assert set(entries) >= {"linux/amd64", "linux/arm64"}, entries
    assert digest not in entries.values(), "the pin is one platform's manifest, not the multi-platform index"
    assert len(set(entries.values())) == len(entries), "two platforms with the same digest"
    assert "docker buildx imagetools inspect" in DOCKERFILE.read_text(), "say how to refresh the pin"


def test_the_base_digests_are_recorded_in_one_place():
    """Only the Dockerfile names them: the Makefile and scripts default to its ARG (BASE_IMAGE empty)."""
    _, digest = base_pin()
    wanted = {digest, *platform_entries().values()}
    elsewhere = []
    for path in REPO.rglob("*"):
        if not path.is_file() or path == DOCKERFILE or any(p in {".git", ".venv", "node_modules"} for p in path.parts):
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        elsewhere += [f"{path.relative_to(REPO)}: {d}" for d in wanted if d in text]
    assert not elsewhere, elsewhere


def test_micromamba_has_a_checksum_for_each_architecture():
    script = (REPO / "docker" / "install-python.sh").read_text()
    sums = {arch: re.search(rf'MICROMAMBA_SHA256_LINUX_{arch}:=([0-9a-f]{{64}})', script) for arch in ("64", "AARCH64")}
    assert all(sums.values()), sums
    assert sums["64"].group(1) != sums["AARCH64"].group(1)
    assert re.search(r"linux-aarch64\) sha=\$MICROMAMBA_SHA256_LINUX_AARCH64", script)


def test_no_download_url_is_tied_to_one_architecture():
    """URLs in the build take the architecture from the machine (conda_subdir), never a fixed amd64."""
    urls = []
    for path in [DOCKERFILE, *sorted((REPO / "docker").glob("*.sh"))]:
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            urls += [(path.name, url) for url in re.findall(r"https?://\S+", line)]
    assert urls, "no URL found: the scan is broken"
    tied = [(name, url) for name, url in urls if re.search(r"x86_64|amd64|linux-64", url)]
    assert not tied, tied


def selected(machine: str) -> set[str]:
    return set(locked_for(machine))


def test_lock_installs_the_same_packages_on_linux_aarch64_as_on_x86_64():
    """torch and everything it pulls in (CUDA wheels included) are selected on an arm64 Linux container too."""
    x86, arm = selected("x86_64"), selected("aarch64")
    assert {"torch", "jupyterlab", "scikit-learn", "nvidia-cublas", "triton"} <= arm
    assert arm == x86, {"x86_64 only": sorted(x86 - arm), "aarch64 only": sorted(arm - x86)}


@pytest.mark.parametrize("machine", ["riscv64"])
def test_the_marker_check_can_tell_machines_apart(machine):
    """The comparison above is not vacuous: a machine the CUDA wheels do not support loses some of them."""
    assert selected("x86_64") - selected(machine)


def build_commands(*variables: str) -> list[str]:
    """The docker build command lines `make build` would run (make -n), with this machine's uname."""
    lines = make("-n", "build", "IMAGE=lab:t", "DOCKER_BUILD=docker build", *variables).stdout.splitlines()
    return [line for line in lines if line.startswith("docker build")]


def test_a_build_for_another_platform_installs_the_pip_packages_natively():
    """On this machine's platform: one build, packages installed in it. On the other one: this machine's Python stage
    first (its base: CROSS_BASE_IMAGE), then the target image whose packages stage uses it (PACKAGES=cross)."""
    native, other = native_and_other_platform()
    for variables in ([], [f"PLATFORM={native}"]):
        commands = build_commands(*variables)
        assert len(commands) == 1 and "PACKAGES=cross" not in commands[0], commands
    python_stage, target = build_commands(f"PLATFORM={other}", "BASE_IMAGE=base:other", "CROSS_BASE_IMAGE=base:here")
    assert "--target python-" in python_stage and f"--platform {native}" in python_stage
    assert "--build-arg BASE_IMAGE=base:here" in python_stage and "--tag lab:t-cross-python" in python_stage
    assert f"--platform {other}" in target and "--build-arg BASE_IMAGE=base:other" in target
    assert "--build-arg PACKAGES=cross --build-arg CROSS_PYTHON_IMAGE=lab:t-cross-python" in target


def test_each_packages_mode_of_the_dockerfile_is_a_stage():
    """`FROM packages-${PACKAGES}`: native and cross, the only values the Makefile passes."""
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PACKAGES=native$", text, re.M) and re.search(r"^FROM packages-\$\{PACKAGES\} ", text, re.M)
    assert {"packages-native", "packages-cross"} <= set(re.findall(r"^FROM \S+ AS (packages-\w+)$", text, re.M))
    assert re.search(r"^FROM --platform=\$BUILDPLATFORM \$\{CROSS_PYTHON_IMAGE\} AS packages-cross-staging$", text, re.M)
