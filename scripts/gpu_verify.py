#!/usr/bin/env python3
"""GPU verification of bench_transfer.py against an independent reference (issue 4).

One prepared run for a machine with an NVIDIA GPU (no Docker needed; Python 3.11+, torch >= 2.11, CuPy):
  1. runs the benchmark's default run (`scripts/bench_transfer.py --out OUT/bench`);
  2. times the same pinned copies with CuPy's raw `cudaMemcpyAsync` between CUDA events (its own pinned
     host buffer, its own device buffer, its own stream: nothing shared with torch's code path);
  3. compares them (target: pinned H2D and D2H within 3 % of the reference) and gives the % of the
     link's theoretical bandwidth (read by the benchmark through NVML during a copy);
  4. writes OUT/results.md (machine, date, numbers), OUT/verify.json and the benchmark's files in OUT/bench/.

Exit codes: 0 = within target, 1 = measured but outside target (or no reference), 2 = no usable GPU.
Results from a real GPU are committed under docs/bench/ (e.g. docs/bench/2026-11-27-h100/).
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

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bench_transfer.py")
TARGET_PCT = 3.0
REFERENCE_MIN_SIZE = 64 * 2**20  # compare where per-copy overheads are negligible (as nvbandwidth does)
MODES = {"h2d": "h2d_pinned_nonblocking", "d2h": "d2h_pinned_nonblocking"}


def _bench_module():
    """bench_transfer.py's pure helpers (summarize, format_bytes), loaded from the sibling file."""
    import importlib.util

    if "bench_transfer" in sys.modules:
        return sys.modules["bench_transfer"]
    spec = importlib.util.spec_from_file_location("bench_transfer", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_transfer"] = module
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------------
# Pure helpers (tested on CPU)
# ----------------------------------------------------------------------------------------------

def percent_diff(value: float, reference: float) -> float:
    return 100.0 * (value - reference) / reference


def compare(bench: dict, reference: list[dict], target_pct: float = TARGET_PCT) -> dict:
    """Rows bench-vs-reference for every (direction, size) measured by both, and the overall verdict."""
    theo = ((bench.get("environment") or {}).get("link") or {}).get("theoretical_gbps")
    by_key = {(t["mode"], t["size_bytes"]): t for t in bench.get("transfers", [])}
    rows = []
    for ref in reference:
        mode = MODES[ref["direction"]]
        rec = by_key.get((mode, ref["size_bytes"]))
        if rec is None:
            continue
        bench_gbps = rec["bandwidth_gbps"]["median"]
        diff = percent_diff(bench_gbps, ref["bandwidth_gbps"]["median"])
        rows.append({
            "direction": ref["direction"], "size_bytes": ref["size_bytes"], "bench_mode": mode,
            "bench_gbps": bench_gbps, "reference_gbps": ref["bandwidth_gbps"]["median"],
            "diff_pct": diff, "within_target": abs(diff) <= target_pct,
            "bench_pct_of_theoretical": 100 * bench_gbps / theo if theo else None,
            "reference_pct_of_theoretical": 100 * ref["bandwidth_gbps"]["median"] / theo if theo else None,
        })
    return {"rows": rows, "theoretical_gbps": theo, "target_pct": target_pct,
            "ok": bool(rows) and all(r["within_target"] for r in rows)}


def render_markdown(meta: dict, bench: dict, comparison: dict) -> str:
    """Short results file: the machine, the date, the numbers, the verdict."""
    env = bench.get("environment") or {}
    gpu, link = env.get("gpu") or {}, env.get("link") or {}
    lines = [
        f"# bench_transfer GPU verification — {gpu.get('name', '?')}",
        "",
        f"- Date (UTC): {meta['date_utc']}",
        f"- Machine: {gpu.get('name', '?')} (capability {gpu.get('capability', '?')}), driver {gpu.get('driver', '?')}, "
        f"CPU {env.get('cpu_model', '?')} ({env.get('torch_threads', '?')} torch threads)",
        f"- Software: Python {env.get('python', '?')}, torch {env.get('torch', '?')} (CUDA {env.get('torch_cuda', '?')}), "
        f"CuPy {meta.get('cupy', '?')}",
        f"- Link: PCIe Gen{link.get('pcie_current_gen', '?')} x{link.get('pcie_current_width', '?')} during a copy "
        f"(max Gen{link.get('pcie_max_gen', '?')} x{link.get('pcie_max_width', '?')}), theoretical "
        + (f"{comparison['theoretical_gbps']:.2f} GB/s" if comparison["theoretical_gbps"] else "unknown (no NVML)"),
        f"- Benchmark run: `{meta['bench_command']}` — {meta['bench_seconds']:.0f} s, exit {meta['bench_returncode']}",
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
    verdicts = bench.get("verdicts") or []
    if verdicts:
        lines.append("Benchmark verdicts (student-facing, French):")
        lines += [f"- {v['text_fr']}" for v in verdicts]
        lines.append("")
    produced = (bench.get("plots") or {}).get("produced") or []
    lines.append("Plots: " + ", ".join(f"`bench/{p}`" for p in produced) if produced else
                 "Plots: none drawn on that machine (no matplotlib there); redraw them from the JSON with "
                 "`python scripts/bench_transfer.py --from-json bench/bench_transfer.json --out bench`.")
    return "\n".join(lines) + "\n"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "gpu"


# ----------------------------------------------------------------------------------------------
# Reference: CuPy raw cudaMemcpyAsync timed with CUDA events
# ----------------------------------------------------------------------------------------------

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
    import numpy as np
    import cupy

    bt = _bench_module()
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
            stats = bt.summarize(times)
            results.append({
                "direction": direction, "size_bytes": size, "reps_per_sample": reps, "time_s": stats,
                "bandwidth_gbps": {"median": size / stats["median"] / 1e9, "p10": size / stats["p90"] / 1e9,
                                   "p90": size / stats["p10"] / 1e9},
                "samples_s": times,
            })
        del host, host_mem, dev
    return results


# ----------------------------------------------------------------------------------------------

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
    out = os.path.abspath(args.out or os.path.join(HERE, "..", "docs", "bench", f"{date:%Y-%m-%d}-{slug(name)}"))
    bench_dir = os.path.join(out, "bench")
    os.makedirs(bench_dir, exist_ok=True)

    cmd = [sys.executable, BENCH, "--out", bench_dir] + (["--quick"] if args.quick else [])
    print("+ " + " ".join(cmd), flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.bench_timeout)
    bench_seconds = time.perf_counter() - started
    with open(os.path.join(out, "bench_stdout.txt"), "w", encoding="utf-8") as handle:
        handle.write(proc.stdout)
    with open(os.path.join(out, "bench_stderr.txt"), "w", encoding="utf-8") as handle:
        handle.write(proc.stderr)
    print(proc.stdout, flush=True)
    if proc.returncode != 0:
        print(proc.stderr[-4000:], file=sys.stderr)
    bench_json = os.path.join(bench_dir, "bench_transfer.json")
    bench = json.load(open(bench_json, encoding="utf-8")) if os.path.exists(bench_json) else {}

    meta = {"date_utc": date.isoformat(timespec="seconds"),
            "bench_command": " ".join(["python", "scripts/bench_transfer.py"] + cmd[2:]),
            "bench_seconds": bench_seconds, "bench_returncode": proc.returncode, "gpu": name}
    try:  # an independent record of the link and driver (idle reading: the link may be trained down)
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.gen.max,"
                              "pcie.link.width.current,pcie.link.width.max,clocks.sm,clocks.max.sm",
                              "--format=csv"], capture_output=True, text=True, timeout=30)
        meta["nvidia_smi"] = smi.stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        meta["nvidia_smi"] = f"unavailable: {exc}"
    sizes = sorted(s for s in (bench.get("options") or {}).get("sizes_bytes", []) if s >= REFERENCE_MIN_SIZE) \
        or [REFERENCE_MIN_SIZE, 4 * REFERENCE_MIN_SIZE]
    try:
        import cupy

        meta["cupy"] = cupy.__version__
        print(f"Référence CuPy cudaMemcpyAsync (mémoire épinglée) : {', '.join(str(s >> 20) + ' MiB' for s in sizes)}",
              flush=True)
        reference = cupy_reference(sizes)
    except Exception as exc:  # reported, never hidden: the verdict becomes 'nothing compared'
        meta["reference_error"] = f"{type(exc).__name__}: {exc}"
        print(f"Référence CuPy impossible : {meta['reference_error']}", file=sys.stderr)
        reference = []

    comparison = compare(bench, reference)
    with open(os.path.join(out, "verify.json"), "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "reference": reference, "comparison": comparison}, handle, indent=1)
    text = render_markdown(meta, bench, comparison)
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    print(f"Résultats écrits dans {out}")
    return 0 if comparison["ok"] and proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
