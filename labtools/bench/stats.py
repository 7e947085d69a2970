"""Statistics on timings, with known answers in the tests: percentiles, the latency/bandwidth fit, half-peak
sizes, the PCIe theoretical rate, crossovers, significance of a difference, the link roofline. Pure Python."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .report import Crossover, Stats

# PCIe raw rate per lane (GT/s) and line-code efficiency: 8b/10b for Gen1/2, 128b/130b for Gen3-5,
# FLIT mode (242 useful bytes of 256) for Gen6.
PCIE_GTS = {1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0, 6: 64.0}


def percentile(values, q: float) -> float:
    """q-th percentile (0..100) with linear interpolation between order statistics (numpy's default)."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of an empty list")
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summarize(samples) -> Stats:
    """Median, p10/p90, mean, extremes and relative spread (p90 - p10) / median of timing samples."""
    data = list(samples)
    median = percentile(data, 50)
    p10, p90 = percentile(data, 10), percentile(data, 90)
    return Stats(n=len(data), median=median, p10=p10, p90=p90, mean=sum(data) / len(data), min=min(data),
                 max=max(data), spread_rel=(p90 - p10) / median if median > 0 else math.inf)


@dataclass
class LinkFit:
    latency_s: float
    bandwidth_Bps: float | None
    bandwidth_gbps: float | None
    rms_rel_residual: float
    weighting: str


def fit_latency_bandwidth(sizes, times, relative: bool = True) -> LinkFit:
    """Least squares t = latency + size / bandwidth.

    Weighted by 1/t^2 by default (relative residuals), so that the small sizes that set the latency
    count as much as the large sizes that set the bandwidth. Centered sums keep it well conditioned.
    """
    xs, ys = [float(s) for s in sizes], [float(t) for t in times]
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ValueError("the fit needs at least two distinct sizes")
    ws = [1.0 / (y * y) if relative else 1.0 for y in ys]
    sw = sum(ws)
    xm = sum(w * x for w, x in zip(ws, xs)) / sw
    ym = sum(w * y for w, y in zip(ws, ys)) / sw
    sxx = sum(w * (x - xm) ** 2 for w, x in zip(ws, xs))
    sxy = sum(w * (x - xm) * (y - ym) for w, x, y in zip(ws, xs, ys))
    slope = sxy / sxx
    latency = ym - slope * xm
    bandwidth = 1.0 / slope if slope > 0 else None
    rel = [(y - (latency + slope * x)) / y for x, y in zip(xs, ys)]
    return LinkFit(latency_s=latency, bandwidth_Bps=bandwidth, bandwidth_gbps=bandwidth / 1e9 if bandwidth else None,
                   rms_rel_residual=math.sqrt(sum(r * r for r in rel) / len(rel)),
                   weighting="relative (1/t^2)" if relative else "uniform")


def half_peak_size_model(latency_s: float | None, bandwidth_Bps: float | None) -> float | None:
    """Size where the fitted model reaches half its asymptotic bandwidth: n = latency * bandwidth."""
    if not latency_s or not bandwidth_Bps or latency_s <= 0 or bandwidth_Bps <= 0:
        return None
    return latency_s * bandwidth_Bps


def half_peak_size_measured(sizes, bandwidths) -> float | None:
    """First size where the measured bandwidth reaches half its maximum (log-size interpolation)."""
    pairs = sorted(zip(sizes, bandwidths))
    if not pairs:
        return None
    half = max(b for _, b in pairs) / 2
    for i, (size, bw) in enumerate(pairs):
        if bw >= half:
            if i == 0:
                return float(size)
            s0, b0 = pairs[i - 1]
            frac = (half - b0) / (bw - b0)
            return math.exp(math.log(s0) + frac * (math.log(size) - math.log(s0)))
    return None


def pcie_theoretical_gbps(gen: int | None, width: int | None) -> float | None:
    """Theoretical one-direction PCIe bandwidth in GB/s: GT/s x encoding x lanes / 8."""
    if gen not in PCIE_GTS or not width or width <= 0:
        return None
    encoding = 8 / 10 if gen <= 2 else (128 / 130 if gen <= 5 else 242 / 256)
    return PCIE_GTS[gen] * encoding * width / 8


def crossover(sizes, t_cpu, t_gpu) -> Crossover:
    """Smallest size from which the GPU stays faster than the CPU (medians), log-log interpolated.

    status: 'crossover' (size set), 'gpu_faster_everywhere' or 'cpu_faster_everywhere' (size None).
    A GPU win followed by a CPU win further right does not count: the last CPU win decides.
    """
    points = sorted(zip(sizes, t_cpu, t_gpu))
    if not points:
        return Crossover(status="no_data", size=None)
    logs = [math.log(g / c) for _, c, g in points]  # < 0: GPU faster
    last_cpu = max((i for i, d in enumerate(logs) if d >= 0), default=None)
    if last_cpu is None:
        return Crossover(status="gpu_faster_everywhere", size=None)
    if last_cpu == len(points) - 1:
        return Crossover(status="cpu_faster_everywhere", size=None)
    (s0, _, _), (s1, _, _) = points[last_cpu], points[last_cpu + 1]
    d0, d1 = logs[last_cpu], logs[last_cpu + 1]
    frac = d0 / (d0 - d1)
    size = math.exp(math.log(s0) + frac * (math.log(s1) - math.log(s0)))
    return Crossover(status="crossover", size=size, between=[s0, s1])


@dataclass
class Outcome:
    winner: str  # gpu | cpu | tie
    speedup: float  # CPU median / GPU median


def compare(cpu: Stats, gpu: Stats) -> Outcome:
    """Winner only when the p10-p90 ranges do not overlap, i.e. the difference exceeds the spread."""
    if gpu.p90 < cpu.p10:
        winner = "gpu"
    elif cpu.p90 < gpu.p10:
        winner = "cpu"
    else:
        winner = "tie"
    return Outcome(winner=winner, speedup=cpu.median / gpu.median)


def link_roofline(intensity: float, peak_flops: float, link_Bps: float) -> float:
    """Attainable FLOP/s when every byte crosses the link: min(peak, FLOP-per-byte x link bandwidth)."""
    return min(peak_flops, intensity * link_Bps)


def break_even_intensity(cpu_flops: float, link_Bps: float) -> float:
    """FLOP per byte moved below which even an infinitely fast GPU loses to the CPU (copies alone too slow)."""
    return cpu_flops / link_Bps
