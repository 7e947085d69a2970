"""What a student reads when a check says no: French boxes instead of Python's English tracebacks.

* ``render_box``: the lines IPython shows for a ``CheckFailed`` (``CheckFailed._render_traceback_``): the French
  message only, no class name, no traceback through ``lab``.
* ``crash_message``: when the student's own function raises, the line of *their* code that raised, Python's
  error, and (``explain_error``) a French sentence for the common ones: a name not defined, a call with the wrong
  arguments, tensors whose shapes do not fit.
* ``in_kernel``: the code runs in a Jupyter kernel (where an unfinished exercise is reported, not raised, so that
  "Run all" goes on).
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import sysconfig
import types

_LAB_DIR = os.path.dirname(os.path.abspath(__file__))
_LIBRARY_DIRS = tuple(
    {os.path.abspath(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib")})

#: ANSI colours, which JupyterLab renders in error outputs.
_RED, _YELLOW, _BOLD, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[0m"


def in_kernel() -> bool:
    """True inside a Jupyter kernel (IPython's shell has a ``kernel``); False in plain Python or pytest."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return getattr(shell, "kernel", None) is not None


def render_box(message: str, *, not_done: bool = False) -> list[str]:
    """The lines of a check's French message as IPython shows it: a coloured left bar, nothing in English."""
    colour = _YELLOW if not_done else _RED
    mark = "⏳" if not_done else "❌"
    lines = message.splitlines() or [""]
    if not lines[0].startswith(mark):
        lines[0] = f"{mark} {lines[0]}"
    return [f"{colour}{_BOLD}{lines[0]}{_RESET}"] + [f"{colour}│{_RESET} {line}" for line in lines[1:]]


def _is_student_file(filename: str) -> bool:
    """Code the student wrote: a notebook cell or their own file, not the lab package, Python or a library."""
    if filename.startswith("<") and not filename.startswith("<ipython-input"):
        return False  # <frozen ...>, <string>, ...
    path = os.path.abspath(filename)
    if path.startswith(_LAB_DIR + os.sep):
        return False
    return not any(path.startswith(d + os.sep) for d in _LIBRARY_DIRS)


def _cell_label(filename: str) -> str:
    """« la cellule [5] » for a notebook cell IPython knows, else the file's name."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    number = getattr(getattr(shell, "compile", None), "_filename_map", {}).get(filename)
    if number is not None:
        return f"la cellule [{number}]"
    if filename.startswith("<ipython-input") or "ipykernel_" in filename:
        return "votre cellule"
    return os.path.basename(filename)


def student_line(tb: types.TracebackType | None) -> tuple[str, int, str] | None:
    """(where, line number, code) of the innermost frame of the student's own code in ``tb``, or None."""
    found = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if _is_student_file(filename):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    filename, number = found
    return _cell_label(filename), number, linecache.getline(filename, number).strip()


_TYPE_ERRORS = [
    (re.compile(r"missing \d+ required positional argument"),
     "la fonction a été appelée avec moins d'arguments qu'elle n'en attend : comparez l'appel à sa définition "
     "(`def ...(...)`)."),
    (re.compile(r"takes .*arguments? .*given"),
     "la fonction a été appelée avec un nombre d'arguments qu'elle n'accepte pas : comparez l'appel à sa "
     "définition (`def ...(...)`) ou à sa documentation (help(fonction))."),
    (re.compile(r"got an unexpected keyword argument '(\w+)'"),
     "un argument nommé (`nom=valeur`) n'existe pas pour cette fonction : vérifiez son orthographe dans la "
     "documentation (help(fonction))."),
    (re.compile(r"object is not callable"),
     "des parenthèses `(...)` suivent quelque chose qui n'est pas une fonction (un tenseur, un nombre) : "
     "un nom de variable qui en cache un autre, ou des crochets `[...]` voulus ?"),
    (re.compile(r"received an invalid combination of arguments|argument '\w+' (?:\(position \d+\) )?must be"),
     "une fonction de torch a reçu des arguments d'un type qu'elle n'accepte pas (une liste au lieu d'un tenseur, "
     "un tenseur au lieu d'un nombre...) : le message ci-dessus liste les combinaisons possibles."),
]

_SHAPE_ERRORS = [
    (re.compile(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)"),
     lambda m: (f"les deux tenseurs n'ont pas des formes compatibles : {m[1]} contre {m[2]} valeurs dans la "
                f"dimension {m[3]}. Affichez leurs formes (`.shape`) : chaque dimension doit être égale, ou valoir 1.")),
    (re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)"),
     lambda m: (f"produit matriciel impossible : ({m[1]}, {m[2]}) @ ({m[3]}, {m[4]}). Le nombre de colonnes de la "
                "première matrice doit égaler le nombre de lignes de la seconde (une transposée `.T` oubliée ?).")),
    (re.compile(r"shape '\[([\d, -]*)\]' is invalid for input of size (\d+)"),
     lambda m: (f"impossible de ranger {m[2]} valeurs dans la forme ({m[1]}) : le produit des dimensions demandées "
                "doit égaler le nombre de valeurs (`x.numel()`).")),
    (re.compile(r"Expected all tensors to be on the same device"),
     lambda m: ("les tenseurs d'une même opération doivent être sur le même device : déplacez-les avec "
                "`.to(device)` avant de les combiner.")),
]


def explain_error(exc: BaseException) -> str | None:
    """A French sentence for a common error in a student's code, or None (the English message then stands alone)."""
    text = str(exc)
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None) or (re.findall(r"'(\w+)'", text) or ["?"])[0]
        return (f"le nom « {name} » n'est défini nulle part quand cette ligne s'exécute : une faute de frappe, "
                "ou une variable d'une autre cellule pas encore exécutée (exécutez les cellules au-dessus) ?")
    if isinstance(exc, TypeError):
        for pattern, sentence in _TYPE_ERRORS:
            if pattern.search(text):
                return sentence
        return None
    if isinstance(exc, (RuntimeError, ValueError)):
        for pattern, sentence in _SHAPE_ERRORS:
            match = pattern.search(text)
            if match:
                return sentence(match)
    return None


def crash_message(name: str, exc: BaseException, hint: str | None = None) -> str:
    """What a check says when the student's function ``name`` raised ``exc``: where, what, and why in French."""
    where = student_line(exc.__traceback__)
    if where is None:
        head = f"Votre fonction « {name} » a levé une erreur."
    else:
        label, number, code = where
        head = f"Votre fonction « {name} » a levé une erreur, ligne {number} de {label} :\n    {code}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    message = f"{head}\n{type(exc).__name__}" + (f" : {first}" if first else "")
    explanation = explain_error(exc)
    if hint:
        message += f"\n👉 {hint}"
    elif explanation:
        message += f"\n👉 En clair : {explanation}"
    return message
