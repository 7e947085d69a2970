#!/usr/bin/env bash
# `make repair`: put the running lab container's packages back to exactly the lock, without a rebuild.
# The work directory is a bind mount the repair never touches. Hands the build's extra CA (CA_BUNDLE),
# if any, to the container for the downloads, in /dev/shm (memory), and removes it afterwards.
set -euo pipefail

CONTAINER=${CONTAINER:-pytorch-lab}
CA_BUNDLE=${CA_BUNDLE:-}

if [[ "$(docker container inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null)" != running ]]; then
    echo "repair: the lab container '$CONTAINER' is not running." >&2
    echo "        Fix: make lab, then make repair (or make rebuild to start from a fresh image)." >&2
    exit 1
fi
env_args=()
if [[ -n "$CA_BUNDLE" ]]; then
    docker exec -i -u root "$CONTAINER" sh -c "cat >/dev/shm/lab-ca.pem" <"$CA_BUNDLE"
    env_args=(--env SSL_CERT_FILE=/dev/shm/lab-ca.pem)
fi
status=0
docker exec -u root "${env_args[@]}" "$CONTAINER" lab-repair || status=$?
if [[ -n "$CA_BUNDLE" ]]; then docker exec -u root "$CONTAINER" rm -f /dev/shm/lab-ca.pem; fi
if [[ $status != 0 ]]; then
    echo "repair: failed (exit $status). Without network access to PyPI, rebuild instead: make rebuild" >&2
fi
exit $status
