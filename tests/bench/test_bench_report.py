"""The analysis and output stages on a synthetic GPU run with known answers.

No GPU here: the measurement records are built from a model (known latency, bandwidth, FLOP rates),
then the real analysis, plotting (matplotlib), JSON/CSV writing and French terminal report run on them.
"""
from __future__ import annotations

import csv
import json

import pytest

LINK = {"latency": 10e-6, "pinned": 50e9, "pageable": 20e9}
CPU_FLOPS, GPU_FLOPS, GPU_LAUNCH = 100e9, 20e12, 5e-6


def timing(bt, median):
    """Five samples at -2 %, -1 %, 0, +1 %, +2 % around the model value."""
    samples = [median * (1 + d / 100) for d in (-2, -1, 0, 1, 2)]
    return {"reps_per_sample": 1, "samples_s": samples, "time_s": bt.summarize(samples)}


def synthetic_run(bt):
    transfers = []
    for mode in bt.MODE_LABELS:
        memory = mode.split("_")[1]
        bandwidth = LINK["pinned"] if memory == "pinned" else LINK["pageable"]
        for size in [4096 * 4**k for k in range(8)]:
            res = timing(bt, LINK["latency"] + size / bandwidth)
            transfers.append(bt._transfer_record(mode, size, res))
    compute = []
    for workload, sizes in (("matmul", [64, 128, 256, 512, 1024, 2048, 4096]), ("add", [2**k for k in range(10, 25, 2)])):
        for n in sizes:
            flops, link_bytes = bt.workload_flops(workload, n), bt.workload_link_bytes(workload, n)
            cpu = flops / CPU_FLOPS if workload == "matmul" else link_bytes / 40e9  # add: memory-bound on CPU
            gpu = GPU_LAUNCH + flops / GPU_FLOPS
            models = {"cpu": cpu, "gpu_compute": gpu,
                      "gpu_e2e": gpu + 3 * LINK["latency"] + link_bytes / LINK["pageable"],
                      "gpu_e2e_pinned": gpu + 3 * LINK["latency"] + link_bytes / LINK["pinned"]}
            for target, t in models.items():
                res = timing(bt, t)
                compute.append({"workload": workload, "size": n, "target": target, "flops": flops,
                                "link_bytes": link_bytes, "reps_per_sample": 1, "time_s": res["time_s"],
                                "gflops": flops / t / 1e9, "samples_s": res["samples_s"]})
    env = {"torch": "2.11.0", "torch_cuda": "13.0", "torch_threads": 16, "cpu_model": "synthetic", "cpu_count": 16,
           "gpu": {"name": "Synthetic GPU", "capability": "9.0"},
           "link": {"pcie_current_gen": 5, "pcie_current_width": 16, "pcie_max_gen": 5, "pcie_max_width": 16,
                    "theoretical_gbps": bt.pcie_theoretical_gbps(5, 16)}}
    pin = {"available": True, "reason": None, "results": [
        {"kind": kind, "size_bytes": 2**20, "host_cache_emptied": True, **timing(bt, t)}
        for kind, t in (("cold", 300e-6), ("cached", 40e-6))]}
    return bt.assemble_report(options={"quick": False}, env=env, transfers=transfers, pin=pin, compute=compute,
                              skipped=[], notes=[], elapsed=1.0, command=["bench_transfer.py"])




def test_fits_recover_the_link_model(bt):
    report = synthetic_run(bt)
    fits = {f["mode"]: f for f in report["transfer_fits"]}
    assert set(fits) == set(bt.MODE_LABELS)
    pinned = fits["h2d_pinned_nonblocking"]
    assert pinned["bandwidth_gbps"] == pytest.approx(50.0, rel=1e-6)
    assert pinned["latency_s"] == pytest.approx(10e-6, rel=1e-6)
    assert pinned["half_peak_size_model_bytes"] == pytest.approx(500_000, rel=1e-6)
    assert fits["d2h_pageable_blocking"]["bandwidth_gbps"] == pytest.approx(20.0, rel=1e-6)


def test_verdicts_and_crossovers(bt):
    report = synthetic_run(bt)
    verdicts = {(v["workload"], v["size"]): v for v in report["verdicts"]}
    assert set(verdicts) == {("matmul", 4096), ("add", 2**20), ("add", 2**24)}
    big = verdicts[("matmul", 4096)]
    assert big["winner"] == "gpu" and "vaut le coup" in big["text_fr"]
    expected = (2 * 4096**3 / CPU_FLOPS) / (GPU_LAUNCH + 2 * 4096**3 / GPU_FLOPS + 3 * LINK["latency"]
                                            + 12 * 4096**2 / LINK["pageable"])
    assert big["speedup"] == pytest.approx(expected, rel=1e-9)
    add = verdicts[("add", 2**20)]
    assert add["winner"] == "cpu" and "restez sur le CPU" in add["text_fr"]
    # copies alone (12 bytes per element at 20 GB/s) against 12 bytes per element at 40 GB/s on the CPU
    assert add["copy_over_cpu"] == pytest.approx((3 * LINK["latency"] + 12 * 2**20 / 20e9) / (12 * 2**20 / 40e9), rel=1e-6)

    cross = report["crossovers"]["matmul"]["gpu_e2e"]
    assert cross["status"] == "crossover"
    model_cpu = [2 * n**3 / CPU_FLOPS for n in range(16, 4097)]
    model_gpu = [GPU_LAUNCH + 2 * n**3 / GPU_FLOPS + 3 * LINK["latency"] + 12 * n * n / LINK["pageable"]
                 for n in range(16, 4097)]
    exact = next(n for n, c, g in zip(range(16, 4097), model_cpu, model_gpu) if g < c)
    assert cross["size"] == pytest.approx(exact, rel=0.15)
    assert report["crossovers"]["add"]["gpu_e2e"]["status"] == "cpu_faster_everywhere"
    assert report["crossovers"]["add"]["gpu_compute"]["status"] in ("crossover", "gpu_faster_everywhere")

    roof = report["roofline"]
    assert roof["link_Bps"] == pytest.approx(50e9, rel=1e-6)
    assert roof["cpu_peak_flops"] == pytest.approx(CPU_FLOPS, rel=1e-9)
    assert roof["break_even_intensity"] == pytest.approx(CPU_FLOPS / 50e9, rel=1e-6)


def test_publish_writes_all_gpu_outputs(bt, tmp_path, capsys, valid_png):
    report = synthetic_run(bt)
    bt.publish(report, str(tmp_path))
    out = capsys.readouterr().out
    assert report["plots"]["produced"] == [bt.PLOT_BANDWIDTH, bt.PLOT_TIME, bt.PLOT_ROOFLINE]
    assert report["plots"]["skipped"] == {}
    for name in report["plots"]["produced"]:
        valid_png(tmp_path / name)
    data = json.loads((tmp_path / bt.JSON_NAME).read_text(encoding="utf-8"))
    assert data["verdicts"][0]["text_fr"] == report["verdicts"][0]["text_fr"]
    with open(tmp_path / bt.CSV_NAME, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(report["transfers"]) + len(report["pin_memory"]["results"]) + len(report["compute"])
    assert "H2D épi. nb" in out and "== Verdict ==" in out and "bloc en cache" in out
    assert "(79 % du théorique 63.0 Go/s)" in out  # 50 GB/s over PCIe Gen5 x16
    assert "devient plus rapide à partir de n ≈" in out
    assert "ne devient jamais plus rapide" in out  # the vector addition


def test_from_json_redraws_a_gpu_run_without_measuring(bt, run_bench, tmp_path, valid_png):
    """A GPU run saved elsewhere (here: the synthetic one) is redrawn on this GPU-less machine, as a process."""
    source = tmp_path / "h100" / bt.JSON_NAME
    source.parent.mkdir()
    report = synthetic_run(bt)
    report["plots"] = {"produced": [], "skipped": {bt.PLOT_BANDWIDTH: "matplotlib n'est pas installé"}}
    bt.write_json(str(source), report)
    out = tmp_path / "redrawn"
    proc = run_bench("--from-json", str(source), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Rapport redessiné à partir de {source}" in proc.stdout
    assert "Pas de GPU" not in proc.stdout and "[1/" not in proc.stderr  # nothing was measured
    assert "== Verdict ==" in proc.stdout and "(79 % du théorique 63.0 Go/s)" in proc.stdout
    assert "non produit" not in proc.stdout  # the stale 'no matplotlib' entry was replaced
    data = json.loads((out / bt.JSON_NAME).read_text(encoding="utf-8"))
    assert data["plots"] == {"produced": [bt.PLOT_BANDWIDTH, bt.PLOT_TIME, bt.PLOT_ROOFLINE], "skipped": {}}
    assert data["transfers"] == json.loads(source.read_text(encoding="utf-8"))["transfers"]
    for name in data["plots"]["produced"]:
        valid_png(out / name)
    assert (out / bt.CSV_NAME).is_file()


@pytest.mark.parametrize("content, args, fragment", [
    (None, (), "impossible de lire"),
    ("{not json", (), "pas du JSON valide"),
    ('{"tool": "autre"}', (), "pas un résultat de bench_transfer.py"),
    ('{"tool": "bench_transfer", "schema_version": 99}', (), "schéma 99"),
    ('{"tool": "bench_transfer", "schema_version": 1}', ("--quick",), "ne se combine pas"),
])
def test_from_json_bad_input_exit_2(run_bench, tmp_path, content, args, fragment):
    source = tmp_path / "in.json"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    proc = run_bench("--from-json", str(source), "--out", str(tmp_path / "out"), *args)
    assert proc.returncode == 2
    assert "--from-json" in proc.stderr and fragment in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "bench_transfer.json").exists()
