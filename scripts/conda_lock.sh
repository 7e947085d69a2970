#!/usr/bin/env bash
# `make lock CONDA_LOCK=1`: write the explicit conda locks (docker/conda-lock/conda-<subdir>.lock, `@EXPLICIT`
# lists with md5 hashes) from the conda part of environment.yml, for linux-64 and linux-aarch64.
# Needs micromamba on the host and a reachable conda-forge; the image build installs from these locks.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v micromamba >/dev/null || {
    echo "conda-lock: micromamba is not installed on this host (https://mamba.readthedocs.io)." >&2
    echo "            The pip lock was written; the conda part falls back to environment.yml at build time." >&2
    exit 1
}
# shellcheck disable=SC1091  # sourced from the repo root (cd above)
LAB_SOURCE_ONLY=1 source docker/install-python.sh
mapfile -t specs < <(conda_specs environment.yml)
for subdir in linux-64 linux-aarch64; do
    prefix=$(mktemp -d)
    MAMBA_ROOT_PREFIX=$(mktemp -d) micromamba create -y --quiet -p "$prefix/env" --platform "$subdir" \
        -c conda-forge --override-channels "${specs[@]}" >/dev/null
    micromamba env export -p "$prefix/env" --explicit --md5 >"docker/conda-lock/conda-$subdir.lock"
    rm -rf "$prefix"
    echo "conda-lock: docker/conda-lock/conda-$subdir.lock ($(grep -c '^https://' "docker/conda-lock/conda-$subdir.lock") packages)"
done
