#!/usr/bin/env bash
# Build a local stand-in for the lab's base image when no image registry is reachable (CI here):
# Debian forky minbase with python3.14 (+ venv), made with debootstrap.
# Usage: .ci/standin-base.sh [TAG] [ARCH]   (default lab-base:forky and the host's architecture;
#        does nothing if the tag exists). ARCH arm64 on an amd64 host needs .ci/arm64-emulation.sh first.
set -euo pipefail

tag=${1:-lab-base:forky}
arch=${2:-$(dpkg --print-architecture)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "standin-base: $tag exists"
    exit 0
fi
rootfs=$(mktemp -d /var/tmp/standin-XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
# Debian 12's debootstrap has no forky script; sid's works for any unstable-line suite.
script=/usr/share/debootstrap/scripts/sid
log=/var/tmp/standin-debootstrap-$arch.log
packages=python3.14,python3.14-venv,ca-certificates
echo "standin-base: debootstrap forky ($arch) into $rootfs"
if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    debootstrap --variant=minbase --include=$packages forky "$rootfs" "$mirror" "$script" >"$log" 2>&1 ||
        { tail -20 "$log" >&2; exit 1; }
else
    # A foreign architecture: unpack here, then run the second stage in a chroot, under the binfmt handler.
    debootstrap --foreign --arch "$arch" --variant=minbase --include=$packages \
        forky "$rootfs" "$mirror" "$script" >"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
    chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
fi
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# The archive reachable here can be a frozen snapshot whose Release files are past their Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >"$rootfs/etc/apt/apt.conf.d/99standin-snapshot"
if [[ $arch == "$(dpkg --print-architecture)" ]]; then
    tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
else
    # `docker import --platform` was seen to leave the image's architecture as the host's, so a foreign root
    # file system is added to an empty image by a build for that platform instead.
    ctx=$(mktemp -d /var/tmp/standin-ctx-XXXXXX)
    trap 'rm -rf "$rootfs" "$ctx"' EXIT
    tar -C "$rootfs" -c . >"$ctx/rootfs.tar"
    printf 'FROM scratch\nADD rootfs.tar /\nCMD ["/bin/bash"]\n' >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=1 /usr/bin/docker build --quiet --platform "linux/$arch" --tag "$tag" "$ctx" >/dev/null
fi
echo "standin-base: $tag ($arch, $(docker run --rm --platform "linux/$arch" "$tag" python3.14 -V))"
