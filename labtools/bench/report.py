"""The benchmark's report, typed: the one place where the JSON schema is written.

Every record the benchmark produces is a dataclass below; `Report.to_json` writes them, `load_report` reads a
file back into the same classes (checking types and required fields), and the tests take the expected keys
from here. A field marked `optional()` is left out of the JSON when it is None (as NVML facts a driver does not
give). Bump SCHEMA_VERSION when a field changes meaning or disappears.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import math
import types
import typing
from dataclasses import dataclass, field

SCHEMA_VERSION = 1
TOOL = "bench_transfer"
JSON_NAME = "bench_transfer.json"
CSV_NAME = "bench_transfer.csv"
PLOT_BANDWIDTH = "bench_bandwidth.png"
PLOT_TIME = "bench_time.png"
PLOT_ROOFLINE = "bench_roofline.png"
PLOT_NAMES = (PLOT_BANDWIDTH, PLOT_TIME, PLOT_ROOFLINE)

# The values that `mode`, `workload` and `target` take, in the order of the tables and plots.
TRANSFER_MODES = (
    "h2h_pageable_blocking",
    "h2d_pageable_blocking", "h2d_pageable_nonblocking", "h2d_pinned_blocking", "h2d_pinned_nonblocking",
    "d2h_pageable_blocking", "d2h_pageable_nonblocking", "d2h_pinned_blocking", "d2h_pinned_nonblocking",
)
GPU_MODES = TRANSFER_MODES[1:]
WORKLOADS = ("matmul", "add")
TARGETS = ("cpu", "gpu_compute", "gpu_e2e", "gpu_e2e_pinned")


def optional():
    """A field that defaults to None and is not written to the JSON while it is None."""
    return field(default=None, metadata={"omit_none": True})


# --- measurements ----------------------------------------------------------------------------

@dataclass
class Stats:
    """Timing statistics of one point, in seconds per call; spread_rel = (p90 - p10) / median."""
    n: int
    median: float
    p10: float
    p90: float
    mean: float
    min: float
    max: float
    spread_rel: float | None  # inf (written as null) when the median is 0


@dataclass
class Bandwidth:
    """Decimal GB/s derived from a Stats: p10 comes from the slowest samples (p90 time), and vice versa."""
    median: float
    p10: float
    p90: float


@dataclass
class TransferRecord:
    mode: str  # e.g. h2d_pinned_nonblocking: direction _ memory _ blocking
    direction: str
    memory: str
    blocking: bool
    size_bytes: int
    reps_per_sample: int
    time_s: Stats
    bandwidth_gbps: Bandwidth
    samples_s: list[float]


@dataclass
class PinRecord:
    kind: str  # cold (fresh page-locked allocation) | cached (torch's pinned block cache)
    size_bytes: int
    reps_per_sample: int
    time_s: Stats
    samples_s: list[float]
    host_cache_emptied: bool | None


@dataclass
class PinMemory:
    available: bool
    reason: str | None
    results: list[PinRecord]


@dataclass
class ComputeRecord:
    workload: str  # matmul | add
    size: int  # n of an n x n matrix, or a vector's element count
    target: str  # cpu | gpu_compute | gpu_e2e | gpu_e2e_pinned
    flops: int
    link_bytes: int
    reps_per_sample: int
    time_s: Stats
    gflops: float
    samples_s: list[float]


@dataclass
class Skipped:
    what: str  # transfers | pin_memory | matmul | add
    size_bytes: int | None = optional()
    size: int | None = optional()
    reason: str = ""


# --- analysis --------------------------------------------------------------------------------

@dataclass
class TransferFit:
    mode: str
    latency_s: float
    bandwidth_Bps: float | None
    bandwidth_gbps: float | None
    rms_rel_residual: float
    weighting: str
    peak_measured_gbps: float
    half_peak_size_model_bytes: float | None
    half_peak_size_measured_bytes: float | None


@dataclass
class Comparison:
    workload: str
    size: int
    target: str
    winner: str  # gpu | cpu | tie (p10-p90 ranges overlap)
    speedup: float  # CPU median / GPU median


@dataclass
class Crossover:
    status: str  # crossover | gpu_faster_everywhere | cpu_faster_everywhere | no_data
    size: float | None
    between: list[float] | None = optional()


@dataclass
class Verdict:
    workload: str
    size: int
    target: str
    winner: str
    speedup: float
    copy_over_cpu: float | None
    text_fr: str


@dataclass
class Roofline:
    link_Bps: float
    gpu_peak_flops: float
    cpu_peak_flops: float
    break_even_intensity: float


@dataclass
class Plots:
    produced: list[str]
    skipped: dict[str, str]


# --- environment and options -----------------------------------------------------------------

@dataclass
class PcieState:
    current_gen: int | None
    current_width: int | None
    max_gen: int | None
    max_width: int | None
    gpu_max_gen: int | None


@dataclass
class LinkInfo:
    """The host<->GPU link as NVML saw it during a copy (idle links train down)."""
    nvml_available: bool
    nvml_note: str | None
    pcie_idle: PcieState | None = optional()
    pcie_under_load: PcieState | None = optional()
    read_during_copy: bool | None = optional()
    pcie_current_gen: int | None = optional()
    pcie_current_width: int | None = optional()
    pcie_max_gen: int | None = optional()
    pcie_max_width: int | None = optional()
    theoretical_gbps: float | None = optional()
    theoretical_gbps_max: float | None = optional()
    formula: str | None = optional()


@dataclass
class GpuInfo:
    index: int
    name: str
    capability: str
    total_memory_bytes: int
    free_memory_bytes: int
    multiprocessors: int
    matmul_allow_tf32: bool
    cudnn: int | None
    driver: str | None = optional()
    cuda_driver_version: int | None = optional()
    clocks_under_load: dict[str, int | None] | None = optional()


@dataclass
class Environment:
    date_utc: str
    python: str
    platform: str
    torch: str
    torch_cuda: str | None
    cpu_model: str
    cpu_count: int | None
    torch_threads: int
    host_ram_total_bytes: int | None
    host_ram_available_bytes: int | None
    in_lab_image: bool
    cuda_available: bool
    gpu: GpuInfo | None
    link: LinkInfo | None


@dataclass
class Options:
    quick: bool
    device: str  # what was asked: auto | cpu | cuda
    used_device: str  # what ran: cpu | cuda:N
    sizes_bytes: list[int]
    matmul_sizes: list[int]
    add_sizes: list[int]
    timing: dict[str, float]
    dtype: str


@dataclass
class Report:
    schema_version: int
    tool: str
    command: list[str]
    options: Options
    environment: Environment
    transfers: list[TransferRecord]
    transfer_fits: list[TransferFit]
    pin_memory: PinMemory
    compute: list[ComputeRecord]
    comparisons: list[Comparison]
    crossovers: dict[str, dict[str, Crossover]]  # workload -> GPU target -> crossover
    verdicts: list[Verdict]
    roofline: Roofline | None
    skipped: list[Skipped]
    notes: list[str]
    elapsed_s: float
    plots: Plots | None

    def to_json(self) -> dict:
        return to_json(self)


def field_names(cls) -> set[str]:
    """The JSON keys of a schema class (the tests compare files with this)."""
    return {f.name for f in dataclasses.fields(cls)}


# --- (de)serialisation -----------------------------------------------------------------------

def to_json(obj):
    """Plain JSON data: dataclasses as dicts (optional None fields left out), inf/NaN as null."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if not (f.metadata.get("omit_none") and getattr(obj, f.name) is None)}
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    return obj


def from_json(cls, data, where: str = "rapport"):
    """An instance of `cls` from JSON data; ValueError (in French) naming the first wrong or missing field."""
    return _convert(cls, data, where)


def _from_dict(cls, data, where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where} : un objet JSON est attendu, pas {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            values[f.name] = _convert(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{where} : champ {f.name!r} manquant")
    return cls(**values)


_SCALARS = {int: (int,), float: (int, float), str: (str,), bool: (bool,)}


def _convert(tp, value, where: str):
    if dataclasses.is_dataclass(tp):
        return _from_dict(tp, value, where)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where} : une liste est attendue")
        return [_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where} : un objet JSON est attendu")
        return {k: _convert(args[1], v, f"{where}.{k}") for k, v in value.items()}
    accepted = _SCALARS[tp]
    if not isinstance(value, accepted) or (tp is not bool and isinstance(value, bool)):
        raise ValueError(f"{where} : {tp.__name__} attendu, trouvé {json.dumps(value)[:40]}")
    return value


# --- files -----------------------------------------------------------------------------------

def write_json(path: str, report: Report) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(report.to_json(), handle, indent=1, ensure_ascii=False, allow_nan=False, default=str)
        handle.write("\n")


def load_report(path: str) -> Report:
    """A report written by the benchmark (any machine), checked against the schema; ValueError in French."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ValueError(f"impossible de lire {path!r} ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path!r} n'est pas du JSON valide (ligne {exc.lineno}) : {exc.msg}") from None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        raise ValueError(f"{path!r} n'est pas un résultat de bench_transfer.py (attendu : {JSON_NAME})")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path!r} : schéma {data.get('schema_version')!r}, ce script lit le schéma "
                         f"{SCHEMA_VERSION} ; utilisez la version du script qui l'a produit")
    try:
        return from_json(Report, data)
    except ValueError as exc:
        raise ValueError(f"{path!r} ne suit pas le schéma {SCHEMA_VERSION} : {exc}") from None


CSV_FIELDS = ["section", "mode_or_workload", "target", "size_bytes", "size", "reps_per_sample", "samples",
              "median_s", "p10_s", "p90_s", "mean_s", "min_s", "max_s", "bandwidth_gbps_median", "gflops_median"]


def _csv_row(section: str, name: str, target: str, size_bytes, size, rec, bw=None, gflops=None) -> dict:
    t = rec.time_s
    return {"section": section, "mode_or_workload": name, "target": target, "size_bytes": size_bytes,
            "size": size, "reps_per_sample": rec.reps_per_sample, "samples": t.n,
            "median_s": t.median, "p10_s": t.p10, "p90_s": t.p90, "mean_s": t.mean,
            "min_s": t.min, "max_s": t.max, "bandwidth_gbps_median": bw, "gflops_median": gflops}


def csv_rows(report: Report) -> list[dict]:
    """One row per measured point: transfers, pin_memory() costs, compute (link_bytes in size_bytes)."""
    rows = [_csv_row("transfer", r.mode, "", r.size_bytes, "", r, bw=r.bandwidth_gbps.median)
            for r in report.transfers]
    rows += [_csv_row("pin_memory", r.kind, "", r.size_bytes, "", r) for r in report.pin_memory.results]
    rows += [_csv_row("compute", r.workload, r.target, r.link_bytes, r.size, r, gflops=r.gflops)
             for r in report.compute]
    return rows


def write_csv(path: str, report: Report) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(csv_rows(report))
