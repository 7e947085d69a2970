"""Checks, parts 04-05 (linear regression, torch.optim and mini-batches): ``check_<name>(name)`` tests ``name``.

Every check draws fresh random inputs, compares with ``lab.solutions.regression`` and, when it can recognise
a classic mistake (float64 data, y of shape (n,), statistics of the test rows, forgotten ``zero_()``,
``w = w - lr * w.grad``, an absolute stopping criterion, a divergence that goes unnoticed...), names it.

``or_reference(fn)`` lets later notebook cells run while an exercise is still a stub.
"""

from __future__ import annotations

import contextlib
import functools
import math
import secrets

import numpy as np
import torch

from lab import regression as course
from lab.checks import CheckFailed, as_float, call, expect_tensor, fresh_generator, ok, register_checks, require
from lab.compare import Trace
from lab.hints import observed
from lab.simulated_gpu import DEVICE, copies_to_host, is_missing_cuda, on_gpu, on_host, plain, real_gpu, simulate
from lab.solutions import regression as ref

__all__ = [
    "or_reference",
    "check_to_tensors", "check_split", "check_standardize", "check_init_params", "check_predict", "check_mse",
    "check_r2_score", "check_gd_step", "check_should_stop", "check_gradient_descent", "check_evaluate",
    "check_test_scores", "check_make_loader", "check_train_epoch",
]

DOUBLE_HINT = ("torch.tensor(tableau_numpy) garde le float64 de numpy. Précisez dtype=torch.float32 : les poids "
               "sont en float32 et x @ w.T échouerait (« expected scalar type Double but found Float »).")
COLUMN_HINT = ("y doit avoir la forme (n, 1), comme la prédiction x @ w.T + b : avec y de forme (n,), pred - y est "
               "diffusé en une matrice (n, n) et la MSE est fausse sans erreur. Utilisez .reshape(-1, 1).")


def _rng() -> np.random.Generator:
    return np.random.default_rng(secrets.randbits(64))


def _signature_hint(signature: str):
    """An ``on_error`` for a function written without an argument the notebook passes (``device`` often)."""
    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, TypeError) and ("argument" in str(exc)):
            return f"Gardez la signature de l'énoncé : def {signature}:"
        return None
    return explain


def _pair(result, name: str, what: str):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise CheckFailed(f"« {name} » doit renvoyer deux valeurs ({what}), pas {type(result).__name__}.")
    return result


_noted: set[str] = set()


def or_reference(fn):
    """The student's function, falling back to the course library's (``lab.regression``) while it still raises
    NotImplementedError, so that the notebook's later cells run even when an exercise is not done yet.
    """
    name = getattr(fn, "__name__", None)
    fallback = getattr(course, name, None) if name else None
    if fallback is None:
        raise ValueError(f"Pas de fonction {name!r} dans la bibliothèque du cours (lab.regression).")

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NotImplementedError:
            if name not in _noted:
                _noted.add(name)
                print(f"ℹ️ « {name} » n'est pas encore écrit : la suite utilise la version de la bibliothèque du "
                      "cours (lab.regression).")
            return fallback(*args, **kwargs)

    return wrapper


# --- data --------------------------------------------------------------------------------------------------------
def check_to_tensors(to_tensors) -> None:
    rng = _rng()
    for _ in range(3):
        n, d = int(rng.integers(20, 60)), int(rng.integers(3, 9))
        data, target = rng.normal(size=(n, d)) * 100, rng.normal(size=n)
        x, y = _pair(call(to_tensors, data.copy(), target.copy(), name="to_tensors"), "to_tensors", "x, y")
        expect_tensor(x, "x", dtype=course.DTYPE, dtype_hint=DOUBLE_HINT)
        expect_tensor(x, "x", shape=(n, d), shape_hint="Une ligne par individu, une colonne par variable.")
        expect_tensor(y, "y", dtype=course.DTYPE, dtype_hint=DOUBLE_HINT)
        expect_tensor(y, "y", shape=(n, 1), shape_hint=COLUMN_HINT)
        if not np.allclose(x.detach().cpu().numpy(), data, rtol=1e-5) or not np.allclose(
                y.detach().cpu().numpy().ravel(), target, rtol=1e-5, atol=1e-6):
            raise CheckFailed("Les valeurs de x ou de y ne sont pas celles des tableaux reçus (ligne i de x avec "
                              "la valeur i de y, sans réordonner).", mistake="to_tensors_values_changed")
    ok("to_tensors : float32 partout, x de forme (n, d), y de forme (n, 1).")


def check_split(split) -> None:
    rng = _rng()
    for _ in range(3):
        n, d = int(rng.integers(60, 120)), int(rng.integers(2, 5))
        test_size, seed = float(rng.choice([0.2, 0.25, 0.3])), int(rng.integers(0, 10_000))
        x = torch.randn(n, d, generator=fresh_generator())
        x[:, 0] = torch.arange(n, dtype=x.dtype)  # row ids
        y = (10 * torch.arange(n, dtype=x.dtype)).reshape(-1, 1)
        result = call(split, x, y, test_size, seed, name="split")
        if not isinstance(result, (tuple, list)) or len(result) != 4:
            raise CheckFailed("« split » doit renvoyer x_train, x_test, y_train, y_test (dans cet ordre).",
                              mistake="split_not_four_values")
        x_train, x_test, y_train, y_test = result
        if all(isinstance(v, torch.Tensor) for v in result) and x_test.ndim == 2 and x_test.shape[1] == 1 \
                and y_train.ndim == 2 and y_train.shape[1] == d:
            raise CheckFailed("Ordre des résultats : x_train, x_test, y_train, y_test (celui de train_test_split), "
                              "pas x_train, y_train, x_test, y_test.", mistake="split_results_order")
        for value, what in ((x_train, "x_train"), (x_test, "x_test")):
            expect_tensor(value, what, dtype=x.dtype)
            if value.ndim != 2 or value.shape[1] != d:
                raise CheckFailed(f"{what} a la forme {tuple(value.shape)} : il faut garder les {d} colonnes.",
                                  mistake="split_columns_lost")
        for value, what in ((y_train, "y_train"), (y_test, "y_test")):
            expect_tensor(value, what, dtype=y.dtype)
            if value.ndim != 2 or value.shape[1] != 1:
                raise CheckFailed(f"{what} a la forme {tuple(value.shape)} au lieu de (k, 1).", mistake="split_y_shape")
        n_test = x_test.shape[0]
        if abs(n_test - test_size * n) > 1 or x_train.shape[0] + n_test != n:
            raise CheckFailed(f"Avec {n} lignes et test_size={test_size}, attendu environ {test_size * n:.0f} lignes de "
                              f"test et le reste en entraînement ; reçu {x_train.shape[0]} + {n_test}.",
                              mistake="split_sizes")
        ids_train, ids_test = x_train[:, 0].long().tolist(), x_test[:, 0].long().tolist()
        if sorted(ids_train + ids_test) != list(range(n)):
            raise CheckFailed("Chaque ligne doit être soit en entraînement soit en test, une seule fois.",
                              mistake="split_rows_lost_or_repeated")
        if not torch.equal(y_train.ravel(), 10 * x_train[:, 0]) or not torch.equal(y_test.ravel(), 10 * x_test[:, 0]):
            raise CheckFailed("Les lignes de y ne correspondent plus à celles de x.\n👉 Tirez UNE permutation des "
                              "indices et appliquez-la à x et à y (ou utilisez train_test_split(x, y, ...)).",
                              mistake="split_x_y_misaligned")
        if ids_test == list(range(n - n_test, n)) or ids_test == list(range(n_test)):
            raise CheckFailed("Le test est un bloc de lignes consécutives : California housing est rangé par "
                              "région, il faut mélanger les lignes avant de couper.", mistake="split_not_shuffled")
        again = call(split, x, y, test_size, seed, name="split")
        if not torch.equal(again[1], x_test):
            raise CheckFailed("Deux appels avec la même graine donnent des découpages différents : utilisez "
                              "seed (random_state=seed, ou torch.Generator().manual_seed(seed)).",
                              mistake="split_seed_not_reproducible")
        other = call(split, x, y, test_size, seed + 1, name="split")
        if torch.equal(other[1], x_test):
            raise CheckFailed("Une autre graine donne le même découpage : la graine reçue n'est pas utilisée "
                              "(random_state=seed).", mistake="split_seed_ignored")
    ok("split : lignes mélangées, x et y restent alignés, tailles et graine respectées.")


def check_standardize(standardize) -> None:
    rng = _rng()
    for _ in range(3):
        n, m, d = int(rng.integers(80, 150)), int(rng.integers(30, 60)), int(rng.integers(2, 6))
        center, scale = rng.uniform(-50, 50, size=d), rng.uniform(0.5, 100, size=d)
        x_train = torch.tensor(rng.normal(size=(n, d)) * scale + center, dtype=torch.float32)
        x_test = torch.tensor(rng.normal(size=(m, d)) * scale * 2 + center + 3 * scale, dtype=torch.float32)
        x_train_in, x_test_in = x_train.clone(), x_test.clone()
        a, b = _pair(call(standardize, x_train_in, x_test_in, name="standardize"), "standardize",
                     "x_train standardisé, x_test standardisé")
        if not torch.equal(x_train_in, x_train) or not torch.equal(x_test_in, x_test):
            raise CheckFailed("standardize a modifié ses arguments en place (sub_, -=) : renvoyez de nouveaux "
                              "tenseurs, x_train doit rester intact.", mistake="standardize_in_place")
        expect_tensor(a, "x_train standardisé", shape=(n, d), dtype=torch.float32, dtype_hint=DOUBLE_HINT)
        expect_tensor(b, "x_test standardisé", shape=(m, d), dtype=torch.float32, dtype_hint=DOUBLE_HINT)
        mean = x_train.mean(0)
        stds = [x_train.std(0), x_train.std(0, correction=0)]
        if any(torch.allclose(b, (x_test - mean) / s, rtol=1e-4, atol=1e-4) for s in stds) and any(
                torch.allclose(a, (x_train - mean) / s, rtol=1e-4, atol=1e-4) for s in stds):
            continue
        both = torch.cat([x_train, x_test])
        if any(torch.allclose(b, (x_test - both.mean(0)) / s, rtol=1e-4, atol=1e-4)
               for s in (both.std(0), both.std(0, correction=0))):
            raise CheckFailed("Vous standardisez avec la moyenne et l'écart-type de TOUTES les lignes : les lignes "
                              "de test influencent alors l'entraînement (fuite de données).\n👉 Calculez moyenne et "
                              "écart-type sur x_train seulement, et appliquez-les aux deux.", mistake="standardize_all_rows")
        if any(torch.allclose(b, (x_test - x_test.mean(0)) / s, rtol=1e-4, atol=1e-4)
               for s in (x_test.std(0), x_test.std(0, correction=0))):
            raise CheckFailed("x_test est standardisé avec ses propres statistiques : le modèle verrait des "
                              "variables décalées.\n👉 Utilisez la moyenne et l'écart-type de x_train pour x_test aussi.",
                              mistake="standardize_test_own_stats")
        variances = [x_train.var(0), x_train.var(0, correction=0)]
        if any(torch.allclose(a, (x_train - mean) / v, rtol=1e-4, atol=1e-4) for v in variances):
            raise CheckFailed("Vous divisez par la variance (x.var) : c'est le CARRÉ de l'écart-type.\n👉 Divisez "
                              "par l'écart-type, x_train.std(dim=0).", mistake="standardize_by_variance")
        col_mean, col_std = a.mean(0), a.std(0)
        if not (torch.allclose(col_mean, torch.zeros(d), atol=1e-3) and torch.allclose(col_std, torch.ones(d), atol=2e-2)):
            raise CheckFailed("Les colonnes de x_train standardisé n'ont pas une moyenne 0 et un écart-type 1.\n👉 "
                              "Mauvais axe ? x_train.mean(dim=0) et x_train.std(dim=0) : une statistique par colonne, "
                              "calculée sur les lignes (pas .mean() global, ni dim=1).", mistake="standardize_wrong_axis")
        raise CheckFailed("x_test standardisé n'est pas (x_test - moyenne_train) / écart-type_train.",
                          mistake="standardize_wrong_values")
    ok("standardize : statistiques par colonne, calculées sur les lignes d'entraînement seulement.")


# --- model and loss ----------------------------------------------------------------------------------------------
def check_init_params(init_params) -> None:
    d = int(_rng().integers(2, 10))
    w, b = _pair(call(init_params, d, name="init_params"), "init_params", "w, b")
    for value, what, shape in ((w, "w", (1, d)), (b, "b", (1,))):
        expect_tensor(value, what, shape=shape, shape_hint="w a la forme (1, d) pour x @ w.T ; b a la forme (1,).")
        expect_tensor(value, what, dtype=course.DTYPE, dtype_hint=DOUBLE_HINT.replace("torch.tensor(tableau_numpy) "
                      "garde le float64 de numpy. ", "Les données sont en float32. "))
        if not value.requires_grad:
            raise CheckFailed(f"{what} n'a pas requires_grad=True : backward() ne calculera pas son gradient.",
                              mistake="init_no_requires_grad")
        if not value.is_leaf:
            raise CheckFailed(f"{what} n'est pas une feuille du graphe (il a un grad_fn : {value.grad_fn}), donc "
                              f"{what}.grad restera None.\n👉 Créez-le directement, par exemple "
                              f"torch.zeros(..., requires_grad=True), sans opération après (pas de `* 0.01`).",
                              mistake="init_not_leaf")
        if value.detach().abs().max().item() != 0:
            raise CheckFailed(f"{what} devrait partir de zéro (le problème est convexe : pas besoin de hasard, et "
                              "les vérifications comparent des trajectoires qui partent de zéro).", mistake="init_not_zero")
    # The device argument: a simulated GPU here, and the real GPU when there is one.
    places = [(DEVICE, simulate)] + ([(real_gpu(), contextlib.nullcontext)] if real_gpu() is not None else [])
    for device, context in places:
        with context():
            w_d, b_d = _pair(call(init_params, d, device=device, name="init_params",
                                  on_error=_signature_hint('init_params(d, device="cpu")')), "init_params", "w, b")
        for value, what in ((w_d, "w"), (b_d, "b")):
            if not isinstance(value, torch.Tensor) or value.device.type != device.type:
                where = value.device if isinstance(value, torch.Tensor) else type(value).__name__
                raise CheckFailed(f"init_params(d, device={str(device)!r}) crée {what} sur {where} : l'argument "
                                  "device est ignoré, et sur GPU les calculs suivants échoueraient (tenseurs sur "
                                  "deux devices).\n👉 torch.zeros(..., device=device, requires_grad=True).",
                                  mistake="init_device_ignored")
            if not (value.is_leaf and value.requires_grad):
                raise CheckFailed(f"Avec device={str(device)!r}, {what} n'est plus une feuille avec requires_grad : "
                                  f"créez-le directement sur le device, torch.zeros(..., device=device, "
                                  "requires_grad=True) (pas de .to(device) après coup).", mistake="init_device_moved_after")
    ok(f"init_params : w {tuple(w.shape)} et b {tuple(b.shape)}, float32, feuilles avec gradient, à zéro, "
       "sur le device demandé.")


def check_predict(predict) -> None:
    g = fresh_generator()
    n, d = 30 + int(torch.randint(0, 30, (1,), generator=g)), 2 + int(torch.randint(0, 6, (1,), generator=g))
    x = torch.randn(n, d, generator=g)
    w = torch.randn(1, d, generator=g).requires_grad_()
    b = torch.randn(1, generator=g).requires_grad_()
    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, RuntimeError) and "cannot be multiplied" in str(exc):
            return ("w a la forme (1, d) : x @ w multiplie (n, d) par (1, d), impossible. Transposez w : "
                    "x @ w.T, de forme (d, 1), donne (n, 1).")
        return None

    pred = call(predict, x, w, b, name="predict", on_error=explain)
    expect_tensor(pred, "la prédiction", shape=(n, 1),
                  shape_hint="x (n, d) @ w.T (d, 1) donne (n, 1) ; w @ x.T donnerait (1, n).")
    with torch.no_grad():
        if torch.allclose(pred, x @ w.T, atol=1e-5):
            raise CheckFailed("Il manque le biais : x @ w.T + b.", mistake="predict_no_bias")
        expected = ref.predict(x, w, b)
    if not torch.allclose(pred.detach(), expected, rtol=1e-5, atol=1e-5):
        seen = observed(pred.detach(), expected)
        raise CheckFailed("La prédiction (de la bonne forme) n'a pas les bonnes valeurs." + (f"\n{seen}" if seen else "")
                          + "\n👉 Comparez avec la formule du modèle linéaire des diapositives : un produit par les "
                          "poids, puis le biais.", mistake="predict_wrong_values")
    if pred.grad_fn is None:
        raise CheckFailed("La prédiction n'est plus reliée à w et b (pas de grad_fn) : gardez des opérations torch, "
                          "sans .detach(), .numpy() ni torch.no_grad().", mistake="predict_graph_cut")
    ok("predict : x @ w.T + b, de forme (n, 1), relié au graphe de calcul.")


def check_mse(mse) -> None:
    g = fresh_generator()
    n = 20 + int(torch.randint(0, 40, (1,), generator=g))
    pred = torch.randn(n, 1, generator=g).requires_grad_()
    y = torch.randn(n, 1, generator=g)
    got = call(mse, pred, y, name="mse")
    if not isinstance(got, torch.Tensor):
        raise CheckFailed(f"mse renvoie un {type(got).__name__} : renvoyez le tenseur (sans .item()) pour pouvoir "
                          "appeler backward() dessus.", mistake="mse_not_tensor")
    if got.numel() != 1:
        raise CheckFailed(f"La MSE doit être un scalaire, pas un tenseur de forme {tuple(got.shape)} : .mean() sur "
                          "tous les éléments.", mistake="mse_not_scalar")
    expected = ref.mse(pred, y)
    if math.isclose(got.item(), ((pred - y) ** 2).sum().item(), rel_tol=1e-5):
        raise CheckFailed("C'est la somme des carrés : la MSE est la MOYENNE des carrés (.mean()).", mistake="mse_sum")
    if not math.isclose(got.item(), expected.item(), rel_tol=1e-5):
        if math.isclose(got.item(), (pred - y).abs().mean().item(), rel_tol=1e-5):
            raise CheckFailed("C'est la moyenne des écarts ABSOLUS (MAE) : la MSE élève les écarts au carré "
                              "(sans valeur absolue).", mistake="mse_mae")
        if math.isclose(got.item(), ((pred - y) ** 2).sum().item() / (n - 1), rel_tol=1e-5):
            raise CheckFailed("Vous divisez par n - 1 : la MSE est une moyenne, la somme divisée par n.",
                              mistake="mse_n_minus_one")
        if math.isclose(got.item(), expected.item() ** 0.5, rel_tol=1e-5):
            raise CheckFailed("C'est la racine de la MSE (RMSE) : la MSE s'arrête avant la racine carrée.",
                              mistake="mse_rmse")
        seen = observed(got.detach(), expected.detach())
        raise CheckFailed(f"La MSE vaut {got.item():.4g} au lieu de {expected.item():.4g}." + (f"\n{seen}" if seen else "")
                          + "\n👉 Relisez la définition : les écarts prédiction - vérité, au carré, puis leur moyenne.",
                          mistake="mse_wrong_value")
    if got.grad_fn is None:
        raise CheckFailed("La MSE n'est plus reliée au graphe (pas de grad_fn) : backward() ne marcherait pas. "
                          "Utilisez des opérations torch (pas .item(), numpy ni math).", mistake="mse_graph_cut")
    try:
        flat = mse(pred.detach(), y.ravel())
    except Exception:  # refusing mismatched shapes is right
        flat = None
    if flat is not None:
        broadcast = ((pred.detach() - y.ravel()) ** 2).mean().item()
        value = as_float(flat, "mse(pred, y)")
        if math.isclose(value, broadcast, rel_tol=1e-6) or not math.isclose(value, expected.item(), rel_tol=1e-5):
            raise CheckFailed("Avec pred de forme (n, 1) et y de forme (n,), votre MSE vaut "
                              f"{value:.4f} au lieu de {expected.item():.4f} : pred - y est diffusé en (n, n).\n👉 "
                              "Vérifiez les formes dans mse (if pred.shape != y.shape: raise ValueError(...)) ou "
                              "remettez y en (n, 1).", mistake="mse_broadcast")
    ok("mse : moyenne des carrés, scalaire relié au graphe, et pas de diffusion (n, 1) contre (n,).")


def check_r2_score(r2_score) -> None:
    g = fresh_generator()
    n = 30 + int(torch.randint(0, 40, (1,), generator=g))
    # The mean of y is drawn far from 0 (|offset| in [3, 6], its standard error under 0.6): SS_tot taken around 0
    # instead of around the mean never passes for the right value.
    offset = float(3 + 3 * torch.rand(1, generator=g)) * (1 if torch.rand(1, generator=g) < 0.5 else -1)
    y = torch.randn(n, 1, generator=g) * 3 + offset
    pred = y + torch.randn(n, 1, generator=g)
    got = as_float(call(r2_score, pred, y, name="r2_score"), "r2_score(pred, y)")
    expected = ref.r2_score(pred, y).item()
    if math.isclose(got, ref.r2_score(y, pred).item(), rel_tol=1e-5) and not math.isclose(got, expected, rel_tol=1e-5):
        raise CheckFailed("Arguments inversés : SS_tot se calcule autour de la moyenne des VRAIES valeurs y.",
                          mistake="r2_swapped")
    if not math.isclose(got, expected, rel_tol=1e-4, abs_tol=1e-5):
        with_var = 1 - ((y - pred) ** 2).mean().item() / y.var().item()
        if math.isclose(got, with_var, rel_tol=1e-5):
            raise CheckFailed(f"R² = {got:.4f} au lieu de {expected:.4f} : y.var() divise par n - 1 (variance non "
                              "biaisée), la moyenne des carrés par n.\n👉 Comparez des sommes, "
                              "1 - Σ(y - pred)² / Σ(y - ȳ)², ou y.var(correction=0).", mistake="r2_unbiased_variance")
        raise CheckFailed(f"R² = {got:.4f} au lieu de {expected:.4f}.\n👉 Relisez la définition : 1 moins le rapport de "
                          "deux sommes de carrés, les erreurs du modèle et les écarts des vraies valeurs à LEUR moyenne.",
                          mistake="r2_wrong_value")
    perfect = as_float(r2_score(y.clone(), y), "r2_score(y, y)")
    mean_only = as_float(r2_score(torch.full_like(y, y.mean().item()), y), "r2_score(moyenne, y)")
    if not (math.isclose(perfect, 1.0, abs_tol=1e-5) and math.isclose(mean_only, 0.0, abs_tol=1e-4)):
        raise CheckFailed("Une prédiction parfaite doit donner R² = 1 et prédire la moyenne R² = 0.", mistake="r2_extremes")
    ok("r2_score : 1 - SS_res / SS_tot.")


# --- gradient descent ----------------------------------------------------------------------------------------------
def _problem(n=None, d=None, scale=None):
    g = fresh_generator()
    n = n or 100 + int(torch.randint(0, 100, (1,), generator=g))
    d = d or 2 + int(torch.randint(0, 4, (1,), generator=g))
    x = torch.randn(n, d, generator=g)
    if scale is not None:
        x = x * scale
    y = x @ torch.randn(d, 1, generator=g) + 0.5 + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


def _exact_plateau():
    """Data where gradient descent from zero with lr=0.5 reaches the optimum in one step, exactly in float32: the
    features are zero (w stays 0), y is m ± 1 over a power-of-two number of rows (every mean is exact), so b = m
    after one step and the loss is exactly 1 from the second iteration on."""
    g = fresh_generator()
    n, d, m = 64, 2 + int(torch.randint(0, 3, (1,), generator=g)), 2 + int(torch.randint(0, 5, (1,), generator=g))
    y = m + torch.tensor([1.0, -1.0]).repeat(n // 2)[torch.randperm(n, generator=g)].reshape(-1, 1)
    return torch.zeros(n, d), y


def _reference_steps(x, y, lr, steps, zero_grad=True):
    w, b = ref.init_params(x.shape[1])
    trajectory = []
    for _ in range(steps):
        loss = ref.mse(ref.predict(x, w, b), y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if zero_grad:
            w.grad.zero_()
            b.grad.zero_()
        trajectory.append((loss.item(), w.detach().clone(), b.detach().clone()))
    return trajectory


def _leaf_error_hint(exc: BaseException) -> str | None:
    text = str(exc)
    if "NoneType" in text and "zero_" in text:
        return ("Avant le premier backward(), w.grad vaut None : remettez les gradients à zéro APRÈS la mise à "
                "jour (ou testez if w.grad is not None).")
    if "leaf Variable that requires grad" in text or "in-place operation" in text:
        return ("Mise à jour en place d'une feuille qui demande un gradient : autograd l'interdit. Faites-la "
                "hors du graphe : with torch.no_grad(): w -= lr * w.grad")
    if "NoneType" in text:
        return ("w.grad vaut None : w n'est plus une feuille (après w = w - lr * w.grad, w est un nouveau tenseur "
                "calculé). Mettez à jour en place sous torch.no_grad().")
    return None


def check_gd_step(gd_step) -> None:
    x, y = _problem()
    lr = float(_rng().uniform(0.05, 0.2))
    w, b = ref.init_params(x.shape[1])
    good = _reference_steps(x, y, lr, 3)
    accumulated = _reference_steps(x, y, lr, 3, zero_grad=False)
    for step, (loss_ref, w_ref, b_ref) in enumerate(good):
        returned = call(gd_step, x, y, w, b, lr, name="gd_step", on_error=_leaf_error_hint)
        if not w.is_leaf or not w.requires_grad or not b.is_leaf or not b.requires_grad:
            raise CheckFailed("w et b doivent rester des feuilles avec requires_grad=True.", mistake="gd_step_not_leaf")
        if step == 0 and torch.count_nonzero(w.detach()) == 0:
            raise CheckFailed("Après un pas, w vaut toujours zéro : la mise à jour n'a pas touché le w de l'appelant.\n"
                              "👉 w = w - lr * w.grad crée un NOUVEAU tenseur (local, et qui n'est plus une feuille). "
                              "Modifiez w en place : with torch.no_grad(): w -= lr * w.grad", mistake="gd_step_rebinds")
        if not torch.allclose(w.detach(), w_ref, rtol=1e-4, atol=1e-6) or not torch.allclose(
                b.detach(), b_ref, rtol=1e-4, atol=1e-6):
            if step > 0 and torch.allclose(w.detach(), accumulated[step][1], rtol=1e-4, atol=1e-6):
                raise CheckFailed(f"Le pas n°{step + 1} est faux alors que le premier était juste : les gradients "
                                  "s'accumulent d'un backward() à l'autre.\n👉 Remettez-les à zéro après la mise à "
                                  "jour : w.grad.zero_() et b.grad.zero_().", mistake="gd_step_no_zero_grad")
            seen = observed(w.detach(), w_ref)
            raise CheckFailed(f"Après le pas n°{step + 1}, w ou b n'a pas la bonne valeur." + (f"\n{seen}" if seen else "")
                              + "\n👉 Un pas descend le gradient de la MSE : chaque paramètre recule de lr fois son "
                              "gradient (le signe, le facteur lr, le bon .grad ?).", mistake="gd_step_wrong_values")
        loss = as_float(returned, "la perte renvoyée par gd_step")
        if not math.isclose(loss, loss_ref, rel_tol=1e-4, abs_tol=1e-6):
            raise CheckFailed(f"gd_step renvoie {loss:.5f} ; attendu la perte avant la mise à jour, {loss_ref:.5f}.",
                              mistake="gd_step_loss_after_update")
    ok("gd_step : backward, mise à jour sous torch.no_grad(), gradients remis à zéro.")


def check_should_stop(should_stop) -> None:
    rng = _rng()
    tol = float(rng.choice([1e-4, 1e-5, 1e-6]))
    cases = []
    for scale in (1e-7, 1.0, 1e5):
        a = scale * float(rng.uniform(1, 10))
        cases += [
            ([a], None, "une seule perte finie : on continue"),
            ([2 * a, a], None, "la perte baisse encore de moitié : on continue"),
            ([a, a * (1 - tol / 10)], course.CONVERGED, "amélioration relative bien sous la tolérance"),
            ([a, 1.5 * a], course.DIVERGED, "la perte remonte"),
            ([2 * a, a, a], course.CONVERGED, "la perte ne bouge plus (un plateau) : amélioration nulle"),
            ([a, a * (1 + tol / 10)], course.CONVERGED, "une hausse minuscule, de l'ordre de l'arrondi float32"),
            ([a, float("nan")], course.DIVERGED, "la perte est NaN"),
            ([a, float("inf")], course.DIVERGED, "la perte est infinie"),
            ([4 * a, 2 * a, 3 * a], course.DIVERGED, "la perte remonte par rapport à la précédente"),
        ]
    # Plateaus, float32-sized rises and a first loss that is already NaN come last, so that a criterion with
    # several faults hears about the classic ones first.
    plateaus = [case for case in cases if case[1] == course.CONVERGED and case[0][-1] >= case[0][-2]]
    others = [case for case in cases if case not in plateaus]
    ordered = [others[i] for i in rng.permutation(len(others))] + [plateaus[i] for i in rng.permutation(len(plateaus))]
    first_bad = [([float("nan")], course.DIVERGED, "la toute première perte est déjà NaN"),
                 ([float("inf")], course.DIVERGED, "la toute première perte est déjà infinie")]
    ordered += [first_bad[i] for i in rng.permutation(2)]  # both, every draw: a test that misses one always shows
    for losses, expected, why in ordered:
        got = call(should_stop, list(losses), tol, name="should_stop")
        if got == expected:
            continue
        if got is not None and got not in course.STOP_REASONS:
            raise CheckFailed(f"should_stop a renvoyé {got!r} : attendu None ou l'un de {course.STOP_REASONS}.",
                              mistake="should_stop_bad_reason")
        message = f"should_stop({losses}, tol={tol}) renvoie {got!r} au lieu de {expected!r} ({why})."
        if got == course.DIVERGED and expected == course.CONVERGED:
            mistake = "stop_plateau_is_divergence"
            hint = ("Une perte égale à la précédente (un plateau), ou à peine plus haute (les arrondis du float32), "
                    "n'est pas une divergence : l'amélioration relative est sous tol, c'est la convergence. "
                    "Ne déclarez la divergence que pour une vraie hausse (au-delà d'une petite marge, ex. 1e-4 en "
                    "relatif) et testez la convergence avec abs(précédente - actuelle) <= tol * précédente.")
        elif expected == course.DIVERGED and math.isinf(losses[-1]):
            mistake = "stop_inf_missed"
            hint = ("La perte est INFINIE, pas NaN : un test de NaN seul (math.isnan, v != v) laisse passer l'infini. "
                    "Testez les deux à la fois, avec math.isfinite(perte).")
        elif expected == course.DIVERGED and math.isnan(losses[-1]):
            mistake = "stop_nan_missed"
            hint = ("Une comparaison avec NaN est toujours fausse (NaN > x comme NaN < x) : testez d'abord "
                    "math.isfinite(perte) (NaN ou infini = divergence).")
        elif expected == course.DIVERGED:
            mistake = "stop_rise_missed"
            hint = "En descente de gradient à pas fixe sur toutes les lignes, une perte qui augmente signale une divergence."
        else:
            mistake = "stop_absolute_criterion"
            hint = ("Le critère doit être RELATIF : (précédente - actuelle) / précédente < tol ; une différence absolue "
                    "(ou la perte elle-même) comparée à tol dépend de l'échelle de la perte (testée ici de 1e-7 à 1e6).")
        raise CheckFailed(f"{message}\n👉 {hint}", mistake=mistake)
    ok("should_stop : critère relatif, divergence (hausse, NaN, infini) détectée.")


def _unpack_result(result):
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise CheckFailed("gradient_descent doit renvoyer w, b, losses, reason (4 valeurs).", mistake="gd_not_four_values")
    w, b, losses, reason = result
    if not isinstance(losses, (list, tuple)) or not losses:
        raise CheckFailed("losses doit être la liste (non vide) des pertes, une par itération.", mistake="gd_losses_empty")
    if any(isinstance(v, torch.Tensor) and v.requires_grad for v in losses):
        raise CheckFailed("losses contient des tenseurs reliés au graphe : chacun garde tout son graphe en mémoire.\n"
                          "👉 Stockez loss.item().", mistake="gd_losses_keep_graph")
    return w, b, [as_float(v, "chaque perte") for v in losses], reason


def check_gradient_descent(gradient_descent) -> None:
    x, y = _problem()
    # tol far above float32's rounding of the loss (~1e-7 relative): no draw reaches a rounding-level plateau
    # before converging, so a stopping rule's verdict does not depend on the draw (the plateau is tested below).
    lr, tol, max_iter = float(_rng().uniform(0.1, 0.3)), 1e-4, 3000
    w, b, losses, reason = _unpack_result(call(gradient_descent, x, y, lr, tol, max_iter, name="gradient_descent",
                                               on_error=_leaf_error_hint))
    first = [step[0] for step in _reference_steps(x, y, lr, 3)]
    if not np.allclose(losses[:3], first, rtol=1e-4):
        raise CheckFailed(f"Les premières pertes {np.round(losses[:3], 5).tolist()} diffèrent de la référence "
                          f"{np.round(first, 5).tolist()} (départ de zéro, un gd_step par itération).",
                          mistake="gd_first_losses")
    if reason != course.CONVERGED:
        raise CheckFailed(f"Sur un problème bien conditionné, reason vaut {reason!r} au lieu de {course.CONVERGED!r} "
                          f"après {len(losses)} itérations : le critère d'arrêt (should_stop) n'est pas appliqué ?",
                          mistake="gd_not_converged")
    if not (isinstance(w, torch.Tensor) and w.is_leaf and w.requires_grad):
        raise CheckFailed("Le w renvoyé doit rester une feuille avec requires_grad=True.", mistake="gd_not_leaf")
    best = torch.linalg.lstsq(torch.cat([x, torch.ones(len(x), 1)], 1).double(), y.double()).solution
    with torch.no_grad():
        best_mse = ((torch.cat([x, torch.ones(len(x), 1)], 1).double() @ best - y.double()) ** 2).mean().item()
        got_mse = ref.mse(ref.predict(x, w, b), y).item()
    if got_mse > best_mse * 1.01 + 1e-6:
        raise CheckFailed(f"MSE finale {got_mse:.5f} alors que les moindres carrés donnent {best_mse:.5f}.",
                          mistake="gd_final_mse")

    plateau = _unpack_result(call(gradient_descent, *_exact_plateau(), 0.5, tol, 20, name="gradient_descent"))
    if plateau[3] != course.CONVERGED:
        raise CheckFailed(f"Sur un problème où la perte devient exactement constante à la 3e itération "
                          f"({np.round(plateau[2][:4], 4).tolist()}...), reason vaut {plateau[3]!r} au lieu de "
                          f"{course.CONVERGED!r}.\n👉 Une perte égale à la précédente (un plateau) n'est pas une "
                          "hausse : l'amélioration est nulle, c'est la convergence.", mistake="gd_plateau_not_converged")
    capped = _unpack_result(call(gradient_descent, x, y, lr / 100, tol, 3, name="gradient_descent"))
    if capped[3] != course.MAX_ITER or len(capped[2]) != 3:
        raise CheckFailed(f"Avec max_iter=3 et un pas minuscule, attendu 3 pertes et reason={course.MAX_ITER!r} ; reçu "
                          f"{len(capped[2])} pertes et {capped[3]!r}.", mistake="gd_max_iter_ignored")

    x_raw, y_raw = _problem(d=3, scale=torch.tensor([1.0, 300.0, 300.0]))
    result = _unpack_result(call(gradient_descent, x_raw, y_raw, 0.1, tol, max_iter, name="gradient_descent"))
    if result[3] != course.DIVERGED:
        raise CheckFailed(f"Variables NON standardisées (échelle ~300) avec lr=0.1 : la perte explose, mais reason vaut "
                          f"{result[3]!r} après {len(result[2])} itérations.\n👉 Arrêtez-vous dès que should_stop "
                          f"renvoie {course.DIVERGED!r} et renvoyez cette raison.", mistake="gd_divergence_missed")
    if len(result[2]) > 50:
        raise CheckFailed(f"La divergence n'est détectée qu'après {len(result[2])} itérations : arrêtez dès la "
                          "première hausse (ou NaN).", mistake="gd_divergence_late")
    ok(f"gradient_descent : convergence en {len(losses)} itérations, plafond respecté, divergence détectée en "
       f"{len(result[2])} itérations sur des variables non standardisées.")


def _context_hint(exc: BaseException) -> str | None:
    """``with torch.no_grad:`` (the function, not called): Python's English error, in French."""
    text = str(exc)
    if isinstance(exc, (TypeError, AttributeError)) and ("context manager" in text or "__enter__" in text):
        return ("torch.no_grad (sans parenthèses) est la fonction elle-même, pas un bloc : il faut l'appeler pour "
                "obtenir le bloc, with torch.no_grad(): ...")
    return None


# --- evaluation -----------------------------------------------------------------------------------------------------
def check_evaluate(evaluate) -> None:
    x, y = _problem()
    w = torch.randn(1, x.shape[1], generator=fresh_generator()).requires_grad_()
    b = torch.zeros(1, requires_grad=True)
    recorder = Trace()
    got = call(evaluate, x, y, w, b, name="evaluate", record=recorder, on_error=_context_hint)
    got = _pair(got, "evaluate", "mse, r2")
    mse_got, r2_got = (as_float(v, what) for v, what in zip(got, ("la MSE", "le R²")))
    mse_ref, r2_ref = ref.evaluate(x, y, w, b)
    if math.isclose(mse_got, r2_ref, rel_tol=1e-4) and math.isclose(r2_got, mse_ref, rel_tol=1e-4):
        raise CheckFailed("Ordre inversé : evaluate renvoie (mse, r2).", mistake="evaluate_swapped")
    if not (math.isclose(mse_got, mse_ref, rel_tol=1e-4) and math.isclose(r2_got, r2_ref, rel_tol=1e-4, abs_tol=1e-5)):
        raise CheckFailed(f"evaluate renvoie ({mse_got:.4f}, {r2_got:.4f}) au lieu de ({mse_ref:.4f}, {r2_ref:.4f}).",
                          mistake="evaluate_wrong_values")
    if recorder.built_graph:
        raise CheckFailed("Les valeurs sont justes, mais evaluate construit un graphe de calcul (w et b demandent un "
                          "gradient) : de la mémoire et du temps perdus pour une simple évaluation.\n👉 Calculez sous "
                          "with torch.no_grad(): ...", mistake="evaluate_builds_graph")
    ok("evaluate : (MSE, R²) du modèle sur les lignes données.")


def check_test_scores(test_mse, test_r2, w, b, x_train, y_train, x_test, y_test, tolerance=1e-2) -> None:
    """The notebook's final scores: on the TEST rows, and close to scikit-learn's exact solution."""
    test_mse, test_r2 = require(test_mse, "test_mse"), require(test_r2, "test_r2")
    test_mse, test_r2 = as_float(test_mse, "test_mse"), as_float(test_r2, "test_r2")
    train_mse, train_r2 = ref.evaluate(x_train, y_train, w, b)
    true_mse, true_r2 = ref.evaluate(x_test, y_test, w, b)
    if not math.isfinite(true_mse):
        raise CheckFailed("Le modèle donne des NaN/infinis : l'entraînement a divergé.\n👉 Standardisez les variables "
                          "(statistiques des lignes d'entraînement) ou réduisez lr.", mistake="test_scores_diverged")
    if math.isclose(test_r2, train_r2, rel_tol=1e-4) and not math.isclose(test_r2, true_r2, rel_tol=1e-4):
        raise CheckFailed("Ces scores sont ceux des lignes d'ENTRAÎNEMENT : un modèle s'évalue sur des lignes qu'il "
                          "n'a pas vues.\n👉 evaluate(x_test, y_test, w, b).", mistake="test_scores_train_rows")
    if not (math.isclose(test_r2, true_r2, rel_tol=1e-4, abs_tol=1e-5) and math.isclose(test_mse, true_mse, rel_tol=1e-4)):
        raise CheckFailed(f"Attendu MSE {true_mse:.4f} et R² {true_r2:.4f} sur les lignes de test avec ces w et b ; "
                          f"reçu {test_mse:.4f} et {test_r2:.4f}.", mistake="test_scores_wrong_values")
    exact_mse, exact_r2 = course.closed_form(x_train, y_train, x_test, y_test)
    if test_r2 < exact_r2 - tolerance:
        raise CheckFailed(f"R² test {test_r2:.4f}, loin de la solution exacte ({exact_r2:.4f}) : l'entraînement s'est "
                          "arrêté trop tôt (tolérance, max_iter) ou a divergé (standardisation, lr).",
                          mistake="test_scores_far_from_exact")
    ok(f"Sur les lignes de test : MSE {test_mse:.4f}, R² {test_r2:.4f} (solution exacte : R² {exact_r2:.4f}).")


# --- torch.optim and DataLoader ---------------------------------------------------------------------------------------
def check_make_loader(make_loader) -> None:
    g = fresh_generator()
    n, d = 90 + int(torch.randint(0, 60, (1,), generator=g)), 3
    batch_size = int(torch.randint(8, 20, (1,), generator=g))
    n += n % batch_size == 0  # a last, smaller batch on every draw: what drop_last=True would lose shows
    x = torch.randn(n, d, generator=g)
    x[:, 0] = torch.arange(n, dtype=x.dtype)
    y = (10 * torch.arange(n, dtype=x.dtype)).reshape(-1, 1)
    loader = call(make_loader, x, y, batch_size, name="make_loader")
    epochs = []
    for _ in range(2):
        ids, sizes = [], []
        for batch in loader:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise CheckFailed("Chaque mini-lot doit être une paire (xb, yb).\n👉 DataLoader(TensorDataset(x, y), ...)",
                                  mistake="loader_not_pairs")
            xb, yb = batch
            if xb.shape[0] > batch_size or xb.shape[1:] != (d,) or yb.shape != (xb.shape[0], 1):
                raise CheckFailed(f"Mini-lot de formes {tuple(xb.shape)}, {tuple(yb.shape)} : attendu au plus "
                                  f"{batch_size} lignes, ({batch_size}, {d}) et ({batch_size}, 1).",
                                  mistake="loader_batch_shape")
            if not torch.equal(yb.ravel(), 10 * xb[:, 0]):
                raise CheckFailed("Dans un mini-lot, les lignes de y ne correspondent plus à celles de x.",
                                  mistake="loader_misaligned")
            ids += xb[:, 0].long().tolist()
            sizes.append(xb.shape[0])
        if sizes[:-1] != [batch_size] * (len(sizes) - 1):
            raise CheckFailed(f"Avec batch_size={batch_size}, les mini-lots ont {sorted(set(sizes))} lignes : seul le "
                              f"dernier peut être plus petit.\n👉 DataLoader(..., batch_size=batch_size, shuffle=True) "
                              "(sans batch_size, le DataLoader sert une ligne à la fois).", mistake="loader_batch_sizes")
        if len(ids) == n - n % batch_size and len(set(ids)) == len(ids):
            raise CheckFailed(f"Avec {n} lignes et batch_size={batch_size}, une époque ne sert que {len(ids)} lignes : "
                              f"les {n % batch_size} dernières, qui ne remplissent pas un mini-lot, sont jetées.\n👉 "
                              "Gardez le dernier mini-lot incomplet (l'option du DataLoader qui le jette est à "
                              "retirer).", mistake="loader_drops_last")
        if sorted(ids) != list(range(n)):
            raise CheckFailed("Une époque doit passer une fois et une seule sur chaque ligne.", mistake="loader_rows_once")
        epochs.append(ids)
    if epochs[0] == list(range(n)):
        raise CheckFailed("Les lignes arrivent dans l'ordre : mélangez-les (shuffle=True).", mistake="loader_not_shuffled")
    if epochs[0] == epochs[1]:
        raise CheckFailed("Le même ordre à chaque époque : laissez le DataLoader remélanger (shuffle=True).",
                          mistake="loader_same_order")
    ok(f"make_loader : mini-lots de {batch_size} lignes (x, y) alignées, remélangées à chaque époque.")


def check_train_epoch(train_epoch) -> None:
    """Parameters on a (simulated, and real when present) GPU, batches served on the CPU: they must be moved."""
    from torch.utils.data import DataLoader, TensorDataset
    from torch.utils.data._utils.collate import default_collate

    x, y = _problem(n=96)
    batch_size, lr = 16, float(_rng().uniform(0.01, 0.1))

    def explain(exc: BaseException) -> str | None:
        if "same device" in str(exc) or "device type tensor to numpy" in str(exc):
            return ("Les paramètres w, b sont sur le GPU et le DataLoader sert ses mini-lots sur le CPU : envoyez "
                    "chaque mini-lot sur le device, xb, yb = xb.to(device), yb.to(device).")
        if is_missing_cuda(exc):
            return ("Ne codez pas cuda en dur : envoyez les mini-lots sur le device reçu, xb.to(device) "
                    "(le même code doit aussi marcher sur CPU).")
        return _signature_hint("train_epoch(loader, w, b, optimizer, device=None)")(exc)

    def reference(zero_grad: bool):
        w, b = ref.init_params(x.shape[1])
        optimizer = torch.optim.SGD([w, b], lr=lr)
        losses = []
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False):
            if zero_grad:
                optimizer.zero_grad()
            loss = ref.mse(ref.predict(xb, w, b), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return w.detach(), sum(losses) / len(losses)

    places = [(DEVICE, lambda t: on_gpu(t, requires_grad=True), on_host, simulate),
              (torch.device("cpu"), lambda t: t.requires_grad_(True), lambda t: t, contextlib.nullcontext)]
    if real_gpu() is not None:
        places.append((real_gpu(), lambda t: t.to(real_gpu()).requires_grad_(True), lambda t: t, contextlib.nullcontext))
    w_r, loss_r = reference(True)
    for device, to_device, served, context in places:
        w, b = (to_device(t.detach()) for t in ref.init_params(x.shape[1]))
        optimizer = torch.optim.SGD([w, b], lr=lr)
        loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False,
                            collate_fn=lambda items, served=served: tuple(served(t) for t in default_collate(items)))
        before = copies_to_host()
        with context():
            loss = call(train_epoch, loader, w, b, optimizer, device, name="train_epoch", on_error=explain)
        if copies_to_host() != before:
            raise CheckFailed("w et b sont sur le GPU, mais votre époque les ramène sur le CPU (w.cpu(), .to(\"cpu\")) "
                              "pour y calculer : un transfert à chaque mini-lot, et le GPU ne sert à rien.\n👉 Envoyez "
                              "les mini-lots vers les paramètres : xb, yb = xb.to(device), yb.to(device).",
                              mistake="epoch_params_to_cpu")
        loss_s = as_float(loss, "la perte renvoyée par train_epoch")
        w_s = plain(w).detach().cpu()
        if torch.count_nonzero(w_s) == 0:
            raise CheckFailed("w n'a pas bougé : appelez optimizer.step() après loss.backward().", mistake="epoch_no_step")
        if not torch.allclose(w_s, w_r, rtol=1e-4, atol=1e-6):
            w_acc, _ = reference(False)
            if torch.allclose(w_s, w_acc, rtol=1e-4, atol=1e-6):
                raise CheckFailed("Les gradients s'accumulent d'un mini-lot à l'autre.\n👉 optimizer.zero_grad() à "
                                  "chaque mini-lot, avant loss.backward().", mistake="epoch_no_zero_grad")
            raise CheckFailed("Après une époque, w n'a pas la valeur attendue : pour chaque mini-lot, zero_grad, "
                              "perte (mse de predict), backward, step.", mistake="epoch_wrong_values")
        if not math.isclose(loss_s, loss_r, rel_tol=1e-4):
            raise CheckFailed(f"train_epoch renvoie {loss_s:.5f} ; attendu la moyenne des pertes des mini-lots, "
                              f"{loss_r:.5f}.", mistake="epoch_loss_not_mean")
    ok("train_epoch : chaque mini-lot part sur le device, puis zero_grad, backward, step.")


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
