"""Every course notebook runs: solved top to bottom, and as students get it, failing only at unfilled checks.

Parametrized over all sources in ``lab/notebooks/`` so a new notebook is tested without editing this file.
"""

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lab import notebooks

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SOURCES = notebooks.sources()
CHECK_CALL = re.compile(r"^[^#\n]*\bcheck_\w+\s*\(", re.MULTILINE)


def _execute(nb, cwd: Path, monkeypatch, *, allow_errors: bool):
    """Run ``nb`` in a fresh kernel, cwd ``cwd``, with the repo importable and a non-GUI matplotlib."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def _errors(cell):
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def _stdout(cell):
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")


def _calls_check(cell) -> bool:
    return cell.cell_type == "code" and bool(CHECK_CALL.search(cell.source))


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_solved_notebook_runs_and_every_check_passes(source, tmp_path, monkeypatch):
    nb = _execute(notebooks.build(source, solution=True), tmp_path, monkeypatch, allow_errors=False)
    check_cells = [c for c in nb.cells if _calls_check(c)]
    assert check_cells, f"{source.name} calls no check"
    for cell in check_cells:
        assert "✅" in _stdout(cell), f"check cell printed no success line:\n{cell.source}"


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_student_notebook_fails_only_at_unfilled_checks(source, tmp_path, monkeypatch):
    nb = _execute(notebooks.build(source, solution=False), tmp_path, monkeypatch, allow_errors=True)
    check_cells = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = _errors(cell)
        if _calls_check(cell):
            check_cells += 1
            assert [e.ename for e in errors] == ["NotDone"], (
                f"a check of an unfilled exercise must fail with NotDone:\n{cell.source}\n"
                + "\n".join(f"{e.ename}: {e.evalue}" for e in errors))
            assert "✅" not in _stdout(cell)
            shown = "\n".join(errors[0].traceback)
            assert "pas encore fait" in shown and "checks.py" not in shown, "students see the message, not lab internals"
        else:
            assert not errors, (f"cell without a check fails in the student version:\n{cell.source}\n"
                                + "\n".join(f"{e.ename}: {e.evalue}" for e in errors))
    assert check_cells, f"{source.name} calls no check"
