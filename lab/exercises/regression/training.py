"""Checks of parts 04-05's evaluation and training with torch.optim and a DataLoader."""

from __future__ import annotations

import contextlib
import math

import torch

from lab import regression as course
from lab.checks import CheckFailed, as_float, call, fresh_generator, ok, register_checks, require
from lab.compare import Trace
from lab.exercises.regression.common import (
    _pair,
    _problem,
    _rng,
    _signature_hint,
)
from lab.simulated_gpu import DEVICE, copies_to_host, is_missing_cuda, on_gpu, on_host, plain, real_gpu, simulate
from lab.solutions import regression as ref


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
