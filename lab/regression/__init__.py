"""The course library for parts 04-05: linear regression on California housing, as the slides build it.

Float tensors with an explicit dtype and checked shapes, a train/test split (the same rows as scikit-learn's
``train_test_split``), standardization fitted on the training rows only, parameters with gradients,
``x @ w.T + b``, MSE, gradient descent with a real stopping criterion, test MSE and R², scikit-learn's
exact solution for comparison; then ``torch.optim`` with mini-batches from a ``DataLoader``.
Every function works on the device of its input tensors (CPU or CUDA).

``python -m lab.regression`` (``__main__.py``) runs it end to end; the notebooks' later cells use it, and the
answer key ``lab.solutions.regression`` re-exports the functions the students write.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
import torch

from lab.devices import pick_device, sync

DTYPE = torch.float32

CONVERGED = "converged"
MAX_ITER = "max_iter"
DIVERGED = "diverged"
STOP_REASONS = (CONVERGED, MAX_ITER, DIVERGED)

#: A full-batch step on a quadratic loss never raises the loss unless the step is too large; this margin only
#: absorbs float32 rounding (about 1e-7 relative).
RISE_TOLERANCE = 1e-4

#: Defaults measured on the standardized data (largest Hessian eigenvalue about 4.05, so steps must stay under
#: 2 / 4.05 ≈ 0.49).
LEARNING_RATE = 0.4
TOLERANCE = 1e-6
MAX_ITERATIONS = 5000


# --- data ---------------------------------------------------------------------------------------------------------
def to_tensors(data, target, device=None):
    """Features (n, d) and target (n, 1), both float32: one dtype for data and weights, and y shaped like x @ w.T."""
    x = torch.tensor(data, dtype=DTYPE, device=device)
    y = torch.tensor(target, dtype=DTYPE, device=device).reshape(-1, 1)
    if x.ndim != 2 or y.shape != (x.shape[0], 1):
        raise ValueError(f"Formes incohérentes : x {tuple(x.shape)}, y {tuple(y.shape)}.")
    return x, y


def split_indices(n: int, test_size: float = 0.2, seed: int = 42):
    """Train and test row indices, the same rows as ``sklearn.model_selection.train_test_split``."""
    from sklearn.model_selection import train_test_split

    train_idx, test_idx = train_test_split(np.arange(n), test_size=test_size, random_state=seed)
    return torch.as_tensor(train_idx), torch.as_tensor(test_idx)


def split(x, y, test_size: float = 0.2, seed: int = 42):
    """``x_train, x_test, y_train, y_test``: rows drawn once, the same rows for x and y."""
    train_idx, test_idx = split_indices(x.shape[0], test_size, seed)
    train_idx, test_idx = train_idx.to(x.device), test_idx.to(x.device)
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx]


def standardize(x_train, x_test):
    """Scale both with the mean and std of the TRAINING rows (axis 0): the test rows stay unseen."""
    mean = x_train.mean(dim=0, keepdim=True)
    std = x_train.std(dim=0, keepdim=True)
    return (x_train - mean) / std, (x_test - mean) / std


# --- model and loss ----------------------------------------------------------------------------------------------
def init_params(d: int, dtype=DTYPE, device=None):
    """Leaf parameters with gradients: ``w`` (1, d) and ``b`` (1,), at zero (a convex problem needs no randomness)."""
    w = torch.zeros(1, d, dtype=dtype, device=device, requires_grad=True)
    b = torch.zeros(1, dtype=dtype, device=device, requires_grad=True)
    return w, b


def predict(x, w, b):
    """The slides' linear estimator: (n, d) @ (d, 1) + (1,) -> (n, 1)."""
    return x @ w.T + b


def mse(pred, y):
    """Mean squared error; refuses mismatched shapes ((n,) against (n, 1) would broadcast to n x n)."""
    if pred.shape != y.shape:
        raise ValueError(
            f"mse : formes différentes {tuple(pred.shape)} et {tuple(y.shape)} ; (n, 1) - (n,) serait diffusé "
            "en (n, n). Mettez y en (n, 1) avec y.reshape(-1, 1)."
        )
    return ((pred - y) ** 2).mean()


def r2_score(pred, y):
    """Coefficient of determination: 1 - SS_res / SS_tot (1 is perfect, 0 is predicting the mean)."""
    if pred.shape != y.shape:
        raise ValueError(f"r2_score : formes différentes {tuple(pred.shape)} et {tuple(y.shape)}.")
    ss_res = ((y - pred) ** 2).sum()
    ss_tot = ((y - y.mean()) ** 2).sum()
    return 1 - ss_res / ss_tot


def evaluate(x, y, w, b):
    """``(mse, r2)`` as Python floats, without building a graph."""
    with torch.no_grad():
        pred = predict(x, w, b)
        return mse(pred, y).item(), r2_score(pred, y).item()


# --- gradient descent ----------------------------------------------------------------------------------------------
def gd_step(x, y, w, b, lr):
    """One full-batch step: forward, backward, in-place update outside the graph, gradients back to zero.

    Returns the loss (a float) measured before the update.
    """
    loss = mse(predict(x, w, b), y)
    loss.backward()
    with torch.no_grad():  # the update must not be recorded, and w must stay the same leaf tensor
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()  # otherwise the next backward() adds to this gradient
    b.grad.zero_()
    return loss.item()


def should_stop(losses, tol):
    """Stopping criterion from the list of losses so far: a reason from STOP_REASONS, or None to go on.

    * not a finite number, or a rise of the loss: ``diverged`` (a full-batch step that raises the loss is too big);
    * relative improvement ``(previous - current) / previous`` under ``tol``: ``converged``.
    """
    current = losses[-1]
    if not math.isfinite(current):
        return DIVERGED
    if len(losses) < 2:
        return None
    previous = losses[-2]
    if current > previous * (1 + RISE_TOLERANCE):
        return DIVERGED
    if abs(previous - current) <= tol * abs(previous):
        return CONVERGED
    return None


class GDResult(NamedTuple):
    """What a training run returns; a plain tuple ``(w, b, losses, reason)`` works the same."""

    w: torch.Tensor
    b: torch.Tensor
    losses: list
    reason: str


def gradient_descent(x, y, lr=LEARNING_RATE, tol=TOLERANCE, max_iter=MAX_ITERATIONS, progress=False):
    """Full-batch gradient descent from zero until ``should_stop`` says so or ``max_iter`` steps."""
    w, b = init_params(x.shape[1], x.dtype, x.device)
    losses = []
    steps = range(max_iter)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="descente de gradient", leave=False)
    reason = MAX_ITER
    for _ in steps:
        losses.append(gd_step(x, y, w, b, lr))
        stop = should_stop(losses, tol)
        if stop is not None:
            reason = stop
            break
    if progress:
        steps.close()
    return GDResult(w, b, losses, reason)


def explain_stop(reason, losses, lr):
    """One French sentence for the stopping reason; divergence comes with what to do about it."""
    n = len(losses)
    if reason == CONVERGED:
        return f"convergence après {n} itérations (amélioration relative sous la tolérance), perte {losses[-1]:.4f}."
    if reason == MAX_ITER:
        return (f"arrêt au plafond de {n} itérations sans avoir convergé (perte {losses[-1]:.4f}) : "
                "augmentez max_iter ou le pas, ou relâchez la tolérance.")
    if math.isfinite(losses[-1]):
        what = f"remonte ({min(losses[:-1]):.4g} → {losses[-1]:.4g})" if n > 1 else f"vaut {losses[-1]:.4g}"
    else:
        what = f"est devenue {losses[-1]} (départ {losses[0]:.4g})"
    return (f"DIVERGENCE après {n} itérations : la perte {what}. "
            f"Le pas lr={lr} est trop grand pour l'échelle des variables : "
            "standardisez les variables (moyenne et écart-type des lignes d'entraînement) ou réduisez lr.")


# --- exact solution -------------------------------------------------------------------------------------------------
def closed_form(x_train, y_train, x_test, y_test):
    """scikit-learn's ``LinearRegression`` (least squares, exact): ``(mse, r2)`` on the test rows."""
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_squared_error
    from sklearn.metrics import r2_score as sk_r2

    def as_numpy(a):
        return a.detach().cpu().double().numpy() if isinstance(a, torch.Tensor) else np.asarray(a, dtype=np.float64)

    model = LinearRegression().fit(as_numpy(x_train), as_numpy(y_train).ravel())
    pred = model.predict(as_numpy(x_test))
    y_test = as_numpy(y_test).ravel()
    return float(mean_squared_error(y_test, pred)), float(sk_r2(y_test, pred))


# --- torch.optim and mini-batches (the conclusion slide) -------------------------------------------------------------
def make_loader(x, y, batch_size=64, shuffle=True, seed=0):
    """Mini-batches of (x, y) rows kept together, reshuffled each epoch (reproducibly from ``seed``)."""
    from torch.utils.data import DataLoader, TensorDataset

    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=shuffle, generator=generator)


def train_epoch(loader, w, b, optimizer, device=None):
    """One pass over the loader: zero_grad, loss, backward, step per batch. Returns the mean batch loss."""
    total, batches = 0.0, 0
    for xb, yb in loader:
        if device is not None:
            xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = mse(predict(xb, w, b), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches


def train_minibatch(x, y, lr=0.01, batch_size=64, epochs=10, seed=0, device=None, progress=False):
    """``torch.optim.SGD`` over mini-batches. ``x``, ``y`` stay where they are (CPU); batches move to ``device``."""
    device = torch.device(device) if device is not None else x.device
    w, b = init_params(x.shape[1], x.dtype, device)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    loader = make_loader(x, y, batch_size=batch_size, shuffle=True, seed=seed)
    epochs_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epochs_iter = tqdm(epochs_iter, desc="époques", leave=False)
    losses = [train_epoch(loader, w, b, optimizer, device) for _ in epochs_iter]
    return w, b, losses


# --- the whole exercise end to end (used by ``python -m lab.regression``) ------------------------------------------
def run(test_size=0.2, seed=42, device="auto", data_csv=None, lr=LEARNING_RATE, tol=TOLERANCE,
        max_iter=MAX_ITERATIONS, housing=None):
    """Load, split, standardize, train by gradient descent, evaluate, compare with the closed form.

    Returns a dict of plain Python values (the CLI prints it or dumps it as JSON).
    """
    from lab.data import load_california_housing

    device = pick_device(device) if isinstance(device, str) else device
    if housing is None:
        housing = load_california_housing(data_csv=data_csv)
    x, y = to_tensors(housing.data, housing.target, device=device)
    x_train, x_test, y_train, y_test = split(x, y, test_size, seed)
    x_train_s, x_test_s = standardize(x_train, x_test)

    sync(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    result = gradient_descent(x_train_s, y_train, lr=lr, tol=tol, max_iter=max_iter)
    sync(device)
    gd_seconds, gd_cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    gd_mse, gd_r2 = evaluate(x_test_s, y_test, result.w, result.b)

    # The closed form sees the raw float64 rows of the very same split (standardizing changes nothing for it).
    train_idx, test_idx = split_indices(len(housing.target), test_size, seed)
    start = time.perf_counter()
    cf_mse, cf_r2 = closed_form(housing.data[train_idx.numpy()], housing.target[train_idx.numpy()],
                                housing.data[test_idx.numpy()], housing.target[test_idx.numpy()])
    cf_seconds = time.perf_counter() - start

    return {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "test_size": test_size,
        "seed": seed,
        "n_train": int(x_train.shape[0]),
        "n_test": int(x_test.shape[0]),
        "gradient_descent": {
            "test_r2": gd_r2,
            "test_mse": gd_mse,
            "iterations": len(result.losses),
            "stop_reason": result.reason,
            "message": explain_stop(result.reason, result.losses, lr),
            "seconds": gd_seconds,
            "cpu_seconds": gd_cpu_seconds,
            "lr": lr,
            "tol": tol,
            "max_iter": max_iter,
        },
        "closed_form": {
            "test_r2": cf_r2,
            "test_mse": cf_mse,
            "iterations": None,
            "stop_reason": "exact (moindres carrés, LinearRegression de scikit-learn)",
            "seconds": cf_seconds,
        },
        "r2_gap": abs(gd_r2 - cf_r2),
    }
