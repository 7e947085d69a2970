"""`python -m labtools.bench ...` = `python scripts/bench_transfer.py ...`."""
import sys

from .cli import main

sys.exit(main())
