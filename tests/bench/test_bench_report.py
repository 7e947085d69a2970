"""The analysis and output stages on a synthetic GPU run with known answers, and on the committed real runs.

No GPU here: the measurement records are built from a model (known latency, bandwidth, FLOP rates),
then the real analysis, plotting (matplotlib), JSON/CSV writing and French terminal report run on them.
The GPU runs committed under docs/bench/ are read back and redrawn by this code.
"""
from __future__ import annotations

import csv
import json

import pytest
from bench_helpers import (
    COMMITTED_RUNS,
    CPU_FLOPS,
    GPU_FLOPS,
    GPU_LAUNCH,
    LINK,
    assert_valid_png,
    run_bench,
    synthetic_report,
)

from labtools.bench import report as schema
from labtools.bench.cli import publish
from labtools.bench.report import Plots, load_report, write_json

GPU_RUNS = sorted(p.parent.parent for p in COMMITTED_RUNS.glob("*/bench/bench_transfer.json"))


def test_fits_recover_the_link_model():
    report = synthetic_report()
    fits = {f.mode: f for f in report.transfer_fits}
    assert set(fits) == set(schema.TRANSFER_MODES)
    pinned = fits["h2d_pinned_nonblocking"]
    assert pinned.bandwidth_gbps == pytest.approx(50.0, rel=1e-6)
    assert pinned.latency_s == pytest.approx(10e-6, rel=1e-6)
    assert pinned.half_peak_size_model_bytes == pytest.approx(500_000, rel=1e-6)
    assert fits["d2h_pageable_blocking"].bandwidth_gbps == pytest.approx(20.0, rel=1e-6)


def test_verdicts_and_crossovers():
    report = synthetic_report()
    verdicts = {(v.workload, v.size): v for v in report.verdicts}
    assert set(verdicts) == {("matmul", 4096), ("add", 2**20), ("add", 2**24)}
    big = verdicts[("matmul", 4096)]
    assert big.winner == "gpu" and "vaut le coup" in big.text_fr
    expected = (2 * 4096**3 / CPU_FLOPS) / (GPU_LAUNCH + 2 * 4096**3 / GPU_FLOPS + 3 * LINK["latency"]
                                            + 12 * 4096**2 / LINK["pageable"])
    assert big.speedup == pytest.approx(expected, rel=1e-9)
    add = verdicts[("add", 2**20)]
    assert add.winner == "cpu" and "restez sur le CPU" in add.text_fr
    # copies alone (12 bytes per element at 20 GB/s) against 12 bytes per element at 40 GB/s on the CPU
    assert add.copy_over_cpu == pytest.approx((3 * LINK["latency"] + 12 * 2**20 / 20e9) / (12 * 2**20 / 40e9), rel=1e-6)

    cross = report.crossovers["matmul"]["gpu_e2e"]
    assert cross.status == "crossover"
    model_cpu = [2 * n**3 / CPU_FLOPS for n in range(16, 4097)]
    model_gpu = [GPU_LAUNCH + 2 * n**3 / GPU_FLOPS + 3 * LINK["latency"] + 12 * n * n / LINK["pageable"]
                 for n in range(16, 4097)]
    exact = next(n for n, c, g in zip(range(16, 4097), model_cpu, model_gpu) if g < c)
    assert cross.size == pytest.approx(exact, rel=0.15)
    assert report.crossovers["add"]["gpu_e2e"].status == "cpu_faster_everywhere"
    assert report.crossovers["add"]["gpu_compute"].status in ("crossover", "gpu_faster_everywhere")

    roof = report.roofline
    assert roof.link_Bps == pytest.approx(50e9, rel=1e-6)
    assert roof.cpu_peak_flops == pytest.approx(CPU_FLOPS, rel=1e-9)
    assert roof.break_even_intensity == pytest.approx(CPU_FLOPS / 50e9, rel=1e-6)


def test_publish_writes_all_gpu_outputs(tmp_path, capsys):
    report = synthetic_report()
    publish(report, str(tmp_path))
    out = capsys.readouterr().out
    assert report.plots.produced == [schema.PLOT_BANDWIDTH, schema.PLOT_TIME, schema.PLOT_ROOFLINE]
    assert report.plots.skipped == {}
    for name in report.plots.produced:
        assert_valid_png(tmp_path / name)
    data = json.loads((tmp_path / schema.JSON_NAME).read_text(encoding="utf-8"))
    assert data["verdicts"][0]["text_fr"] == report.verdicts[0].text_fr
    assert set(data) == schema.field_names(schema.Report)
    with open(tmp_path / schema.CSV_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report.transfers) + len(report.pin_memory.results) + len(report.compute)
    assert "H2D épi. nb" in out and "== Verdict ==" in out and "bloc en cache" in out
    assert "(79 % du théorique 63.0 Go/s)" in out  # 50 GB/s over PCIe Gen5 x16
    assert "devient plus rapide à partir de n ≈" in out
    assert "ne devient jamais plus rapide" in out  # the vector addition


def test_json_round_trip_keeps_every_field(tmp_path):
    report = synthetic_report()
    report.plots = Plots(produced=[], skipped={})
    write_json(str(tmp_path / "r.json"), report)
    assert load_report(str(tmp_path / "r.json")) == report


def test_from_json_redraws_a_gpu_run_without_measuring(tmp_path):
    """A GPU run saved elsewhere (here: the synthetic one) is redrawn on this GPU-less machine, as a process."""
    source = tmp_path / "h100" / schema.JSON_NAME
    source.parent.mkdir()
    report = synthetic_report()
    report.plots = Plots(produced=[], skipped={schema.PLOT_BANDWIDTH: "matplotlib n'est pas installé"})
    write_json(str(source), report)
    out = tmp_path / "redrawn"
    proc = run_bench("--from-json", str(source), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Rapport redessiné à partir de {source}" in proc.stdout
    assert "Pas de GPU" not in proc.stdout and "[1/" not in proc.stderr  # nothing was measured
    assert "== Verdict ==" in proc.stdout and "(79 % du théorique 63.0 Go/s)" in proc.stdout
    assert "non produit" not in proc.stdout  # the stale 'no matplotlib' entry was replaced
    data = json.loads((out / schema.JSON_NAME).read_text(encoding="utf-8"))
    assert data["plots"] == {"produced": [schema.PLOT_BANDWIDTH, schema.PLOT_TIME, schema.PLOT_ROOFLINE], "skipped": {}}
    assert data["transfers"] == json.loads(source.read_text(encoding="utf-8"))["transfers"]
    for name in data["plots"]["produced"]:
        assert_valid_png(out / name)
    assert (out / schema.CSV_NAME).is_file()


def test_there_are_committed_gpu_runs():
    assert [p.name for p in GPU_RUNS] == ["2026-11-28-nvidia-h100-80gb-hbm3", "2026-11-28-nvidia-h200"]


@pytest.mark.parametrize("run", GPU_RUNS, ids=lambda p: p.name)
def test_committed_gpu_run_is_redrawn_identically(run, tmp_path):
    """A real GPU report, read back by this code: the same JSON and CSV come out, the verdicts of results.md."""
    source = run / "bench" / schema.JSON_NAME
    out = tmp_path / "redrawn"
    proc = run_bench("--from-json", str(source), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / schema.JSON_NAME).read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8"))
    assert (out / schema.CSV_NAME).read_bytes() == (run / "bench" / schema.CSV_NAME).read_bytes()
    verdicts = [line for line in (run / "results.md").read_text(encoding="utf-8").splitlines()
                if line.startswith(("- Produit", "- Addition"))]
    assert len(verdicts) == 3 and all(line in proc.stdout.splitlines() for line in verdicts)
    report = load_report(str(source))
    assert report.environment.gpu.name in ("NVIDIA H200", "NVIDIA H100 80GB HBM3")
    assert report.environment.link.theoretical_gbps == pytest.approx(63.015, rel=1e-4)
    for name in schema.PLOT_NAMES:
        assert_valid_png(out / name)


@pytest.mark.parametrize("content, args, fragment", [
    (None, (), "impossible de lire"),
    ("{not json", (), "pas du JSON valide"),
    ('{"tool": "autre"}', (), "pas un résultat de bench_transfer.py"),
    ('{"tool": "bench_transfer", "schema_version": 99}', (), "schéma 99"),
    ('{"tool": "bench_transfer", "schema_version": 1}', ("--quick",), "ne se combine pas"),
    ('{"tool": "bench_transfer", "schema_version": 1}', (), "champ 'command' manquant"),
])
def test_from_json_bad_input_exit_2(tmp_path, content, args, fragment):
    source = tmp_path / "in.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    proc = run_bench("--from-json", str(source), "--out", str(tmp_path / "out"), *args)
    assert proc.returncode == 2
    assert "--from-json" in proc.stderr and fragment in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "bench_transfer.json").exists()


def test_from_json_names_a_field_of_the_wrong_type(tmp_path):
    data = synthetic_report().to_json()
    data["transfers"][3]["time_s"]["median"] = "vite"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    proc = run_bench("--from-json", str(source), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "rapport.transfers[3].time_s.median : float attendu" in proc.stderr
