#!/usr/bin/env bash
# Build a local stand-in for the lab's base image when no image registry is reachable (CI here):
# Debian forky minbase with python3.14 (+ venv), made with debootstrap and `docker import`.
# Usage: .ci/standin-base.sh [TAG]   (default lab-base:forky; does nothing if the tag exists)
set -euo pipefail

tag=${1:-lab-base:forky}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "standin-base: $tag exists"
    exit 0
fi
rootfs=$(mktemp -d /var/tmp/standin-XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
# Debian 12's debootstrap has no forky script; sid's works for any unstable-line suite.
script=/usr/share/debootstrap/scripts/sid
echo "standin-base: debootstrap forky into $rootfs"
debootstrap --variant=minbase --include=python3.14,python3.14-venv,ca-certificates \
    forky "$rootfs" "$mirror" "$script" >/var/tmp/standin-debootstrap.log 2>&1 ||
    { tail -20 /var/tmp/standin-debootstrap.log >&2; exit 1; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# The archive reachable here can be a frozen snapshot whose Release files are past their Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/99standin-snapshot"
tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "standin-base: $tag ($(chroot "$rootfs" python3.14 -V))"
