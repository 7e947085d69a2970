"""Instant checks for the exercises: a failed check says, in French, what is wrong and what to try.

Every part's checks (``lab/exercises/<part>.py``, or a package for a long part) are built from these helpers so
that students see one style:

* ``ok("...")`` prints a success line starting with ✅;
* ``CheckFailed`` is raised with a specific hint when the answer is wrong;
* ``NotDone`` (a ``CheckFailed``) is raised while the exercise is still a stub: a value left as ``...`` or a
  function that still raises ``NotImplementedError``.

Checks draw fresh random inputs from a private generator (``fresh_generator``) so that passing cannot come from
matching one fixed example, and so that the student's own random stream (``torch.manual_seed``) is left untouched.
Comparing with the reference, and tracing what the student's code did in torch, is ``lab.compare``. Device
mistakes are caught without a GPU with ``lab.simulated_gpu``. In IPython/Jupyter a ``CheckFailed`` shows as its
French message only (``lab.feedback``), without a class name or a traceback through ``lab``; a crash in the
student's own function shows their line and, for the common errors, a French sentence.

Every public ``check_<exercise>`` of ``lab/exercises/<part>.py`` is wrapped once by ``register_checks`` (called at
the bottom of each part's module): each call then ends in one ``CheckResult`` (passed, failed with the known
mistake's key, or not done) handed to the listeners added with ``add_listener`` (the progress record, for one).
A listener never changes what the check does: its errors are swallowed. The same wrapper runs each call under
``lab.check_state.guarded``: global state the student's function left changed (grad mode, default dtype, a
reseeded RNG) fails the check, and is put back either way. In a Jupyter kernel, a check of an exercise not done
yet prints its ⏳ line instead of raising, so that "Run all" goes on to the end; a wrong answer (❌) raises, and
"Run all" stops there (``lab.kernel``). Plain Python (scripts, pytest) always raises.
"""

from __future__ import annotations

import functools
import inspect
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import torch

from lab import check_state, feedback

if TYPE_CHECKING:
    from lab.compare import Trace

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
    "CheckResult",
    "add_listener",
    "remove_listener",
    "register_checks",
]


class CheckFailed(AssertionError):
    """A check failed; the message (French) says what is wrong and gives a hint.

    ``mistake`` is the short, stable key of the known mistake this answer matches (``None``: no known mistake).
    """

    def __init__(self, message: str = "", *, mistake: str | None = None):
        super().__init__(message)
        self.mistake = mistake

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the French message in a box, no class name."""
        return feedback.render_box(str(self), not_done=isinstance(self, NotDone))


class NotDone(CheckFailed):
    """The exercise is still a stub (``...`` or ``NotImplementedError``)."""


Outcome = Literal["passed", "failed", "not_done"]


@dataclass(frozen=True)
class CheckResult:
    """How one call of a check ended. Never holds the student's code or values: only what the check concluded."""

    part: str  # the exercises module: environment, tensors, gpu, autograd, regression
    exercise: str  # the check's name without ``check_``: grid, time_on_device, ...
    outcome: Outcome
    mistake: str | None  # the known mistake's key when failed; None when failed on no known mistake
    message: str  # the French text the student saw ("" when passed)
    at: float  # time.time() at the end of the call


_listeners: list[Callable[[CheckResult], None]] = []


def add_listener(listener: Callable[[CheckResult], None]) -> Callable[[CheckResult], None]:
    """Call ``listener`` with the ``CheckResult`` of every check call from now on (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def remove_listener(listener: Callable[[CheckResult], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _notify(result: CheckResult) -> None:
    for listener in list(_listeners):
        try:
            listener(result)
        except Exception:  # noqa: BLE001  (recording must never change a check's verdict)
            pass


def _wrap_check(fn: Callable[..., Any], part: str) -> Callable[..., Any]:
    exercise = fn.__name__.removeprefix("check_")

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            with check_state.guarded(lambda key, hint: CheckFailed(hint, mistake=key)):
                value = fn(*args, **kwargs)
        except NotDone as exc:
            _notify(CheckResult(part, exercise, "not_done", None, str(exc), time.time()))
            if feedback.in_kernel():  # "Run all" goes on: the ⏳ line, no error
                print(str(exc))
                return None
            raise
        except CheckFailed as exc:
            _notify(CheckResult(part, exercise, "failed", exc.mistake, str(exc), time.time()))
            raise
        _notify(CheckResult(part, exercise, "passed", None, "", time.time()))
        return value

    checked.__wrapped_check__ = True
    return checked


def register_checks(namespace: dict[str, Any]) -> None:
    """Wrap every public ``check_*`` function defined in a part's module (pass its ``globals()``), once."""
    # lab.exercises.<part>, or a module of that part's package (lab.exercises.regression.data): the part's name
    part = namespace["__name__"].removeprefix("lab.exercises.").partition(".")[0]
    for name, value in list(namespace.items()):
        if (name.startswith("check_") and inspect.isfunction(value) and value.__module__ == namespace["__name__"]
                and not getattr(value, "__wrapped_check__", False)):
            namespace[name] = _wrap_check(value, part)


def part_checks(module) -> dict[str, Callable[..., Any]]:
    """A part's checks, ``{"grid": check_grid, ...}``, in the course's order: a part's module in source order, a part
    split into a package (``lab/exercises/tensors/``) in the order of its ``__all__``."""
    if hasattr(module, "__path__"):
        return {name.removeprefix("check_"): getattr(module, name) for name in module.__all__
                if name.startswith("check_")}
    found = [(inspect.unwrap(fn).__code__.co_firstlineno, name.removeprefix("check_"), fn)
             for name, fn in vars(module).items()
             if name.startswith("check_") and callable(fn) and getattr(fn, "__module__", "") == module.__name__]
    return {name: fn for _, name, fn in sorted(found, key=lambda item: item[0])}


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
    record: Trace | None = None,
    **kwargs: Any,
) -> Any:
    """Call the student's function ``fn`` and return its result, turning stubs into ``NotDone``.

    ``on_error`` maps an exception raised by the student's code to a specific hint (or ``None`` for the
    generic message); the original exception stays attached as ``__cause__`` for the curious. With ``record``
    (a ``Trace``), the call runs under it, so the check can see what the student's code did in torch.
    """
    if fn is Ellipsis or fn is None:
        raise _not_done(name)
    if not callable(fn):
        raise CheckFailed(
            f"« {name} » doit être une fonction (définie avec `def {name}(...):`), "
            f"pas une valeur de type {type(fn).__name__}."
        )
    try:
        if record is not None:
            with record:
                result = fn(*args, **kwargs)
        else:
            result = fn(*args, **kwargs)
    except NotImplementedError as exc:
        if _is_stub_error(exc):
            raise _not_done(name) from None
        hint = on_error(exc) if on_error is not None else None
        raise CheckFailed(feedback.crash_message(name, exc, hint)) from exc
    except CheckFailed:
        raise
    except Exception as exc:  # the student's code crashed: explain instead of a bare traceback
        hint = on_error(exc) if on_error is not None else None
        raise CheckFailed(feedback.crash_message(name, exc, hint)) from exc
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

