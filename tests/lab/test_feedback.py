"""What a student reads when a check says no: the French box IPython shows (no class name, no traceback through
lab), their own line when their function crashes, a French sentence for the common errors; and, in a real kernel,
⏳ printed instead of raised for an exercise not done yet (plain Python still raises)."""

from __future__ import annotations

import pytest
import torch
from kernel_helpers import lab_kernel, run_all

from lab import feedback
from lab.checks import CheckFailed, NotDone, call
from lab.exercises.tensors import check_grid


def crash(fn, *args) -> str:
    with pytest.raises(CheckFailed) as info:
        call(fn, *args, name="ma_fonction")
    assert not isinstance(info.value, NotDone)
    return str(info.value)


def test_a_crash_names_the_students_line_and_explains_a_name_error():
    def ma_fonction(x):
        y = x * 2
        return y + z  # noqa: F821  (the student's typo)

    message = crash(ma_fonction, torch.ones(2))
    assert "ligne" in message and "return y + z" in message
    assert "NameError" in message and "le nom « z » n'est défini nulle part" in message


@pytest.mark.parametrize(("body", "expected"), [
    (lambda x: torch.ones(3) + torch.ones(4), "3 contre 4 valeurs dans la dimension 0"),
    (lambda x: torch.ones(4, 3) @ torch.ones(4, 3), "produit matriciel impossible : (4, 3) @ (4, 3)"),
    (lambda x: torch.arange(12).reshape(5, 2), "impossible de ranger 12 valeurs dans la forme (5, 2)"),
    (lambda x: torch.zeros_like(x, x), "arguments d'un type qu'elle n'accepte pas"),
    (lambda x: len(x, 2), "un nombre d'arguments qu'elle n'accepte pas"),
    (lambda x: (lambda a, b: a)(x), "moins d'arguments qu'elle n'en attend"),
    (lambda x: x(1), "pas une fonction"),
])
def test_common_errors_get_a_french_sentence(body, expected):
    assert expected in crash(body, torch.ones(2))


def test_an_unknown_error_keeps_pythons_message_without_a_made_up_explanation():
    def ma_fonction(x):
        raise KeyError("colonne")

    message = crash(ma_fonction, 1)
    assert "KeyError : 'colonne'" in message and "En clair" not in message


def test_the_exercise_hint_wins_over_the_generic_sentence():
    with pytest.raises(CheckFailed) as info:
        call(lambda: undefined_name, name="f", on_error=lambda exc: "indice de l'exercice")  # noqa: F821
    assert "👉 indice de l'exercice" in str(info.value) and "En clair" not in str(info.value)


def test_the_box_has_no_class_name_and_marks_the_verdict():
    failed = CheckFailed("grid(4, 3) :\nle résultat a la forme (3, 4) au lieu de (4, 3).\n👉 indice")._render_traceback_()
    assert "❌ grid(4, 3) :" in failed[0] and "👉 indice" in failed[-1]
    assert not any("CheckFailed" in line or "Traceback" in line for line in failed)
    waiting = NotDone("⏳ Exercice « grid » pas encore fait")._render_traceback_()
    assert waiting[0].count("⏳") == 1


def test_plain_python_still_raises_not_done():
    assert not feedback.in_kernel()
    with pytest.raises(NotDone):
        check_grid(lambda n_rows, n_cols: ...)


@pytest.mark.slow
def test_in_a_kernel_not_done_prints_and_a_crash_shows_the_students_cell_line(tmp_path):
    stub = "def grid(n_rows, n_cols):\n    raise NotImplementedError('Exercice à compléter')\n\ncheck_grid(grid)"
    typo = "def grid(n_rows, n_cols):\n    return torch.arange(n_rows * n_col).reshape(n_rows, n_cols)\n\ncheck_grid(grid)"
    with lab_kernel(tmp_path) as client:
        waiting, = run_all(client, ["import torch\nfrom lab.exercises.tensors import check_grid\n" + stub])
        crashed, = run_all(client, [typo])
    assert waiting.status == "ok" and waiting.stdout.startswith("⏳ Exercice « grid » pas encore fait")
    shown = "\n".join(crashed.traceback)
    assert crashed.status == "error" and crashed.ename == "CheckFailed"
    assert "ligne 2 de la cellule [2]" in shown and "reshape(n_rows, n_cols)" in shown
    assert "le nom « n_col » n'est défini nulle part" in shown and "Traceback" not in shown
