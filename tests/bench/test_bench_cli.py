"""`python scripts/bench_transfer.py` as a process: the CPU path end to end, the no-GPU message, bad input.

Every run hides GPUs (CUDA_VISIBLE_DEVICES=''), so the same CPU path is tested on any machine.
"""
from __future__ import annotations

import csv
import json
import math

import pytest
from bench_helpers import assert_valid_png, run_bench

from labtools.bench import plan, report, timing
from labtools.bench.report import Environment, Report, Stats, TransferRecord, field_names


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results"  # does not exist yet: the script creates it
    proc = run_bench("--quick", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out, json.loads((out / "bench_transfer.json").read_text(encoding="utf-8"))


def test_no_gpu_said_in_one_line_then_cpu_part(quick_run):
    proc, _, _ = quick_run
    lines = proc.stdout.splitlines()
    no_gpu = [line for line in lines if line.startswith("Pas de GPU")]
    assert len(no_gpu) == 1 and "seule la partie CPU est mesurée" in no_gpu[0]
    assert "threads (torch.get_num_threads())" in proc.stdout
    assert "== Produit matriciel n×n float32" in proc.stdout and "== Addition de deux vecteurs" in proc.stdout
    assert "pin_memory() : non mesuré" in proc.stdout
    assert "[1/12] hôte→hôte 4 Kio" in proc.stderr  # progress goes to stderr
    assert "Traceback" not in proc.stderr


def test_json_schema(quick_run):
    _, _, data = quick_run
    assert set(data) == field_names(Report)
    assert data["schema_version"] == report.SCHEMA_VERSION and data["options"]["quick"] is True
    env = data["environment"]
    assert set(env) == field_names(Environment)
    assert env["cuda_available"] is False and env["gpu"] is None and env["torch_threads"] >= 1
    # host copies at the four quick sizes, with statistics and a bandwidth consistent with them
    assert [t["size_bytes"] for t in data["transfers"]] == plan.QUICK_SIZES
    for rec in data["transfers"]:
        assert set(rec) == field_names(TransferRecord) and set(rec["time_s"]) == field_names(Stats)
        assert rec["mode"] == "h2h_pageable_blocking"
        t = rec["time_s"]
        assert 0 < t["min"] <= t["p10"] <= t["median"] <= t["p90"] <= t["max"]
        assert t["n"] == len(rec["samples_s"]) >= timing.QUICK.hard_min_samples
        # each sample is a batch that lasts at least QUICK.min_sample_s (1 ms), whatever the copy size
        assert rec["reps_per_sample"] * t["median"] >= 0.5 * timing.QUICK.min_sample_s
        assert rec["bandwidth_gbps"]["median"] == pytest.approx(rec["size_bytes"] / t["median"] / 1e9)
    assert [f["mode"] for f in data["transfer_fits"]] == ["h2h_pageable_blocking"]
    assert data["pin_memory"]["available"] is False and "CUDA" in data["pin_memory"]["reason"]
    compute = data["compute"]
    assert {c["target"] for c in compute} == {"cpu"}
    assert sorted(c["size"] for c in compute if c["workload"] == "matmul") == plan.MATMUL_SIZES["quick"]
    assert sorted(c["size"] for c in compute if c["workload"] == "add") == plan.ADD_SIZES["quick"]
    for rec in compute:
        assert rec["gflops"] == pytest.approx(rec["flops"] / rec["time_s"]["median"] / 1e9)
    assert data["verdicts"] == [] and data["comparisons"] == [] and data["roofline"] is None


def test_csv_readable(quick_run):
    _, out, data = quick_run
    with open(out / "bench_transfer.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data["transfers"]) + len(data["compute"])
    for row in rows:
        assert float(row["median_s"]) > 0 and math.isfinite(float(row["p90_s"]))
    assert {row["section"] for row in rows} == {"transfer", "compute"}


def test_plots_are_valid_pngs(quick_run):
    _, out, data = quick_run
    assert data["plots"]["produced"] == ["bench_bandwidth.png", "bench_time.png"]
    for name in data["plots"]["produced"]:
        assert_valid_png(out / name)
    assert "pas de GPU" in data["plots"]["skipped"]["bench_roofline.png"]
    assert not (out / "bench_roofline.png").exists()
    assert "bench_roofline.png non produit" in quick_run[0].stdout


def test_optional_modules_missing(tmp_path):
    """Without matplotlib, tqdm and nvidia-ml-py: a note, JSON and CSV anyway, exit 0."""
    hide = "import sys\nfor name in ('matplotlib', 'tqdm', 'pynvml'):\n    sys.modules[name] = None"
    proc = run_bench("--quick", "--sizes", "4KiB", "--out", str(tmp_path), code=hide)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "matplotlib absent" in proc.stdout
    data = json.loads((tmp_path / "bench_transfer.json").read_text(encoding="utf-8"))
    assert data["plots"]["produced"] == []
    assert set(data["plots"]["skipped"]) == {"bench_bandwidth.png", "bench_time.png", "bench_roofline.png"}
    assert (tmp_path / "bench_transfer.csv").is_file() and not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("sizes, fragment", [
    ("-4KiB", "strictement positive"), ("0", "strictement positive"), ("4KiB,0", "strictement positive"),
    ("4XB", "unité inconnue"), ("beaucoup", "illisible"), ("100000GiB", "mémoire vive"), (",", "vide"),
])
def test_bad_sizes_exit_2(tmp_path, sizes, fragment):
    proc = run_bench(f"--sizes={sizes}", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--sizes" in proc.stderr and fragment in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "bench_transfer.json").exists()


def test_unwritable_out_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = run_bench("--quick", "--out", str(blocker / "sub"))
    assert proc.returncode == 2
    assert "--out" in proc.stderr and "impossible d'écrire" in proc.stderr and "Traceback" not in proc.stderr


def test_device_cuda_without_gpu_exit_2(tmp_path):
    proc = run_bench("--quick", "--device", "cuda", "--out", str(tmp_path))
    assert proc.returncode == 2
    assert "--device cuda : aucun GPU CUDA utilisable" in proc.stderr and "--device cpu" in proc.stderr


def test_bad_device_choice_exit_2(tmp_path):
    proc = run_bench("--device", "tpu", "--out", str(tmp_path))
    assert proc.returncode == 2 and "--device" in proc.stderr


def test_help():
    proc = run_bench("--help")
    assert proc.returncode == 0
    for text in ("--quick", "--out", "--sizes", "--device", "docs/bench", "make bench", "KiB"):
        assert text in proc.stdout
