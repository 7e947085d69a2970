"""Part 03 checks fail, with the specific hint, on the mistakes students make; reference values match the slides."""

import math

import numpy as np
import pytest
import torch

from lab.checks import CheckFailed
from lab.exercises import autograd as ex
from lab.solutions import autograd as ref


def test_reference_values_match_the_slides():
    assert ref.derivatives(lambda a, b: 2 * a + b, 1.0, 2.0) == (2.0, 1.0)
    da, db = ref.derivatives(ref.f_sin, 1.0, 2.0)
    assert da == pytest.approx(2 * math.cos(4.0)) and db == pytest.approx(math.cos(4.0))
    A = torch.randn(2, 3)
    assert torch.allclose(ref.grad_sum_of_squares(A), 2 * A)
    z = ref.f_sin(torch.tensor(1.0, requires_grad=True), torch.tensor(2.0, requires_grad=True))
    assert sorted(ref.graph_node_names(z)) == sorted(
        ["SinBackward0", "AddBackward0", "MulBackward0", "torch::autograd::AccumulateGrad",
         "torch::autograd::AccumulateGrad"])


def _fails(check, answer, hint):
    with pytest.raises(CheckFailed, match=hint) as info:
        check(answer)
    assert type(info.value) is CheckFailed


def _derivatives_no_requires_grad(f, a_val, b_val):
    a, b = torch.tensor(a_val), torch.tensor(b_val)
    z = f(a, b)
    z.backward()
    return a.grad.item(), b.grad.item()


def _derivatives_returns_values(f, a_val, b_val):
    a = torch.tensor(a_val, requires_grad=True)
    b = torch.tensor(b_val, requires_grad=True)
    f(a, b).backward()
    return a.item(), b.item()


def _gradient_not_scalar(A):
    A = A.clone().requires_grad_(True)
    (A**2).backward()
    return A.grad


def _gradient_mean(A):
    A = A.clone().requires_grad_(True)
    (A**2).mean().backward()
    return A.grad


def _gradient_forgets_requires_grad(A):
    L = (A**2).sum()
    L.backward()
    return A.grad


def _zero_params(params):
    for p in params:
        p.zero_()


def _zero_without_none_test(params):
    for p in params:
        p.grad.zero_()


def _descent_no_zero(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        with torch.no_grad():
            w -= lr * w.grad


def _descent_in_place_on_leaf(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        w -= lr * w.grad
        w.grad.zero_()


def _descent_rebinds(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        w = w - lr * w.grad


def _descent_rebinds_no_grad(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        with torch.no_grad():
            w = w - lr * w.grad


def _descent_rebinds_detached(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        w = (w - lr * w.grad).detach().requires_grad_(True)


def _descent_wrong_sign(w, loss_fn, lr, n_steps):
    for _ in range(n_steps):
        loss_fn(w).backward()
        with torch.no_grad():
            w += lr * w.grad
        w.grad.zero_()


def _graph_root_only(z):
    return [z.grad_fn.name()]


def _graph_no_none_skip(z):
    names, to_visit = [], [z.grad_fn]
    while to_visit:
        node = to_visit.pop()
        names.append(node.name())
        to_visit.extend(s for s, _ in node.next_functions)
    return names


def _graph_no_visited_set(z):
    names, to_visit = [], [z.grad_fn]
    while to_visit:
        node = to_visit.pop()
        if node is None:
            continue
        names.append(node.name())
        to_visit.extend(s for s, _ in node.next_functions)
    return names


def _graph_first_branch_only(z):
    names, node = [], z.grad_fn
    while node is not None:
        names.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    return names


MISTAKES = [
    ("derivatives", _derivatives_no_requires_grad, "requires_grad=True"),
    ("derivatives", _derivatives_returns_values, "les valeurs de a et b"),
    ("f_sin", lambda a, b: math.sin(2 * a + b), "math.sin, numpy"),
    ("f_sin", lambda a, b: np.sin(2 * a + b), "numpy"),
    ("f_sin", lambda a, b: torch.tensor(math.sin(2 * a.item() + b.item())), "graphe est coupé"),
    ("grad_sum_of_squares", _gradient_not_scalar, "SCALAIRE"),
    ("grad_sum_of_squares", _gradient_mean, "MOYENNE"),
    ("grad_sum_of_squares", _gradient_forgets_requires_grad, "requires_grad=True"),
    ("zero_grads", _zero_params, "p.grad.zero_"),
    ("zero_grads", _zero_without_none_test, "is not None"),
    ("zero_grads", lambda ps: None, "pas remis à zéro"),
    ("descent", _descent_no_zero, "oublié de les remettre"),
    ("descent", _descent_in_place_on_leaf, "torch.no_grad"),
    ("descent", _descent_rebinds, "n'est plus une feuille"),
    ("descent", _descent_rebinds_no_grad, "n'est plus une feuille"),
    ("descent", _descent_rebinds_detached, "l'appelant garde l'ancien w"),
    ("descent", _descent_wrong_sign, "Une étape : L = loss_fn"),
    ("to_numpy", lambda t: t.numpy(), "détachez-le"),
    ("to_numpy", lambda t: t.detach().tolist(), "np.ndarray"),
    ("graph_node_names", _graph_root_only, "next_functions donne"),
    ("graph_node_names", _graph_no_none_skip, "constantes"),
    ("graph_node_names", _graph_no_visited_set, "plusieurs chemins"),
    ("graph_node_names", _graph_first_branch_only, "Il manque"),
]


@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")
@pytest.mark.parametrize("name, answer, hint", MISTAKES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(MISTAKES)])
def test_check_fails_with_specific_hint(name, answer, hint):
    _fails(getattr(ex, f"check_{name}"), answer, hint)


def test_every_autograd_check_has_mistake_tests():
    assert {n.removeprefix("check_") for n in dir(ex) if n.startswith("check_")} == {n for n, _, _ in MISTAKES}


def test_descent_accepts_the_data_attribute_of_the_slides():
    def with_data(w, loss_fn, lr, n_steps):
        for _ in range(n_steps):
            loss_fn(w).backward()
            w.data -= lr * w.grad.data
            w.grad = None

    ex.check_descent(with_data)


def test_descent_curve_plots_with_progress(monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    ex.check_descent(ref.descent, plot=True)
    (fig,) = shown
    (line,) = fig.axes[0].get_lines()
    losses = line.get_ydata()
    assert len(losses) == 200 and losses[-1] < losses[0]  # the loss really decreased
    plt.close(fig)
