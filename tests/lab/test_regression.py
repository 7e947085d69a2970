"""Part 5 reference solution on the real data: the issue's targets, measured."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from lab import regression as ref

# ../shared/data/california_housing/README.md, computed with scikit-learn from the raw file
README_TEST_R2, README_TEST_MSE = 0.5757877060, 0.5558915987


def test_split_is_scikit_learns(housing):
    x, y = ref.to_tensors(housing.data, housing.target)
    x_train, x_test, y_train, y_test = ref.split(x, y, 0.2, 42)
    sk = train_test_split(housing.data, housing.target, test_size=0.2, random_state=42)
    np.testing.assert_allclose(x_train.numpy(), sk[0], rtol=1e-6)
    np.testing.assert_allclose(y_test.numpy().ravel(), sk[3], rtol=1e-6)
    assert x.dtype == y.dtype == torch.float32 and y.shape == (20640, 1)


def test_standardization_uses_training_rows_only(housing):
    x, y = ref.to_tensors(housing.data, housing.target)
    x_train, x_test, _, _ = ref.split(x, y, 0.2, 42)
    x_train_s, x_test_s = ref.standardize(x_train, x_test)
    torch.testing.assert_close(x_train_s.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(x_train_s.std(0), torch.ones(8), atol=1e-5, rtol=0)
    assert x_test_s.mean(0).abs().max() > 1e-3  # the test rows were not used: their mean is not exactly 0


def test_gradient_descent_matches_the_closed_form(housing):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as python -m lab.regression does: faster for this small problem
    try:
        runs = [ref.run(test_size=0.2, seed=42, device="cpu", housing=housing) for _ in range(2)]
    finally:
        torch.set_num_threads(threads)
    out = runs[-1]
    gd, cf = out["gradient_descent"], out["closed_form"]
    assert runs[0]["gradient_descent"]["test_r2"] == gd["test_r2"]  # deterministic
    assert cf["test_r2"] == pytest.approx(README_TEST_R2, abs=1e-9)
    assert cf["test_mse"] == pytest.approx(README_TEST_MSE, abs=1e-9)
    assert gd["stop_reason"] == ref.CONVERGED and gd["iterations"] < ref.MAX_ITERATIONS
    assert abs(gd["test_r2"] - cf["test_r2"]) < 1e-3
    assert abs(gd["test_mse"] - cf["test_mse"]) < 1e-3
    # The speed target (well under a second of compute) is measured by `python -m lab.regression`, not asserted.
    assert (out["n_train"], out["n_test"]) == (16512, 4128)


def test_closed_form_helper_agrees_with_sklearn(housing):
    x_tr, x_te, y_tr, y_te = train_test_split(housing.data, housing.target, test_size=0.3, random_state=7)
    pred = LinearRegression().fit(x_tr, y_tr).predict(x_te)
    assert ref.closed_form(x_tr, y_tr, x_te, y_te) == pytest.approx((mean_squared_error(y_te, pred),
                                                                     r2_score(y_te, pred)))


def test_unstandardized_features_diverge_and_it_is_explained(housing):
    x, y = ref.to_tensors(housing.data, housing.target)
    x_train, _, y_train, _ = ref.split(x, y, 0.2, 42)
    w, b, losses, reason = ref.gradient_descent(x_train, y_train, lr=ref.LEARNING_RATE)
    assert reason == ref.DIVERGED and len(losses) < 10
    message = ref.explain_stop(reason, losses, ref.LEARNING_RATE)
    assert "DIVERGENCE" in message and "standardisez" in message


def test_stopping_reasons():
    assert ref.should_stop([1.0], 1e-6) is None
    assert ref.should_stop([1.0, 0.5], 1e-6) is None
    assert ref.should_stop([1.0, 1.0 - 1e-8], 1e-6) == ref.CONVERGED
    assert ref.should_stop([1.0, 1.1], 1e-6) == ref.DIVERGED
    assert ref.should_stop([1.0, float("nan")], 1e-6) == ref.DIVERGED
    x = torch.randn(50, 2)
    y = x @ torch.ones(2, 1)
    assert ref.gradient_descent(x, y, lr=1e-4, max_iter=4).reason == ref.MAX_ITER
    assert "plafond de 4" in ref.explain_stop(ref.MAX_ITER, [1.0] * 4, 1e-4)


def test_mse_refuses_the_broadcasting_trap():
    with pytest.raises(ValueError, match=r"\(n, n\)"):
        ref.mse(torch.zeros(4, 1), torch.zeros(4))


def test_minibatch_sgd_gets_close_to_the_closed_form(housing):
    x, y = ref.to_tensors(housing.data, housing.target)
    x_train, x_test, y_train, y_test = ref.split(x, y, 0.2, 42)
    x_train_s, x_test_s = ref.standardize(x_train, x_test)
    w, b, losses = ref.train_minibatch(x_train_s, y_train, lr=0.01, batch_size=64, epochs=3, device="cpu")
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert abs(ref.evaluate(x_test_s, y_test, w, b)[1] - README_TEST_R2) < 2e-2


def test_device_choice():
    assert ref.pick_device("cpu") == torch.device("cpu")
    assert torch.ones(2, device=ref.pick_device("auto")).sum().item() == 2  # auto picks a device that works here
    with pytest.raises(ValueError):
        ref.pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="Pas de GPU"):
            ref.pick_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_gives_the_cpu_result(housing):
    cpu = ref.run(device="cpu", housing=housing)["gradient_descent"]
    gpu = ref.run(device="cuda", housing=housing)
    assert gpu["device"].startswith("cuda")
    assert gpu["gradient_descent"]["test_r2"] == pytest.approx(cpu["test_r2"], abs=1e-4)
    x, y = ref.to_tensors(housing.data, housing.target)
    w, b, losses = ref.train_minibatch(x[:2048], y[:2048], epochs=1, device="cuda")
    assert w.is_cuda and len(losses) == 1
