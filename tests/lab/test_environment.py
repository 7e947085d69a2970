"""Part 00 checks fail, with the specific hint, on the mistakes students make."""

import sys
from pathlib import Path

import pytest

from lab.checks import CheckFailed
from lab.exercises import environment as ex
from lab.solutions import environment as ref


def test_reference_answers_on_real_environments(tmp_path):
    """Against what the interpreter says of itself, a real venv and a conda-like prefix."""
    import subprocess

    version = subprocess.run([sys.executable, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("Python {}.{}.".format(*ref.python_version()))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    prefixes = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c",
                               "import sys; print(sys.prefix); print(sys.base_prefix)"],
                              capture_output=True, text=True, check=True).stdout.splitlines()
    assert ref.environment_kind(*prefixes) == "venv"
    assert ref.environment_kind(str(tmp_path), str(tmp_path)) == "aucun"
    (tmp_path / "conda-meta").mkdir()
    assert ref.environment_kind(str(tmp_path), str(tmp_path)) == "conda"
    assert ref.parse_freeze("# c\n\nA==1.0\nb @ file:///x\n-e git+x#egg=y\n C == 2 \n") == {"A": "1.0", "C": "2"}
    assert ref.differences({"a": "1", "b": "1", "c": "1"}, {"b": "2", "c": "1", "d": "3"}) == {
        "a": ("1", None), "b": ("1", "2"), "d": (None, "3")}


def _fails(check, answer, hint):
    with pytest.raises(CheckFailed, match=hint) as info:
        check(answer)
    assert type(info.value) is CheckFailed  # a real failure, not NotDone
    return str(info.value)


def test_diagnostic_reports_this_machine(capsys):
    ex.diagnostic()
    out = capsys.readouterr().out
    assert sys.executable in out and "règle 1" in out and ("règle 2" in out or "Aucun environnement" in out)
    assert "dernière version sortie" in out


# ------------------------------------------------------------------------ exercise 7: pip freeze in the terminal
def _pip(*args: str) -> str:
    import subprocess

    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=True).stdout


def test_terminal_freeze_of_this_python_passes(tmp_path, capsys):
    freeze = tmp_path / "freeze.txt"
    freeze.write_text(_pip("freeze"))
    ex.check_terminal_freeze(freeze)
    assert "exactement ceux de ce notebook" in capsys.readouterr().out


def test_terminal_freeze_not_written_yet_is_not_done(tmp_path, monkeypatch):
    from lab.checks import NotDone

    monkeypatch.chdir(tmp_path)
    with pytest.raises(NotDone, match="pas encore fait") as info:
        ex.check_terminal_freeze("freeze.txt")
    assert "Fichier ▸ Nouveau ▸ Terminal" in str(info.value) and "pip freeze > ~/work/module1/freeze.txt" in str(info.value)


def test_terminal_freeze_written_one_folder_up_is_found(tmp_path, monkeypatch):
    (tmp_path / "module1").mkdir()
    (tmp_path / "freeze.txt").write_text(_pip("freeze"))
    monkeypatch.chdir(tmp_path / "module1")
    message = _fails(ex.check_terminal_freeze, "freeze.txt", "Le fichier est dans")
    assert str(tmp_path / "freeze.txt") in message


def _freeze_file(tmp_path, text):
    path = tmp_path / "freeze.txt"
    path.write_text(text)
    return path


def test_terminal_freeze_mistakes(tmp_path):
    _fails(ex.check_terminal_freeze, _freeze_file(tmp_path, ""), "est vide")
    _fails(ex.check_terminal_freeze, _freeze_file(tmp_path, _pip("list")), "sortie de pip list")
    _fails(ex.check_terminal_freeze, _freeze_file(tmp_path, "# packages in environment at /x:\n#\nsix 1 0\n"),
           "conda list")
    other_python = _freeze_file(tmp_path, "six==1.17.0\n")  # another Python's pip: almost nothing in common
    assert f"attendu {Path(sys.executable).parent / 'pip'}" in _fails(ex.check_terminal_freeze, other_python,
                                                                       "n'est pas celui du lab")


def test_terminal_freeze_of_a_changed_environment_names_the_changes(tmp_path):
    lines = _pip("freeze").splitlines()
    name, version = next(line.split("==") for line in lines if "==" in line)
    changed = [f"{name}==0.0.1" if line == f"{name}=={version}" else line for line in lines] + ["paquet-ajoute==1.0"]
    message = _fails(ex.check_terminal_freeze, _freeze_file(tmp_path, "\n".join(changed) + "\n"), "diffère")
    assert f"{name} {version} → 0.0.1" in message and "paquet-ajoute — → 1.0" in message
