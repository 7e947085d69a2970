"""The state guard around every check call: what a student's function leaves changed in torch's global state
fails the check with its key, is put back either way, and a check never moves the student's random stream."""

import pytest
import torch

from lab.check_state import DEFAULT_DTYPE, GRAD_MODE, RNG_RESEEDED
from lab.checks import CheckFailed, CheckResult, add_listener, remove_listener
from lab.exercises import regression, tensors
from lab.solutions import regression as ref_regression
from lab.solutions import tensors as ref_tensors


def _grid_leaving(change):
    def grid(n, m):
        change()
        return ref_tensors.grid(n, m)
    return grid


@pytest.mark.parametrize("change, key, words", [
    (lambda: torch.set_grad_enabled(False), GRAD_MODE, "resté désactivé"),
    (lambda: torch.set_default_dtype(torch.float64), DEFAULT_DTYPE, "torch.float64"),
    (lambda: torch.manual_seed(3), RNG_RESEEDED, "torch.manual_seed"),
    (lambda: torch.random.manual_seed(3), RNG_RESEEDED, "torch.random.manual_seed"),
])
def test_state_left_behind_fails_with_its_key_and_is_restored(change, key, words):
    seen: list[CheckResult] = []
    add_listener(seen.append)
    rng = torch.get_rng_state()
    try:
        with pytest.raises(CheckFailed) as info:
            tensors.check_grid(_grid_leaving(change))
    finally:
        remove_listener(seen.append)
    assert info.value.mistake == key and words in str(info.value)
    assert torch.is_grad_enabled() and torch.get_default_dtype() == torch.float32
    assert torch.equal(torch.get_rng_state(), rng)
    assert [(r.outcome, r.mistake) for r in seen] == [("failed", key)]


def test_a_check_that_draws_from_the_global_generator_leaves_it_as_it_was(capsys):
    """check_make_loader shuffles with the global generator; the student's next draw must not depend on it."""
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    regression.check_make_loader(ref_regression.make_loader)
    assert torch.equal(torch.rand(3), expected)
    assert "✅" in capsys.readouterr().out


def test_a_block_that_restores_its_state_is_fine(capsys):
    def grid(n, m):
        with torch.no_grad():
            return ref_tensors.grid(n, m)
    tensors.check_grid(grid)
    assert "✅" in capsys.readouterr().out
