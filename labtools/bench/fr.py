"""The benchmark's French vocabulary and sentences for the student: labels of copy modes and targets,
workload names, verdicts, crossovers and the notes a run can add. Code and JSON keys stay English.

What several modules say is here; a message used in one place only (an argument error in cli, an axis label in
plots) stays next to the code that prints it."""
from __future__ import annotations

from .report import Crossover
from .units import format_count

MODE_LABELS = {
    "h2h_pageable_blocking": "hôte→hôte",
    "h2d_pageable_blocking": "H2D pag.",
    "h2d_pageable_nonblocking": "H2D pag. nb",
    "h2d_pinned_blocking": "H2D épi.",
    "h2d_pinned_nonblocking": "H2D épi. nb",
    "d2h_pageable_blocking": "D2H pag.",
    "d2h_pageable_nonblocking": "D2H pag. nb",
    "d2h_pinned_blocking": "D2H épi.",
    "d2h_pinned_nonblocking": "D2H épi. nb",
}
MODES_LEGEND = "(pag. = mémoire paginable ordinaire ; épi. = mémoire épinglée (pinned) ; nb = non_blocking=True)"
TARGET_LABELS = {"cpu": "CPU", "gpu_compute": "GPU calcul seul", "gpu_e2e": "GPU + copies",
                 "gpu_e2e_pinned": "GPU + copies épinglées"}
WINNER_LABELS = {"gpu": "GPU", "cpu": "CPU", "tie": "≈"}
TABLE_TITLES = {"matmul": "Produit matriciel n×n float32", "add": "Addition de deux vecteurs float32"}
PLOT_TITLES = {"matmul": "Produit matriciel", "add": "Addition de deux vecteurs"}

SPREAD_NOTE = ("mesures très dispersées (p90 − p10 > 50 % de la médiane pour plus d'un quart des points) : "
               "d'autres programmes utilisaient sans doute la machine ; relancez-la au calme pour des chiffres "
               "stables")
NO_GPU_NOTE = "sans GPU : pas de verdict CPU/GPU ; relancez sur une machine avec GPU (make bench dans le lab)"
NO_MATPLOTLIB = "matplotlib n'est pas installé"
NO_PIN_WITHOUT_CUDA = "pin_memory() demande un pilote CUDA : indisponible sans GPU"
SIGNIFICANCE = "  (« ça vaut le coup » seulement si l'écart dépasse la dispersion p10–p90 des mesures.)"


def workload_label(workload: str, n: int) -> str:
    if workload == "matmul":
        return f"Produit matriciel {n}×{n}"
    return f"Addition de deux vecteurs de {format_count(n)} floats"


def _ratio(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def verdict_text(label: str, winner: str, speedup: float, copy_over_cpu: float | None = None) -> str:
    """One plain-language French sentence for the student."""
    if winner == "gpu":
        return f"{label} : ça vaut le coup sur le GPU, {_ratio(speedup)}× plus rapide même avec les copies."
    if winner == "cpu":
        text = f"{label} : restez sur le CPU — avec les copies, le GPU est {_ratio(1 / speedup)}× plus lent"
        if copy_over_cpu is not None and copy_over_cpu >= 1:
            text += f" (la copie coûte à elle seule {_ratio(copy_over_cpu)}× le calcul sur CPU)"
        return text + "."
    return (f"{label} : pas de différence mesurable (l'écart est plus petit que la dispersion des mesures) — "
            "autant rester sur le CPU.")


def crossover_text(workload: str, cross: Crossover | None) -> str | None:
    if not cross:
        return None
    name = "le produit matriciel" if workload == "matmul" else "l'addition de vecteurs"
    if cross.status == "crossover":
        size = cross.size
        what = f"n ≈ {size:.0f} (matrices {size:.0f}×{size:.0f})" if workload == "matmul" else \
            f"≈ {format_count(round(size))} éléments"
        return f"Pour {name}, le GPU (copies comprises) devient plus rapide à partir de {what}."
    if cross.status == "gpu_faster_everywhere":
        return f"Pour {name}, le GPU (copies comprises) est plus rapide dès la plus petite taille mesurée."
    return f"Pour {name}, le GPU (copies comprises) ne devient jamais plus rapide dans la plage mesurée."


def break_even_text(intensity: float) -> str:
    return (f"Seuil du lien : sous ≈ {intensity:.3g} FLOP par octet copié, même un GPU infiniment rapide perd "
            "contre le CPU, car les copies seules prennent plus de temps que le calcul CPU.")
