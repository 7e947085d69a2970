"""``python -m lab.notebooks {student,solutions,list}``: write the course notebooks for students or the teacher.

The image's start script runs ``python -m lab.notebooks student /home/student/work/module1`` at every container
start: it only writes notebooks that are missing, so a student's work is never overwritten (``--force`` does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab.notebooks import MarkerError, sources, write_notebooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.notebooks",
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
