"""Fallback hints point at what is wrong without handing over the solution; ``observed`` names what it sees."""

import ast
import importlib
import re
from pathlib import Path

import pytest
import torch

from lab import hints

LAB = Path(__file__).resolve().parents[2] / "lab"


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _reference_expressions() -> set[str]:
    """Every returned or assigned expression of the reference solutions that computes something."""
    found = set()
    for path in (LAB / "solutions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = getattr(node, "value", None) if isinstance(node, (ast.Return, ast.Assign)) else None
            if isinstance(value, (ast.BinOp, ast.Call, ast.Subscript, ast.Attribute, ast.Compare)):
                text = _normal(ast.unparse(value))
                if len(text) >= 6:
                    found.add(text)
    return found


def _fallback_hints() -> list[tuple[str, str]]:
    """(where, text) for every ``hint=`` handed to a check helper in lab/exercises (constants and named texts)."""
    out = []
    for path in (LAB / "exercises").rglob("*.py"):
        name = ".".join(path.relative_to(LAB.parent).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg not in ("hint", "loop_hint", "shape_hint", "dtype_hint"):
                    continue
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    out.append((f"{path.relative_to(LAB)}:{node.lineno}", keyword.value.value))
                elif isinstance(keyword.value, ast.Name) and isinstance(getattr(module, keyword.value.id, None), str):
                    out.append((f"{path.relative_to(LAB)}:{node.lineno}", getattr(module, keyword.value.id)))
    return out


def test_the_scan_finds_texts_and_expressions():
    assert len(_fallback_hints()) >= 15 and len(_reference_expressions()) >= 20
    assert _normal("x.to(device)") in _reference_expressions()


@pytest.mark.parametrize("where, text", _fallback_hints())
def test_no_fallback_hint_contains_a_reference_expression(where, text):
    leaked = [expr for expr in _reference_expressions() if expr in _normal(text)]
    assert not leaked, f"{where}: the fallback hands over {leaked}: {text}"


@pytest.mark.parametrize("got, words", [
    (lambda e: e * 8, "exactement 8 fois"),
    (lambda e: e / 1000, "1/1000"),
    (lambda e: -e, "signe opposé"),
    (lambda e: e + 2.5, "décalées de la même quantité (2.5)"),
    (lambda e: e.T, "axes inversés"),
    (lambda e: e + torch.arange(e.shape[1]), "chaque colonne"),
])
def test_observed_names_what_is_visibly_wrong(got, words):
    expected = torch.randn(4, 3, generator=torch.Generator().manual_seed(1)) + 5
    assert words in hints.observed(got(expected), expected)


def test_observed_stays_silent_on_unrelated_values():
    g = torch.Generator().manual_seed(2)
    assert hints.observed(torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)) is None
