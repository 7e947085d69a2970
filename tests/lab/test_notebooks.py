"""Every course notebook runs: solved top to bottom, and as students get it, to the end, ⏳ at each unfilled check.

Parametrized over all sources in ``lab/notebooks/`` so a new notebook is tested without editing this file.
The selected notebooks are executed concurrently (one kernel per CPU core, at most 4): a kernel spends most of
its time importing torch on one core while the test process waits.
"""

import asyncio
import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from nbclient import NotebookClient

from lab import notebook_builder

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SOURCES = notebook_builder.sources()
IDS = [s.stem for s in SOURCES]
CHECK_CALL = re.compile(r"^[^#\n]*\bcheck_\w+\s*\(", re.MULTILINE)
VERSIONS = {"test_solved_notebook_runs_and_every_check_passes": True,
            "test_student_notebook_runs_to_the_end_with_a_waiting_line_per_unfilled_check": False}


def _execute(source: Path, solution: bool, cwd: Path):
    """Run one version of a notebook in a fresh kernel, cwd ``cwd``, with the repo importable and Agg plots."""
    nb = notebook_builder.build(source, solution=solution)
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=not solution,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no TCP-transport warning
    asyncio.run(client.async_execute(env=env))
    return nb


@pytest.fixture(scope="session")
def executions(request, tmp_path_factory):
    """Futures of the executed notebooks, for the (source, version) pairs the selected tests need."""
    wanted = []
    for item in request.session.items:
        solution = VERSIONS.get(getattr(item, "originalname", None))
        if solution is not None and item.module.__name__ == __name__:
            wanted.append((item.callspec.params["source"], solution))
    workers = max(1, min(4, os.cpu_count() or 1, len(wanted)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures: dict[tuple[Path, bool], Future] = {
            key: pool.submit(_execute, key[0], key[1], tmp_path_factory.mktemp(key[0].stem)) for key in wanted}
        yield futures
        for future in futures.values():
            future.cancel()


def _errors(cell):
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def _stdout(cell):
    return "".join(out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream")


def _calls_check(cell) -> bool:
    return cell.cell_type == "code" and bool(CHECK_CALL.search(cell.source))


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_solved_notebook_runs_and_every_check_passes(source, executions):
    nb = executions[source, True].result()  # raises CellExecutionError on the first failing cell
    check_cells = [c for c in nb.cells if _calls_check(c)]
    assert check_cells, f"{source.name} calls no check"
    for cell in check_cells:
        assert "✅" in _stdout(cell), f"check cell printed no success line:\n{cell.source}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_student_notebook_runs_to_the_end_with_a_waiting_line_per_unfilled_check(source, executions):
    """In a kernel, an exercise not done yet prints its ⏳ line and raises nothing: "Run all" reaches the end."""
    nb = executions[source, False].result()
    check_cells = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = _errors(cell)
        assert not errors, (f"cell fails in the student version:\n{cell.source}\n"
                            + "\n".join(f"{e.ename}: {e.evalue}" for e in errors))
        if _calls_check(cell):
            check_cells += 1
            shown = _stdout(cell)
            assert "⏳" in shown and "pas encore fait" in shown and "✅" not in shown, cell.source
            assert "NotDone" not in shown and "checks.py" not in shown, "students see the message, not lab internals"
    assert check_cells, f"{source.name} calls no check"
