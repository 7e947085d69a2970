"""The three PNGs (French labels): bandwidth vs size with the link's theoretical line, time vs size with the
crossover marked, and the link roofline. matplotlib is optional: without it the plots are listed as skipped."""
from __future__ import annotations

import os

from .fr import MODE_LABELS, NO_MATPLOTLIB, PLOT_TITLES, TARGET_LABELS
from .report import PLOT_BANDWIDTH, PLOT_NAMES, PLOT_ROOFLINE, PLOT_TIME, TARGETS, WORKLOADS, Plots, Report, Roofline
from .stats import link_roofline
from .units import format_bytes


def _size_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_bytes(v) if v >= 1 else ""))


def _save(plt, fig, path: str) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bandwidth(plt, path: str, report: Report) -> None:
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for mode, label in MODE_LABELS.items():
        rows = sorted((r for r in report.transfers if r.mode == mode), key=lambda r: r.size_bytes)
        if not rows:
            continue
        xs = [r.size_bytes for r in rows]
        style = "-" if "pinned" in mode else ("--" if mode.startswith(("h2d", "d2h")) else ":")
        line, = ax.plot(xs, [r.bandwidth_gbps.median for r in rows], style, marker="o", ms=3, label=label)
        ax.fill_between(xs, [r.bandwidth_gbps.p10 for r in rows], [r.bandwidth_gbps.p90 for r in rows],
                        color=line.get_color(), alpha=0.15)
    link = report.environment.link
    if link and link.theoretical_gbps:
        ax.axhline(link.theoretical_gbps, color="k", ls="-.", lw=1,
                   label=f"PCIe Gen{link.pcie_current_gen} x{link.pcie_current_width} théorique "
                         f"({link.theoretical_gbps:.1f} Go/s)")
    _size_axis(ax)
    ax.set_xlabel("taille de la copie")
    ax.set_ylabel("débit (Go/s, 10⁹ octets/s)")
    title = "Débit des copies selon la taille (médiane, bande p10–p90)"
    if not report.environment.gpu:
        title += "\nsans GPU : copies hôte→hôte seulement"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    _save(plt, fig, path)


def _time_panel(ax, report: Report, workload: str, xlabel: str) -> None:
    threads = report.environment.torch_threads
    for target in TARGETS:
        rows = sorted((r for r in report.compute if r.workload == workload and r.target == target),
                      key=lambda r: r.size)
        if not rows:
            continue
        label = f"CPU ({threads} threads)" if target == "cpu" else TARGET_LABELS[target]
        xs = [r.size for r in rows]
        line, = ax.plot(xs, [r.time_s.median for r in rows], marker="o", ms=3, label=label)
        ax.fill_between(xs, [r.time_s.p10 for r in rows], [r.time_s.p90 for r in rows],
                        color=line.get_color(), alpha=0.15)
    cross = report.crossovers.get(workload, {}).get("gpu_e2e")
    if cross and cross.status == "crossover":
        ax.axvline(cross.size, color="k", ls="--", lw=1)
        ax.annotate(f" bascule ≈ {cross.size:.3g}", (cross.size, 0.98), xycoords=("data", "axes fraction"),
                    rotation=90, fontsize=8, ha="right", va="top")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("temps médian (s)")
    ax.set_title(PLOT_TITLES[workload])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def plot_time(plt, path: str, report: Report) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    xlabels = {"matmul": "n (matrices n×n, float32)", "add": "nombre d'éléments (float32)"}
    for ax, workload in zip(axes, WORKLOADS):
        _time_panel(ax, report, workload, xlabels[workload])
    fig.suptitle("CPU, GPU calcul seul, GPU avec les copies" if report.environment.gpu
                 else "Temps de calcul sur CPU (pas de GPU)")
    _save(plt, fig, path)


def plot_roofline(plt, path: str, report: Report, roof: Roofline) -> None:
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = [2 ** (k / 4) for k in range(-24, 61)]
    ax.plot(xs, [link_roofline(x, roof.gpu_peak_flops, roof.link_Bps) for x in xs], "k-",
            label=f"GPU limité par le lien ({roof.link_Bps / 1e9:.1f} Go/s) ou par le calcul")
    theo = report.environment.link.theoretical_gbps if report.environment.link else None
    if theo:
        ax.plot(xs, [link_roofline(x, roof.gpu_peak_flops, theo * 1e9) for x in xs], "k:", lw=1,
                label=f"lien théorique ({theo:.1f} Go/s)")
    ax.axhline(roof.cpu_peak_flops, color="tab:blue", ls="--", label="CPU (meilleur mesuré)")
    ax.axvline(roof.break_even_intensity, color="tab:red", ls=":", lw=1,
               label=f"seuil ≈ {roof.break_even_intensity:.3g} FLOP/octet")
    for workload, marker in (("matmul", "o"), ("add", "s")):
        rows = [r for r in report.compute if r.workload == workload and r.target == "gpu_e2e_pinned"]
        if rows:
            ax.scatter([r.flops / r.link_bytes for r in rows], [r.flops / r.time_s.median for r in rows],
                       marker=marker, zorder=3,
                       label=("produit matriciel" if workload == "matmul" else "addition") + " (GPU + copies épinglées)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("intensité : FLOP par octet copié sur le lien")
    ax.set_ylabel("FLOP/s atteignables")
    ax.set_title("« Roofline » du lien hôte↔GPU : sous le seuil, les copies seules coûtent plus que le CPU")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    _save(plt, fig, path)


def make_plots(out_dir: str, report: Report) -> Plots:
    """Draw what makes sense; say which plots were not produced and why."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return Plots(produced=[], skipped={name: NO_MATPLOTLIB for name in PLOT_NAMES})
    plots = Plots(produced=[], skipped={})
    if report.transfers:
        plot_bandwidth(plt, os.path.join(out_dir, PLOT_BANDWIDTH), report)
        plots.produced.append(PLOT_BANDWIDTH)
    else:
        plots.skipped[PLOT_BANDWIDTH] = "aucune copie mesurée"
    if report.compute:
        plot_time(plt, os.path.join(out_dir, PLOT_TIME), report)
        plots.produced.append(PLOT_TIME)
    else:
        plots.skipped[PLOT_TIME] = "aucun calcul mesuré"
    if report.roofline:
        plot_roofline(plt, os.path.join(out_dir, PLOT_ROOFLINE), report, report.roofline)
        plots.produced.append(PLOT_ROOFLINE)
    else:
        plots.skipped[PLOT_ROOFLINE] = (
            "il faut au moins deux tailles de copie épinglée H2D et des calculs CPU et GPU mesurés"
            if report.environment.gpu else
            "pas de GPU : le « roofline » du lien hôte↔GPU n'a pas de sens sans lien ni GPU")
    return plots
