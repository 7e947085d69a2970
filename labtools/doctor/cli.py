"""`make doctor` / `python scripts/doctor.py` / `python -m labtools.doctor`: options, which checks run, output.

Exit status: 0 without ✗, 1 when a check fails, 2 for bad usage. `--json` prints the report for machines (schema 1):
  {"schema": 1, "mode": "full"|"host-only"|"env-only", "env_source": {"kind", "name", "command"} | null,
   "checks": [{"name", "status": "ok"|"warn"|"fail"|"na", "title", "detail", "fix", "scope": "host"|"env",
               "items", "details", "data"}], "summary": {"ok", "warn", "fail", "na", "total", "exit_status"}, "exit_status"}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from labtools import policy
from labtools.doctor.env import ENV_CHECKS, EnvFacts
from labtools.doctor.gpu import gpu_decision
from labtools.doctor.host import DRIVER, HOST_CHECKS, RUNTIME, HostFacts
from labtools.doctor.model import Check, build_report
from labtools.doctor.remote import run_env_in_lab
from labtools.doctor.render import render

ALL_CHECKS = HOST_CHECKS + ENV_CHECKS
NAMES = [spec.name for spec in ALL_CHECKS]


def list_checks() -> str:
    width = max(map(len, NAMES))
    lines = ["Vérifications du docteur (make doctor DOCTOR_ARGS=\"port disk\" n'exécute que celles-là) :"]
    for scope, title in (("host", "Hôte"), ("env", "Environnement du lab (dans le conteneur)")):
        lines += ["", title]
        lines += [f"  {s.name:<{width}}  {s.summary}" for s in ALL_CHECKS if s.scope == scope]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    def port_type(v):
        try:
            p = int(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"port invalide : {v!r}") from None
        if not 1 <= p <= 65535:
            raise argparse.ArgumentTypeError("le port doit être entre 1 et 65535")
        return p

    def date_type(v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise argparse.ArgumentTypeError("date attendue au format AAAA-MM-JJ") from None

    p = argparse.ArgumentParser(
        prog="doctor.py", description="Diagnostic du PyTorch GPU Lab (hôte puis environnement du conteneur).",
        epilog="Code de sortie : 0 sans ✗, 1 si une vérification échoue, 2 si les options sont invalides.")
    p.add_argument("checks", nargs="*", metavar="VÉRIFICATION",
                   help="n'exécuter que ces vérifications (--list-checks les nomme)")
    p.add_argument("--list-checks", action="store_true", help="nommer les vérifications et sortir")
    p.add_argument("--json", action="store_true", help="rapport JSON (pour les scripts et les tests)")
    p.add_argument("-v", "--verbose", action="store_true", help="afficher les détails de chaque vérification")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--host-only", action="store_true", help="seulement les vérifications de l'hôte")
    scope.add_argument("--env-only", action="store_true",
                       help="seulement l'environnement Python courant (défaut dans l'image, LAB_IN_IMAGE=1)")
    scope.add_argument("--gpu-decision", action="store_true",
                       help="une ligne pour make lab : « gpu » ou « cpu : raison » (la règle pilote ↔ CUDA)")
    scope.add_argument("--gpu-problem", action="store_true",
                       help="pour make lab et make hub : rien si les conteneurs ont le GPU, sinon pourquoi (une ligne)")
    p.add_argument("--image", default=os.environ.get("IMAGE") or policy.DEFAULT_IMAGE,
                   help=f"image (défaut {policy.DEFAULT_IMAGE})")
    p.add_argument("--container", default=os.environ.get("CONTAINER") or policy.DEFAULT_CONTAINER,
                   help=f"conteneur du lab (défaut {policy.DEFAULT_CONTAINER})")
    p.add_argument("--port", type=port_type, default=os.environ.get("PORT") or str(policy.DEFAULT_PORT),
                   help=f"port du lab sur l'hôte (défaut {policy.DEFAULT_PORT})")
    p.add_argument("--lock", help="requirements.txt verrouillé (défaut : celui du dépôt, /opt/lab dans l'image)")
    p.add_argument("--expect-cuda", choices=("auto", "yes", "no"), default="auto",
                   help="GPU attendu dans l'environnement (auto : décidé par l'hôte)")
    p.add_argument("--expect-jupyter", choices=("auto", "yes", "no"), default="auto",
                   help="serveur Jupyter attendu (auto : oui si un processus jupyter tourne ici)")
    p.add_argument("--today", type=date_type, default=os.environ.get("LAB_DOCTOR_TODAY") or None,
                   help="date du jour AAAA-MM-JJ (tests de la règle d'âge de Python)")
    opts = p.parse_args(argv)  # string defaults (PORT, LAB_DOCTOR_TODAY) go through `type` too
    unknown = [name for name in opts.checks if name not in NAMES]
    if unknown:
        p.error(f"vérification inconnue : {', '.join(unknown)} (connues : {', '.join(NAMES)})")
    if os.environ.get("LAB_IN_IMAGE") == "1" and not (opts.host_only or opts.gpu_decision or opts.gpu_problem):
        opts.env_only = True
    return opts


def selected(specs, names: list[str]):
    return [spec for spec in specs if not names or spec.name in names]


def run(opts) -> tuple[list[Check], str, dict | None]:
    """The checks asked for, where they belong: (checks, mode, where the environment part ran)."""
    if opts.env_only:
        facts = EnvFacts(opts.lock, opts.today, opts.expect_cuda, opts.expect_jupyter, opts.port)
        return [spec.run(facts) for spec in selected(ENV_CHECKS, opts.checks)], "env-only", \
            {"kind": "local", "name": sys.executable}
    facts = HostFacts(opts.image, opts.container, opts.port, Path(opts.lock) if opts.lock else None)
    checks = [spec.run(facts) for spec in selected(HOST_CHECKS, opts.checks)]
    env_names = [spec.name for spec in selected(ENV_CHECKS, opts.checks)]
    if opts.host_only or not env_names:
        return checks, "host-only", None
    env_checks, source = run_env_in_lab(facts, opts.expect_cuda, env_names if opts.checks else [],
                                        opts.today and opts.today.isoformat())
    return checks + env_checks, "full", source


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    if opts.list_checks:
        print(list_checks())
        return 0
    if opts.gpu_decision or opts.gpu_problem:
        facts = HostFacts(opts.image, opts.container, opts.port)
        use_gpu, why = gpu_decision(DRIVER.run(facts), RUNTIME.run(facts))
        if opts.gpu_decision:
            print("gpu" if use_gpu else f"cpu : {why}")
        elif not use_gpu:
            print(why)
        return 0
    checks, mode, source = run(opts)
    report = build_report(checks, mode, source)
    print(json.dumps(report, ensure_ascii=False, indent=2) if opts.json else render(report, opts.verbose))
    return report["exit_status"]
