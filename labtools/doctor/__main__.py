"""`python -m labtools.doctor`: the doctor (in the image, or from the repository root on the host)."""

import sys

from labtools.doctor.cli import main

sys.exit(main())
