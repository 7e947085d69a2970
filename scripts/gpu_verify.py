#!/usr/bin/env python3
"""GPU verification of the benchmark against CuPy's raw cudaMemcpyAsync; the code is labtools/bench/verify.py.

On a machine with an NVIDIA GPU, torch and CuPy (no Docker, nothing installed from this checkout):
    python scripts/gpu_verify.py --out /tmp/check     # or scripts/gpu_verify.sh
Exit codes: 0 = within 3 %, 1 = outside target or nothing compared, 2 = no usable GPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's labtools

from labtools.bench.verify import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
