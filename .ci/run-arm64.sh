#!/usr/bin/env bash
# CI for the Apple Silicon image, apart from .ci/run because it is slow on an amd64 machine (the whole arm64
# build runs under QEMU; docs/measurements.md says how long): emulation, an arm64 stand-in base (no registry is
# reachable here), then `make test-arm64` with Python from that base and the host's CA bundle.
# Expects what .ci/run sets up (Docker running, debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(uname -m) != aarch64 ]]; then .ci/arm64-emulation.sh; fi
.ci/standin-base.sh lab-base:forky-arm64 arm64
if ! docker buildx version >/dev/null 2>&1 && [[ -x /usr/bin/docker ]]; then
    export DOCKER_BUILD="/usr/bin/docker build"
fi
export PYTHON_SOURCE=system CA_BUNDLE=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
make test-arm64 ARM64_BASE_IMAGE="${ARM64_BASE_IMAGE:-lab-base:forky-arm64}"
