"""Comparing a student's function with the reference, and seeing what it did in torch.

``compare_with_reference`` runs a student's function and the reference on a check's drawn inputs and, when they
differ, names the known mistake (``lab.hints.Mistake``) whose results the student's match, or else says what is
visibly wrong in this answer (``lab.hints.observed``) without writing the solution; it also names an argument the
student's function modified, and, for exercises about patterns, a loop (many torch operations, or values read in
Python through ``.tolist()``, ``.item()``, iteration) or a NumPy round trip: ``Trace`` records them. ``Trace``
also tells whether ``backward()`` ran and whether a graph was built, for the autograd exercises.
"""

from __future__ import annotations

import collections
import inspect
from collections.abc import Callable
from typing import Any

import torch

from lab import hints
from lab.checks import CheckFailed, call, require

__all__ = ["Trace", "trace", "count_torch_calls", "copy_args", "unchanged", "mutation", "same", "describe",
           "compare_with_reference"]


class Trace(torch.overrides.TorchFunctionMode):
    """Records the torch operations (functions, tensor methods) run while active, by name.

    Also records whether an operation built an autograd graph (an output that requires grad, computed while
    grad mode is on): what ``torch.no_grad()`` is meant to prevent.
    """

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.names: collections.Counter[str] = collections.Counter()
        self.built_graph = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.count += 1
        self.names[getattr(func, "__name__", str(func))] += 1
        result = func(*args, **(kwargs or {}))
        if not self.built_graph and torch.is_grad_enabled():
            outputs = result if isinstance(result, (tuple, list)) else (result,)
            self.built_graph = any(isinstance(o, torch.Tensor) and o.grad_fn is not None for o in outputs)
        return result

    def used_autograd(self) -> bool:
        """``backward()`` or ``torch.autograd.grad`` ran: the gradient came from autograd."""
        return bool(self.names["backward"] or self.names["grad"])

    def python_level(self) -> str | None:
        """A French description of the first way values left torch for Python, or None."""
        for names, text in _PYTHON_LEVEL:
            used = [n for n in names if self.names[n]]
            if used:
                return text
        return None


_NUMPY = "`.numpy()` (ou np.array) fait faire le travail par NumPy, puis revient à torch"
#: Ways values leave torch for Python: each is a loop in disguise in an exercise about patterns (NumPy is not a
#: loop: the work leaves torch, and the GPU, for NumPy and back).
_PYTHON_LEVEL = [
    (("tolist",), "`.tolist()` copie les valeurs dans des listes Python, que votre code parcourt ensuite"),
    (("numpy", "__array__"), _NUMPY),
    (("unbind", "__iter__"), "`for ... in x` parcourt le tenseur en Python, une ligne (ou une valeur) à la fois"),
    (("item", "__float__", "__int__", "__index__", "__bool__"),
     "`.item()` (ou float(), int(), un `if` sur une valeur) lit les valeurs une à une en Python"),
]


def trace(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, Trace]:
    """Run ``fn(*args, **kwargs)`` and return its result with the ``Trace`` of what it did in torch."""
    recorder = Trace()
    with recorder:
        result = fn(*args, **kwargs)
    return result, recorder


def count_torch_calls(fn: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """Run ``fn(*args)`` and count the torch operations it performs.

    A pattern (``x[:, ::2]``, a mask) costs a handful of operations whatever the size of ``x``;
    a Python loop over elements costs one or more per element, which is how checks detect loops.
    """
    result, recorder = trace(fn, *args)
    return result, recorder.count


def unchanged(before: Any, after: Any) -> bool:
    """The argument ``after`` still holds what ``before`` (a copy taken before the call) held."""
    if isinstance(before, torch.Tensor):
        if not isinstance(after, torch.Tensor) or after.shape != before.shape or after.dtype != before.dtype:
            return False
        if before.device.type == "meta":
            return True
        a, b = after.detach().cpu(), before.detach().cpu()
        if a.is_floating_point():
            return bool(((a == b) | (a.isnan() & b.isnan())).all())
        return torch.equal(a, b)
    if isinstance(before, (list, tuple)):
        return isinstance(after, (list, tuple)) and len(before) == len(after) and all(
            unchanged(x, y) for x, y in zip(before, after))
    if isinstance(before, dict):
        return before == after
    return True


def copy_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A deep enough copy of a check's inputs: tensors cloned, lists and dicts copied."""
    def one(a: Any) -> Any:
        if isinstance(a, torch.Tensor):
            return a.detach().clone() if not a.requires_grad else a.detach().clone().requires_grad_(True)
        if isinstance(a, (list, tuple)):
            return type(a)(one(x) for x in a)
        if isinstance(a, dict):
            return {k: one(v) for k, v in a.items()}
        return a
    return tuple(one(a) for a in args)


def mutation(fn: Any, given: tuple[Any, ...], before: tuple[Any, ...], name: str) -> CheckFailed | None:
    """A failure naming the argument ``fn`` modified in place (``given`` after the call vs ``before``), or None."""
    for index, (after, original) in enumerate(zip(given, before)):
        if unchanged(original, after):
            continue
        try:
            params = list(inspect.signature(fn).parameters)
            arg = params[index] if index < len(params) else f"n°{index + 1}"
        except (TypeError, ValueError):
            arg = f"n°{index + 1}"
        return CheckFailed(
            f"« {name} » modifie son argument {arg} en place : l'appelant le retrouve changé.\n👉 Ne modifiez "
            f"pas {arg} (pas de {arg} += ..., {arg}.add_(...), {arg}[...] = ...) : calculez un nouveau tenseur.")
    return None


def same(a: Any, b: Any, *, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Equal results: tensors of the same shape, dtype and (close) values, or equal plain values."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return False
        if a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
            return False
        if a.device.type == "meta":
            return True
        return bool(torch.allclose(a.detach().to("cpu", torch.float64), b.detach().to("cpu", torch.float64),
                                   rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
        except (TypeError, ValueError):
            return False
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _short(values: Any) -> str:
    """Nested lists of numbers with 4 significant digits (float32 values printed in full are unreadable)."""
    if isinstance(values, list):
        return "[" + ", ".join(_short(v) for v in values) + "]"
    return f"{values:.4g}" if isinstance(values, float) else repr(values)


def describe(value: Any) -> str:
    """Short French description of an input or a result, for failure messages."""
    if isinstance(value, torch.Tensor):
        text = f"tenseur de forme {tuple(value.shape)} ({value.dtype})"
        if value.numel() <= 12 and value.device.type != "meta":
            text += f" {_short(value.tolist())}"
        return text
    return repr(value)


def _difference(got: Any, expected: Any, what: str) -> str:
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            extra = (" (pour un résultat (valeurs, indices) de max/min, prenez `.values`)"
                     if hasattr(got, "values") and hasattr(got, "indices") else "")
            return f"{what} devrait être un tenseur, pas un objet de type {type(got).__name__}{extra}."
        if got.shape != expected.shape:
            return f"{what} a la forme {tuple(got.shape)} au lieu de {tuple(expected.shape)}."
        if got.dtype != expected.dtype:
            return f"{what} est de type {got.dtype} au lieu de {expected.dtype}."
        if got.device != expected.device:
            return f"{what} est sur le device {got.device} au lieu de {expected.device}."
        worst = (got.detach().cpu().double() - expected.detach().cpu().double()).abs().max().item()
        return f"{what} : valeurs incorrectes (écart maximal {worst:.3g})."
    return f"{what} vaut {got!r} au lieu de {expected!r}."


def compare_with_reference(
    fn: Any,
    reference: Callable[..., Any],
    inputs: list[tuple[Any, ...]],
    *,
    name: str,
    mistakes: list[tuple[Callable[..., Any], str]] = (),
    hint: str | None = None,
    on_error: Callable[[BaseException], str | None] | None = None,
    max_ops: int | None = None,
    loop_hint: str = "Pensez aux motifs (tranches, masques) plutôt qu'aux boucles.",
    modifies_inputs: bool = False,
    normalize: Callable[[Any], Any] | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Run the student's ``fn`` and ``reference`` on each argument tuple and explain the first difference.

    Each argument tuple is copied for each call, so an in-place mistake cannot hide, and an argument the student
    modifies is named (unless ``modifies_inputs``). When a wrong result equals what a known mistake gives on every
    input (``mistakes``: ``(wrong_function, hint)`` pairs, tried in order), its hint is shown; otherwise ``hint``.
    ``max_ops`` makes it a no-loop exercise: more torch operations than that, or values read in Python
    (``.tolist()``, ``.item()``, iterating, NumPy), is a loop. ``normalize`` maps an acceptable variant of the
    result (another integer dtype, say) onto the reference's form before comparing.
    """
    require(fn, name)
    if not callable(fn):
        call(fn, name=name)  # raises the "must be a function" failure
    results = []
    for args in inputs:
        given = copy_args(args)
        before = copy_args(given)
        recorder = Trace()
        got = call(fn, *given, name=name, on_error=on_error, record=recorder)
        if max_ops is not None:
            python = recorder.python_level()
            if python == _NUMPY:
                raise CheckFailed(f"« {name} » sur un {describe(args[0])} : {python}. Le calcul sort de torch (et du GPU "
                                  "quand il y en a un) pour un aller-retour par NumPy.\n👉 Restez en torch : les mêmes "
                                  "opérations existent sur les tenseurs, avec dim=.", mistake="numpy_round_trip")
            if python or recorder.count > max_ops:
                what = python or f"il effectue {recorder.count} opérations torch"
                raise CheckFailed(f"« {name} » sur un {describe(args[0])} : {what}. C'est une boucle.\n👉 {loop_hint}",
                                  mistake="python_loop")
        if not modifies_inputs:
            failure = mutation(fn, given, before, name)
            if failure is not None:
                raise failure
        if normalize is not None:
            got = normalize(got)
        expected = reference(*copy_args(args))
        results.append((args, got, expected))
    wrong = [r for r in results if not same(r[1], r[2], rtol=rtol, atol=atol)]
    if not wrong:
        return

    def matches(mistake: Callable[..., Any]) -> bool:
        """The student's results are exactly what this known mistake gives, on every input."""
        try:
            return all(same(got, mistake(*copy_args(args)), rtol=rtol, atol=atol) for args, got, _ in results)
        except Exception:  # a mistake that cannot even run on these inputs is not this one
            return False

    known = [hints.as_mistake(entry, name, index) for index, entry in enumerate(mistakes)]
    found = next((mistake for mistake in known if matches(mistake.fn)), None)
    args, got, expected = wrong[0]
    inputs_text = ", ".join(describe(a) for a in args)
    message = f"{name}({inputs_text}) :\n{_difference(got, expected, 'le résultat')}"
    if found is not None:
        raise CheckFailed(f"{message}\n👉 {found.hint}", mistake=found.key)
    seen = hints.observed(got, expected)  # what is visibly wrong in this answer, never the solution
    if seen:
        message += f"\n{seen}"
    if hint:
        message += f"\n👉 {hint}"
    raise CheckFailed(message)
