"""GPU verification of the benchmark against an independent reference (`scripts/gpu_verify.py`).

One prepared run for a machine with an NVIDIA GPU (no Docker needed; Python 3.11+, torch >= 2.11, CuPy):
  1. runs the benchmark's default run (`python -m labtools.bench --out OUT/bench`, the code of this checkout);
  2. times the same pinned copies with CuPy's raw `cudaMemcpyAsync` between CUDA events (its own pinned
     host buffer, its own device buffer, its own stream: nothing shared with torch's code path);
  3. compares them (target: pinned H2D and D2H within 3 % of the reference) and gives the % of the
     link's theoretical bandwidth (read by the benchmark through NVML during a copy);
  4. writes OUT/results.md (machine, date, numbers), OUT/verify.json and the benchmark's files in OUT/bench/.

Exit codes: 0 = within target, 1 = measured but outside target (or no reference), 2 = no usable GPU.
The first real runs (an H200 and an H100) are committed under docs/bench/, e.g. docs/bench/2026-11-28-nvidia-h200/.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .report import JSON_NAME, Report, load_report, to_json
from .stats import summarize

ROOT = Path(__file__).resolve().parents[2]  # the checkout (or site-packages) that holds labtools/
TARGET_PCT = 3.0
REFERENCE_MIN_SIZE = 64 * 2**20  # compare where per-copy overheads are negligible (as nvbandwidth does)
MODES = {"h2d": "h2d_pinned_nonblocking", "d2h": "d2h_pinned_nonblocking"}


# --- pure parts (tested on CPU) ----------------------------------------------------------------

def percent_diff(value: float, reference: float) -> float:
    return 100.0 * (value - reference) / reference


def _theoretical(bench: Report | None) -> float | None:
    link = bench.environment.link if bench else None
    return link.theoretical_gbps if link else None


def compare(bench: Report | None, reference: list[dict], target_pct: float = TARGET_PCT) -> dict:
    """Rows bench-vs-reference for every (direction, size) measured by both, and the overall verdict."""
    theo = _theoretical(bench)
    by_key = {(t.mode, t.size_bytes): t for t in (bench.transfers if bench else [])}
    rows = []
    for ref in reference:
        mode = MODES[ref["direction"]]
        rec = by_key.get((mode, ref["size_bytes"]))
        if rec is None:
            continue
        bench_gbps, ref_gbps = rec.bandwidth_gbps.median, ref["bandwidth_gbps"]["median"]
        diff = percent_diff(bench_gbps, ref_gbps)
        rows.append({
            "direction": ref["direction"], "size_bytes": ref["size_bytes"], "bench_mode": mode,
            "bench_gbps": bench_gbps, "reference_gbps": ref_gbps,
            "diff_pct": diff, "within_target": abs(diff) <= target_pct,
            "bench_pct_of_theoretical": 100 * bench_gbps / theo if theo else None,
            "reference_pct_of_theoretical": 100 * ref_gbps / theo if theo else None,
        })
    return {"rows": rows, "theoretical_gbps": theo, "target_pct": target_pct,
            "ok": bool(rows) and all(r["within_target"] for r in rows)}


def _machine_lines(meta: dict, bench: Report | None, comparison: dict) -> list[str]:
    env = bench.environment if bench else None
    gpu, link = (env.gpu if env else None), (env.link if env else None)

    def get(obj, name):
        value = getattr(obj, name, None) if obj is not None else None
        return "?" if value is None else value

    theo = comparison["theoretical_gbps"]
    return [
        f"# bench_transfer GPU verification — {get(gpu, 'name')}",
        "",
        f"- Date (UTC): {meta['date_utc']}",
        f"- Machine: {get(gpu, 'name')} (capability {get(gpu, 'capability')}), driver {get(gpu, 'driver')}, "
        f"CPU {get(env, 'cpu_model')} ({get(env, 'torch_threads')} torch threads)",
        f"- Software: Python {get(env, 'python')}, torch {get(env, 'torch')} (CUDA {get(env, 'torch_cuda')}), "
        f"CuPy {meta.get('cupy', '?')}",
        f"- Link: PCIe Gen{get(link, 'pcie_current_gen')} x{get(link, 'pcie_current_width')} during a copy "
        f"(max Gen{get(link, 'pcie_max_gen')} x{get(link, 'pcie_max_width')}), theoretical "
        + (f"{theo:.2f} GB/s" if theo else "unknown (no NVML)"),
        f"- Benchmark run: `{meta['bench_command']}` — {meta['bench_seconds']:.0f} s, exit {meta['bench_returncode']}",
    ]


def render_markdown(meta: dict, bench: Report | None, comparison: dict) -> str:
    """Short results file: the machine, the date, the numbers, the verdict."""
    lines = _machine_lines(meta, bench, comparison) + [
        "",
        f"Pinned copies, decimal GB/s, medians; reference = CuPy `cudaMemcpyAsync` between CUDA events; "
        f"target |difference| ≤ {comparison['target_pct']:.0f} %.",
        "",
        "| direction | size | bench_transfer | reference | difference | bench % of theoretical |",
        "|---|---|---|---|---|---|",
    ]
    for r in comparison["rows"]:
        pct = f"{r['bench_pct_of_theoretical']:.1f} %" if r["bench_pct_of_theoretical"] is not None else "—"
        lines.append(f"| {r['direction'].upper()} | {r['size_bytes'] / 2**20:g} MiB | {r['bench_gbps']:.2f} | "
                     f"{r['reference_gbps']:.2f} | {r['diff_pct']:+.2f} % | {pct} |")
    lines += ["", "Verdict: " + ("within target." if comparison["ok"] else "OUTSIDE target or nothing compared."), ""]
    if bench and bench.verdicts:
        lines.append("Benchmark verdicts (student-facing, French):")
        lines += [f"- {v.text_fr}" for v in bench.verdicts]
        lines.append("")
    produced = bench.plots.produced if bench and bench.plots else []
    lines.append("Plots: " + ", ".join(f"`bench/{p}`" for p in produced) if produced else
                 "Plots: none drawn on that machine (no matplotlib there); redraw them from the JSON with "
                 "`python scripts/bench_transfer.py --from-json bench/bench_transfer.json --out bench`.")
    return "\n".join(lines) + "\n"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "gpu"


def reference_sizes(bench: Report | None) -> list[int]:
    """The benchmark's sizes from 64 MiB up (or 64 and 256 MiB when it measured none)."""
    sizes = sorted(s for s in (bench.options.sizes_bytes if bench else []) if s >= REFERENCE_MIN_SIZE)
    return sizes or [REFERENCE_MIN_SIZE, 4 * REFERENCE_MIN_SIZE]


# --- reference: CuPy raw cudaMemcpyAsync timed with CUDA events ----------------------------------

def _cupy_copy_batch(cupy, stream, dst: int, src: int, size: int, kind: int):
    """Batch timer: `reps` raw cudaMemcpyAsync calls between two CUDA events on `stream` (seconds per batch)."""
    start, end = cupy.cuda.Event(), cupy.cuda.Event()

    def batch(reps: int) -> float:
        stream.synchronize()
        start.record(stream)
        for _ in range(reps):
            cupy.cuda.runtime.memcpyAsync(dst, src, size, kind, stream.ptr)
        end.record(stream)
        end.synchronize()
        return cupy.cuda.get_elapsed_time(start, end) / 1e3
    return batch


def cupy_reference(sizes, samples: int = 20, min_sample_s: float = 0.01) -> list[dict]:
    """Pinned host <-> device bandwidth with the CUDA runtime directly (decimal GB/s, median, p10/p90)."""
    import cupy
    import numpy as np

    rt = cupy.cuda.runtime
    stream = cupy.cuda.Stream(non_blocking=True)
    results = []
    for size in sizes:
        host_mem = cupy.cuda.alloc_pinned_memory(size)
        host = np.frombuffer(host_mem, dtype=np.uint8, count=size)
        host[:] = 1  # touch every page
        dev = cupy.cuda.alloc(size)
        dev.memset(0, size)
        for direction, kind, dst, src in (("h2d", rt.memcpyHostToDevice, dev.ptr, host_mem.ptr),
                                          ("d2h", rt.memcpyDeviceToHost, host_mem.ptr, dev.ptr)):
            batch = _cupy_copy_batch(cupy, stream, dst, src, size, kind)
            for _ in range(3):
                batch(1)  # warm-up
            reps = max(1, int(min_sample_s / batch(1)) + 1)
            times = [batch(reps) / reps for _ in range(samples)]
            stats = summarize(times)
            results.append({
                "direction": direction, "size_bytes": size, "reps_per_sample": reps, "time_s": to_json(stats),
                "bandwidth_gbps": {"median": size / stats.median / 1e9, "p10": size / stats.p90 / 1e9,
                                   "p90": size / stats.p10 / 1e9},
                "samples_s": times,
            })
        del host, host_mem, dev
    return results


# --- the run -------------------------------------------------------------------------------------

def _default_out(date: _dt.datetime, gpu_name: str) -> str:
    docs = ROOT / "docs" / "bench"
    name = f"{date:%Y-%m-%d}-{slug(gpu_name)}"
    return str(docs / name if docs.is_dir() else Path.cwd() / name)


def run_bench(out: str, quick: bool, timeout: float) -> tuple[dict, Report | None]:
    """The benchmark as a process (this checkout's labtools); its output saved beside the results."""
    bench_dir = os.path.join(out, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    args = ["--out", bench_dir] + (["--quick"] if quick else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    cmd = [sys.executable, "-m", "labtools.bench", *args]
    print("+ " + " ".join(cmd), flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    seconds = time.perf_counter() - started
    for name, text in (("bench_stdout.txt", proc.stdout), ("bench_stderr.txt", proc.stderr)):
        with open(os.path.join(out, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    print(proc.stdout, flush=True)
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
    try:
        bench = load_report(os.path.join(bench_dir, JSON_NAME))
    except ValueError as exc:
        print(f"Rapport du banc d'essai illisible : {exc}", file=sys.stderr)
        bench = None
    meta = {"bench_command": " ".join(["python", "scripts/bench_transfer.py", *args]),
            "bench_seconds": seconds, "bench_returncode": proc.returncode}
    return meta, bench


def nvidia_smi() -> str:
    """An independent record of the link and driver (idle reading: the link may be trained down)."""
    try:
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.gen.max,"
                              "pcie.link.width.current,pcie.link.width.max,clocks.sm,clocks.max.sm",
                              "--format=csv"], capture_output=True, text=True, timeout=30)
        return smi.stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unavailable: {exc}"


def measure_reference(sizes: list[int], meta: dict) -> list[dict]:
    try:
        import cupy

        meta["cupy"] = cupy.__version__
        print(f"Référence CuPy cudaMemcpyAsync (mémoire épinglée) : {', '.join(str(s >> 20) + ' MiB' for s in sizes)}",
              flush=True)
        return cupy_reference(sizes)
    except Exception as exc:  # reported, never hidden: the verdict becomes 'nothing compared'
        meta["reference_error"] = f"{type(exc).__name__}: {exc}"
        print(f"Référence CuPy impossible : {meta['reference_error']}", file=sys.stderr)
        return []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Run bench_transfer.py on a GPU and check its pinned H2D/D2H bandwidth against CuPy's raw "
                    "cudaMemcpyAsync (target: within 3 %). Results are meant for docs/bench/.")
    parser.add_argument("--out", help="output directory (default: docs/bench/<date>-<gpu>)")
    parser.add_argument("--quick", action="store_true", help="pass --quick to the benchmark (smoke run)")
    parser.add_argument("--bench-timeout", type=float, default=420, help="seconds allowed for the benchmark run")
    args = parser.parse_args(argv)

    import torch

    if not torch.cuda.is_available():
        print(f"gpu_verify: aucun GPU CUDA utilisable (torch {torch.__version__}, CUDA {torch.version.cuda}) — "
              "cette vérification ne se fait que sur une machine avec GPU.", file=sys.stderr)
        return 2
    name = torch.cuda.get_device_name(0)
    date = _dt.datetime.now(_dt.timezone.utc)
    out = os.path.abspath(args.out or _default_out(date, name))
    run_meta, bench = run_bench(out, args.quick, args.bench_timeout)
    meta = {"date_utc": date.isoformat(timespec="seconds"), **run_meta, "gpu": name, "nvidia_smi": nvidia_smi()}
    reference = measure_reference(reference_sizes(bench), meta)
    comparison = compare(bench, reference)
    with open(os.path.join(out, "verify.json"), "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "reference": reference, "comparison": comparison}, handle, indent=1)
    text = render_markdown(meta, bench, comparison)
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    print(f"Résultats écrits dans {out}")
    return 0 if comparison["ok"] and meta["bench_returncode"] == 0 else 1
