"""The French report in the terminal: copy bandwidths and fits, pin_memory() costs, compute tables, verdicts."""
from __future__ import annotations

from .fr import (
    MODE_LABELS,
    MODES_LEGEND,
    SIGNIFICANCE,
    TABLE_TITLES,
    TARGET_LABELS,
    WINNER_LABELS,
    break_even_text,
    crossover_text,
)
from .report import TARGETS, TRANSFER_MODES, WORKLOADS, Report
from .units import format_bytes, format_count, format_seconds


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def transfers_section(report: Report) -> list[str]:
    lines = ["\n== Copies mémoire : débit médian en Go/s (10⁹ octets/s) =="]
    modes = [m for m in TRANSFER_MODES if any(r.mode == m for r in report.transfers)]
    sizes = sorted({r.size_bytes for r in report.transfers})
    by = {(r.mode, r.size_bytes): r for r in report.transfers}
    if modes:
        rows = [[format_bytes(s)] + [f"{by[(m, s)].bandwidth_gbps.median:.2f}" if (m, s) in by else "—"
                                     for m in modes] for s in sizes]
        lines += [table(["taille"] + [MODE_LABELS[m] for m in modes], rows), MODES_LEGEND]
    return lines + fits_section(report)


def fits_section(report: Report) -> list[str]:
    link = report.environment.link
    theo = link.theoretical_gbps if link else None
    lines = []
    for fit in report.transfer_fits:
        bw, half, label = fit.bandwidth_gbps, fit.half_peak_size_measured_bytes, MODE_LABELS[fit.mode]
        text = (f"  {label:<12} latence ≈ {format_seconds(max(fit.latency_s, 0))}, débit ≈ {bw:.2f} Go/s" if bw
                else f"  {label:<12} ajustement impossible")
        if bw and theo and fit.mode != "h2h_pageable_blocking":
            text += f" ({100 * bw / theo:.0f} % du théorique {theo:.1f} Go/s)"
        if half:
            text += f" ; la moitié du débit max est atteinte vers {format_bytes(round(half))}"
        lines.append(text)
    return lines


def pin_section(report: Report) -> list[str]:
    pin = report.pin_memory
    if not pin.available:
        return [f"pin_memory() : non mesuré — {pin.reason}."]
    lines = ["\n== Coût de pin_memory() (médiane) =="]
    by = {(r.kind, r.size_bytes): r for r in pin.results}
    rows = [[format_bytes(s), format_seconds(by[("cold", s)].time_s.median),
             format_seconds(by[("cached", s)].time_s.median)]
            for s in sorted({r.size_bytes for r in pin.results}) if ("cold", s) in by and ("cached", s) in by]
    if rows:
        lines.append(table(["taille", "1er appel", "bloc en cache"], rows))
    return lines


def compute_section(report: Report, workload: str) -> list[str]:
    recs = [r for r in report.compute if r.workload == workload]
    if not recs:
        return []
    targets = [t for t in TARGETS if any(r.target == t for r in recs)]
    by = {(r.size, r.target): r for r in recs}
    winners = {c.size: c.winner for c in report.comparisons if c.workload == workload and c.target == "gpu_e2e"}
    rows = []
    for n in sorted({r.size for r in recs}):
        row = [format_count(n)]
        for t in targets:
            r = by.get((n, t))
            row.append(f"{format_seconds(r.time_s.median)} [{r.gflops:.3g}]" if r else "—")
        if winners:
            row.append(WINNER_LABELS.get(winners.get(n), "—"))
        rows.append(row)
    threads = report.environment.torch_threads
    headers = ["n" if workload == "matmul" else "éléments"] + [
        f"CPU ({threads} thr.)" if t == "cpu" else TARGET_LABELS[t] for t in targets]
    return [f"\n== {TABLE_TITLES[workload]} : temps médian [GFLOP/s] ==",
            table(headers + (["gagnant"] if winners else []), rows)]


def verdict_section(report: Report) -> list[str]:
    if not report.verdicts:
        return []
    lines = ["\n== Verdict =="] + ["- " + v.text_fr for v in report.verdicts]
    for workload in WORKLOADS:
        text = crossover_text(workload, report.crossovers.get(workload, {}).get("gpu_e2e"))
        if text:
            lines.append("- " + text)
    if report.roofline:
        lines.append("- " + break_even_text(report.roofline.break_even_intensity))
    return lines + [SIGNIFICANCE]


def notes_section(report: Report) -> list[str]:
    lines = [f"Note : {note}" for note in report.notes]
    skipped = report.plots.skipped if report.plots else {}
    return lines + [f"Note : graphique {name} non produit : {reason}" for name, reason in skipped.items()]


def report_lines(report: Report) -> list[str]:
    lines = transfers_section(report) + pin_section(report)
    for workload in WORKLOADS:
        lines += compute_section(report, workload)
    return lines + verdict_section(report) + notes_section(report)


def print_report(report: Report) -> None:
    print("\n".join(report_lines(report)))
