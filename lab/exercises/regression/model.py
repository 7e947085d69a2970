"""Checks of part 04's model and loss: parameters, prediction, MSE, R²."""

from __future__ import annotations

import contextlib
import math

import torch

from lab import regression as course
from lab.checks import CheckFailed, as_float, call, expect_tensor, fresh_generator, ok, register_checks
from lab.exercises.regression.common import (
    DOUBLE_HINT,
    _pair,
    _rng,
    _signature_hint,
)
from lab.hints import observed
from lab.simulated_gpu import DEVICE, real_gpu, simulate
from lab.solutions import regression as ref


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


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
