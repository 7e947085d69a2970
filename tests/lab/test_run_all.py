"""'Run all' on the student notebooks, as JupyterLab does it (one execute request per cell, all queued at once on
one kernel): an untouched notebook runs to the end (⏳ at each exercise), and a wrong answer (❌) stops the run at
its cell, with no later cell run, on every one of many runs, whether the requests arrive in one burst or spread
out as a browser sends them. The kernel is the image's (lab.kernel.LabKernel), checked first.

Each notebook is run UNTOUCHED_RUNS times (LAB_RUN_ALL_RUNS, default 20) on one kernel, as a student clicking
"Run all" again: 2 min 43 s for all six on this 2-core machine at load 5 (much longer at load 15: LAB_RUN_ALL_RUNS=2
for a quick pass). The ❌ case runs WRONG_RUNS (20) times; a stopped run costs only the cells up to the error.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from kernel_helpers import kernel_class, lab_kernel, run_all

from lab import notebook_builder
from lab.kernel import ABORT_WINDOW

pytestmark = pytest.mark.slow

SOURCES = notebook_builder.sources()
IDS = [s.stem for s in SOURCES]
UNTOUCHED_RUNS = int(os.environ.get("LAB_RUN_ALL_RUNS", "20"))
WRONG_RUNS = 20
CHECK_CALL = re.compile(r"^[^#\n]*\bcheck_\w+\s*\(", re.MULTILINE)
GAPS = 0.03  # every other run: up to 30 ms between two requests, as when the browser renders cells while sending


def code_cells(source, *, solution=False) -> list[str]:
    return [c.source for c in notebook_builder.build(source, solution=solution).cells if c.cell_type == "code"]


def is_check_cell(code: str) -> bool:
    return bool(CHECK_CALL.search(code))


def test_notebooks_run_on_the_lab_kernel(tmp_path):
    with lab_kernel(tmp_path) as client:
        assert kernel_class(client) == "LabKernel"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_run_all_of_an_untouched_notebook_reaches_the_end_every_time(source, tmp_path):
    cells = code_cells(source)
    with lab_kernel(tmp_path) as client:
        runs = [run_all(client, cells, gaps=GAPS * (n % 2), seed=n) for n in range(UNTOUCHED_RUNS)]
    first = runs[0]
    failed = [(cells[i], r.ename, r.traceback) for i, r in enumerate(first) if r.status != "ok"]
    assert not failed, f"cells that did not run to the end in {source.name}: {failed}"
    waiting = [r for code, r in zip(cells, first) if is_check_cell(code)]
    assert waiting and all("⏳" in r.stdout and "pas encore fait" in r.stdout for r in waiting)
    for n, run in enumerate(runs[1:], start=2):
        assert [r.status for r in run] == [r.status for r in first], f"run {n} of {source.name} differs"


def wrong_first_answer(source) -> tuple[list[str], int]:
    """The student notebook with a failing check at its first exercise, and that cell's index.

    Part 1 gets a real wrong answer (exercise 1 returns zeros); the others a failed check at their first exercise.
    """
    cells = code_cells(source)
    index = next(i for i, code in enumerate(cells) if is_check_cell(code))
    if source.stem == "01_tenseurs":
        cells[index] = cells[index].replace('raise NotImplementedError("Exercice à compléter")',
                                            "return torch.zeros(n_rows, n_cols)")
        assert "torch.zeros" in cells[index]
    else:
        cells[index] += "\nfrom lab.checks import CheckFailed\nraise CheckFailed('réponse fausse')"
    return cells, index


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_a_wrong_answer_stops_run_all_at_its_cell_every_time(source, tmp_path):
    cells, wrong = wrong_first_answer(source)
    expected = ["ok"] * wrong + ["error"] + ["aborted"] * (len(cells) - wrong - 1)
    with lab_kernel(tmp_path) as client:
        for n in range(WRONG_RUNS):
            time.sleep(ABORT_WINDOW + 0.1)  # the student reads the ❌ before clicking "Run all" again
            run = run_all(client, cells, gaps=GAPS * (n % 2), seed=n)
            assert [r.status for r in run] == expected, f"run {n + 1} of {source.name}: {[r.status for r in run]}"
            assert run[wrong].ename == "CheckFailed"
            shown = "\n".join(run[wrong].traceback)
            assert "❌" in shown and "CheckFailed" not in shown and "Traceback" not in shown, shown
            assert all(not r.stdout and r.ename is None for r in run[wrong + 1:])


def test_a_cell_run_by_hand_after_the_stop_runs(tmp_path):
    """The stop is for the queued 'Run all' burst only: the student's next cell, a moment later, runs."""
    with lab_kernel(tmp_path) as client:
        assert [r.status for r in run_all(client, ["1 / 0", "print('après')"])] == ["error", "aborted"]
        time.sleep(ABORT_WINDOW + 0.1)
        (again,) = run_all(client, ["print('corrigé')"])
        assert again.status == "ok" and again.stdout == "corrigé\n"
