#!/usr/bin/env bash
# Create the lab's Python environment at $ENV_PREFIX, from one of two sources:
#   conda   micromamba (pinned version, sha256-verified) + conda-forge: from the explicit conda lock
#           (conda-linux-64.lock / conda-linux-aarch64.lock) when the repo has one, else from environment.yml.
#   system  the base image's python3.14 (networks with a PyPI mirror but no conda channel; CI here).
# Either way the Python version must equal PYTHON_PIN, environment.yml's exact pin as labtools.policy reads it (the
# build passes it: make build runs `python -m labtools.policy python-pin`), and the result is the same path.
# Usage: PYTHON_PIN=X.Y.Z install-python.sh conda|system SPEC_DIR   (SPEC_DIR: environment.yml, optional conda locks)
# Sourcing with LAB_SOURCE_ONLY=1 defines the functions only (unit tests).
set -euo pipefail

: "${ENV_PREFIX:=/opt/conda/envs/lab}"
: "${MAMBA_ROOT_PREFIX:=/opt/conda}"
: "${MICROMAMBA_VERSION:=2.9.0-0}"
# sha256 of the release assets micromamba-linux-64 / micromamba-linux-aarch64 of MICROMAMBA_VERSION.
: "${MICROMAMBA_SHA256_LINUX_64:=366cd9cd8be14df1ab8ed50352a82111082a36686b2d389fdb79a92c3fafb3e3}"
: "${MICROMAMBA_SHA256_LINUX_AARCH64:=9f93b974adcb4d166996af969b6cd371287d1a3e52733704727884d9b74cb7a7}"
: "${MICROMAMBA_BASE_URL:=https://github.com/mamba-org/micromamba-releases/releases/download}"

die() { echo "install-python: error: $*" >&2; exit 1; }

# The exact Python version to install: PYTHON_PIN, read from environment.yml by labtools.policy (not here).
python_pin() {
    [[ "${PYTHON_PIN:-}" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
        die "PYTHON_PIN='${PYTHON_PIN:-}' is not an exact X.Y.Z version; build with make build, which passes" \
            "--build-arg PYTHON_PIN=\$(python -m labtools.policy python-pin)"
    echo "$PYTHON_PIN"
}

# The conda dependencies of environment.yml: top-level list items, without the pip sub-list
# (the pip packages come from the hashed lock, installed by uv in the next build step).
conda_specs() {
    awk '/^dependencies:/ {in_deps=1; next}
         in_deps && /^[^[:space:]#]/ {in_deps=0}
         in_deps && /^  - / { item=substr($0, 5); sub(/[[:space:]]+#.*/, "", item);
                             if (item !~ /:$/) print item }' "$1"
}

# conda's name for this machine: linux-64 or linux-aarch64.
conda_subdir() {
    case "${1:-$(uname -m)}" in
        x86_64 | amd64) echo linux-64 ;;
        aarch64 | arm64) echo linux-aarch64 ;;
        *) die "unsupported architecture: ${1:-$(uname -m)}" ;;
    esac
}

# Fail unless FILE's sha256 is EXPECTED.
verify_sha256() {
    local actual
    actual=$(sha256sum "$1" | cut -d' ' -f1)
    [[ "$actual" == "$2" ]] || die "checksum mismatch for $1: expected $2, got $actual"
}

# The conda explicit lock to use for SUBDIR, or nothing when the repo has none.
conda_lockfile() {
    local lock="$1/conda-$2.lock"
    if [[ -f "$lock" ]]; then echo "$lock"; fi
}

install_conda() {
    local spec_dir="$1" subdir sha url lock
    subdir=$(conda_subdir)
    case "$subdir" in
        linux-64) sha=$MICROMAMBA_SHA256_LINUX_64 ;;
        linux-aarch64) sha=$MICROMAMBA_SHA256_LINUX_AARCH64 ;;
    esac
    url="$MICROMAMBA_BASE_URL/$MICROMAMBA_VERSION/micromamba-$subdir"
    echo "install-python: micromamba $MICROMAMBA_VERSION ($subdir) from $url"
    curl -fsSL --retry 3 -o /usr/local/bin/micromamba "$url"
    verify_sha256 /usr/local/bin/micromamba "$sha"
    chmod 0755 /usr/local/bin/micromamba
    lock=$(conda_lockfile "$spec_dir" "$subdir")
    if [[ -n "$lock" ]]; then
        echo "install-python: conda packages from the explicit lock $lock"
        micromamba create -y -p "$ENV_PREFIX" -f "$lock"
    else
        echo "install-python: conda packages from environment.yml (no conda lock for $subdir)"
        mapfile -t specs < <(conda_specs "$spec_dir/environment.yml")
        micromamba create -y -p "$ENV_PREFIX" -c conda-forge --override-channels "${specs[@]}"
    fi
    # A later `conda install` / `micromamba install` must never upgrade Python (course rule 1).
    echo "python $(python_pin)" >"$ENV_PREFIX/conda-meta/pinned"
    micromamba clean -y --all
}

install_system() {
    command -v python3.14 >/dev/null ||
        die "PYTHON_SOURCE=system needs python3.14 (with its venv module) in BASE_IMAGE; use such a base (e.g. Debian forky) or PYTHON_SOURCE=conda"
    mkdir -p "$(dirname "$ENV_PREFIX")"
    python3.14 -m venv "$ENV_PREFIX"
}

# Fail unless the environment's Python is exactly the pinned version.
check_python_version() {
    local want="$1" got
    got=$("$ENV_PREFIX/bin/python" -c 'import platform; print(platform.python_version())')
    [[ "$got" == "$want" ]] || die "Python $got in $ENV_PREFIX, but environment.yml pins $want (PYTHON_PIN)"
    echo "install-python: Python $got at $ENV_PREFIX"
}

main() {
    local source="$1" spec_dir="$2" pin
    [[ "$source" == conda || "$source" == system ]] || die "PYTHON_SOURCE must be 'conda' or 'system', not '$source'"
    pin=$(python_pin)
    if [[ "$source" == conda ]]; then install_conda "$spec_dir"; else install_system; fi
    check_python_version "$pin"
}

if [[ "${LAB_SOURCE_ONLY:-0}" != 1 ]]; then
    [[ $# -eq 2 ]] || die "usage: install-python.sh conda|system SPEC_DIR"
    main "$@"
fi
