"""Checks students call from the notebooks, one module per part (``check_<exercise>(answer)``).

Convention: ``check_<name>(answer)`` takes the student's object named ``<name>`` in the notebook (a function
or a value) and the reference is ``lab.solutions.<part>.<name>``.
"""

from lab import progress

progress.install()  # every check call is recorded (lab/progress.py); on a hub, also sent to the teacher's page
