#!/usr/bin/env bash
# lab-install-packages: install the hashed pip lock into the lab environment ($ENV_PREFIX) with uv, compile its
# bytecode (lab-compile-bytecode says why) and give it to the group `users`, which the student is in: `pip install`
# works in the lab, as the course expects. uv itself is bootstrapped with pip from its own hashed lines of the lock.
#   lab-install-packages LOCK
#       native: the image's own platform, into $ENV_PREFIX.
#   lab-install-packages --stage TARGETARCH ROOT LOCK
#       cross, on the build machine, from the same Python at the same path: TARGETARCH's wheels (amd64 | arm64) into
#       ROOT$ENV_PREFIX, for a COPY into the target image (which sets their owner and group). The scripts' first line
#       names $ENV_PREFIX/bin/python (uv writes the installing interpreter's path), and the bytecode records the final
#       paths, not ROOT's. Wheels up to manylinux_2_28 (glibc 2.28) are chosen: every base here has a newer glibc.
#   lab-install-packages --make-room ROOT
#       cross, in the target image before that COPY: uninstall the environment's own distributions that
#       ROOT$ENV_PREFIX holds too (pip; with conda, whatever conda-forge put there), as `uv pip sync` replaces them in
#       the native case: a copy over them would mix two versions' files. Then the group `users` as above.
set -euo pipefail

python="$ENV_PREFIX/bin/python"
export UV_LINK_MODE=copy

die() { echo "lab-install-packages: error: $*" >&2; exit 1; }
usage() { die "usage: lab-install-packages LOCK | --stage TARGETARCH ROOT LOCK | --make-room ROOT"; }

bootstrap_uv() {
    local lock="$1" uv_lines
    uv_lines=$(mktemp)
    awk '/^uv==/ {p=1} p {print} p && !/\\$/ {exit}' "$lock" >"$uv_lines"
    [[ -s $uv_lines ]] || die "$lock has no hashed uv line (make lock adds it)"
    with-ca "$python" -m pip install --no-cache-dir --require-hashes --no-deps -r "$uv_lines"
    rm -f "$uv_lines"
}

give_to_users() {
    chgrp -R users "$ENV_PREFIX"
    chmod -R g+w "$ENV_PREFIX"
}

# Normalised names of the distributions installed in site-packages directory $1 (one per line).
distributions_in() {
    "$python" - "$1" <<'PY'
import pathlib, re, sys
for meta in pathlib.Path(sys.argv[1]).glob("*.dist-info/METADATA"):
    name = next(line.split(":", 1)[1] for line in meta.read_text(errors="replace").splitlines() if line.startswith("Name:"))
    print(re.sub(r"[-_.]+", "-", name.strip()).lower())
PY
}

native() {
    local lock="$1"
    bootstrap_uv "$lock"
    with-ca "$ENV_PREFIX/bin/uv" pip sync --require-hashes --python "$python" "$lock"
    lab-compile-bytecode
    give_to_users
}

stage() {
    local arch="$1" root="$2" lock="$3" platform
    case "$arch" in
        amd64) platform=x86_64-manylinux_2_28 ;;
        arm64) platform=aarch64-manylinux_2_28 ;;
        *) die "no wheel platform known for TARGETARCH=$arch (amd64 or arm64)" ;;
    esac
    echo "lab-install-packages: $arch wheels ($platform) into $root$ENV_PREFIX"
    bootstrap_uv "$lock"
    with-ca "$ENV_PREFIX/bin/uv" pip sync --require-hashes --python "$python" --python-platform "$platform" \
        --prefix "$root$ENV_PREFIX" "$lock"
    rm -f "$root$ENV_PREFIX/.lock"
    LAB_STAGING_ROOT=$root lab-compile-bytecode
    chmod -R g+w "$root"
}

make_room() {
    local root="$1" site both
    site=$("$python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
    [[ -d "$root$site" ]] || die "nothing staged at $root$site"
    both=$(comm -12 <(distributions_in "$site" | sort -u) <(distributions_in "$root$site" | sort -u))
    if [[ -n $both ]]; then
        echo "lab-install-packages: replaced by the staged packages: ${both//$'\n'/ }"
        # shellcheck disable=SC2086 # one name per word
        "$python" -m pip uninstall --yes --no-input --disable-pip-version-check $both
    fi
    give_to_users
}

case "${1:-}" in
    --stage) (($# == 4)) || usage; stage "$2" "$3" "$4" ;;
    --make-room) (($# == 2)) || usage; make_room "$2" ;;
    -* | "") usage ;;
    *) (($# == 1)) || usage; native "$1" ;;
esac
