"""Part 5 checks beyond the trials table (tests/lab/trial_answers.py: right answers written differently, mistakes and
their hints): stubs are not done, alternative right steps, early divergence, the test scores, or_reference."""


import pytest
import torch
from trials_from_parts import _gd_with  # the trials' gradient descent with a given stopping rule

from lab import regression as ref
from lab.checks import CheckFailed, NotDone
from lab.exercises import regression as ex

F32 = torch.float32


def _fails(check, answer, hint):
    with pytest.raises(CheckFailed, match=hint) as info:
        check(answer)
    assert type(info.value) is CheckFailed  # a real failure, not NotDone
    return str(info.value)


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercice à compléter")


CHECKS = {
    "to_tensors": ex.check_to_tensors, "split": ex.check_split, "standardize": ex.check_standardize,
    "init_params": ex.check_init_params, "predict": ex.check_predict, "mse": ex.check_mse,
    "r2_score": ex.check_r2_score, "gd_step": ex.check_gd_step, "should_stop": ex.check_should_stop,
    "gradient_descent": ex.check_gradient_descent, "evaluate": ex.check_evaluate,
    "make_loader": ex.check_make_loader, "train_epoch": ex.check_train_epoch,
}


@pytest.mark.parametrize("name", CHECKS)
def test_stub_is_not_done(name):
    with pytest.raises(NotDone):
        CHECKS[name](_stub)
    with pytest.raises(NotDone):
        CHECKS[name](...)


# --- data -------------------------------------------------------------------------------------------------------------


# --- model and loss ----------------------------------------------------------------------------------------------------


# --- gradient descent ---------------------------------------------------------------------------------------------------


def _step_zero_first(x, y, w, b, lr):
    """Zeroing before backward (the optimizer's habit) is right too."""
    if w.grad is not None:
        w.grad.zero_()
        b.grad.zero_()
    loss = ref.mse(ref.predict(x, w, b), y)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    return loss


def test_gd_step_accepts_zeroing_before_backward(capsys):
    ex.check_gd_step(_step_zero_first)
    assert "✅" in capsys.readouterr().out


def test_gradient_descent_divergence_must_stop_early():
    def late(losses, tol):  # converges right, but looks for divergence only after 60 iterations
        reason = ref.should_stop(losses, tol)
        return reason if reason == ref.CONVERGED or len(losses) > 60 else None

    _fails(ex.check_gradient_descent, _gd_with(late), "détectée qu'après 6[01] itérations")


# --- evaluation ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def trained():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 4, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.3 + 0.5 * torch.randn(400, 1, generator=g)
    x_train, x_test, y_train, y_test = ref.split(x, y, 0.25, 1)
    w, b, losses, reason = ref.gradient_descent(x_train, y_train, 0.3, 1e-7, 2000)
    assert reason == ref.CONVERGED
    return w, b, x_train, y_train, x_test, y_test


def test_test_scores_reference_and_mistakes(trained, capsys):
    w, b, x_train, y_train, x_test, y_test = trained
    ex.check_test_scores(*ref.evaluate(x_test, y_test, w, b), w, b, x_train, y_train, x_test, y_test)
    assert "✅" in capsys.readouterr().out

    with pytest.raises(CheckFailed, match="ENTRAÎNEMENT"):
        ex.check_test_scores(*ref.evaluate(x_train, y_train, w, b), w, b, x_train, y_train, x_test, y_test)
    with pytest.raises(NotDone):
        ex.check_test_scores(..., ..., w, b, x_train, y_train, x_test, y_test)

    w_short, b_short, _, reason = ref.gradient_descent(x_train, y_train, 0.01, 1e-7, 5)
    assert reason == ref.MAX_ITER
    with pytest.raises(CheckFailed, match="loin de la solution exacte"):
        ex.check_test_scores(*ref.evaluate(x_test, y_test, w_short, b_short), w_short, b_short,
                             x_train, y_train, x_test, y_test)

    w_nan, b_nan, losses, reason = ref.gradient_descent(x_train * 1000, y_train, 0.4, 1e-7, 5000)
    assert reason == ref.DIVERGED and len(losses) < 10
    w_nan = torch.full_like(w_nan, float("nan"))
    with pytest.raises(CheckFailed, match="divergé"):
        ex.check_test_scores(float("nan"), float("nan"), w_nan, b_nan, x_train, y_train, x_test, y_test)


# --- or_reference --------------------------------------------------------------------------------------------------------
def test_or_reference_falls_back_only_while_stub(capsys):
    def predict(x, w, b):
        raise NotImplementedError("Exercice à compléter")

    x, w, b = torch.ones(3, 2), torch.ones(1, 2), torch.zeros(1)
    assert torch.equal(ex.or_reference(predict)(x, w, b), ref.predict(x, w, b))
    assert "bibliothèque du cours" in capsys.readouterr().out

    def mse(pred, y):
        return torch.tensor(42.0)

    assert ex.or_reference(mse)(x, x).item() == 42.0  # the student's own, once written
    with pytest.raises(ValueError):
        ex.or_reference(lambda: None)
