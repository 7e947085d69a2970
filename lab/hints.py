"""Hints: known mistakes as records, and what a wrong answer observably got wrong when no known mistake matches.

A ``Mistake`` is one known mistake of one exercise: ``fn`` computes what the mistake computes (so an answer whose
results equal it on every draw *is* that mistake), ``key`` is its stable name (it reaches ``CheckResult`` and the
progress record), ``hint`` the French text written for it, the one discriminating hint.

When no known mistake matches, the fallback must not hand over the solution: ``observed`` says what is visibly
wrong in THIS answer (a constant factor, an offset, the opposite sign, a transposed result) and the check adds
where to look. ``tests/lab/test_hints.py`` scans every fallback for the reference solutions' own expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Mistake:
    fn: Callable[..., Any]
    key: str
    hint: str


def as_mistake(entry: Mistake | tuple, name: str, index: int) -> Mistake:
    """A ``Mistake``; a bare ``(fn, hint)`` pair gets the key ``<exercise>_<position>`` until it is named."""
    if isinstance(entry, Mistake):
        return entry
    fn, hint = entry
    return Mistake(fn, f"{name}_{index + 1}", hint)


def observed(got: Any, expected: Any) -> str | None:
    """A French sentence on how ``got`` differs from ``expected`` as a whole (same shape), or None."""
    if not (isinstance(got, torch.Tensor) and isinstance(expected, torch.Tensor)):
        if isinstance(got, (int, float)) and isinstance(expected, (int, float)) and expected and got:
            return _factor(float(got) / float(expected))
        return None
    if got.shape != expected.shape or got.device.type == "meta" or not got.numel():
        if got.ndim == 2 and tuple(got.shape) == tuple(expected.shape)[::-1]:
            return "Le résultat a les axes inversés (forme transposée) : regardez quel axe représente quoi."
        return None
    g, e = got.detach().cpu().double(), expected.detach().cpu().double()
    if not (torch.isfinite(g).all() and torch.isfinite(e).all()):
        return "Le résultat contient des NaN ou des infinis : cherchez une division par zéro ou un débordement."
    nonzero = e.abs() > 1e-12
    if nonzero.any():
        ratios = g[nonzero] / e[nonzero]
        if torch.allclose(ratios, ratios[0].expand_as(ratios), rtol=1e-4, atol=1e-6) \
                and torch.allclose(g, ratios[0] * e, rtol=1e-4, atol=1e-6):
            text = _factor(ratios[0].item())
            if text:
                return text
    offset = g - e
    if torch.allclose(offset, offset.flatten()[0].expand_as(offset), rtol=1e-4, atol=1e-6):
        return (f"Toutes vos valeurs sont décalées de la même quantité ({offset.flatten()[0].item():.4g}) : un terme "
                "ajouté ou soustrait en trop (ou manquant).")
    if g.ndim == 2 and e.ndim == 2:
        for axis, per in ((0, "colonne"), (1, "ligne")):
            step = offset - offset.mean(axis, keepdim=True)
            if torch.allclose(step, torch.zeros_like(step), atol=1e-5) and not torch.allclose(offset, offset.mean()):
                return (f"L'écart est le même dans chaque {per} mais change d'une {per} à l'autre : une statistique "
                        "calculée sur le mauvais axe (ou sur tout le tenseur) ?")
    return None


def _factor(ratio: float) -> str | None:
    if abs(ratio - 1) < 1e-6:
        return None
    if abs(ratio + 1) < 1e-6:
        return "Vos valeurs ont le signe opposé : un ordre inversé dans une différence ?"
    for value, word in ((8, "8"), (1 / 8, "1/8"), (1000, "1000"), (1e-3, "1/1000"), (1e9, "1e9"), (1e-9, "1e-9"),
                        (2, "2"), (0.5, "1/2")):
        if abs(ratio / value - 1) < 1e-4:
            return (f"Vos valeurs valent exactement {word} fois les valeurs attendues : un facteur de trop ou qui "
                    "manque (une unité, une conversion ?).")
    return f"Vos valeurs valent toutes {ratio:.4g} fois les valeurs attendues : un facteur constant est faux."
