"""Instant checks for the exercises: a failed check says, in French, what is wrong and what to try.

Every part's checks (``lab/exercises/<part>.py``) are built from these helpers so that students see one style:

* ``ok("...")`` prints a success line starting with ✅;
* ``CheckFailed`` is raised with a specific hint when the answer is wrong;
* ``NotDone`` (a ``CheckFailed``) is raised while the exercise is still a stub: a value left as ``...`` or a
  function that still raises ``NotImplementedError``.

Checks draw fresh random inputs from a private generator (``fresh_generator``) so that passing cannot come from
matching one fixed example, and so that the student's own random stream (``torch.manual_seed``) is left untouched.
``compare_with_reference`` runs a student's function and the reference on such inputs and, when they differ,
names the known mistake whose results the student's match. Inside IPython/Jupyter, importing this module makes a
``CheckFailed`` show as its French message only, without a traceback through ``lab``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import torch

__all__ = [
    "CheckFailed",
    "NotDone",
    "ok",
    "is_stub",
    "require",
    "call",
    "fresh_generator",
    "as_float",
    "expect_tensor",
    "expect_close",
    "count_torch_calls",
    "same",
    "describe",
    "compare_with_reference",
]


class CheckFailed(AssertionError):
    """A check failed; the message (French) says what is wrong and gives a hint."""


class NotDone(CheckFailed):
    """The exercise is still a stub (``...`` or ``NotImplementedError``)."""


def ok(message: str) -> None:
    """Print the French success line of a check."""
    print(f"✅ {message}")


def _not_done(name: str) -> NotDone:
    return NotDone(
        f"⏳ Exercice « {name} » pas encore fait : remplacez les `...` (ou le "
        f"`raise NotImplementedError`) par votre code, exécutez la cellule, puis relancez la vérification."
    )


def is_stub(value: Any) -> bool:
    """True for ``...`` and for containers (tuple, list, dict values) still holding ``...``."""
    if value is Ellipsis:
        return True
    if isinstance(value, (tuple, list)):
        return any(is_stub(v) for v in value)
    if isinstance(value, Mapping):
        return any(is_stub(v) for v in value.values())
    return False


def require(value: Any, name: str) -> Any:
    """Return ``value`` unless it is still a stub, in which case raise ``NotDone``."""
    if is_stub(value):
        raise _not_done(name)
    return value


def _is_stub_error(exc: NotImplementedError) -> bool:
    """A stub's ``raise NotImplementedError(...)``, not an operation torch does not implement (e.g. on ``meta``)."""
    message = str(exc).lower()
    return not message or "compléter" in message or "complete" in message or "todo" in message


def call(
    fn: Any,
    *args: Any,
    name: str,
    on_error: Callable[[BaseException], str | None] | None = None,
    **kwargs: Any,
) -> Any:
    """Call the student's function ``fn`` and return its result, turning stubs into ``NotDone``.

    ``on_error`` maps an exception raised by the student's code to a specific hint (or ``None`` for the
    generic message); the original exception stays attached as ``__cause__`` for the curious.
    """
    if fn is Ellipsis or fn is None:
        raise _not_done(name)
    if not callable(fn):
        raise CheckFailed(
            f"« {name} » doit être une fonction (définie avec `def {name}(...):`), "
            f"pas une valeur de type {type(fn).__name__}."
        )
    try:
        result = fn(*args, **kwargs)
    except NotImplementedError as exc:
        if _is_stub_error(exc):
            raise _not_done(name) from None
        hint = on_error(exc) if on_error is not None else None
        raise CheckFailed(f"Votre fonction « {name} » a levé NotImplementedError : {exc}"
                          + (f"\n👉 {hint}" if hint else "")) from exc
    except CheckFailed:
        raise
    except Exception as exc:  # the student's code crashed: explain instead of a bare traceback
        hint = on_error(exc) if on_error is not None else None
        message = f"Votre fonction « {name} » a levé {type(exc).__name__} : {exc}"
        if hint:
            message += f"\n👉 {hint}"
        raise CheckFailed(message) from exc
    if is_stub(result):
        raise _not_done(name)
    return result


def as_float(value: Any, what: str) -> float:
    """A student's scalar answer (Python number or one-element tensor) as a float, or a CheckFailed saying why not."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise CheckFailed(f"{what} devrait être un nombre, pas un tenseur de forme {tuple(value.shape)}.")
        return value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} devrait être un nombre, pas {value!r}.") from None


def fresh_generator() -> torch.Generator:
    """A CPU generator with a fresh random seed, independent from the global ``torch`` random state."""
    generator = torch.Generator()
    generator.manual_seed(secrets.randbits(63))
    return generator


def expect_tensor(
    value: Any,
    what: str,
    *,
    shape: tuple[int, ...] | torch.Size | None = None,
    dtype: torch.dtype | None = None,
    shape_hint: str | None = None,
    dtype_hint: str | None = None,
) -> torch.Tensor:
    """Check that ``value`` is a tensor with the expected shape and dtype, with a hint otherwise."""
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(
            f"{what} devrait être un tenseur torch, pas un objet de type {type(value).__name__}."
            + (" Utilisez `.values` pour extraire les valeurs d'un résultat (valeurs, indices)."
               if hasattr(value, "values") and hasattr(value, "indices") else "")
        )
    if shape is not None and tuple(value.shape) != tuple(shape):
        message = f"{what} a la forme {tuple(value.shape)} au lieu de {tuple(shape)}."
        if shape_hint:
            message += f"\n👉 {shape_hint}"
        raise CheckFailed(message)
    if dtype is not None and value.dtype != dtype:
        message = f"{what} est de type {value.dtype} au lieu de {dtype}."
        if dtype_hint:
            message += f"\n👉 {dtype_hint}"
        raise CheckFailed(message)
    return value


def expect_close(
    actual: torch.Tensor,
    expected: torch.Tensor,
    what: str,
    *,
    hint: str | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Check values (shape first) with a tolerance, reporting the largest difference."""
    expect_tensor(actual, what, shape=expected.shape)
    actual_f = actual.detach().to("cpu", torch.float64)
    expected_f = expected.detach().to("cpu", torch.float64)
    if not torch.allclose(actual_f, expected_f, rtol=rtol, atol=atol, equal_nan=True):
        worst = (actual_f - expected_f).abs().max().item() if actual_f.numel() else 0.0
        message = f"{what} : valeurs incorrectes (écart maximal {worst:.3g})."
        if hint:
            message += f"\n👉 {hint}"
        raise CheckFailed(message)


class _CallCounter(torch.overrides.TorchFunctionMode):
    """Counts torch operations (functions and tensor methods) run while active."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def count_torch_calls(fn: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """Run ``fn(*args)`` and count the torch operations it performs.

    A pattern (``x[:, ::2]``, a mask) costs a handful of operations whatever the size of ``x``;
    a Python loop over elements costs one or more per element, which is how checks detect loops.
    """
    counter = _CallCounter()
    with counter:
        result = fn(*args)
    return result, counter.count


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


def describe(value: Any) -> str:
    """Short French description of an input or a result, for failure messages."""
    if isinstance(value, torch.Tensor):
        text = f"tenseur de forme {tuple(value.shape)} ({value.dtype})"
        if value.numel() <= 12 and value.device.type != "meta":
            text += f" {value.tolist()}"
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
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Run the student's ``fn`` and ``reference`` on each argument tuple and explain the first difference.

    Each argument tuple is cloned for each call, so an in-place mistake cannot hide. When a wrong result equals
    what a known mistake gives on every input (``mistakes``: ``(wrong_function, hint)`` pairs, tried in order),
    its hint is shown; otherwise ``hint``. ``max_ops`` bounds the number of torch operations (loops exceed it).
    """
    def fresh(args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)

    require(fn, name)
    if not callable(fn):
        call(fn, name=name)  # raises the "must be a function" failure
    results = []
    for args in inputs:
        got, ops = call(count_torch_calls, fn, *fresh(args), name=name, on_error=on_error)
        if max_ops is not None and ops > max_ops:
            raise CheckFailed(f"« {name} » effectue {ops} opérations torch sur un {describe(args[0])} : "
                              f"c'est une boucle.\n👉 {loop_hint}")
        expected = reference(*fresh(args))
        results.append((args, got, expected))
    wrong = [r for r in results if not same(r[1], r[2], rtol=rtol, atol=atol)]
    if not wrong:
        return

    def matches(mistake: Callable[..., Any]) -> bool:
        """The student's results are exactly what this known mistake gives, on every input."""
        try:
            return all(same(got, mistake(*fresh(args)), rtol=rtol, atol=atol) for args, got, _ in results)
        except Exception:  # a mistake that cannot even run on these inputs is not this one
            return False

    found = next((wrong_hint for mistake, wrong_hint in mistakes if matches(mistake)), hint)
    args, got, expected = wrong[0]
    inputs_text = ", ".join(describe(a) for a in args)
    message = f"{name}({inputs_text}) :\n{_difference(got, expected, 'le résultat')}"
    if found:
        message += f"\n👉 {found}"
    raise CheckFailed(message)


def _show_check_failure(shell, etype, value, tb, tb_offset=None):
    """IPython handler for ``CheckFailed``: show the French message, not a traceback through ``lab``.

    The cell still ends in error (same ``ename``), so "Run all" stops there as it should.
    """
    formatter = shell.InteractiveTB
    mode = formatter.mode
    formatter.set_mode("Minimal")
    try:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    finally:
        formatter.set_mode(mode)


def _install_ipython_handler() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((CheckFailed,), _show_check_failure)


_install_ipython_handler()
