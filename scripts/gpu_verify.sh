#!/usr/bin/env bash
# GPU verification of the benchmark: its default run + a CuPy cudaMemcpyAsync reference (labtools/bench/verify.py).
# Run from anywhere on a machine with an NVIDIA GPU, torch and CuPy. When the device runner sets $OUT, results go to
# $OUT/gpu-verify (they come back from there and are then committed under docs/bench/); otherwise to
# docs/bench/<date>-<gpu>/ in the repository. Exit: 0 within 3 %, 1 outside target, 2 no GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-python3}" scripts/gpu_verify.py ${OUT:+--out "$OUT/gpu-verify"} "$@"
