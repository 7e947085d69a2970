"""The student/solution transformation and the notebook command line (fast, no kernel)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lab import notebook_builder
from lab.notebook_builder import DEFAULT_STUB, MarkerError, main, transform

SOURCE = """\
# %%
x = 1
# BEGIN SOLUTION
# STUB: result = ...  # À vous
result = x + 1
# END SOLUTION

# %%
def f(y):
    # BEGIN SOLUTION
    z = y * 2
    return z
    # END SOLUTION


def g(y):
    if y:
        # BEGIN SOLUTION
        # STUB: return ...
        # STUB:     # indented comment kept
        return 3
        # END SOLUTION
    return 0
"""


def test_student_version_replaces_regions_with_stubs():
    assert transform(SOURCE, solution=False) == f"""\
# %%
x = 1
result = ...  # À vous

# %%
def f(y):
    {DEFAULT_STUB}


def g(y):
    if y:
        return ...
            # indented comment kept
    return 0
"""


def test_solution_version_drops_markers_and_stubs():
    assert transform(SOURCE, solution=True) == """\
# %%
x = 1
result = x + 1

# %%
def f(y):
    z = y * 2
    return z


def g(y):
    if y:
        return 3
    return 0
"""


def test_both_versions_are_valid_python_and_behave():
    student, solved = {}, {}
    exec(transform(SOURCE, solution=False), student)
    exec(transform(SOURCE, solution=True), solved)
    assert student["result"] is Ellipsis and solved["result"] == 2
    with pytest.raises(NotImplementedError, match="Exercice à compléter"):
        student["f"](1)
    assert solved["f"](4) == 8 and solved["g"](1) == 3 and student["g"](1) is Ellipsis


def test_text_without_markers_is_unchanged():
    text = "# %%\nprint('# STUB in a string is fine')\r\n"
    assert transform(text, solution=False) == text == transform(text, solution=True)


@pytest.mark.parametrize("bad, where", [
    ("# BEGIN SOLUTION\nx = 1\n", "ligne 1"),
    ("# END SOLUTION\n", "ligne 1"),
    ("x = 1\n# STUB: x = ...\n", "ligne 2"),
    ("# BEGIN SOLUTION\n  # BEGIN SOLUTION\n# END SOLUTION\n", "ligne 2"),
])
def test_malformed_regions_are_rejected_with_the_line(bad, where):
    with pytest.raises(MarkerError, match=where):
        transform(bad, solution=False)


def test_every_course_source_has_well_formed_regions_and_stubs():
    found = notebook_builder.sources()
    assert [p.name[:2] for p in found] == sorted(p.name[:2] for p in found) and found
    for source in found:
        text = source.read_text(encoding="utf-8")
        assert "# BEGIN SOLUTION" in text, f"{source.name} has no exercise"
        student = transform(text, solution=False)
        assert "BEGIN SOLUTION" not in student and "# STUB:" not in student
        compile(student, source.name, "exec")
        compile(transform(text, solution=True), source.name, "exec")


def test_cli_writes_student_notebooks_without_overwriting(tmp_path, capsys):
    dest = tmp_path / "module1"
    assert main(["student", str(dest)]) == 0
    names = sorted(p.name for p in dest.iterdir())
    assert names == [f"{p.stem}.ipynb" for p in notebook_builder.sources()]
    first = dest / names[0]
    nb = json.loads(first.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3" and "jupytext" not in nb["metadata"]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert not any("BEGIN SOLUTION" in "".join(c["source"]) for c in nb["cells"])
    assert "écrit" in capsys.readouterr().out

    first.write_text("travail de l'étudiant", encoding="utf-8")  # the student's work must survive
    assert main(["student", str(dest)]) == 0
    assert first.read_text(encoding="utf-8") == "travail de l'étudiant"
    assert "conservé" in capsys.readouterr().out

    assert main(["student", str(dest), "--force"]) == 0
    assert json.loads(first.read_text(encoding="utf-8"))["nbformat"] == 4
    assert not [p for p in dest.iterdir() if p.name.endswith(".tmp")]


def test_restart_with_every_notebook_present_imports_no_notebook_library(tmp_path):
    """The start script seeds at every start: when nothing is missing it must not pay for nbformat/jupytext."""
    assert main(["student", str(tmp_path)]) == 0
    code = ("import sys\nfrom lab.notebook_builder import main\n"
            f"assert main(['student', {str(tmp_path)!r}]) == 0\n"
            "print(sorted(m for m in ('nbformat', 'jupytext') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0, run.stderr
    assert "conservé" in run.stdout and run.stdout.strip().endswith("[]"), run.stdout


def test_cli_solutions_contain_the_solution_code(tmp_path):
    assert main(["solutions", str(tmp_path)]) == 0
    source = notebook_builder.sources()[0]
    nb = json.loads((tmp_path / f"{source.stem}.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert "NotImplementedError(\"Exercice" not in text and "# STUB:" not in text


def test_cli_list_and_bad_usage():
    run = subprocess.run([sys.executable, "-m", "lab.notebook_builder", "list"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert run.returncode == 0
    assert run.stdout.split() == [p.stem for p in notebook_builder.sources()]
    bad = subprocess.run([sys.executable, "-m", "lab.notebook_builder", "nope"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_cli_reports_unwritable_destination(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["student", str(blocker / "sub")]) == 1
    assert "impossible d'écrire" in capsys.readouterr().err


def test_every_exercise_is_checked_in_its_cell_or_the_next():
    """An exercise region must be followed by its check, so students get feedback right away."""
    import jupytext

    check_call = re.compile(r"^[^#\n]*\bcheck_\w+\s*\(", re.MULTILINE)
    for source in notebook_builder.sources():
        cells = [c for c in jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent").cells
                 if c.cell_type == "code"]
        for i, cell in enumerate(cells):
            if "# BEGIN SOLUTION" in cell.source:
                following = [cell] + cells[i + 1:i + 2]
                assert any(check_call.search(c.source) for c in following), (
                    f"{source.name}: exercise without a check right after it:\n{cell.source}")


def test_cli_explains_missing_notebook_packages(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "jupytext", None)  # makes `import jupytext` fail
    assert main(["student", str(tmp_path)]) == 1
    assert "pip install jupytext nbformat" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.ipynb"))
