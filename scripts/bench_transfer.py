#!/usr/bin/env python3
"""What moving data to the GPU costs, against computing there (`make bench`); the code is labtools/bench/.

Runs from a checkout without installing anything but torch (matplotlib, tqdm, nvidia-ml-py optional):
    python scripts/bench_transfer.py --quick --out bench
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's labtools

from labtools.bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
