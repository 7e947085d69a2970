#!/usr/bin/env python3
"""What moving data to the GPU costs, against computing there: measured, drawn and explained.

Standalone (no dependency on the `lab` package): Python 3.11+, torch >= 2.11; matplotlib, tqdm and
nvidia-ml-py are optional. Methodology follows NVIDIA's nvbandwidth and torch.utils.benchmark habits:
preallocated buffers, warm-up, samples batched to last >= ~1 ms each, many samples, median and p10/p90,
CUDA events on the current stream for device work, decimal GB/s (1 GB/s = 1e9 bytes/s).

Student-facing output (terminal) is in French; JSON keys, code and comments are in English.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gc
import json
import math
import os
import platform
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

SCHEMA_VERSION = 1
JSON_NAME = "bench_transfer.json"
CSV_NAME = "bench_transfer.csv"
PLOT_BANDWIDTH = "bench_bandwidth.png"
PLOT_TIME = "bench_time.png"
PLOT_ROOFLINE = "bench_roofline.png"

KIB, MIB, GIB = 2**10, 2**20, 2**30
DEFAULT_SIZES = [4 * KIB * 4**k for k in range(10)]  # 4 KiB .. 1 GiB
QUICK_SIZES = [4 * KIB, 64 * KIB, 1 * MIB, 16 * MIB]
MATMUL_SIZES = {"default": [64, 128, 256, 512, 1024, 2048, 4096], "quick": [32, 64, 128, 256]}
ADD_SIZES = {"default": [2**k for k in range(10, 25, 2)], "quick": [2**10, 2**14, 2**18, 2**20]}
FLOAT32_BYTES = 4

# PCIe raw rate per lane (GT/s) and line-code efficiency: 8b/10b for Gen1/2, 128b/130b for Gen3-5,
# FLIT mode (242 useful bytes of 256) for Gen6.
PCIE_GTS = {1: 2.5, 2: 5.0, 3: 8.0, 4: 16.0, 5: 32.0, 6: 64.0}


# ----------------------------------------------------------------------------------------------
# Pure helpers (no torch): parsing, statistics, fits, crossover, verdicts. Unit-tested directly.
# ----------------------------------------------------------------------------------------------

_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes from '4096', '4KiB', '1MiB', '256MB', '1.5GiB' (KiB=1024, KB=1000). ValueError in French."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"taille illisible : {text.strip()!r} (exemples valides : 4096, 4KiB, 1MiB, 256MB, 1GiB)")
    value, unit = float(match.group(1)), match.group(2)
    if unit.lower() not in _UNITS:
        raise ValueError(f"unité inconnue {unit!r} dans {text.strip()!r} : utilisez B, KB, MB, GB (puissances de 1000) "
                         "ou KiB, MiB, GiB (puissances de 1024)")
    nbytes = round(value * _UNITS[unit.lower()])
    if nbytes <= 0:
        raise ValueError(f"taille {text.strip()!r} : une taille doit être strictement positive (au moins 1 octet)")
    return int(nbytes)


def parse_sizes(text: str, max_bytes: int | None = None) -> list[int]:
    """Sorted unique sizes from a comma-separated list; sizes above max_bytes (host RAM) are rejected."""
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError("--sizes est vide : donnez une liste comme 4KiB,1MiB,256MiB")
    sizes = set()
    for item in items:
        nbytes = parse_size(item)
        if max_bytes is not None and nbytes > max_bytes:
            raise ValueError(f"taille {item.strip()!r} = {format_bytes(nbytes)} : plus grande que la mémoire vive de "
                             f"cette machine ({format_bytes(max_bytes)}) ; choisissez une taille plus petite")
        sizes.add(nbytes)
    return sorted(sizes)


def format_bytes(nbytes: float) -> str:
    """Binary units with French symbols (o, Kio, Mio, Gio)."""
    value = float(nbytes)
    for unit in ("o", "Kio", "Mio", "Gio"):
        if abs(value) < 1024 or unit == "Gio":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if abs(seconds) >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"
    raise AssertionError("unreachable")


def format_count(value: int) -> str:
    """1048576 -> '1 048 576' (French thousands separator)."""
    return f"{value:,}".replace(",", " ")


def percentile(values, q: float) -> float:
    """q-th percentile (0..100) with linear interpolation between order statistics (numpy's default)."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of an empty list")
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summarize(samples) -> dict:
    """Median, p10/p90, mean, extremes and relative spread (p90 - p10) / median of timing samples."""
    data = list(samples)
    median = percentile(data, 50)
    p10, p90 = percentile(data, 10), percentile(data, 90)
    return {
        "n": len(data), "median": median, "p10": p10, "p90": p90,
        "mean": sum(data) / len(data), "min": min(data), "max": max(data),
        "spread_rel": (p90 - p10) / median if median > 0 else math.inf,
    }


def fit_latency_bandwidth(sizes, times, relative: bool = True) -> dict:
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
    return {
        "latency_s": latency,
        "bandwidth_Bps": bandwidth,
        "bandwidth_gbps": bandwidth / 1e9 if bandwidth else None,
        "rms_rel_residual": math.sqrt(sum(r * r for r in rel) / len(rel)),
        "weighting": "relative (1/t^2)" if relative else "uniform",
    }


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


def crossover(sizes, t_cpu, t_gpu) -> dict:
    """Smallest size from which the GPU stays faster than the CPU (medians), log-log interpolated.

    status: 'crossover' (size set), 'gpu_faster_everywhere' or 'cpu_faster_everywhere' (size None).
    A GPU win followed by a CPU win further right does not count: the last CPU win decides.
    """
    points = sorted(zip(sizes, t_cpu, t_gpu))
    if not points:
        return {"status": "no_data", "size": None}
    logs = [math.log(g / c) for _, c, g in points]  # < 0: GPU faster
    last_cpu = max((i for i, d in enumerate(logs) if d >= 0), default=None)
    if last_cpu is None:
        return {"status": "gpu_faster_everywhere", "size": None}
    if last_cpu == len(points) - 1:
        return {"status": "cpu_faster_everywhere", "size": None}
    (s0, _, _), (s1, _, _) = points[last_cpu], points[last_cpu + 1]
    d0, d1 = logs[last_cpu], logs[last_cpu + 1]
    frac = d0 / (d0 - d1)
    size = math.exp(math.log(s0) + frac * (math.log(s1) - math.log(s0)))
    return {"status": "crossover", "size": size, "between": [s0, s1]}


def compare(cpu: dict, gpu: dict) -> dict:
    """Winner only when the p10-p90 ranges do not overlap, i.e. the difference exceeds the spread."""
    if gpu["p90"] < cpu["p10"]:
        winner = "gpu"
    elif cpu["p90"] < gpu["p10"]:
        winner = "cpu"
    else:
        winner = "tie"
    return {"winner": winner, "speedup": cpu["median"] / gpu["median"]}


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


def link_roofline(intensity: float, peak_flops: float, link_Bps: float) -> float:
    """Attainable FLOP/s when every byte crosses the link: min(peak, FLOP-per-byte x link bandwidth)."""
    return min(peak_flops, intensity * link_Bps)


def break_even_intensity(cpu_flops: float, link_Bps: float) -> float:
    """FLOP per byte moved below which even an infinitely fast GPU loses to the CPU (copies alone too slow)."""
    return cpu_flops / link_Bps


# ----------------------------------------------------------------------------------------------
# Timing engine
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimingConfig:
    min_sample_s: float   # one sample (a batch of repetitions) lasts at least this long
    budget_s: float       # target time spent sampling one point
    min_samples: int
    max_samples: int
    max_point_s: float    # never spend much more than this on one point ...
    hard_min_samples: int = 3  # ... except to get at least this many samples
    max_reps: int = 1_000_000


QUICK = TimingConfig(min_sample_s=1e-3, budget_s=0.03, min_samples=5, max_samples=20, max_point_s=0.3)
DEFAULT = TimingConfig(min_sample_s=2e-3, budget_s=0.25, min_samples=10, max_samples=100, max_point_s=3.0)


def measure(batch, cfg: TimingConfig) -> dict:
    """Warm up, choose repetitions per sample (>= cfg.min_sample_s), then take samples (seconds per call).

    `batch(reps)` runs the operation `reps` times and returns the elapsed seconds for the whole batch.
    """
    batch(1)  # warm-up: one-off costs (first-touch page faults, kernel loading, cuBLAS handles)
    reps, elapsed = 1, batch(1)
    while elapsed < cfg.min_sample_s and reps < cfg.max_reps:
        grow = math.ceil(reps * 1.2 * cfg.min_sample_s / max(elapsed, 1e-9))
        reps = min(cfg.max_reps, max(2 * reps, grow))
        elapsed = batch(reps)
    count = max(cfg.min_samples, min(cfg.max_samples, math.ceil(cfg.budget_s / max(elapsed, 1e-12))))
    if count * elapsed > cfg.max_point_s:
        count = max(cfg.hard_min_samples, int(cfg.max_point_s / elapsed))
    samples = [batch(reps) / reps for _ in range(count)]
    return {"reps_per_sample": reps, "samples_s": samples, "time_s": summarize(samples)}


def cpu_batch(fn):
    """Batch timer for host work: time.perf_counter_ns around `reps` calls."""
    def batch(reps: int) -> float:
        start = time.perf_counter_ns()
        for _ in range(reps):
            fn()
        return (time.perf_counter_ns() - start) / 1e9
    return batch


def cuda_batch(torch, fn):
    """Batch timer for device work: CUDA events on the current stream around `reps` calls."""
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)

    def batch(reps: int) -> float:
        torch.cuda.synchronize()  # nothing queued before the start event
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3  # ms -> s
    return batch


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        key in text for key in ("out of memory", "cannot allocate", "failed to allocate", "not enough memory"))


def _free_memory(torch, use_cuda: bool) -> None:
    gc.collect()
    if use_cuda:
        torch.cuda.synchronize()
        torch.cuda.empty_cache()


def _empty_host_cache(torch) -> bool:
    """Drop torch's cached pinned blocks so the next pin_memory() pays the real allocation."""
    for owner, name in ((torch, "_accelerator_emptyHostCache"), (torch._C, "_host_emptyCache")):
        fn = getattr(owner, name, None)
        if fn is not None:
            try:
                fn()
                return True
            except Exception:
                pass
    return False


# ----------------------------------------------------------------------------------------------
# Environment
# ----------------------------------------------------------------------------------------------

def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            text = handle.read().strip()
        return None if text in ("", "max") else int(text)
    except (OSError, ValueError):
        return None


def host_memory() -> tuple[int | None, int | None]:
    """(total, available) host RAM in bytes, honouring a container's cgroup memory limit."""
    total = available = None
    try:
        with open("/proc/meminfo") as handle:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in handle if line.split()[1:2]}
        total, available = info.get("MemTotal"), info.get("MemAvailable", info.get("MemFree"))
    except (OSError, ValueError, IndexError):
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            pass
    limit = _read_int("/sys/fs/cgroup/memory.max") or _read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if limit and total and limit < total:
        used = _read_int("/sys/fs/cgroup/memory.current") or _read_int("/sys/fs/cgroup/memory/memory.usage_in_bytes") or 0
        total = limit
        available = min(available or limit, max(limit - used, 0))
    if available is None and total is not None:
        available = total // 2
    return total, available


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "inconnu"


def _nvml_str(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _safe(fn, *args):
    try:
        return fn(*args)
    except Exception:
        return None


def _nvml_handle(nvml, torch, index: int):
    props = torch.cuda.get_device_properties(index)
    uuid = getattr(props, "uuid", None)
    if uuid is not None:
        text = str(uuid)
        handle = _safe(nvml.nvmlDeviceGetHandleByUUID, text if text.startswith(("GPU-", "MIG-")) else "GPU-" + text)
        if handle is not None:
            return handle
    bus = getattr(props, "pci_bus_id", None)
    if bus is not None:
        pci = f"{getattr(props, 'pci_domain_id', 0):08X}:{bus:02X}:{getattr(props, 'pci_device_id', 0):02X}.0"
        handle = _safe(nvml.nvmlDeviceGetHandleByPciBusId, pci)
        if handle is not None:
            return handle
    if not os.environ.get("CUDA_VISIBLE_DEVICES"):
        return nvml.nvmlDeviceGetHandleByIndex(index)
    # torch's own CUDA -> NVML index mapping (honours CUDA_VISIBLE_DEVICES); private, hence guarded
    to_nvml = getattr(torch.cuda, "_get_nvml_device_index", None)
    nvml_index = _safe(to_nvml, index) if to_nvml else None
    if nvml_index is not None:
        return nvml.nvmlDeviceGetHandleByIndex(nvml_index)
    raise RuntimeError("GPU introuvable dans NVML (UUID, bus PCI et CUDA_VISIBLE_DEVICES non reconnus)")


def _pcie_state(nvml, handle) -> dict:
    return {
        "current_gen": _safe(nvml.nvmlDeviceGetCurrPcieLinkGeneration, handle),
        "current_width": _safe(nvml.nvmlDeviceGetCurrPcieLinkWidth, handle),
        "max_gen": _safe(nvml.nvmlDeviceGetMaxPcieLinkGeneration, handle),
        "max_width": _safe(nvml.nvmlDeviceGetMaxPcieLinkWidth, handle),
        "gpu_max_gen": _safe(getattr(nvml, "nvmlDeviceGetGpuMaxPcieLinkGeneration", None) or (lambda h: None), handle),
    }


def _clocks(nvml, handle) -> dict:
    out = {}
    for name in ("GRAPHICS", "SM", "MEM"):
        kind = getattr(nvml, f"NVML_CLOCK_{name}", None)
        if kind is not None:
            out[f"{name.lower()}_mhz"] = _safe(nvml.nvmlDeviceGetClockInfo, handle, kind)
            out[f"{name.lower()}_max_mhz"] = _safe(nvml.nvmlDeviceGetMaxClockInfo, handle, kind)
    return out


def read_link_under_load(torch, index: int) -> dict:
    """PCIe generation/width and clocks read through NVML while copies run on a side stream.

    Idle links train down to save power, so an idle reading understates the link.
    """
    try:
        import pynvml as nvml
    except ImportError:
        return {"available": False, "reason": "nvidia-ml-py (module pynvml) n'est pas installé"}
    try:
        nvml.nvmlInit()
    except Exception as exc:
        return {"available": False, "reason": f"NVML indisponible : {exc}"}
    try:
        handle = _nvml_handle(nvml, torch, index)
        info = {
            "available": True,
            "driver": _safe(lambda: _nvml_str(nvml.nvmlSystemGetDriverVersion())),
            "cuda_driver": _safe(nvml.nvmlSystemGetCudaDriverVersion_v2) if hasattr(nvml, "nvmlSystemGetCudaDriverVersion_v2") else None,
            "pcie_idle": _pcie_state(nvml, handle),
        }
        size = 64 * MIB
        src = torch.empty(size, dtype=torch.uint8, pin_memory=True)
        dst = torch.empty(size, dtype=torch.uint8, device=f"cuda:{index}")
        stream = torch.cuda.Stream(device=index)
        torch.cuda.synchronize()
        with torch.cuda.stream(stream):
            for _ in range(64):  # >= ~70 ms even on PCIe Gen5 x16
                dst.copy_(src, non_blocking=True)
        time.sleep(0.02)
        readings = []
        for _ in range(5):
            readings.append((_pcie_state(nvml, handle), not stream.query()))
            time.sleep(0.005)
        info["clocks_under_load"] = _clocks(nvml, handle)
        stream.synchronize()
        during = [state for state, running in readings if running] or [readings[-1][0]]
        best = max(during, key=lambda s: (s["current_gen"] or 0, s["current_width"] or 0))
        info["pcie_under_load"] = best
        info["read_during_copy"] = any(running for _, running in readings)
        del src, dst
        return info
    except Exception as exc:
        _safe(torch.cuda.synchronize)  # never free buffers that a side-stream copy may still use
        return {"available": False, "reason": f"lecture NVML impossible : {exc}"}
    finally:
        _safe(nvml.nvmlShutdown)


def collect_environment(torch, use_cuda: bool, device_index: int) -> dict:
    total, available = host_memory()
    env = {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_cuda": torch.version.cuda,
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "host_ram_total_bytes": total,
        "host_ram_available_bytes": available,
        "in_lab_image": os.environ.get("LAB_IN_IMAGE") == "1",
        "cuda_available": bool(torch.cuda.is_available()),
        "gpu": None,
        "link": None,
    }
    if not use_cuda:
        return env
    props = torch.cuda.get_device_properties(device_index)
    free, total_dev = torch.cuda.mem_get_info(device_index)
    matmul = torch.backends.cuda.matmul
    env["gpu"] = {
        "index": device_index,
        "name": props.name,
        "capability": f"{props.major}.{props.minor}",
        "total_memory_bytes": total_dev,
        "free_memory_bytes": free,
        "multiprocessors": props.multi_processor_count,
        "matmul_allow_tf32": bool(getattr(matmul, "allow_tf32", False)),
        "cudnn": _safe(torch.backends.cudnn.version),
    }
    nv = read_link_under_load(torch, device_index)
    link = {"nvml_available": nv.get("available", False), "nvml_note": nv.get("reason")}
    if nv.get("available"):
        env["gpu"]["driver"] = nv.get("driver")
        env["gpu"]["cuda_driver_version"] = nv.get("cuda_driver")
        env["gpu"]["clocks_under_load"] = nv.get("clocks_under_load")
        load, idle = nv["pcie_under_load"], nv["pcie_idle"]
        link.update({
            "pcie_idle": idle,
            "pcie_under_load": load,
            "read_during_copy": nv.get("read_during_copy"),
            "pcie_current_gen": load["current_gen"],
            "pcie_current_width": load["current_width"],
            "pcie_max_gen": load["max_gen"] or idle["max_gen"],
            "pcie_max_width": load["max_width"] or idle["max_width"],
        })
        link["theoretical_gbps"] = pcie_theoretical_gbps(link["pcie_current_gen"], link["pcie_current_width"])
        link["theoretical_gbps_max"] = pcie_theoretical_gbps(link["pcie_max_gen"], link["pcie_max_width"])
        link["formula"] = "GT/s x 128/130 (8/10 for Gen1-2) x lanes / 8"
    env["link"] = link
    return env


# ----------------------------------------------------------------------------------------------
# Measurements
# ----------------------------------------------------------------------------------------------

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
GPU_MODES = [k for k in MODE_LABELS if not k.startswith("h2h")]
VERDICT_REFERENCE = {"matmul": 4096, "add": 2**20}  # the examples, when measured
TARGETS = ("cpu", "gpu_compute", "gpu_e2e", "gpu_e2e_pinned")
TARGET_LABELS = {"cpu": "CPU", "gpu_compute": "GPU calcul seul", "gpu_e2e": "GPU + copies",
                 "gpu_e2e_pinned": "GPU + copies épinglées"}


class Progress:
    """Progress on stderr: a tqdm bar on a terminal, otherwise one line per measurement."""

    def __init__(self, total: int):
        self.total, self.count, self.bar = total, 0, None
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
                self.bar = tqdm(total=total, file=sys.stderr, unit="mesure", leave=False, dynamic_ncols=True)
            except ImportError:
                pass

    def start(self, label: str) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.set_description(label[:48])
        else:
            print(f"[{self.count}/{self.total}] {label}", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _transfer_record(mode: str, size: int, result: dict) -> dict:
    direction, memory, blocking = mode.split("_")
    t = result["time_s"]
    return {
        "mode": mode, "direction": direction, "memory": memory, "blocking": blocking == "blocking",
        "size_bytes": size, "reps_per_sample": result["reps_per_sample"], "time_s": t,
        "bandwidth_gbps": {"median": size / t["median"] / 1e9, "p10": size / t["p90"] / 1e9,
                           "p90": size / t["p10"] / 1e9},
        "samples_s": result["samples_s"],
    }


def _measure_h2h(torch, src, cfg) -> dict:
    """Pageable host-to-host copy (memcpy through torch), destination preallocated and touched."""
    dst = torch.empty_like(src).fill_(2)
    return measure(cpu_batch(lambda: dst.copy_(src)), cfg)


def _transfers_one_size(torch, size, cfg, use_cuda, device, free_dev, progress, records) -> None:
    """All copy modes for one size; buffers are locals, so they are freed when this returns."""
    src = torch.empty(size, dtype=torch.uint8).fill_(1)  # touched: no first-touch page faults while timing
    progress.start(f"{MODE_LABELS['h2h_pageable_blocking']} {format_bytes(size)}")
    records.append(_transfer_record("h2h_pageable_blocking", size, _measure_h2h(torch, src, cfg)))
    progress.done()
    if not use_cuda:
        return
    if free_dev is not None and size > 0.8 * free_dev:
        raise MemoryError(f"pas assez de mémoire GPU libre ({format_bytes(free_dev)})")
    hosts = {"pageable": src, "pinned": torch.empty(size, dtype=torch.uint8, pin_memory=True).fill_(1)}
    dev = torch.empty(size, dtype=torch.uint8, device=device).fill_(3)
    for mode in GPU_MODES:
        direction, memory, blocking = mode.split("_")
        host, nb = hosts[memory], blocking == "nonblocking"
        if direction == "h2d":
            def fn(h=host, nb=nb):
                dev.copy_(h, non_blocking=nb)
        else:
            def fn(h=host, nb=nb):
                h.copy_(dev, non_blocking=nb)
        progress.start(f"{MODE_LABELS[mode]} {format_bytes(size)}")
        records.append(_transfer_record(mode, size, measure(cuda_batch(torch, fn), cfg)))
        progress.done()


def measure_transfers(torch, sizes, cfg, use_cuda, device, progress, skipped) -> list[dict]:
    """Host->host copies always; H2D/D2H x pageable/pinned x blocking/non_blocking with a GPU."""
    records = []
    _, host_avail = host_memory()
    free_dev = torch.cuda.mem_get_info(device)[0] if use_cuda else None
    for size in sizes:
        if host_avail is not None and 2 * size > 0.8 * host_avail:
            for mode in ["h2h_pageable_blocking"] + (GPU_MODES if use_cuda else []):
                progress.start(f"{MODE_LABELS[mode]} {format_bytes(size)} (ignorée)")
                progress.done()
            skipped.append({"what": "transfers", "size_bytes": size,
                            "reason": f"pas assez de mémoire hôte libre ({format_bytes(host_avail)} disponibles)"})
            continue
        try:
            _transfers_one_size(torch, size, cfg, use_cuda, device, free_dev, progress, records)
        except Exception as exc:
            if not is_oom(exc):
                raise
            skipped.append({"what": "transfers", "size_bytes": size, "reason": f"mémoire insuffisante : {exc}"[:300]})
        finally:
            _free_memory(torch, use_cuda)
    return records


def _pin_one_size(torch, size, cfg, progress, results) -> None:
    src = torch.empty(size, dtype=torch.uint8).fill_(1)
    emptied = _empty_host_cache(torch)

    def cold_batch(reps: int) -> float:
        keep = []
        start = time.perf_counter_ns()
        for _ in range(reps):
            keep.append(src.pin_memory())  # kept alive: each call needs a new page-locked block
        elapsed = (time.perf_counter_ns() - start) / 1e9
        keep.clear()
        _empty_host_cache(torch)
        return elapsed

    progress.start(f"pin_memory {format_bytes(size)} (1er appel)")
    cold = measure(cold_batch, cfg)
    progress.done()
    progress.start(f"pin_memory {format_bytes(size)} (cache)")
    cached = measure(cpu_batch(src.pin_memory), cfg)  # result dropped at once: the block goes back to the cache
    progress.done()
    for kind, res in (("cold", cold), ("cached", cached)):
        results.append({"kind": kind, "size_bytes": size, "reps_per_sample": res["reps_per_sample"],
                        "time_s": res["time_s"], "samples_s": res["samples_s"],
                        "host_cache_emptied": emptied if kind == "cold" else None})


def measure_pin_memory(torch, sizes, cfg, use_cuda, progress, skipped) -> dict:
    """Cost of tensor.pin_memory(): cold (fresh page-locked allocation) and from torch's pinned cache."""
    if not use_cuda:
        return {"available": False, "reason": "pin_memory() demande un pilote CUDA : indisponible sans GPU",
                "results": []}
    results = []
    _, host_avail = host_memory()
    for size in sizes:
        if host_avail is not None and 3 * size > 0.8 * host_avail:
            skipped.append({"what": "pin_memory", "size_bytes": size, "reason": "pas assez de mémoire hôte libre"})
            for _ in range(2):
                progress.start(f"pin_memory {format_bytes(size)} (ignorée)")
                progress.done()
            continue
        try:
            _pin_one_size(torch, size, cfg, progress, results)
        except Exception as exc:
            if not is_oom(exc):
                raise
            skipped.append({"what": "pin_memory", "size_bytes": size, "reason": f"mémoire insuffisante : {exc}"[:300]})
        finally:
            _empty_host_cache(torch)
            _free_memory(torch, use_cuda)
    return {"available": True, "reason": None, "results": results}


def workload_flops(workload: str, n: int) -> int:
    return 2 * n**3 if workload == "matmul" else n


def workload_link_bytes(workload: str, n: int) -> int:
    """Bytes that cross the link for copy-in + copy-out: two float32 inputs and one output."""
    return 3 * (n * n if workload == "matmul" else n) * FLOAT32_BYTES


def workload_label(workload: str, n: int) -> str:
    if workload == "matmul":
        return f"Produit matriciel {n}×{n}"
    return f"Addition de deux vecteurs de {format_count(n)} floats"


def _compute_one_size(torch, workload, n, cfg, use_cuda, device, gen, progress, records) -> None:
    """One problem size on every target; buffers are locals, freed when this returns."""
    shape = (n, n) if workload == "matmul" else (n,)
    op = torch.matmul if workload == "matmul" else torch.add
    a, b = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    c = torch.empty(shape)
    timers = {"cpu": cpu_batch(lambda: op(a, b, out=c))}
    if use_cuda:
        da, db, dc = (torch.empty(shape, device=device) for _ in range(3))
        pa, pb, pc = (torch.empty(shape, pin_memory=True) for _ in range(3))
        pa.copy_(a)
        pb.copy_(b)
        da.copy_(a)
        db.copy_(b)

        def e2e():  # what `x.to("cuda")` ... `y.cpu()` costs: blocking copies from ordinary (pageable) memory
            da.copy_(a)
            db.copy_(b)
            op(da, db, out=dc)
            c.copy_(dc)

        def e2e_pinned():  # the same from pinned memory with non_blocking copies (all on the current stream)
            da.copy_(pa, non_blocking=True)
            db.copy_(pb, non_blocking=True)
            op(da, db, out=dc)
            pc.copy_(dc, non_blocking=True)

        timers["gpu_compute"] = cuda_batch(torch, lambda: op(da, db, out=dc))
        timers["gpu_e2e"] = cuda_batch(torch, e2e)
        timers["gpu_e2e_pinned"] = cuda_batch(torch, e2e_pinned)
    for target in TARGETS:
        if target not in timers:
            continue
        progress.start(f"{workload} {n} {TARGET_LABELS[target]}")
        res = measure(timers[target], cfg)
        progress.done()
        flops = workload_flops(workload, n)
        records.append({
            "workload": workload, "size": n, "target": target,
            "flops": flops, "link_bytes": workload_link_bytes(workload, n),
            "reps_per_sample": res["reps_per_sample"], "time_s": res["time_s"],
            "gflops": flops / res["time_s"]["median"] / 1e9, "samples_s": res["samples_s"],
        })


def measure_compute(torch, workload, sizes, cfg, use_cuda, device, progress, skipped) -> list[dict]:
    """CPU (all threads) vs GPU compute only vs GPU with copies in and out, float32."""
    records = []
    gen = torch.Generator().manual_seed(0)
    for n in sizes:
        try:
            _compute_one_size(torch, workload, n, cfg, use_cuda, device, gen, progress, records)
        except Exception as exc:
            if not is_oom(exc):
                raise
            skipped.append({"what": workload, "size": n, "reason": f"mémoire insuffisante : {exc}"[:300]})
        finally:
            _free_memory(torch, use_cuda)
    return records


# ----------------------------------------------------------------------------------------------
# Analysis
# ----------------------------------------------------------------------------------------------

def transfer_fits(transfers: list[dict]) -> list[dict]:
    fits = []
    for mode in MODE_LABELS:
        rows = sorted((r for r in transfers if r["mode"] == mode), key=lambda r: r["size_bytes"])
        if len({r["size_bytes"] for r in rows}) < 2:
            continue
        sizes = [r["size_bytes"] for r in rows]
        fit = fit_latency_bandwidth(sizes, [r["time_s"]["median"] for r in rows])
        bws = [r["bandwidth_gbps"]["median"] for r in rows]
        fits.append({
            "mode": mode, **fit,
            "peak_measured_gbps": max(bws),
            "half_peak_size_model_bytes": half_peak_size_model(fit["latency_s"], fit["bandwidth_Bps"]),
            "half_peak_size_measured_bytes": half_peak_size_measured(sizes, bws),
        })
    return fits


def analyse_compute(compute: list[dict]) -> tuple[list[dict], dict, list[dict]]:
    """Per-size comparisons, crossovers per workload and GPU target, and one verdict per workload."""
    by_key = {(r["workload"], r["size"], r["target"]): r for r in compute}
    comparisons, crossovers, verdicts = [], {}, []
    for workload in ("matmul", "add"):
        sizes = sorted({r["size"] for r in compute if r["workload"] == workload and r["target"] == "cpu"})
        for target in TARGETS[1:]:
            both = [n for n in sizes if (workload, n, target) in by_key]
            if not both:
                continue
            for n in both:
                cpu, gpu = by_key[(workload, n, "cpu")]["time_s"], by_key[(workload, n, target)]["time_s"]
                comparisons.append({"workload": workload, "size": n, "target": target, **compare(cpu, gpu)})
            crossovers.setdefault(workload, {})[target] = crossover(
                both, [by_key[(workload, n, "cpu")]["time_s"]["median"] for n in both],
                [by_key[(workload, n, target)]["time_s"]["median"] for n in both])
        e2e_sizes = [n for n in sizes if (workload, n, "gpu_e2e") in by_key]
        verdict_sizes = sorted({e2e_sizes[-1]} | ({VERDICT_REFERENCE[workload]} & set(e2e_sizes))) if e2e_sizes else []
        for n in verdict_sizes:
            cpu, e2e = by_key[(workload, n, "cpu")]["time_s"], by_key[(workload, n, "gpu_e2e")]["time_s"]
            comp = compare(cpu, e2e)
            gpu_only = by_key.get((workload, n, "gpu_compute"))
            copy_time = max(e2e["median"] - gpu_only["time_s"]["median"], 0.0) if gpu_only else None
            copy_over_cpu = copy_time / cpu["median"] if copy_time is not None else None
            verdicts.append({"workload": workload, "size": n, "target": "gpu_e2e", **comp,
                             "copy_over_cpu": copy_over_cpu,
                             "text_fr": verdict_text(workload_label(workload, n), comp["winner"], comp["speedup"],
                                                     copy_over_cpu)})
    return comparisons, crossovers, verdicts


def crossover_text(workload: str, cross: dict | None) -> str | None:
    if not cross:
        return None
    name = "le produit matriciel" if workload == "matmul" else "l'addition de vecteurs"
    if cross["status"] == "crossover":
        size = cross["size"]
        what = f"n ≈ {size:.0f} (matrices {size:.0f}×{size:.0f})" if workload == "matmul" else \
            f"≈ {format_count(round(size))} éléments"
        return f"Pour {name}, le GPU (copies comprises) devient plus rapide à partir de {what}."
    if cross["status"] == "gpu_faster_everywhere":
        return f"Pour {name}, le GPU (copies comprises) est plus rapide dès la plus petite taille mesurée."
    return f"Pour {name}, le GPU (copies comprises) ne devient jamais plus rapide dans la plage mesurée."


# ----------------------------------------------------------------------------------------------
# Output: files, plots, terminal
# ----------------------------------------------------------------------------------------------

CSV_FIELDS = ["section", "mode_or_workload", "target", "size_bytes", "size", "reps_per_sample", "samples",
              "median_s", "p10_s", "p90_s", "mean_s", "min_s", "max_s", "bandwidth_gbps_median", "gflops_median"]


def csv_rows(report: dict) -> list[dict]:
    rows = []

    def row(section, name, target, size_bytes, size, rec, bw=None, gflops=None):
        t = rec["time_s"]
        rows.append({"section": section, "mode_or_workload": name, "target": target, "size_bytes": size_bytes,
                     "size": size, "reps_per_sample": rec["reps_per_sample"], "samples": t["n"],
                     "median_s": t["median"], "p10_s": t["p10"], "p90_s": t["p90"], "mean_s": t["mean"],
                     "min_s": t["min"], "max_s": t["max"], "bandwidth_gbps_median": bw, "gflops_median": gflops})

    for rec in report["transfers"]:
        row("transfer", rec["mode"], "", rec["size_bytes"], "", rec, bw=rec["bandwidth_gbps"]["median"])
    for rec in report["pin_memory"]["results"]:
        row("pin_memory", rec["kind"], "", rec["size_bytes"], "", rec)
    for rec in report["compute"]:
        row("compute", rec["workload"], rec["target"], rec["link_bytes"], rec["size"], rec, gflops=rec["gflops"])
    return rows


def _finite(obj):
    """JSON has no inf/NaN: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def write_json(path: str, report: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(_finite(report), handle, indent=1, ensure_ascii=False, allow_nan=False, default=str)
        handle.write("\n")


def write_csv(path: str, report: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(report))


def _size_axis(ax) -> None:
    from matplotlib.ticker import FuncFormatter
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_bytes(v) if v >= 1 else ""))


def plot_bandwidth(plt, path: str, report: dict) -> None:
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for mode, label in MODE_LABELS.items():
        rows = sorted((r for r in report["transfers"] if r["mode"] == mode), key=lambda r: r["size_bytes"])
        if not rows:
            continue
        xs = [r["size_bytes"] for r in rows]
        style = "-" if "pinned" in mode else ("--" if mode.startswith(("h2d", "d2h")) else ":")
        line, = ax.plot(xs, [r["bandwidth_gbps"]["median"] for r in rows], style, marker="o", ms=3, label=label)
        ax.fill_between(xs, [r["bandwidth_gbps"]["p10"] for r in rows], [r["bandwidth_gbps"]["p90"] for r in rows],
                        color=line.get_color(), alpha=0.15)
    link = (report["environment"].get("link") or {})
    if link.get("theoretical_gbps"):
        ax.axhline(link["theoretical_gbps"], color="k", ls="-.", lw=1,
                   label=f"PCIe Gen{link['pcie_current_gen']} x{link['pcie_current_width']} théorique "
                         f"({link['theoretical_gbps']:.1f} Go/s)")
    _size_axis(ax)
    ax.set_xlabel("taille de la copie")
    ax.set_ylabel("débit (Go/s, 10⁹ octets/s)")
    title = "Débit des copies selon la taille (médiane, bande p10–p90)"
    if not report["environment"].get("gpu"):
        title += "\nsans GPU : copies hôte→hôte seulement"
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_time(plt, path: str, report: dict) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    threads = report["environment"]["torch_threads"]
    for ax, workload, xlabel in ((axes[0], "matmul", "n (matrices n×n, float32)"),
                                 (axes[1], "add", "nombre d'éléments (float32)")):
        for target in TARGETS:
            rows = sorted((r for r in report["compute"] if r["workload"] == workload and r["target"] == target),
                          key=lambda r: r["size"])
            if not rows:
                continue
            label = f"CPU ({threads} threads)" if target == "cpu" else TARGET_LABELS[target]
            xs = [r["size"] for r in rows]
            line, = ax.plot(xs, [r["time_s"]["median"] for r in rows], marker="o", ms=3, label=label)
            ax.fill_between(xs, [r["time_s"]["p10"] for r in rows], [r["time_s"]["p90"] for r in rows],
                            color=line.get_color(), alpha=0.15)
        cross = report["crossovers"].get(workload, {}).get("gpu_e2e")
        if cross and cross["status"] == "crossover":
            ax.axvline(cross["size"], color="k", ls="--", lw=1)
            ax.annotate(f" bascule ≈ {cross['size']:.3g}", (cross["size"], 0.98), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=8, ha="right", va="top")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("temps médian (s)")
        ax.set_title("Produit matriciel" if workload == "matmul" else "Addition de deux vecteurs")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("CPU, GPU calcul seul, GPU avec les copies" if report["environment"].get("gpu")
                 else "Temps de calcul sur CPU (pas de GPU)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def roofline_inputs(report: dict) -> dict | None:
    """Peaks used by the link roofline, or None when there is no GPU measurement."""
    link_bw = [f["bandwidth_Bps"] for f in report["transfer_fits"]
               if f["mode"] == "h2d_pinned_nonblocking" and f["bandwidth_Bps"]]
    gpu = [r["flops"] / r["time_s"]["median"] for r in report["compute"] if r["target"] == "gpu_compute"]
    cpu = [r["flops"] / r["time_s"]["median"] for r in report["compute"] if r["target"] == "cpu"]
    if not (link_bw and gpu and cpu):
        return None
    return {"link_Bps": link_bw[0], "gpu_peak_flops": max(gpu), "cpu_peak_flops": max(cpu),
            "break_even_intensity": break_even_intensity(max(cpu), link_bw[0])}


def plot_roofline(plt, path: str, report: dict, roof: dict) -> None:
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = [2 ** (k / 4) for k in range(-24, 61)]
    ax.plot(xs, [link_roofline(x, roof["gpu_peak_flops"], roof["link_Bps"]) for x in xs], "k-",
            label=f"GPU limité par le lien ({roof['link_Bps'] / 1e9:.1f} Go/s) ou par le calcul")
    theo = (report["environment"].get("link") or {}).get("theoretical_gbps")
    if theo:
        ax.plot(xs, [link_roofline(x, roof["gpu_peak_flops"], theo * 1e9) for x in xs], "k:", lw=1,
                label=f"lien théorique ({theo:.1f} Go/s)")
    ax.axhline(roof["cpu_peak_flops"], color="tab:blue", ls="--", label="CPU (meilleur mesuré)")
    ax.axvline(roof["break_even_intensity"], color="tab:red", ls=":", lw=1,
               label=f"seuil ≈ {roof['break_even_intensity']:.3g} FLOP/octet")
    for workload, marker in (("matmul", "o"), ("add", "s")):
        rows = [r for r in report["compute"] if r["workload"] == workload and r["target"] == "gpu_e2e_pinned"]
        if rows:
            ax.scatter([r["flops"] / r["link_bytes"] for r in rows], [r["flops"] / r["time_s"]["median"] for r in rows],
                       marker=marker, zorder=3,
                       label=("produit matriciel" if workload == "matmul" else "addition") + " (GPU + copies épinglées)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("intensité : FLOP par octet copié sur le lien")
    ax.set_ylabel("FLOP/s atteignables")
    ax.set_title("« Roofline » du lien hôte↔GPU : sous le seuil, les copies seules coûtent plus que le CPU")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def make_plots(out_dir: str, report: dict) -> dict:
    """Draw what makes sense; say which plots were not produced and why."""
    produced, skipped = [], {}
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        reason = "matplotlib n'est pas installé"
        return {"produced": [], "skipped": {n: reason for n in (PLOT_BANDWIDTH, PLOT_TIME, PLOT_ROOFLINE)}}
    if report["transfers"]:
        plot_bandwidth(plt, os.path.join(out_dir, PLOT_BANDWIDTH), report)
        produced.append(PLOT_BANDWIDTH)
    else:
        skipped[PLOT_BANDWIDTH] = "aucune copie mesurée"
    if report["compute"]:
        plot_time(plt, os.path.join(out_dir, PLOT_TIME), report)
        produced.append(PLOT_TIME)
    else:
        skipped[PLOT_TIME] = "aucun calcul mesuré"
    roof = report.get("roofline")
    if roof:
        plot_roofline(plt, os.path.join(out_dir, PLOT_ROOFLINE), report, roof)
        produced.append(PLOT_ROOFLINE)
    else:
        skipped[PLOT_ROOFLINE] = (
            "il faut au moins deux tailles de copie épinglée H2D et des calculs CPU et GPU mesurés"
            if report["environment"].get("gpu") else
            "pas de GPU : le « roofline » du lien hôte↔GPU n'a pas de sens sans lien ni GPU")
    return {"produced": produced, "skipped": skipped}


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def print_report(report: dict) -> None:
    env = report["environment"]
    print("\n== Copies mémoire : débit médian en Go/s (10⁹ octets/s) ==")
    modes = [m for m in MODE_LABELS if any(r["mode"] == m for r in report["transfers"])]
    sizes = sorted({r["size_bytes"] for r in report["transfers"]})
    by = {(r["mode"], r["size_bytes"]): r for r in report["transfers"]}
    if modes:
        rows = [[format_bytes(s)] + [f"{by[(m, s)]['bandwidth_gbps']['median']:.2f}" if (m, s) in by else "—"
                                     for m in modes] for s in sizes]
        print(_table(["taille"] + [MODE_LABELS[m] for m in modes], rows))
        print("(pag. = mémoire paginable ordinaire ; épi. = mémoire épinglée (pinned) ; nb = non_blocking=True)")
    theo = (env.get("link") or {}).get("theoretical_gbps")
    for fit in report["transfer_fits"]:
        bw = fit["bandwidth_gbps"]
        half = fit["half_peak_size_measured_bytes"]
        text = (f"  {MODE_LABELS[fit['mode']]:<12} latence ≈ {format_seconds(max(fit['latency_s'], 0))}, "
                f"débit ≈ {bw:.2f} Go/s" if bw else f"  {MODE_LABELS[fit['mode']]:<12} ajustement impossible")
        if bw and theo and fit["mode"] != "h2h_pageable_blocking":
            text += f" ({100 * bw / theo:.0f} % du théorique {theo:.1f} Go/s)"
        if half:
            text += f" ; la moitié du débit max est atteinte vers {format_bytes(round(half))}"
        print(text)
    pin = report["pin_memory"]
    if not pin["available"]:
        print(f"pin_memory() : non mesuré — {pin['reason']}.")
    else:
        print("\n== Coût de pin_memory() (médiane) ==")
        by_pin = {(r["kind"], r["size_bytes"]): r for r in pin["results"]}
        rows = [[format_bytes(s), format_seconds(by_pin[("cold", s)]["time_s"]["median"]),
                 format_seconds(by_pin[("cached", s)]["time_s"]["median"])]
                for s in sorted({r["size_bytes"] for r in pin["results"]})
                if ("cold", s) in by_pin and ("cached", s) in by_pin]
        if rows:
            print(_table(["taille", "1er appel", "bloc en cache"], rows))
    for workload, title in (("matmul", "Produit matriciel n×n float32"), ("add", "Addition de deux vecteurs float32")):
        recs = [r for r in report["compute"] if r["workload"] == workload]
        if not recs:
            continue
        targets = [t for t in TARGETS if any(r["target"] == t for r in recs)]
        by_c = {(r["size"], r["target"]): r for r in recs}
        verdict = {(c["size"]): c["winner"] for c in report["comparisons"]
                   if c["workload"] == workload and c["target"] == "gpu_e2e"}
        print(f"\n== {title} : temps médian [GFLOP/s] ==")
        rows = []
        for n in sorted({r["size"] for r in recs}):
            row = [format_count(n)]
            for t in targets:
                r = by_c.get((n, t))
                row.append(f"{format_seconds(r['time_s']['median'])} [{r['gflops']:.3g}]" if r else "—")
            if verdict:
                row.append({"gpu": "GPU", "cpu": "CPU", "tie": "≈"}.get(verdict.get(n), "—"))
            rows.append(row)
        headers = ["n" if workload == "matmul" else "éléments"] + [
            f"CPU ({env['torch_threads']} thr.)" if t == "cpu" else TARGET_LABELS[t] for t in targets]
        print(_table(headers + (["gagnant"] if verdict else []), rows))
    if report["verdicts"]:
        print("\n== Verdict ==")
        for v in report["verdicts"]:
            print("- " + v["text_fr"])
        for workload in ("matmul", "add"):
            text = crossover_text(workload, report["crossovers"].get(workload, {}).get("gpu_e2e"))
            if text:
                print("- " + text)
        roof = report.get("roofline")
        if roof:
            print(f"- Seuil du lien : sous ≈ {roof['break_even_intensity']:.3g} FLOP par octet copié, même un GPU "
                  "infiniment rapide perd contre le CPU, car les copies seules prennent plus de temps que le calcul CPU.")
        print("  (« ça vaut le coup » seulement si l'écart dépasse la dispersion p10–p90 des mesures.)")
    for note in report["notes"]:
        print(f"Note : {note}")
    for name, reason in ((report.get("plots") or {}).get("skipped") or {}).items():
        print(f"Note : graphique {name} non produit : {reason}")


# ----------------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------------

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


def assemble_report(options, env, transfers, pin, compute, skipped, notes, elapsed, command) -> dict:
    """Everything that is derived from the measurements (fits, verdicts, crossovers, roofline)."""
    comparisons, crossovers, verdicts = analyse_compute(compute)
    spreads = [r["time_s"]["spread_rel"] for r in transfers + compute + pin["results"]]
    if spreads and sum(s > 0.5 for s in spreads) > len(spreads) / 4:
        notes.append("mesures très dispersées (p90 − p10 > 50 % de la médiane pour plus d'un quart des points) : "
                     "d'autres programmes utilisaient sans doute la machine ; relancez-la au calme pour des chiffres "
                     "stables")
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": "bench_transfer",
        "command": command,
        "options": options,
        "environment": env,
        "transfers": transfers,
        "transfer_fits": transfer_fits(transfers),
        "pin_memory": pin,
        "compute": compute,
        "comparisons": comparisons,
        "crossovers": crossovers,
        "verdicts": verdicts,
        "roofline": None,
        "skipped": skipped,
        "notes": notes,
        "elapsed_s": elapsed,
        "plots": None,
    }
    report["roofline"] = roofline_inputs(report)
    return report


def publish(report: dict, out_dir: str, source: str | None = None) -> None:
    """Plots, JSON, CSV, then the terminal report. `source`: the JSON file a replot was made from."""
    report["plots"] = make_plots(out_dir, report)
    write_json(os.path.join(out_dir, JSON_NAME), report)
    write_csv(os.path.join(out_dir, CSV_NAME), report)
    print_report(report)
    done = (f"Rapport redessiné à partir de {source} (aucune nouvelle mesure)" if source else
            f"Mesures terminées en {report['elapsed_s']:.1f} s")
    print(f"\n{done}. Résultats dans {out_dir} : {JSON_NAME}, {CSV_NAME}"
          + "".join(f", {p}" for p in report["plots"]["produced"]))


def load_report(path: str) -> dict:
    """A report written by this script (any machine), checked enough to redraw it; ValueError in French."""
    try:
        with open(path, encoding="utf-8") as handle:
            report = json.load(handle)
    except OSError as exc:
        raise ValueError(f"impossible de lire {path!r} ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!r} n'est pas du JSON valide (ligne {exc.lineno}) : {exc.msg}") from None
    if not isinstance(report, dict) or report.get("tool") != "bench_transfer":
        raise ValueError(f"{path!r} n'est pas un résultat de bench_transfer.py (attendu : {JSON_NAME})")
    if report.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path!r} : schéma {report.get('schema_version')!r}, ce script lit le schéma "
                         f"{SCHEMA_VERSION} ; utilisez la version du script qui l'a produit")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ram_total, _ = host_memory()
    try:
        sizes = parse_sizes(args.sizes, max_bytes=ram_total) if args.sizes is not None else None
    except ValueError as exc:
        parser.error(f"--sizes : {exc}")
    if args.from_json and (args.quick or args.sizes is not None or args.device != "auto"):
        parser.error("--from-json redessine des mesures déjà faites : il ne se combine pas avec --quick, --sizes "
                     "ou --device")
    try:
        report = load_report(args.from_json) if args.from_json else None
    except ValueError as exc:
        parser.error(f"--from-json : {exc}")
    try:
        out_dir = check_out_dir(args.out)
    except OSError as exc:
        parser.error(f"--out : impossible d'écrire dans {args.out!r} ({exc.strerror or exc}) ; "
                     "choisissez un dossier accessible en écriture")
    if report is not None:
        publish(report, out_dir, source=args.from_json)
        return 0

    import torch

    has_cuda = bool(torch.cuda.is_available())
    if args.device == "cuda" and not has_cuda:
        parser.error(f"--device cuda : aucun GPU CUDA utilisable (torch {torch.__version__}, "
                     f"CUDA {torch.version.cuda or 'absent de ce build'}). Lancez sans --device ou avec --device cpu.")
    use_cuda = has_cuda and args.device != "cpu"
    mode = "quick" if args.quick else "default"
    cfg = QUICK if args.quick else DEFAULT
    sizes = sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    notes: list[str] = []
    print("Banc d'essai : copies hôte↔GPU et calcul (bench_transfer.py" + (", --quick)" if args.quick else ")")
          + " — « Attention au coût de transfert entre les mémoires » (module 1) : mesurons-le.")
    if use_cuda:
        try:  # a GPU that torch sees but cannot use (driver too old, busy, broken) fails here, not mid-run
            torch.zeros(1, device="cuda").add_(1)
            torch.cuda.synchronize()
        except (RuntimeError, AssertionError) as exc:  # AcceleratorError is a RuntimeError
            if args.device == "cuda":
                parser.error(f"--device cuda : le GPU est visible mais inutilisable ({exc}). "
                             "Vérifiez le pilote (nvidia-smi) ou lancez avec --device cpu.")
            use_cuda = False
            notes.append(f"GPU visible mais inutilisable ({str(exc).splitlines()[0][:200]}) : partie CPU seulement")
            print(f"GPU visible mais inutilisable ({str(exc).splitlines()[0][:200]}) : seule la partie CPU est mesurée.")
    device_index = torch.cuda.current_device() if use_cuda else None
    device = f"cuda:{device_index}" if use_cuda else "cpu"
    if not has_cuda:
        print(f"Pas de GPU CUDA disponible (torch {torch.__version__}, CUDA {torch.version.cuda or 'absent'}) : "
              "seule la partie CPU est mesurée (calcul, copies hôte→hôte).")
    elif args.device == "cpu":
        print("GPU présent mais ignoré (--device cpu) : seule la partie CPU est mesurée.")
    env = collect_environment(torch, use_cuda, device_index)
    print(f"Calcul CPU : {env['torch_threads']} threads (torch.get_num_threads()), {env['cpu_count']} cœurs logiques, "
          f"processeur : {env['cpu_model']}")
    if env["gpu"]:
        gpu, link = env["gpu"], env["link"]
        print(f"GPU : {gpu['name']} (capacité {gpu['capability']}), pilote {gpu.get('driver') or '?'}, "
              f"torch {env['torch']} / CUDA {env['torch_cuda']}")
        if link.get("theoretical_gbps"):
            print(f"Lien : PCIe Gen{link['pcie_current_gen']} x{link['pcie_current_width']} pendant une copie "
                  f"(max Gen{link['pcie_max_gen']} x{link['pcie_max_width']}), "
                  f"théorique {link['theoretical_gbps']:.1f} Go/s par sens")
        else:
            note = f"lien PCIe inconnu ({link.get('nvml_note') or 'NVML muet'}) : pas de débit théorique"
            notes.append(note)
            print(f"Lien : {note}")
    try:
        import matplotlib  # noqa: F401  (only to say early that there will be no plots)
    except ImportError:
        print("Note : matplotlib absent : pas de graphiques PNG (JSON et CSV sont écrits quand même ; "
              "--from-json les redessine plus tard sur une machine qui l'a).")

    matmul_sizes, add_sizes = MATMUL_SIZES[mode], ADD_SIZES[mode]
    per_size = 1 + (len(GPU_MODES) + 2 if use_cuda else 0)
    total = per_size * len(sizes) + (len(matmul_sizes) + len(add_sizes)) * (len(TARGETS) if use_cuda else 1)
    progress = Progress(total)
    skipped: list[dict] = []
    started = time.perf_counter()
    try:
        transfers = measure_transfers(torch, sizes, cfg, use_cuda, device, progress, skipped)
        pin = measure_pin_memory(torch, sizes, cfg, use_cuda, progress, skipped)
        compute = (measure_compute(torch, "matmul", matmul_sizes, cfg, use_cuda, device, progress, skipped)
                   + measure_compute(torch, "add", add_sizes, cfg, use_cuda, device, progress, skipped))
    finally:
        progress.close()
    elapsed = time.perf_counter() - started
    for item in skipped:
        size = format_bytes(item["size_bytes"]) if "size_bytes" in item else f"n={item['size']}"
        notes.append(f"{item['what']} {size} ignoré : {item['reason']}")

    report = assemble_report(
        options={"quick": args.quick, "device": args.device, "used_device": device, "sizes_bytes": sizes,
                 "matmul_sizes": matmul_sizes, "add_sizes": add_sizes, "timing": asdict(cfg), "dtype": "float32"},
        env=env, transfers=transfers, pin=pin, compute=compute, skipped=skipped, notes=notes, elapsed=elapsed,
        command=[os.path.basename(sys.argv[0] or "bench_transfer.py")] + list(argv if argv is not None else sys.argv[1:]))
    if not use_cuda:
        notes.append("sans GPU : pas de verdict CPU/GPU ; relancez sur une machine avec GPU (make bench dans le lab)")
    publish(report, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
