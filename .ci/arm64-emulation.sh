#!/usr/bin/env bash
# Run linux/arm64 containers on an amd64 host (CI here, to build and smoke-test the Apple Silicon image):
# register Debian's qemu-aarch64 (user mode, static) as the kernel's binfmt_misc handler for aarch64 ELF
# binaries, with the F flag: the kernel opens the interpreter once, at registration, so it works inside
# containers, whose root file systems do not contain it.
# qemu-user 10.x from Debian trixie, not Debian 12's 7.2: under 7.2, `import torch` dies with SIGSEGV (its
# JIT, xbyak_aarch64, reads the CPU's MIDR_EL1 register, which 7.2 does not emulate for user mode).
# Usage: .ci/arm64-emulation.sh   (idempotent; root; needs the Debian archive reachable the first time)
set -euo pipefail

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
qemu_deb=${QEMU_USER_DEB:-pool/main/q/qemu/qemu-user_10.0.13+ds-0+deb13u1_amd64.deb}
qemu_sha256=${QEMU_USER_DEB_SHA256:-ca6ede739327a20ae5a3498230c8a3a9a072c586e131bc6bcc1201eb1725e336}
interp=/usr/local/lib/lab-qemu/qemu-aarch64-static
binfmt=/proc/sys/fs/binfmt_misc
name=qemu-aarch64

die() { echo "arm64-emulation: error: $*" >&2; exit 1; }

[[ $(uname -m) == x86_64 ]] || die "this host is $(uname -m); only x86_64 hosts need (and get) emulation here"

if [[ ! -x $interp ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    echo "arm64-emulation: downloading $mirror/$qemu_deb"
    curl -fsSL --retry 3 -o "$tmp/qemu-user.deb" "$mirror/$qemu_deb"
    echo "$qemu_sha256  $tmp/qemu-user.deb" | sha256sum -c --quiet - || die "checksum mismatch for $qemu_deb"
    dpkg-deb -x "$tmp/qemu-user.deb" "$tmp/x"
    install -D -m 0755 "$tmp/x/usr/bin/qemu-aarch64" "$interp"
fi

[[ -e $binfmt/register ]] || mount -t binfmt_misc binfmt_misc "$binfmt"
# A handler already registered under this name (Debian's qemu-user-static package, 7.2, without F): replace it.
if [[ -e $binfmt/$name ]]; then
    if grep -qx "interpreter $interp" "$binfmt/$name" && grep -q '^flags: .*F' "$binfmt/$name"; then
        echo "arm64-emulation: $name already registered ($("$interp" --version | head -n1))"
        exit 0
    fi
    echo -1 >"$binfmt/$name"
fi
# Magic and mask: Debian's /usr/share/qemu/binfmt.d/qemu-aarch64.conf (an ELF64 LSB file for machine 0xb7).
magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
echo ":$name:M::$magic:$mask:$interp:F" >"$binfmt/register"
echo "arm64-emulation: $name registered with the F flag ($("$interp" --version | head -n1))"
