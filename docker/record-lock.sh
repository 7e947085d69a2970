#!/usr/bin/env bash
# Record exactly what the image contains in $LOCK_DIR: the image ships its own lockfiles.
#   pip-freeze.txt      `pip list --format=freeze` (exact versions, no `@ file://` paths)
#   conda-explicit.txt  `micromamba env export --explicit --md5` (conda builds only)
#   versions.json       python, torch, CUDA of torch, how Python was provided, build time
set -euo pipefail

LOCK_DIR=${LOCK_DIR:-/opt/lab/image-lock}
mkdir -p "$LOCK_DIR"
python -m pip list --format=freeze --disable-pip-version-check >"$LOCK_DIR/pip-freeze.txt"
if command -v micromamba >/dev/null && [[ -d "$ENV_PREFIX/conda-meta" ]]; then
    micromamba env export -p "$ENV_PREFIX" --explicit --md5 >"$LOCK_DIR/conda-explicit.txt"
    python_source=conda
else
    rm -f "$LOCK_DIR/conda-explicit.txt"
    python_source=system
fi
PYTHON_SOURCE=$python_source python - "$LOCK_DIR/versions.json" <<'PY'
import datetime, json, os, platform, sys
import torch
versions = {
    "python": platform.python_version(),
    "torch": torch.__version__,
    "torch_cuda": torch.version.cuda,
    "python_source": os.environ["PYTHON_SOURCE"],
    "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
}
with open(sys.argv[1], "w") as out:
    json.dump(versions, out, indent=2)
    out.write("\n")
print(json.dumps(versions))
PY
