"""Checks of part 04's data steps: tensors from numpy, a shuffled split, standardisation with the training rows'
statistics."""

from __future__ import annotations

import numpy as np
import torch

from lab import regression as course
from lab.checks import CheckFailed, call, expect_tensor, fresh_generator, ok, register_checks
from lab.exercises.regression.common import (
    COLUMN_HINT,
    DOUBLE_HINT,
    _pair,
    _rng,
)


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


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
