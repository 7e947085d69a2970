#!/usr/bin/env bash
# lab-compile-bytecode: compile the lab environment's Python files to bytecode (.pyc), once, as root, so
# that no process in the lab recompiles what it imports (the image sets PYTHONDONTWRITEBYTECODE=1, and
# `uv pip sync` writes no bytecode). Without it, `import torch` is twice as slow at every kernel start.
# The packages' own test suites (tests/ and test/ folders, about 60 MB of bytecode) are skipped: the lab
# never imports them, and they would push the image over its size budget. Files already compiled and
# up to date are skipped too, so a run after `lab-repair` only compiles what changed.
# Timestamp-checked .pyc (not hash-checked): Python trusts them on a stat of the source, and recompiles
# on its own if a student edits a package file.
# LAB_STAGING_ROOT=DIR: the packages are staged under DIR$ENV_PREFIX (a cross build, lab-install-packages);
# the bytecode records the paths they will have in the image.
set -euo pipefail

root=${LAB_STAGING_ROOT:-}
site=$("$ENV_PREFIX/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
exec "$ENV_PREFIX/bin/python" -m compileall -q -j0 --invalidation-mode timestamp -x '/tests?/' \
    ${root:+-s "$root" -p /} "$root$site"
