"""Student trials: every check, tried the way students answer, on several draws; one suite for all of them.

The rows are ``trial_answers.TRIALS`` (right answers in other styles, and mistakes) and
``trials_from_parts.ROWS`` (each known mistake of each part). Every row runs on ``DRAWS`` fresh random draws
(each check draws its own inputs) and must get the same verdict, and the same hint, on every one.
"""

import os
import re

import pytest
from trial_answers import CHECKS, PASS, TRIALS
from trials_from_parts import ROWS

from lab.checks import CheckFailed

DRAWS = int(os.environ.get("LAB_TRIAL_DRAWS", "4"))  # a stress run: LAB_TRIAL_DRAWS=20
ALL = TRIALS + ROWS


def _row(trial):
    return trial.values if hasattr(trial, "values") else trial


def _id(index, trial):
    exercise, _, expected = _row(trial)
    return f"{exercise}-{index}-{'right' if expected is PASS else 'wrong'}"


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")
@pytest.mark.parametrize("exercise, answer, expected", ALL, ids=[_id(i, t) for i, t in enumerate(ALL)])
def test_student_trial(exercise, answer, expected, capsys):
    check = CHECKS[exercise]
    for draw in range(DRAWS):
        if expected is PASS:
            check(answer)
            assert "✅" in capsys.readouterr().out, f"draw {draw}: no success line"
            continue
        with pytest.raises(CheckFailed) as info:
            check(answer)
        assert type(info.value) is CheckFailed, f"draw {draw}: {type(info.value).__name__}, not a real failure"
        assert re.search(expected, str(info.value)), f"draw {draw}: hint {expected!r} not in:\n{info.value}"


def test_every_check_has_right_and_wrong_trials():
    rows = [_row(t) for t in ALL]
    right = {exercise for exercise, _, expected in rows if expected is PASS}
    wrong = {exercise for exercise, _, expected in rows if expected is not PASS}
    assert set(CHECKS) == right == wrong
