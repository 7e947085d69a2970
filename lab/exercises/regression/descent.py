"""Checks of part 04's gradient descent: one step, the stopping rule, the whole loop."""

from __future__ import annotations

import math

import numpy as np
import torch

from lab import regression as course
from lab.checks import CheckFailed, as_float, call, fresh_generator, ok, register_checks
from lab.exercises.regression.common import (
    _problem,
    _rng,
)
from lab.hints import observed
from lab.solutions import regression as ref


# --- gradient descent ----------------------------------------------------------------------------------------------
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


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
