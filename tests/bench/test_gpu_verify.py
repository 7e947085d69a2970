"""scripts/gpu_verify.py: the comparison and the results file on synthetic numbers; the no-GPU exit."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_verify.py"
MIB = 2**20


@pytest.fixture(scope="module")
def gv(bt):
    spec = importlib.util.spec_from_file_location("gpu_verify", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bw(median):
    return {"bandwidth_gbps": {"median": median, "p10": median * 0.99, "p90": median * 1.01}}


def bench_json(theoretical=63.015):
    transfers = [{"mode": f"{d}_pinned_nonblocking", "size_bytes": s, **bw(v)}
                 for d, s, v in (("h2d", 64 * MIB, 53.0), ("h2d", 256 * MIB, 54.0), ("d2h", 64 * MIB, 52.0),
                                 ("d2h", 256 * MIB, 50.0))]
    transfers.append({"mode": "h2d_pageable_blocking", "size_bytes": 64 * MIB, **bw(20.0)})
    return {"environment": {"gpu": {"name": "NVIDIA H100 PCIe", "capability": "9.0", "driver": "580.1"},
                            "link": {"theoretical_gbps": theoretical, "pcie_current_gen": 5, "pcie_current_width": 16,
                                     "pcie_max_gen": 5, "pcie_max_width": 16},
                            "python": "3.12.3", "torch": "2.11.0", "torch_cuda": "13.0", "cpu_model": "x",
                            "torch_threads": 16},
            "transfers": transfers, "plots": {"produced": ["bench_bandwidth.png"]},
            "verdicts": [{"text_fr": "Produit matriciel 4096×4096 : ça vaut le coup sur le GPU, 40× plus rapide."}]}


def reference(values):
    return [{"direction": d, "size_bytes": s, **bw(v)} for (d, s), v in values.items()]


def test_compare_within_target(gv):
    ref = reference({("h2d", 64 * MIB): 53.5, ("h2d", 256 * MIB): 54.5, ("d2h", 64 * MIB): 52.5,
                     ("d2h", 256 * MIB): 50.2, ("h2d", 1024 * MIB): 55.0})  # 1 GiB: not in the bench, ignored
    res = gv.compare(bench_json(), ref)
    assert res["ok"] is True and len(res["rows"]) == 4
    row = next(r for r in res["rows"] if r["direction"] == "h2d" and r["size_bytes"] == 64 * MIB)
    assert row["diff_pct"] == pytest.approx(100 * (53.0 - 53.5) / 53.5)
    assert row["bench_pct_of_theoretical"] == pytest.approx(100 * 53.0 / 63.015)


def test_compare_outside_target_and_empty(gv):
    res = gv.compare(bench_json(), reference({("d2h", 256 * MIB): 52.0}))  # bench 50.0: -3.8 %
    assert res["ok"] is False and res["rows"][0]["within_target"] is False
    assert gv.compare(bench_json(), [])["ok"] is False  # nothing compared is not a pass
    assert gv.compare(bench_json(theoretical=None), reference({("h2d", 64 * MIB): 53.0}))["rows"][0][
        "bench_pct_of_theoretical"] is None


def test_results_markdown(gv):
    bench = bench_json()
    res = gv.compare(bench, reference({("h2d", 64 * MIB): 53.5, ("d2h", 64 * MIB): 52.5}))
    meta = {"date_utc": "2026-11-27T12:00:00+00:00", "bench_command": "python scripts/bench_transfer.py --out x",
            "bench_seconds": 61.0, "bench_returncode": 0, "cupy": "13.6.0"}
    text = gv.render_markdown(meta, bench, res)
    assert "NVIDIA H100 PCIe" in text and "2026-11-27" in text and "CuPy 13.6.0" in text
    assert "| H2D | 64 MiB | 53.00 | 53.50 | -0.93 % | 84.1 % |" in text
    assert "Verdict: within target." in text and "40× plus rapide" in text


def test_slug(gv):
    assert gv.slug("NVIDIA H100 80GB HBM3") == "nvidia-h100-80gb-hbm3"


def test_no_gpu_exit_2():
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert "aucun GPU CUDA utilisable" in proc.stderr
