"""Part 03 checks fail, with the specific hint, on the mistakes students make; reference values match the slides."""

import math

import pytest
import torch

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
