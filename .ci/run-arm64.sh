#!/usr/bin/env bash
# CI for the Apple Silicon image, apart from .ci/run because it is slow on an amd64 machine (the whole arm64
# image's steps run under QEMU; docs/measurements.md says how long): emulation, the stand-in bases (no registry is
# reachable here: an arm64 one for the image, an amd64 one for the Python that installs its pip packages natively),
# then `make test-arm64` with Python from those bases and the host's CA bundle.
# Expects what .ci/run sets up (Docker running, debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(uname -m) != aarch64 ]]; then .ci/arm64-emulation.sh; fi
.ci/standin-base.sh lab-base:forky-arm64 arm64
.ci/standin-base.sh lab-base:forky
if ! docker buildx version >/dev/null 2>&1 && [[ -x /usr/bin/docker ]]; then
    export DOCKER_BUILD="/usr/bin/docker build"
fi
export PYTHON_SOURCE=system CA_BUNDLE=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
make test-arm64 ARM64_BASE_IMAGE="${ARM64_BASE_IMAGE:-lab-base:forky-arm64}" BASE_IMAGE="${BASE_IMAGE:-lab-base:forky}"
