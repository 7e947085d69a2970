"""``python -m lab.notebook_builder {student,solutions,list}``: the course notebooks for students or the teacher.

The notebooks are jupytext "percent" sources, ``lab/notebooks/NN_name.py`` (see lab/notebooks/README.md for why
they are stored as text), turned here into student (stubs) or solved ``.ipynb`` files. Code cells may hold
solution regions::

    # BEGIN SOLUTION
    # STUB: result = ...  # À vous : sélectionnez une colonne sur deux
    result = x[:, ::2]
    # END SOLUTION

* student version: the region becomes its STUB lines (text after ``# STUB: ``, at the BEGIN marker's
  indentation), or ``raise NotImplementedError("Exercice à compléter")`` when it has no STUB line;
* solution version: the markers and STUB lines are dropped, the solution code stays.

The source file itself is the solved notebook as plain Python (markers are comments), so
``python lab/notebooks/01_tenseurs.py`` runs it.

The image's start script runs ``python -m lab.notebook_builder student /home/student/work/module1`` at every
container start: it only writes notebooks that are missing, so a student's work is never overwritten
(``--force`` does).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent / "notebooks"
_SOURCE_NAME = re.compile(r"^\d\d_\w+\.py$")
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION[ \t]*$")
_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_STUB = re.compile(r"^[ \t]*# STUB:(?: (?P<text>.*))?$")
DEFAULT_STUB = 'raise NotImplementedError("Exercice à compléter")'

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}

#: Appended to the first cell of every notebook: what "Run all" does here (lab.checks and lab.kernel make it so).
RUN_ALL_RULE = (
    "> **Exécuter toutes les cellules** (menu Exécution) va jusqu'au bout du notebook : un exercice "
    "pas encore fait affiche ⏳ et la suite continue (les cellules suivantes n'ont pas besoin de vos réponses, ou "
    "prennent la solution du cours en le disant). Une réponse fausse (❌) arrête l'exécution à sa cellule : "
    "corrigez-la, puis relancez."
)


class MarkerError(ValueError):
    """A solution region is malformed (nested, unterminated, stray marker)."""


def transform(text: str, *, solution: bool) -> str:
    """Return the student (``solution=False``) or solved (``solution=True``) version of a source text."""
    out: list[str] = []
    region_indent: str | None = None  # indentation of the open region's BEGIN marker, None outside
    region_start = 0
    stubs: list[str] = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        newline = line[len(body):] or "\n"
        begin = _BEGIN.match(body)
        if begin:
            if region_indent is not None:
                raise MarkerError(f"ligne {number}: BEGIN SOLUTION imbriqué (région ouverte ligne {region_start})")
            region_indent, region_start, stubs = begin.group("indent"), number, []
            continue
        if _END.match(body):
            if region_indent is None:
                raise MarkerError(f"ligne {number}: END SOLUTION sans BEGIN SOLUTION")
            if not solution:
                lines = stubs or [DEFAULT_STUB]
                out.extend(f"{region_indent}{stub}".rstrip() + newline for stub in lines)
            region_indent = None
            continue
        stub = _STUB.match(body)
        if stub:
            if region_indent is None:
                raise MarkerError(f"ligne {number}: ligne STUB hors d'une région BEGIN/END SOLUTION")
            stubs.append(stub.group("text") or "")
            continue
        if region_indent is None or solution:
            out.append(line)
    if region_indent is not None:
        raise MarkerError(f"ligne {region_start}: BEGIN SOLUTION sans END SOLUTION")
    return "".join(out)


def sources() -> list[Path]:
    """The notebook sources (``lab/notebooks/NN_name.py``), in course order."""
    return sorted(p for p in NOTEBOOK_DIR.iterdir() if _SOURCE_NAME.match(p.name))


def to_notebook(text: str):
    """Parse a percent-format text into an output-free ``nbformat`` notebook ready for JupyterLab."""
    import jupytext  # imported here: only the notebook commands need it

    notebook = jupytext.reads(text, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not paired with a text file
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = {"name": "python"}
    first = next((cell for cell in notebook.cells if cell.cell_type == "markdown"), None)
    if first is not None:
        first.source = first.source.rstrip() + "\n\n" + RUN_ALL_RULE
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return notebook


def build(source: Path, *, solution: bool):
    """The student or solved notebook of one source file."""
    return to_notebook(transform(source.read_text(encoding="utf-8"), solution=solution))


def _write_atomic(path: Path, content: str) -> None:
    """Write via a temporary file and rename, so an interrupted start never leaves half a notebook."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions of a new file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_notebooks(dest: Path, *, solution: bool, force: bool = False) -> list[tuple[Path, str]]:
    """Write every notebook into ``dest``; existing files are kept unless ``force``.

    Returns ``(path, status)`` pairs with status ``"écrit"``, ``"remplacé"`` or ``"conservé"``.
    The image's start script calls this at every start: when nothing is missing it only checks that the
    files exist, without importing nbformat or jupytext (up to a second of each start, measured here).
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    results = []
    for source in sources():
        target = dest / f"{source.stem}.ipynb"
        existed = target.exists()
        if existed and not force:
            results.append((target, "conservé"))
            continue
        import nbformat  # only when a notebook is written (see the docstring)

        _write_atomic(target, nbformat.writes(build(source, solution=solution)))
        results.append((target, "remplacé" if existed else "écrit"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.notebook_builder",
        description="Écrit les notebooks du module 1 (version étudiant ou corrigée).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("student", "notebooks à compléter (exercices vides), sans sorties"),
        ("solutions", "notebooks corrigés, pour l'enseignant"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("dest", type=Path, help="dossier de destination (créé si besoin)")
        sub.add_argument("--force", action="store_true",
                         help="remplace les notebooks déjà présents (sinon ils sont conservés)")
    commands.add_parser("list", help="liste les notebooks disponibles")
    args = parser.parse_args(argv)

    if args.command == "list":
        for source in sources():
            print(source.stem)
        return 0
    try:
        results = write_notebooks(args.dest, solution=args.command == "solutions", force=args.force)
    except ImportError as exc:
        print(f"erreur : {exc.name or exc} manque pour écrire des notebooks ; installez-les avec "
              "pip install jupytext nbformat (ou pip install 'lab[notebooks]').", file=sys.stderr)
        return 1
    except (OSError, MarkerError) as exc:
        print(f"erreur : impossible d'écrire les notebooks dans {args.dest} : {exc}", file=sys.stderr)
        return 1
    for path, status in results:
        print(f"{status:9} {path}")
    kept = sum(status == "conservé" for _, status in results)
    if kept:
        print(f"{kept} notebook(s) existant(s) conservé(s) ; --force pour les remplacer.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
