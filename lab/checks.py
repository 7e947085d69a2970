"""Instant checks for the exercises: a failed check says, in French, what is wrong and what to try.

Every part's checks (``lab/exercises/<part>.py``) are built from these helpers so that students see one style:

* ``ok("...")`` prints a success line starting with ✅;
* ``CheckFailed`` is raised with a specific hint when the answer is wrong;
* ``NotDone`` (a ``CheckFailed``) is raised while the exercise is still a stub: a value left as ``...`` or a
  function that still raises ``NotImplementedError``.

Checks draw fresh random inputs from a private generator (``fresh_generator``) so that passing cannot come from
matching one fixed example, and so that the student's own random stream (``torch.manual_seed``) is left untouched.
``compare_with_reference`` runs a student's function and the reference on such inputs and, when they differ,
names the known mistake whose results the student's match; it also names an argument the student's function
modified, and, for exercises about patterns, a loop (many torch operations, or values read in Python through
``.tolist()``, ``.item()``, iteration or NumPy: ``Trace`` records them). ``Trace`` also tells whether ``backward()``
ran and whether a graph was built, for the autograd exercises. Device mistakes are caught without a GPU with
``lab.simulated_gpu``. In IPython/Jupyter a ``CheckFailed`` shows as its French message only (``lab.feedback``),
without a class name or a traceback through ``lab``; a crash in the student's own function shows their line and,
for the common errors, a French sentence.

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

import collections
import functools
import inspect
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch

from lab import check_state, feedback, hints

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
    "trace",
    "Trace",
    "copy_args",
    "unchanged",
    "mutation",
    "same",
    "describe",
    "compare_with_reference",
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
    part = namespace["__name__"].rpartition(".")[2]
    for name, value in list(namespace.items()):
        if (name.startswith("check_") and inspect.isfunction(value) and value.__module__ == namespace["__name__"]
                and not getattr(value, "__wrapped_check__", False)):
            namespace[name] = _wrap_check(value, part)


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

