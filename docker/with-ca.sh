#!/usr/bin/env bash
# Run a build command trusting an extra CA bundle (university/corporate TLS proxies), if one was handed in
# as the BuildKit secret `ca_bundle` (make build CA_BUNDLE=path). The merged bundle lives in /dev/shm, a
# tmpfs, and is removed on exit: it never reaches an image layer.
# Usage: with-ca.sh COMMAND [ARG...]
set -euo pipefail

secret=/run/secrets/ca_bundle
if [[ -s "$secret" ]]; then
    bundle=$(mktemp /dev/shm/ca-XXXXXX.pem)
    trap 'rm -f "$bundle"' EXIT
    for system_bundle in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
        if [[ -s "$system_bundle" ]]; then cat "$system_bundle" >>"$bundle"; break; fi
    done
    cat "$secret" >>"$bundle"
    echo "with-ca: trusting the extra CA bundle handed in as a build secret ($(grep -c 'BEGIN CERTIFICATE' "$secret") certificate(s))" >&2
    export SSL_CERT_FILE="$bundle" PIP_CERT="$bundle" REQUESTS_CA_BUNDLE="$bundle" CURL_CA_BUNDLE="$bundle"
    # apt reads its own setting, not the environment.
    export APT_CONFIG_CA="Acquire::https::CAInfo=$bundle"
    "$@"
else
    export APT_CONFIG_CA="Acquire::https::Verify-Peer=true"
    "$@"
fi
