#!/usr/bin/env python3
"""`make doctor` on the host: the doctor of labtools/doctor/, runnable from a checkout without installing anything.
`python3 scripts/doctor.py --list-checks` names the checks; `python3 scripts/doctor.py port disk` runs just those."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labtools.policy import HOST_PYTHON_MIN  # noqa: E402  (after the path set-up)

if sys.version_info[:2] < HOST_PYTHON_MIN:
    sys.exit(f"doctor : Python {sys.version.split()[0]} est trop ancien pour le docteur ; il faut Python "
             f"{'.'.join(map(str, HOST_PYTHON_MIN))} ou plus récent : make doctor PYTHON=/chemin/python3")

from labtools.doctor.cli import main  # noqa: E402

if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `make doctor | head`
        sys.exit(1)
