"""The GPU verification (labtools.bench.verify): the comparison and the results file on synthetic numbers, the
committed real runs recomputed from their own files, and the no-GPU exit of `python scripts/gpu_verify.py`."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from bench_helpers import COMMITTED_RUNS, REPO, synthetic_report, timed

from labtools.bench import verify
from labtools.bench.report import Plots, Verdict, load_report
from labtools.bench.transfers import transfer_record

MIB = 2**20


def bw(median):
    return {"bandwidth_gbps": {"median": median, "p10": median * 0.99, "p90": median * 1.01}}


def bench_report(theoretical=63.015):
    """A benchmark report whose pinned copies have the given medians (GB/s)."""
    report = synthetic_report()
    report.environment.gpu.name = "NVIDIA H100 PCIe"
    report.environment.link.theoretical_gbps = theoretical
    medians = {("h2d", 64 * MIB): 53.0, ("h2d", 256 * MIB): 54.0, ("d2h", 64 * MIB): 52.0, ("d2h", 256 * MIB): 50.0}
    report.transfers = [transfer_record(f"{d}_pinned_nonblocking", size, timed(size / (gbps * 1e9)))
                        for (d, size), gbps in medians.items()]
    report.transfers.append(transfer_record("h2d_pageable_blocking", 64 * MIB, timed(64 * MIB / 20e9)))
    report.plots = Plots(produced=["bench_bandwidth.png"], skipped={})
    report.verdicts = [Verdict(workload="matmul", size=4096, target="gpu_e2e", winner="gpu", speedup=40.0,
                               copy_over_cpu=None,
                               text_fr="Produit matriciel 4096×4096 : ça vaut le coup sur le GPU, 40× plus rapide.")]
    return report


def reference(values):
    return [{"direction": d, "size_bytes": s, **bw(v)} for (d, s), v in values.items()]


def test_compare_within_target():
    ref = reference({("h2d", 64 * MIB): 53.5, ("h2d", 256 * MIB): 54.5, ("d2h", 64 * MIB): 52.5,
                     ("d2h", 256 * MIB): 50.2, ("h2d", 1024 * MIB): 55.0})  # 1 GiB: not in the bench, ignored
    res = verify.compare(bench_report(), ref)
    assert res["ok"] is True and len(res["rows"]) == 4
    row = next(r for r in res["rows"] if r["direction"] == "h2d" and r["size_bytes"] == 64 * MIB)
    assert row["diff_pct"] == pytest.approx(100 * (53.0 - 53.5) / 53.5)
    assert row["bench_pct_of_theoretical"] == pytest.approx(100 * 53.0 / 63.015)


def test_compare_outside_target_and_empty():
    res = verify.compare(bench_report(), reference({("d2h", 256 * MIB): 52.0}))  # bench 50.0: -3.8 %
    assert res["ok"] is False and res["rows"][0]["within_target"] is False
    assert verify.compare(bench_report(), [])["ok"] is False  # nothing compared is not a pass
    assert verify.compare(None, reference({("h2d", 64 * MIB): 53.0}))["ok"] is False  # no benchmark report
    assert verify.compare(bench_report(theoretical=None), reference({("h2d", 64 * MIB): 53.0}))["rows"][0][
        "bench_pct_of_theoretical"] is None


def test_results_markdown():
    bench = bench_report()
    res = verify.compare(bench, reference({("h2d", 64 * MIB): 53.5, ("d2h", 64 * MIB): 52.5}))
    meta = {"date_utc": "2026-11-27T12:00:00+00:00", "bench_command": "python scripts/bench_transfer.py --out x",
            "bench_seconds": 61.0, "bench_returncode": 0, "cupy": "13.6.0"}
    text = verify.render_markdown(meta, bench, res)
    assert "NVIDIA H100 PCIe" in text and "2026-11-27" in text and "CuPy 13.6.0" in text
    assert "| H2D | 64 MiB | 53.00 | 53.50 | -0.93 % | 84.1 % |" in text
    assert "Verdict: within target." in text and "40× plus rapide" in text
    assert "# bench_transfer GPU verification — ?" in verify.render_markdown(meta, None, verify.compare(None, []))


def test_slug():
    assert verify.slug("NVIDIA H100 80GB HBM3") == "nvidia-h100-80gb-hbm3"


@pytest.mark.parametrize("run", sorted(p.parent for p in COMMITTED_RUNS.glob("*/verify.json")), ids=lambda p: p.name)
def test_committed_run_recomputes_to_its_results(run):
    """The committed comparison follows from the committed benchmark JSON and CuPy samples, with this code."""
    saved = json.loads((run / "verify.json").read_text(encoding="utf-8"))
    bench = load_report(str(run / "bench" / "bench_transfer.json"))
    comparison = verify.compare(bench, saved["reference"])
    assert comparison == saved["comparison"]
    assert comparison["ok"] and len(comparison["rows"]) == 6
    assert verify.reference_sizes(bench) == [64 * MIB, 256 * MIB, 1024 * MIB]
    assert verify.render_markdown(saved["meta"], bench, comparison) == (run / "results.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_run_bench_runs_this_checkouts_benchmark(tmp_path, monkeypatch):
    """The benchmark step of the check, on the CPU: `python -m labtools.bench`, its output kept, its report typed."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.chdir(tmp_path)  # the package must come from PYTHONPATH, not from the working directory
    meta, bench = verify.run_bench(str(tmp_path), quick=True, timeout=120)
    assert meta["bench_returncode"] == 0, (tmp_path / "bench_stderr.txt").read_text(encoding="utf-8")[-3000:]
    assert meta["bench_command"] == f"python scripts/bench_transfer.py --out {tmp_path / 'bench'} --quick"
    assert "Pas de GPU CUDA disponible" in (tmp_path / "bench_stdout.txt").read_text(encoding="utf-8")
    assert bench is not None and bench.options.quick and bench.environment.gpu is None
    assert verify.reference_sizes(bench) == [64 * MIB, 256 * MIB]  # --quick stops at 16 MiB
    assert verify.compare(bench, [])["ok"] is False


def test_no_gpu_exit_2():
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gpu_verify.py")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2
    assert "aucun GPU CUDA utilisable" in proc.stderr
