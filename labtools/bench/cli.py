"""`bench_transfer.py`'s command line: check the arguments (exit 2 with a French message), choose the device,
measure, analyse, then write JSON, CSV and plots and print the report; or, with --from-json, redraw a saved one."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

from .analysis import Measurements, assemble_report
from .compute import measure_compute
from .console import print_report
from .environment import collect_environment, host_memory
from .fr import NO_GPU_NOTE
from .plan import ADD_SIZES, DEFAULT_SIZES, MATMUL_SIZES, QUICK_SIZES, Plan, Progress, RunLog
from .plots import make_plots
from .report import CSV_NAME, JSON_NAME, Environment, Options, Report, load_report, write_csv, write_json
from .timing import DEFAULT, QUICK
from .transfers import measure_pin_memory, measure_transfers
from .units import format_bytes, parse_sizes

HELP_EPILOG = """\
Exemples :
  python scripts/bench_transfer.py --quick --out /tmp/bench      # quelques secondes
  python scripts/bench_transfer.py --out bench                  # complet (~1 min avec un GPU)
  python scripts/bench_transfer.py --sizes 4KiB,1MiB,256MiB --device cuda
  python scripts/bench_transfer.py --from-json autre-machine/bench_transfer.json --out comparaison
                                                                 # redessine des mesures faites ailleurs
Dans le conteneur du lab : make bench (résultats dans ~/work/bench).
Fichiers produits dans --out : bench_transfer.json (tous les échantillons + environnement), bench_transfer.csv,
bench_bandwidth.png, bench_time.png, bench_roofline.png (avec GPU).
Vérification sur un vrai GPU : scripts/gpu_verify.sh compare ces copies à cudaMemcpy via CuPy ; ses résultats
sont rangés dans docs/bench/ du dépôt (voir docs/bench/README.md).
Codes de sortie : 0 = réussi (y compris sans GPU), 2 = argument invalide.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_transfer.py",
        description="Mesure le coût des copies hôte↔GPU (paginable / épinglée, bloquante / non_blocking) et le compare "
                    "au calcul (produit matriciel, addition) sur CPU et sur GPU, copies comprises : à partir de quelle "
                    "taille le GPU vaut-il le coup ?",
        epilog=HELP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="mesure rapide (quelques secondes, moins de tailles et d'échantillons)")
    parser.add_argument("--out", default="bench-results", metavar="DIR",
                        help="dossier où écrire JSON, CSV et PNG (créé si besoin ; défaut : %(default)s)")
    parser.add_argument("--sizes", metavar="LISTE",
                        help="tailles des copies, séparées par des virgules : 4KiB,1MiB,256MiB (KiB/MiB/GiB = 1024, "
                             "KB/MB/GB = 1000, nombre seul = octets ; défaut : 4KiB à 1GiB par ×4, --quick : 4KiB à 16MiB)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="auto : le GPU s'il y en a un ; cpu : partie CPU seulement ; cuda : exige un GPU")
    parser.add_argument("--from-json", metavar="FICHIER",
                        help="ne mesure rien : redessine les graphiques et réaffiche le rapport d'un "
                             f"{JSON_NAME} déjà produit (par exemple sur une autre machine) dans --out")
    return parser


def check_out_dir(path: str) -> str:
    """Create the output directory and prove it is writable (raises OSError otherwise)."""
    path = os.path.abspath(path)
    os.makedirs(path, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
        pass
    return path


def publish(report: Report, out_dir: str, source: str | None = None) -> None:
    """Plots, JSON, CSV, then the terminal report. `source`: the JSON file a replot was made from."""
    report.plots = make_plots(out_dir, report)
    write_json(os.path.join(out_dir, JSON_NAME), report)
    write_csv(os.path.join(out_dir, CSV_NAME), report)
    print_report(report)
    done = (f"Rapport redessiné à partir de {source} (aucune nouvelle mesure)" if source else
            f"Mesures terminées en {report.elapsed_s:.1f} s")
    print(f"\n{done}. Résultats dans {out_dir} : {JSON_NAME}, {CSV_NAME}"
          + "".join(f", {p}" for p in report.plots.produced))


@dataclass
class Request:
    """The checked arguments: where to write, and either the sizes to measure or a saved report to redraw."""
    out_dir: str
    sizes: list[int] | None
    saved: Report | None


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Request:
    """Everything that can be refused before torch is imported; parser.error exits 2."""
    ram_total, _ = host_memory()
    try:
        sizes = parse_sizes(args.sizes, max_bytes=ram_total) if args.sizes is not None else None
    except ValueError as exc:
        parser.error(f"--sizes : {exc}")
    if args.from_json and (args.quick or args.sizes is not None or args.device != "auto"):
        parser.error("--from-json redessine des mesures déjà faites : il ne se combine pas avec --quick, --sizes "
                     "ou --device")
    try:
        saved = load_report(args.from_json) if args.from_json else None
    except ValueError as exc:
        parser.error(f"--from-json : {exc}")
    try:
        out_dir = check_out_dir(args.out)
    except OSError as exc:
        parser.error(f"--out : impossible d'écrire dans {args.out!r} ({exc.strerror or exc}) ; "
                     "choisissez un dossier accessible en écriture")
    return Request(out_dir=out_dir, sizes=sizes, saved=saved)


def choose_device(parser: argparse.ArgumentParser, args: argparse.Namespace, notes: list[str]) -> int | None:
    """The CUDA device index to measure, or None for the CPU part only; says why in one line."""
    import torch

    asked, has_cuda = args.device, bool(torch.cuda.is_available())
    if asked == "cuda" and not has_cuda:
        parser.error(f"--device cuda : aucun GPU CUDA utilisable (torch {torch.__version__}, "
                     f"CUDA {torch.version.cuda or 'absent de ce build'}). Lancez sans --device ou avec --device cpu.")
    print("Banc d'essai : copies hôte↔GPU et calcul (bench_transfer.py" + (", --quick)" if args.quick else ")")
          + " — « Attention au coût de transfert entre les mémoires » (module 1) : mesurons-le.")
    if not has_cuda:
        print(f"Pas de GPU CUDA disponible (torch {torch.__version__}, CUDA {torch.version.cuda or 'absent'}) : "
              "seule la partie CPU est mesurée (calcul, copies hôte→hôte).")
        return None
    if asked == "cpu":
        print("GPU présent mais ignoré (--device cpu) : seule la partie CPU est mesurée.")
        return None
    try:  # a GPU that torch sees but cannot use (driver too old, busy, broken) fails here, not mid-run
        torch.zeros(1, device="cuda").add_(1)
        torch.cuda.synchronize()
    except (RuntimeError, AssertionError) as exc:  # AcceleratorError is a RuntimeError
        if asked == "cuda":
            parser.error(f"--device cuda : le GPU est visible mais inutilisable ({exc}). "
                         "Vérifiez le pilote (nvidia-smi) ou lancez avec --device cpu.")
        reason = str(exc).splitlines()[0][:200]
        notes.append(f"GPU visible mais inutilisable ({reason}) : partie CPU seulement")
        print(f"GPU visible mais inutilisable ({reason}) : seule la partie CPU est mesurée.")
        return None
    return torch.cuda.current_device()


def announce(env: Environment, notes: list[str]) -> None:
    """One line each for the CPU, the GPU and its link; a missing matplotlib is said before measuring."""
    print(f"Calcul CPU : {env.torch_threads} threads (torch.get_num_threads()), {env.cpu_count} cœurs logiques, "
          f"processeur : {env.cpu_model}")
    if env.gpu:
        gpu, link = env.gpu, env.link
        print(f"GPU : {gpu.name} (capacité {gpu.capability}), pilote {gpu.driver or '?'}, "
              f"torch {env.torch} / CUDA {env.torch_cuda}")
        if link.theoretical_gbps:
            print(f"Lien : PCIe Gen{link.pcie_current_gen} x{link.pcie_current_width} pendant une copie "
                  f"(max Gen{link.pcie_max_gen} x{link.pcie_max_width}), "
                  f"théorique {link.theoretical_gbps:.1f} Go/s par sens")
        else:
            note = f"lien PCIe inconnu ({link.nvml_note or 'NVML muet'}) : pas de débit théorique"
            notes.append(note)
            print(f"Lien : {note}")
    try:
        import matplotlib  # noqa: F401  (only to say early that there will be no plots)
    except ImportError:
        print("Note : matplotlib absent : pas de graphiques PNG (JSON et CSV sont écrits quand même ; "
              "--from-json les redessine plus tard sur une machine qui l'a).")


def run_measurements(plan: Plan, log: RunLog) -> tuple:
    """Transfers, pin_memory(), matmul and add, with the progress display closed whatever happens."""
    try:
        transfers = measure_transfers(plan, log)
        pin = measure_pin_memory(plan, log)
        compute = measure_compute(plan, "matmul", log) + measure_compute(plan, "add", log)
    finally:
        log.progress.close()
    return transfers, pin, compute


def measure_and_report(parser: argparse.ArgumentParser, args: argparse.Namespace, sizes: list[int] | None,
                       argv: list[str] | None) -> Report:
    notes: list[str] = []
    index = choose_device(parser, args, notes)
    mode = "quick" if args.quick else "default"
    plan = Plan(timing=QUICK if args.quick else DEFAULT, use_cuda=index is not None,
                device=f"cuda:{index}" if index is not None else "cpu",
                sizes=sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES),
                matmul_sizes=MATMUL_SIZES[mode], add_sizes=ADD_SIZES[mode])
    env = collect_environment(plan.use_cuda, index)
    announce(env, notes)
    log = RunLog(progress=Progress(plan.steps()))
    started = time.perf_counter()
    transfers, pin, compute = run_measurements(plan, log)
    elapsed = time.perf_counter() - started
    for item in log.skipped:
        size = format_bytes(item.size_bytes) if item.size_bytes is not None else f"n={item.size}"
        notes.append(f"{item.what} {size} ignoré : {item.reason}")
    options = Options(quick=args.quick, device=args.device, used_device=plan.device, sizes_bytes=plan.sizes,
                      matmul_sizes=plan.matmul_sizes, add_sizes=plan.add_sizes, timing=asdict(plan.timing),
                      dtype="float32")
    command = [parser.prog] + list(argv if argv is not None else sys.argv[1:])
    report = assemble_report(Measurements(options=options, environment=env, transfers=transfers, pin_memory=pin,
                                          compute=compute, command=command, elapsed_s=elapsed, skipped=log.skipped,
                                          notes=notes))
    if not plan.use_cuda:
        report.notes.append(NO_GPU_NOTE)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    request = check_arguments(parser, args)
    if request.saved is not None:
        publish(request.saved, request.out_dir, source=args.from_json)
    else:
        publish(measure_and_report(parser, args, request.sizes, argv), request.out_dir)
    return 0
