"""lab.checks helpers, and the generic contract of every check of parts 00-03:
the reference solution passes (on several fresh random draws), a stub raises NotDone."""

import importlib

import pytest
import torch

from lab.checks import CheckFailed, NotDone, call, expect_close, expect_tensor, is_stub, ok, part_checks, require
from lab.compare import count_torch_calls

PARTS = ["environment", "tensors", "gpu", "autograd"]


def _checks():
    for part in PARTS:
        exercises = importlib.import_module(f"lab.exercises.{part}")
        solutions = importlib.import_module(f"lab.solutions.{part}")
        for name, check in part_checks(exercises).items():
            yield pytest.param(check, getattr(solutions, name), id=f"{part}.check_{name}")


CHECKS = list(_checks())


def test_every_part_has_checks():
    assert {p.id.split(".")[0] for p in CHECKS} == set(PARTS)


@pytest.mark.parametrize("check, reference", CHECKS)
def test_reference_solution_passes(check, reference, capsys):
    for _ in range(3):  # fresh random inputs each time
        check(reference)
        assert capsys.readouterr().out.startswith("✅")


@pytest.mark.parametrize("check, reference", CHECKS)
def test_stub_is_not_done(check, reference):
    with pytest.raises(NotDone, match="pas encore fait"):
        check(...)
    if callable(reference):
        def stub(*args, **kwargs):
            raise NotImplementedError("Exercice à compléter")

        with pytest.raises(NotDone):
            check(stub)

        def returns_ellipsis(*args, **kwargs):
            return ...

        with pytest.raises(NotDone):
            check(returns_ellipsis)


def test_ok_prints_a_success_line(capsys):
    ok("Bravo")
    assert capsys.readouterr().out == "✅ Bravo\n"


def test_not_done_is_a_check_failure_is_an_assertion():
    assert issubclass(NotDone, CheckFailed) and issubclass(CheckFailed, AssertionError)


def test_stub_detection():
    assert is_stub(...) and is_stub((1, ...)) and is_stub({"a": ...}) and is_stub([[...]])
    assert not is_stub(0) and not is_stub(None) and not is_stub({"a": 1}) and not is_stub(torch.zeros(2))
    assert require(3, "x") == 3
    with pytest.raises(NotDone, match="« x »"):
        require({"k": ...}, "x")


def test_call_maps_errors_to_hints():
    assert call(lambda a: a + 1, 1, name="f") == 2
    with pytest.raises(CheckFailed, match="doit être une fonction"):
        call(3, name="f")

    def broken(x):
        return x["missing"]

    with pytest.raises(CheckFailed, match="KeyError") as info:
        call(broken, {}, name="f", on_error=lambda e: "regardez les clés")
    assert "👉 regardez les clés" in str(info.value) and not isinstance(info.value, NotDone)
    assert isinstance(info.value.__cause__, KeyError)


def test_only_a_stub_not_implemented_error_means_not_done():
    def stub():
        raise NotImplementedError("Exercice à compléter")

    def bare():
        raise NotImplementedError

    def torch_unsupported():
        return torch.ones(2, device="meta").cpu()  # torch raises NotImplementedError: no data on meta

    for fn in (stub, bare):
        with pytest.raises(NotDone):
            call(fn, name="f")
    with pytest.raises(CheckFailed, match="meta") as info:
        call(torch_unsupported, name="f", on_error=lambda e: "indice")
    assert not isinstance(info.value, NotDone) and "👉 indice" in str(info.value)


def test_expect_tensor_and_close():
    x = torch.arange(6.0).reshape(2, 3)
    assert expect_tensor(x, "x", shape=(2, 3), dtype=torch.float32) is x
    with pytest.raises(CheckFailed, match=r"forme \(3, 2\) au lieu de \(2, 3\)"):
        expect_tensor(x.T, "x", shape=(2, 3))
    with pytest.raises(CheckFailed, match="torch.float64 au lieu de torch.float32"):
        expect_tensor(x.double(), "x", dtype=torch.float32)
    with pytest.raises(CheckFailed, match=r"\.values"):
        expect_tensor(x.max(1), "x")
    expect_close(x + 1e-9, x, "x")
    with pytest.raises(CheckFailed, match="écart maximal 0.5"):
        expect_close(x + 0.5, x, "x", hint="h")


def test_count_torch_calls_separates_patterns_from_loops():
    x = torch.rand(50, 4)
    _, pattern = count_torch_calls(lambda t: t[:, ::2], x)
    _, loop = count_torch_calls(lambda t: torch.stack([t[i, ::2] for i in range(t.shape[0])]), x)
    assert pattern <= 3 < 50 <= loop


def test_every_check_call_reports_one_result_to_listeners():
    """Passed, failed (with the mistake key) and not done each reach a listener once; a listener that raises
    changes nothing for the student."""
    from lab.checks import CheckResult, add_listener, remove_listener
    from lab.exercises import tensors
    from lab.solutions import tensors as ref

    seen: list[CheckResult] = []

    def broken(_result):
        raise OSError("disque plein")

    add_listener(seen.append)
    add_listener(broken)
    try:
        tensors.check_grid(ref.grid)
        with pytest.raises(NotDone):
            tensors.check_grid(...)
        with pytest.raises(CheckFailed):
            tensors.check_grid(lambda n, m: torch.arange(n * m).reshape(m, n))
    finally:
        remove_listener(seen.append)
        remove_listener(broken)
    assert [(r.part, r.exercise, r.outcome) for r in seen] == [
        ("tensors", "grid", "passed"), ("tensors", "grid", "not_done"), ("tensors", "grid", "failed")]
    assert seen[0].message == "" and "⏳" in seen[1].message and "inversées" in seen[2].message
