#!/usr/bin/env bash
# lab-repair: put this container's Python packages back to exactly the lock, without a rebuild.
# Runs as root inside the lab container (`make repair` does that); needs PyPI (or a mirror: UV_INDEX_URL).
# It never touches the work directory. It prints what it changed.
set -euo pipefail

LOCK=${LAB_LOCK_FILE:-/opt/lab/requirements.txt}
SRC=/opt/lab
before=$(mktemp) after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT

python -m pip list --format=freeze --disable-pip-version-check | sort >"$before"
echo "lab-repair : synchronisation de $ENV_PREFIX avec $LOCK"
uv pip sync --python "$ENV_PREFIX/bin/python" --require-hashes --link-mode=copy "$LOCK"
# `sync` removes whatever the lock does not list, the course package too: put it back (offline).
uv pip install --python "$ENV_PREFIX/bin/python" --no-deps --no-build-isolation --offline --link-mode=copy "$SRC"
rm -rf "$SRC/build" "$SRC"/*.egg-info
# uv writes no bytecode: compile what it reinstalled, as the image build did.
lab-compile-bytecode
# Keep the environment writable by the students' group, as the image built it.
chgrp -R users "$ENV_PREFIX" && chmod -R g+w "$ENV_PREFIX"
python -m pip list --format=freeze --disable-pip-version-check | sort >"$after"

changes=$(diff "$before" "$after" | sed -nE 's/^< (.*)/  retiré    \1/p; s/^> (.*)/  installé  \1/p' || true)
if [[ -n "$changes" ]]; then
    echo "lab-repair : modifié :"
    echo "$changes"
else
    echo "lab-repair : rien à changer, l'environnement correspond déjà au verrou"
fi
