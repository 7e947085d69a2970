"""Student trials folded in from the per-part test files (one suite: tests/lab/test_student_trials.py runs them).

Rows are ``(exercise, answer, expected)`` as in ``trial_answers.TRIALS``: each known mistake once, with the hint
text it must get; the answers that need more than a lambda are defined here, by part.
"""

import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

from lab import regression as regression_ref
from lab.solutions import environment as environment_ref

F32 = torch.float32


# --- environment (was test_environment.py) ----------------------------------------------------------------------


def _naive(text):
    return dict(line.split("==") for line in text.splitlines())


# --- tensors (was test_tensors.py) ------------------------------------------------------------------------------


def _loop_columns(x):
    return torch.stack([x[:, j] for j in range(0, x.shape[1], 2)], dim=1)


def _loop_positive(x):
    return torch.stack([v for v in x.flatten() if v > 0])


def _loop_row_sums(x):
    return torch.stack([row.sum() for row in x])


def _inplace_add(a, b):
    a += b
    return a


def _rebind_sin(a):
    a = torch.sin(a)
    return a


def _sin_copy(a):
    a.sin_()
    return a.clone()


def _quantize(divisor, rounding=torch.round, clamp=True):
    def answer(x):
        scale = x.abs().max().item() / divisor
        q = rounding(x / scale)
        if clamp:
            q = q.clamp(-127, 127)
        return q.to(torch.int8), scale

    return answer


# --- gpu (was test_gpu.py) --------------------------------------------------------------------------------------


def _move_without_assignment(x, device):
    x.to(device)
    return x


# --- autograd (was test_autograd.py) ----------------------------------------------------------------------------


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


# --- regression (was test_regression_checks.py) -----------------------------------------------------------------


def _split_with(x, y, train_idx, test_idx):
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx]


def _all_rows(x_train, x_test):
    both = torch.cat([x_train, x_test])
    return (x_train - both.mean(0)) / both.std(0), (x_test - both.mean(0)) / both.std(0)


def _in_place(x_train, x_test):
    mean, std = x_train.mean(0), x_train.std(0)
    x_test.sub_(mean).div_(std)
    return x_train.sub_(mean).div_(std), x_test


def _step_no_zero(x, y, w, b, lr):
    loss = regression_ref.mse(regression_ref.predict(x, w, b), y)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    return loss.item()


def _step_in_place_on_leaf(x, y, w, b, lr):
    loss = regression_ref.mse(regression_ref.predict(x, w, b), y)
    loss.backward()
    w -= lr * w.grad
    b -= lr * b.grad
    return loss.item()


def _step_rebinds(x, y, w, b, lr):
    loss = regression_ref.mse(regression_ref.predict(x, w, b), y)
    loss.backward()
    w = w - lr * w.grad  # noqa: F841 — the classic "fix" that loses the leaf (and the caller's w)
    b = b - lr * b.grad  # noqa: F841
    return loss.item()


def _step_wrong_sign(x, y, w, b, lr):
    loss = regression_ref.mse(regression_ref.predict(x, w, b), y)
    loss.backward()
    with torch.no_grad():
        w += lr * w.grad
        b += lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    return loss.item()


def _stop_absolute(losses, tol):
    if not math.isfinite(losses[-1]):
        return "diverged"
    if len(losses) > 1 and losses[-1] > losses[-2]:
        return "diverged"
    if len(losses) > 1 and losses[-2] - losses[-1] < tol:
        return "converged"
    return None


def _stop_nan_blind(losses, tol):
    if len(losses) < 2:
        return None
    if losses[-1] > losses[-2]:
        return "diverged"
    if (losses[-2] - losses[-1]) / losses[-2] < tol:
        return "converged"
    return None


def _stop_no_rise(losses, tol):
    if not math.isfinite(losses[-1]):
        return "diverged"
    if len(losses) > 1 and abs(losses[-2] - losses[-1]) / losses[-2] < tol:
        return "converged"
    return None


def _stop_loss_small(losses, tol):
    if not math.isfinite(losses[-1]) or (len(losses) > 1 and losses[-1] > losses[-2]):
        return "diverged"
    return "converged" if losses[-1] < tol else None


def _gd_with(stop, store_tensor=False):
    def gradient_descent(x, y, lr, tol, max_iter):
        w, b = regression_ref.init_params(x.shape[1])
        losses, reason = [], "max_iter"
        for _ in range(max_iter):
            loss = regression_ref.mse(regression_ref.predict(x, w, b), y)
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
            losses.append(loss if store_tensor else loss.item())
            reason = stop([float(v.detach()) if torch.is_tensor(v) else v for v in losses], tol) or reason
            if reason != "max_iter":
                break
        return w, b, losses, reason

    return gradient_descent


def _epoch(zero=True, step=True, mean=True, move=True):
    def train_epoch(loader, w, b, optimizer, device=None):
        losses = []
        for xb, yb in loader:
            if move:
                xb, yb = xb.to(device), yb.to(device)
            if zero:
                optimizer.zero_grad()
            loss = regression_ref.mse(regression_ref.predict(xb, w, b), yb)
            loss.backward()
            if step:
                optimizer.step()
            losses.append(loss.item())
        return sum(losses) / len(losses) if mean else losses[-1]

    return train_epoch


class _PlainPairs(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


ROWS = [
    # environment
    ("python_version", lambda: f"{sys.version_info[0]}.{sys.version_info[1]}", "tuple d'entiers"),
    ("python_version", lambda: tuple(sys.version_info), r"sys.version_info\[:2\]"),
    ("python_version", lambda: (2, 7), "la version de CE Python"),
    ("follows_rule_1", lambda s, a: (s - a).days >= 182, "inversé la soustraction"),
    ("follows_rule_1", lambda s, a: (a - s).days > 182, "exactement 182 jours"),
    ("follows_rule_1", lambda s, a: a.month - s.month >= 6, "durée en jours"),
    ("follows_rule_1", lambda s, a: "oui" if (a - s).days >= 182 else "non", "True ou False"),
    ("environment_kind", lambda p, b: "venv" if p != b else "aucun", "conda-meta"),
    ("environment_kind", lambda p, b: "conda" if Path(p, "conda-meta").is_dir() else "aucun", "prefix != base_prefix"),
    (
        "environment_kind",
        lambda p, b: environment_ref.environment_kind(sys.prefix, sys.base_prefix),
        "Utilisez les arguments",
    ),
    (
        "environment_kind",
        lambda p, b: "conda" if os.environ.get("CONDA_PREFIX") else ("venv" if p != b else "aucun"),
        "conda-meta",
    ),
    ("parse_freeze", _naive, "ignorez-les"),
    (
        "parse_freeze",
        lambda t: {ln.split("==")[0]: ln.split("==")[1] for ln in t.splitlines() if "==" in ln},
        r"\.strip\(\)",
    ),
    (
        "parse_freeze",
        lambda t: {
            ln.split("==")[0].strip(): (ln.split("==") + [""])[1].strip()
            for ln in t.splitlines()
            if ln.strip() and not ln.startswith("#")
        },
        "Seules les lignes",
    ),
    ("parse_freeze", lambda t: list(environment_ref.parse_freeze(t).items()), "dictionnaire"),
    ("differences", lambda a, b: {n: (a[n], b.get(n)) for n in a if a[n] != b.get(n)}, "ajoutés"),
    ("differences", lambda a, b: {n: (a.get(n), b[n]) for n in b if b[n] != a.get(n)}, "supprimés"),
    ("differences", lambda a, b: {n: (a.get(n), b.get(n)) for n in a.keys() | b.keys()}, "même version"),
    ("differences", lambda a, b: {n: b.get(n) for n in a.keys() | b.keys() if a.get(n) != b.get(n)}, "couple"),
    # tensors
    ("grid", lambda n, m: torch.arange(n * m).reshape(m, n), "inversées"),
    ("grid", lambda n, m: torch.arange(1, n * m + 1).reshape(n, m), "commence à 0"),
    ("grid", lambda n, m: torch.arange(float(n * m)).reshape(n, m), "int64"),
    ("make_zeros_like", lambda x: torch.zeros(x.shape), "toujours en float32"),
    ("make_zeros_like", lambda x: x * 0, "nan"),
    ("make_zeros_like", lambda x: x.zero_(), "modifie son argument x"),
    ("bytes_per_value", {torch.float64: 64, torch.float32: 32, torch.float16: 16, torch.int8: 8}, "bits"),
    ("bytes_per_value", {torch.float64: 8, torch.float32: 4, torch.float16: 4, torch.int8: 1}, "float16"),
    ("size_in_bytes", lambda x: x.numel(), "element_size"),
    ("size_in_bytes", lambda x: sys.getsizeof(x), "getsizeof"),
    ("size_in_bytes", lambda x: len(x), "len"),
    ("size_in_bytes", lambda x: x.numel() * x.element_size() * 8, "bits"),
    ("values_with_n_bits", lambda n: 2 * n, "pas 2 \\* n"),
    ("values_with_n_bits", lambda n: 2**n - 1, "plus grande valeur"),
    ("values_with_n_bits", lambda n: n**2, "pas n \\*\\* 2"),
    ("quantize_int8", lambda x: (x.to(torch.int8), 1.0), "scale = 1"),
    ("quantize_int8", lambda x: (x / x.abs().max() * 127, x.abs().max() / 127), "torch.int8"),
    ("quantize_int8", _quantize(127, rounding=torch.trunc), "tronque"),
    ("quantize_int8", _quantize(128, clamp=False), "Dépassement"),
    ("quantize_int8", _quantize(128), "Dépassement"),
    ("quantize_int8", _quantize(100), "plage"),
    ("quantize_int8", lambda x: _quantize(127)(x)[0], "couple"),
    ("every_other_column", lambda x: x[::2], "LIGNE sur deux"),
    ("every_other_column", lambda x: x[:, 1::2], "colonne 0"),
    ("every_other_column", _loop_columns, "boucle"),
    ("positives_only", lambda x: x > 0, "booléens"),
    ("positives_only", lambda x: x[x >= 0], "Strictement"),
    ("positives_only", lambda x: torch.where(x > 0, x, 0.0), "plus court"),
    ("positives_only", _loop_positive, "boucle"),
    ("elementwise", lambda x: x @ (x + 2), "produit terme à terme s'écrit \\*"),
    ("elementwise", lambda x: x * x + 2, "Priorités"),
    ("matrix_product", lambda x, w: x * w.T, "terme à terme"),
    ("matrix_product", lambda x, w: x * w, "x @ w"),
    ("matrix_product", lambda x, w: (x * w.T).sum(1), "forme \\(n, 1\\)"),
    ("sin_in_place", lambda a: torch.sin(a), "NOUVEAU tenseur"),
    ("sin_in_place", _rebind_sin, "a.sin_\\(\\)"),
    ("sin_in_place", _sin_copy, "aucune copie"),
    ("add_out_of_place", lambda a, b: a.add_(b), "a \\+ b"),
    ("add_out_of_place", _inplace_add, "en place"),
    ("sum_per_row", lambda x: x.sum(0), "Mauvais axe : sum\\(0\\)"),
    ("sum_per_row", lambda x: x.sum(1, keepdim=True), "keepdim"),
    ("sum_per_row", lambda x: x.sum(), "précisez l'axe"),
    ("sum_per_row", _loop_row_sums, "boucle"),
    ("mean_per_column", lambda x: x.mean(1), "Mauvais axe : mean\\(1\\)"),
    ("max_per_row", lambda x: x.max(1), "\\.values"),
    ("max_per_row", lambda x: x.max(0).values, "Mauvais axe"),
    ("max_per_row", lambda x: x.max(1).indices, "indices"),
    ("sum_even_columns", lambda x: x[:, ::2].sum(0), "Mauvais axe"),
    ("sum_even_columns", lambda x: x.sum(1), "Seulement les colonnes"),
    ("add_batch_dim", lambda x: x.unsqueeze(-1), "unsqueeze\\(-1\\)"),
    ("add_batch_dim", lambda x: x.unsqueeze(1), "unsqueeze\\(1\\)"),
    ("remove_batch_dim", lambda x: x.squeeze(), "TOUTES les dimensions"),
    ("remove_batch_dim", lambda x: x.squeeze(-1), "la première : squeeze\\(0\\)"),
    ("remove_batch_dim", lambda x: x.squeeze(1), "la première : squeeze\\(0\\)"),
    # gpu
    ("choose_device", lambda: torch.device("cuda"), "sans GPU, choose_device renvoie"),
    ("choose_device", lambda: "cpu", "avec un GPU, choose_device renvoie"),
    ("choose_device", lambda: 42, "attendu un torch.device"),
    ("move_to", _move_without_assignment, "RENVOIE"),
    ("move_to", lambda x, device: x.cpu(), "device demandé"),
    ("add_on_device", lambda a, b: a + b, "rejoindre"),
    ("add_on_device", lambda a, b: a.cpu() + b, "rester sur le device de a"),
    ("estimated_transfer_time", lambda x, d: x.numel() / (d * 1e9), "element_size"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() / (d * 2**30), "1e9 octets"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() * d / 1e9, "octets / débit"),
    ("estimated_transfer_time", lambda x, d: x.numel() * x.element_size() / d, "multipliez-le par 1e9"),
    # autograd
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
    ("descent", _descent_wrong_sign, "la perte MONTE"),
    ("to_numpy", lambda t: t.numpy(), "détachez-le"),
    ("to_numpy", lambda t: t.detach().tolist(), "np.ndarray"),
    ("graph_node_names", _graph_root_only, "next_functions donne"),
    ("graph_node_names", _graph_no_none_skip, "constantes"),
    ("graph_node_names", _graph_no_visited_set, "plusieurs chemins"),
    ("graph_node_names", _graph_first_branch_only, "Il manque"),
    # regression
    ("to_tensors", lambda d, t: (torch.tensor(d), torch.tensor(t).reshape(-1, 1)), r"float64.*dtype=torch.float32"),
    ("to_tensors", lambda d, t: (torch.from_numpy(d).float(), torch.from_numpy(t)), "float64"),
    (
        "to_tensors",
        lambda d, t: (torch.tensor(d, dtype=F32), torch.tensor(t, dtype=F32)),
        r"diffusé en une matrice \(n, n\)",
    ),
    (
        "to_tensors",
        lambda d, t: (torch.tensor(d, dtype=F32).T, torch.tensor(t, dtype=F32).reshape(-1, 1)),
        "une colonne par variable",
    ),
    (
        "to_tensors",
        lambda d, t: (torch.tensor(d, dtype=F32), torch.tensor(np.sort(t), dtype=F32).reshape(-1, 1)),
        "sans réordonner",
    ),
    (
        "split",
        lambda x, y, t, s: (lambda n, k: _split_with(x, y, torch.arange(n - k), torch.arange(n - k, n)))(
            len(x), math.ceil(t * len(x))
        ),
        "mélanger les lignes",
    ),
    (
        "split",
        lambda x, y, t, s: (
            tuple(train_test_split(x, test_size=t, random_state=s))
            + tuple(train_test_split(y, test_size=t, random_state=s + 1))
        ),
        "ne correspondent plus",
    ),
    ("split", lambda x, y, t, s: tuple(train_test_split(x, y, test_size=t)), "même graine"),
    ("split", lambda x, y, t, s: tuple(train_test_split(x, y, test_size=t, random_state=0)), "n'est pas utilisée"),
    ("split", lambda x, y, t, s: tuple(train_test_split(x, y, test_size=1 - t, random_state=s)), "lignes de test"),
    (
        "split",
        lambda x, y, t, s: (lambda p, k: _split_with(x, y, p[: len(x) - k], p[:k]))(
            torch.randperm(len(x)), math.ceil(t * len(x))
        ),
        "une seule fois",
    ),
    ("standardize", _all_rows, "TOUTES les lignes"),
    ("standardize", lambda a, b: ((a - a.mean(0)) / a.std(0), (b - b.mean(0)) / b.std(0)), "ses propres statistiques"),
    ("standardize", lambda a, b: ((a - a.mean()) / a.std(), (b - a.mean()) / a.std()), "Mauvais axe"),
    ("standardize", _in_place, "en place"),
    (
        "standardize",
        lambda a, b: tuple(
            torch.tensor((m.numpy().astype("float64") - a.numpy().mean(0)) / a.numpy().std(0)) for m in (a, b)
        ),
        "float64",
    ),
    ("standardize", lambda a, b: ((a - a.mean(0)) / a.std(0), b / a.std(0)), "n'est pas"),
    (
        "init_params",
        lambda d: (torch.zeros(1, d, dtype=torch.float64, requires_grad=True), torch.zeros(1, requires_grad=True)),
        "float32",
    ),
    ("init_params", lambda d: (torch.randn(1, d, requires_grad=True) * 0.01, torch.zeros(1, requires_grad=True)), "feuille"),
    ("init_params", lambda d: (torch.zeros(1, d), torch.zeros(1)), "requires_grad=True"),
    ("init_params", lambda d: (torch.zeros(d, requires_grad=True), torch.zeros(1, requires_grad=True)), r"\(1, d\)"),
    ("init_params", lambda d: (torch.ones(1, d, requires_grad=True), torch.zeros(1, requires_grad=True)), "zéro"),
    ("predict", lambda x, w, b: w @ x.T + b, r"\(1, n\)"),
    ("predict", lambda x, w, b: x @ w.T, "biais"),
    ("predict", lambda x, w, b: (x @ w.T + b).detach(), "grad_fn"),
    ("predict", lambda x, w, b: x @ w.T - b, "décalées de la même quantité"),
    ("mse", lambda p, y: ((p - y) ** 2).sum(), "somme des carrés"),
    ("mse", lambda p, y: ((p - y) ** 2).mean(), r"diffusé en \(n, n\)"),
    ("mse", lambda p, y: ((p - y) ** 2).mean().item(), "sans .item()"),
    ("mse", lambda p, y: (p - y).abs().mean(), "moyenne de"),
    ("mse", lambda p, y: torch.tensor(float(((p - y) ** 2).mean().detach())), "graphe"),
    ("r2_score", lambda p, y: 1 - ((y - p) ** 2).sum() / ((p - p.mean()) ** 2).sum(), "inversés"),
    ("r2_score", lambda p, y: 1 - ((y - p) ** 2).sum() / (y**2).sum(), "LEUR moyenne"),
    ("r2_score", lambda p, y: ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum(), "1 moins le rapport"),
    ("gd_step", _step_no_zero, "s'accumulent"),
    ("gd_step", _step_in_place_on_leaf, r"torch.no_grad\(\): w -= lr \* w.grad"),
    ("gd_step", _step_rebinds, "NOUVEAU tenseur"),
    ("gd_step", _step_wrong_sign, "pas la bonne valeur"),
    ("should_stop", _stop_absolute, "RELATIF"),
    ("should_stop", _stop_nan_blind, "math.isfinite"),
    ("should_stop", _stop_no_rise, "perte qui augmente"),
    ("should_stop", _stop_loss_small, "RELATIF"),
    ("should_stop", lambda losses, tol: "stop" if len(losses) > 1 else None, "attendu None ou"),
    ("gradient_descent", _gd_with(lambda losses, tol: None), "critère d'arrêt"),
    (
        "gradient_descent",
        _gd_with(
            lambda losses, tol: "converged" if len(losses) > 1 and abs(losses[-2] - losses[-1]) <= tol * losses[-2] else None
        ),
        "NON standardisées",
    ),
    ("gradient_descent", _gd_with(regression_ref.should_stop, store_tensor=True), r"loss.item\(\)"),
    (
        "gradient_descent",
        lambda x, y, lr, tol, max_iter: regression_ref.gradient_descent(x, y, lr / 10, tol, max_iter),
        "premières pertes",
    ),
    (
        "gradient_descent",
        lambda x, y, lr, tol, max_iter: regression_ref.gradient_descent(x, y, lr, tol, max_iter)[:2],
        "4 valeurs",
    ),
    ("evaluate", lambda x, y, w, b: regression_ref.evaluate(x, y, w, b)[::-1], "Ordre inversé"),
    ("evaluate", lambda x, y, w, b: (regression_ref.evaluate(x, y, w, b)[0], 0.5), "au lieu de"),
    ("make_loader", lambda x, y, bs: DataLoader(TensorDataset(x, y), batch_size=bs), "shuffle=True"),
    ("make_loader", lambda x, y, bs: DataLoader(x, batch_size=bs, shuffle=True), r"paire \(xb, yb\)"),
    ("make_loader", lambda x, y, bs: DataLoader(TensorDataset(x, y), batch_size=2 * bs, shuffle=True), "au plus"),
    (
        "make_loader",
        lambda x, y, bs: [(x[i : i + bs], y[i : i + bs]) for i in torch.randperm(len(x))[:1]],
        "une fois et une seule",
    ),
    (
        "make_loader",
        lambda x, y, bs: (lambda p: [(x[p[i : i + bs]], y[p[i : i + bs]]) for i in range(0, len(x), bs)])(
            torch.randperm(len(x))
        ),
        "Le même ordre",
    ),
    (
        "make_loader",
        lambda x, y, bs: DataLoader(_PlainPairs(x, y[torch.randperm(len(y))]), batch_size=bs, shuffle=True),
        "ne correspondent plus",
    ),
    ("train_epoch", _epoch(zero=False), "optimizer.zero_grad"),
    ("train_epoch", _epoch(step=False), r"optimizer.step\(\)"),
    ("train_epoch", _epoch(mean=False), "moyenne des pertes"),
    ("train_epoch", _epoch(move=False), r"xb.to\(device\)"),
]
