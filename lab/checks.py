"""Instant checks for the exercises: a failed check says, in French, what is wrong and what to try.

Every part's checks (``lab/exercises/<part>.py``) are built from these helpers so that students see one style:

* ``ok("...")`` prints a success line starting with ✅;
* ``CheckFailed`` is raised with a specific hint when the answer is wrong;
* ``NotDone`` (a ``CheckFailed``) is raised while the exercise is still a stub: a value left as ``...`` or a
  function that still raises ``NotImplementedError``.

Checks draw fresh random inputs from a private generator (``fresh_generator``) so that passing cannot come from
matching one fixed example, and so that the student's own random stream (``torch.manual_seed``) is left untouched.
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
    "expect_tensor",
    "expect_close",
    "count_torch_calls",
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
    except NotImplementedError:
        raise _not_done(name) from None
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
