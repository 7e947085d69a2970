#!/usr/bin/env bash
# lab-install-packages: install the hashed pip lock into the lab environment ($ENV_PREFIX) with uv, compile its
# bytecode (lab-compile-bytecode says why) and give it to the group `users`, which the student is in: `pip install`
# works in the lab, as the course expects. uv itself is bootstrapped with pip from its own hashed lines of the lock.
#   lab-install-packages LOCK                    native: the image's own platform, into $ENV_PREFIX
#   lab-install-packages LOCK TARGETARCH ROOT    cross: run on the build machine, from the same Python at the same
#       path; installs TARGETARCH's wheels (amd64 | arm64) into ROOT$ENV_PREFIX, for a COPY into the target image
#       (whose owner and group the COPY sets). The scripts' first line names $ENV_PREFIX/bin/python, since uv writes
#       the installing interpreter's path, and the bytecode records the final paths, not ROOT's.
set -euo pipefail

lock=$1 arch=${2:-} root=${3:-}
python="$ENV_PREFIX/bin/python"
export UV_LINK_MODE=copy

die() { echo "lab-install-packages: error: $*" >&2; exit 1; }

uv_lines=$(mktemp)
trap 'rm -f "$uv_lines"' EXIT
awk '/^uv==/ {p=1} p {print} p && !/\\$/ {exit}' "$lock" >"$uv_lines"
[[ -s $uv_lines ]] || die "$lock has no hashed uv line (make lock adds it)"
with-ca "$python" -m pip install --no-cache-dir --require-hashes --no-deps -r "$uv_lines"

if [[ -z $arch ]]; then
    with-ca "$ENV_PREFIX/bin/uv" pip sync --require-hashes --python "$python" "$lock"
    lab-compile-bytecode
    chgrp -R users "$ENV_PREFIX" && chmod -R g+w "$ENV_PREFIX"
else
    [[ -n $root ]] || die "usage: lab-install-packages LOCK [TARGETARCH ROOT]"
    case "$arch" in
        amd64) platform=x86_64-manylinux_2_28 ;;
        arm64) platform=aarch64-manylinux_2_28 ;;
        *) die "no wheel platform known for TARGETARCH=$arch (amd64 or arm64)" ;;
    esac
    echo "lab-install-packages: $arch wheels ($platform) into $root$ENV_PREFIX"
    with-ca "$ENV_PREFIX/bin/uv" pip sync --require-hashes --python "$python" --python-platform "$platform" \
        --prefix "$root$ENV_PREFIX" "$lock"
    rm -f "$root$ENV_PREFIX/.lock"
    LAB_STAGING_ROOT=$root lab-compile-bytecode
    chmod -R g+w "$root"
fi
