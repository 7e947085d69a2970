#!/usr/bin/env python3
"""`make doctor` on the host: the doctor of labtools/doctor/, runnable from a checkout without installing anything.
`python3 scripts/doctor.py --list-checks` names the checks; `python3 scripts/doctor.py port disk` runs just those."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labtools.doctor.cli import main  # noqa: E402  (after the path set-up)

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `make doctor | head`
        sys.exit(1)
