"""``python -m lab.regression``: the whole regression exercise end to end, gradient descent against the exact solution.

Prints, for gradient descent and for scikit-learn's exact ``LinearRegression``: test R², test MSE,
iterations, stopping reason, time (``--json`` for machine-readable output). PyTorch runs on one CPU thread by
default (``--threads``): faster for this small problem. Exit codes: 0 done, 1 data
unavailable (see ``lab.data``), 2 bad options.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lab import regression as ref


def _checked(convert, accept, rule: str, expected: str):
    """An argparse type: `convert` the text, then refuse values outside `rule`, in French."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{expected} attendu, reçu {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"{rule}, reçu {value}")
        return value
    return parse


_test_size = _checked(float, lambda v: 0.0 < v < 1.0,
                      "doit être strictement entre 0 et 1 (fraction des lignes de test)", "nombre")
_positive_float = _checked(float, lambda v: v > 0, "doit être strictement positif", "nombre")
_positive_int = _checked(int, lambda v: v >= 1, "doit être au moins 1", "entier")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab.regression",
        description="Régression linéaire sur California housing : descente de gradient (PyTorch) "
                    "comparée à la solution exacte de scikit-learn.",
    )
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="où calculer (auto : CUDA si disponible ; défaut : auto)")
    parser.add_argument("--test-size", type=_test_size, default=0.2, help="fraction des lignes de test (défaut : 0.2)")
    parser.add_argument("--seed", type=int, default=42, help="graine du découpage train/test (défaut : 42)")
    parser.add_argument("--data-csv", metavar="PATH",
                        help="copie locale de cal_housing.csv, utilisée si scikit-learn ne peut pas télécharger")
    parser.add_argument("--lr", type=_positive_float, default=ref.LEARNING_RATE,
                        help=f"pas de la descente de gradient (défaut : {ref.LEARNING_RATE})")
    parser.add_argument("--tol", type=_positive_float, default=ref.TOLERANCE,
                        help=f"tolérance d'amélioration relative pour l'arrêt (défaut : {ref.TOLERANCE})")
    parser.add_argument("--max-iter", type=_positive_int, default=ref.MAX_ITERATIONS,
                        help=f"plafond d'itérations (défaut : {ref.MAX_ITERATIONS})")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads CPU de PyTorch (défaut : 1, le plus rapide pour ce petit problème ; "
                             "0 : réglage par défaut de PyTorch)")
    parser.add_argument("--json", action="store_true", help="sortie JSON (pour les scripts)")
    return parser


def _print_table(out: dict) -> None:
    gd, cf = out["gradient_descent"], out["closed_form"]
    print(f"California housing : {out['n_train']} lignes d'entraînement, {out['n_test']} de test "
          f"(test_size={out['test_size']}, seed={out['seed']}), périphérique {out['device']}")
    print(f"{'méthode':<26}{'R² test':>10}{'MSE test':>10}{'itérations':>12}{'temps (s)':>11}  arrêt")
    print(f"{'descente de gradient':<26}{gd['test_r2']:>10.4f}{gd['test_mse']:>10.4f}{gd['iterations']:>12}"
          f"{gd['seconds']:>11.3f}  {gd['stop_reason']}")
    print(f"{'solution exacte (sklearn)':<26}{cf['test_r2']:>10.4f}{cf['test_mse']:>10.4f}{'-':>12}"
          f"{cf['seconds']:>11.3f}  {cf['stop_reason']}")
    print(f"Écart de R² : {out['r2_gap']:.2e}. {gd['message']}")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a message on bad options
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            parser.error("--device cuda : aucun GPU CUDA n'est disponible ici (essayez --device cpu ou auto)")
    if args.data_csv is not None and not Path(args.data_csv).expanduser().is_file():
        parser.error(f"--data-csv : le fichier {args.data_csv} n'existe pas")
    if args.threads < 0:
        parser.error(f"--threads : doit être positif ou nul, reçu {args.threads}")
    if args.threads:
        import torch

        # 16512 x 8 is tiny: with several threads, OpenMP synchronisation costs more than the arithmetic
        # (and much more on a busy machine).
        torch.set_num_threads(args.threads)

    from lab.data import DataUnavailable

    try:
        out = ref.run(test_size=args.test_size, seed=args.seed, device=args.device, data_csv=args.data_csv,
                      lr=args.lr, tol=args.tol, max_iter=args.max_iter)
    except DataUnavailable as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        _print_table(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
