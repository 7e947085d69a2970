"""What the measurements say: latency/bandwidth fits per copy mode, CPU-vs-GPU comparisons and crossovers,
one verdict per workload, the link roofline; `assemble_report` turns a run's measurements into the Report."""
from __future__ import annotations

from dataclasses import dataclass, field

from .fr import SPREAD_NOTE, verdict_text, workload_label
from .report import (
    SCHEMA_VERSION,
    TARGETS,
    TOOL,
    TRANSFER_MODES,
    WORKLOADS,
    Comparison,
    ComputeRecord,
    Environment,
    Options,
    PinMemory,
    Report,
    Roofline,
    Skipped,
    TransferFit,
    TransferRecord,
    Verdict,
)
from .stats import (
    break_even_intensity,
    compare,
    crossover,
    fit_latency_bandwidth,
    half_peak_size_measured,
    half_peak_size_model,
)

VERDICT_REFERENCE = {"matmul": 4096, "add": 2**20}  # the examples, when measured


def transfer_fits(transfers: list[TransferRecord]) -> list[TransferFit]:
    fits = []
    for mode in TRANSFER_MODES:
        rows = sorted((r for r in transfers if r.mode == mode), key=lambda r: r.size_bytes)
        if len({r.size_bytes for r in rows}) < 2:
            continue
        sizes = [r.size_bytes for r in rows]
        fit = fit_latency_bandwidth(sizes, [r.time_s.median for r in rows])
        bws = [r.bandwidth_gbps.median for r in rows]
        fits.append(TransferFit(
            mode=mode, latency_s=fit.latency_s, bandwidth_Bps=fit.bandwidth_Bps, bandwidth_gbps=fit.bandwidth_gbps,
            rms_rel_residual=fit.rms_rel_residual, weighting=fit.weighting, peak_measured_gbps=max(bws),
            half_peak_size_model_bytes=half_peak_size_model(fit.latency_s, fit.bandwidth_Bps),
            half_peak_size_measured_bytes=half_peak_size_measured(sizes, bws)))
    return fits


def _index(compute: list[ComputeRecord]) -> dict:
    return {(r.workload, r.size, r.target): r for r in compute}


def _cpu_sizes(compute: list[ComputeRecord], workload: str) -> list[int]:
    return sorted({r.size for r in compute if r.workload == workload and r.target == "cpu"})


def comparisons_and_crossovers(compute: list[ComputeRecord]) -> tuple[list[Comparison], dict]:
    """Per size and GPU target: who wins beyond the spread; per workload and target: the crossover size."""
    by_key = _index(compute)
    comparisons, crossovers = [], {}
    for workload in WORKLOADS:
        sizes = _cpu_sizes(compute, workload)
        for target in TARGETS[1:]:
            both = [n for n in sizes if (workload, n, target) in by_key]
            if not both:
                continue
            for n in both:
                outcome = compare(by_key[(workload, n, "cpu")].time_s, by_key[(workload, n, target)].time_s)
                comparisons.append(Comparison(workload=workload, size=n, target=target, winner=outcome.winner,
                                              speedup=outcome.speedup))
            crossovers.setdefault(workload, {})[target] = crossover(
                both, [by_key[(workload, n, "cpu")].time_s.median for n in both],
                [by_key[(workload, n, target)].time_s.median for n in both])
    return comparisons, crossovers


def verdicts(compute: list[ComputeRecord]) -> list[Verdict]:
    """End to end (pageable copies) against the CPU, at the largest size and at the issue's reference size."""
    by_key = _index(compute)
    out = []
    for workload in WORKLOADS:
        e2e_sizes = [n for n in _cpu_sizes(compute, workload) if (workload, n, "gpu_e2e") in by_key]
        if not e2e_sizes:
            continue
        for n in sorted({e2e_sizes[-1]} | ({VERDICT_REFERENCE[workload]} & set(e2e_sizes))):
            cpu, e2e = by_key[(workload, n, "cpu")].time_s, by_key[(workload, n, "gpu_e2e")].time_s
            outcome = compare(cpu, e2e)
            gpu_only = by_key.get((workload, n, "gpu_compute"))
            copy_time = max(e2e.median - gpu_only.time_s.median, 0.0) if gpu_only else None
            copy_over_cpu = copy_time / cpu.median if copy_time is not None else None
            out.append(Verdict(workload=workload, size=n, target="gpu_e2e", winner=outcome.winner,
                               speedup=outcome.speedup, copy_over_cpu=copy_over_cpu,
                               text_fr=verdict_text(workload_label(workload, n), outcome.winner, outcome.speedup,
                                                    copy_over_cpu)))
    return out


def roofline_inputs(transfer_fits: list[TransferFit], compute: list[ComputeRecord]) -> Roofline | None:
    """Peaks used by the link roofline, or None when there is no GPU measurement."""
    link_bw = [f.bandwidth_Bps for f in transfer_fits if f.mode == "h2d_pinned_nonblocking" and f.bandwidth_Bps]
    gpu = [r.flops / r.time_s.median for r in compute if r.target == "gpu_compute"]
    cpu = [r.flops / r.time_s.median for r in compute if r.target == "cpu"]
    if not (link_bw and gpu and cpu):
        return None
    return Roofline(link_Bps=link_bw[0], gpu_peak_flops=max(gpu), cpu_peak_flops=max(cpu),
                    break_even_intensity=break_even_intensity(max(cpu), link_bw[0]))


@dataclass
class Measurements:
    """What a run measured, before analysis."""
    options: Options
    environment: Environment
    transfers: list[TransferRecord]
    pin_memory: PinMemory
    compute: list[ComputeRecord]
    command: list[str]
    elapsed_s: float
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def assemble_report(m: Measurements) -> Report:
    """Everything that is derived from the measurements (fits, verdicts, crossovers, roofline)."""
    notes = list(m.notes)
    spreads = [r.time_s.spread_rel for r in [*m.transfers, *m.compute, *m.pin_memory.results]]
    if spreads and sum(s > 0.5 for s in spreads) > len(spreads) / 4:
        notes.append(SPREAD_NOTE)
    comparisons, crossovers = comparisons_and_crossovers(m.compute)
    fits = transfer_fits(m.transfers)
    return Report(
        schema_version=SCHEMA_VERSION, tool=TOOL, command=m.command, options=m.options, environment=m.environment,
        transfers=m.transfers, transfer_fits=fits, pin_memory=m.pin_memory, compute=m.compute,
        comparisons=comparisons, crossovers=crossovers, verdicts=verdicts(m.compute),
        roofline=roofline_inputs(fits, m.compute), skipped=m.skipped, notes=notes, elapsed_s=m.elapsed_s, plots=None)

