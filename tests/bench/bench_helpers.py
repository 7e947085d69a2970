"""Helpers shared by the benchmark tests (imported by name: ``from bench_helpers import run_bench``): the
documented command as a process, a real PNG decode, and a synthetic GPU run with known answers."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labtools.bench import compute, report, stats, transfers
from labtools.bench.analysis import Measurements, assemble_report
from labtools.bench.report import ComputeRecord, Environment, GpuInfo, LinkInfo, Options, PinMemory, PinRecord, Report
from labtools.bench.timing import Measured

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "bench_transfer.py"
COMMITTED_RUNS = REPO / "docs" / "bench"


def run_bench(*args: str, code: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python scripts/bench_transfer.py ARGS` with no visible GPU (CUDA_VISIBLE_DEVICES=''), so the CPU path is
    what runs everywhere. `code`, when given, is Python run first in the same interpreter (e.g. to hide a module);
    the benchmark then runs as `python -m labtools.bench` of this checkout."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHONIOENCODING="utf-8")
    if code is None:
        cmd = [sys.executable, str(SCRIPT), *args]
    else:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
        runner = (f"{code}\nimport runpy, sys\nsys.argv = ['bench_transfer.py'] + {list(args)!r}\n"
                  "runpy.run_module('labtools.bench', run_name='__main__')\n")
        cmd = [sys.executable, "-c", runner]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, encoding="utf-8")


def assert_valid_png(path: Path) -> None:
    """PNG signature, then a real decode by matplotlib into a non-empty RGB(A) image."""
    import matplotlib.image

    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG file"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100 and image.shape[2] in (3, 4)


# --- a synthetic GPU run: known latency, bandwidths and FLOP rates ---------------------------------

LINK = {"latency": 10e-6, "pinned": 50e9, "pageable": 20e9}
CPU_FLOPS, GPU_FLOPS, GPU_LAUNCH = 100e9, 20e12, 5e-6


def timed(median: float) -> Measured:
    """Five samples at -2 %, -1 %, 0, +1 %, +2 % around the model value."""
    samples = [median * (1 + d / 100) for d in (-2, -1, 0, 1, 2)]
    return Measured(reps_per_sample=1, samples_s=samples, time_s=stats.summarize(samples))


def synthetic_environment() -> Environment:
    link = LinkInfo(nvml_available=True, nvml_note=None, pcie_current_gen=5, pcie_current_width=16, pcie_max_gen=5,
                    pcie_max_width=16, theoretical_gbps=stats.pcie_theoretical_gbps(5, 16))
    gpu = GpuInfo(index=0, name="Synthetic GPU", capability="9.0", total_memory_bytes=80 * 2**30,
                  free_memory_bytes=79 * 2**30, multiprocessors=132, matmul_allow_tf32=False, cudnn=None,
                  driver="580.1")
    return Environment(date_utc="2026-11-27T12:00:00+00:00", python="3.12.3", platform="synthetic",
                       torch="2.11.0", torch_cuda="13.0", cpu_model="synthetic", cpu_count=16, torch_threads=16,
                       host_ram_total_bytes=2**37, host_ram_available_bytes=2**36, in_lab_image=False,
                       cuda_available=True, gpu=gpu, link=link)


def _compute_records() -> list[ComputeRecord]:
    records = []
    for workload, sizes in (("matmul", [64, 128, 256, 512, 1024, 2048, 4096]), ("add", [2**k for k in range(10, 25, 2)])):
        for n in sizes:
            flops, link_bytes = compute.workload_flops(workload, n), compute.workload_link_bytes(workload, n)
            cpu = flops / CPU_FLOPS if workload == "matmul" else link_bytes / 40e9  # add: memory-bound on CPU
            gpu = GPU_LAUNCH + flops / GPU_FLOPS
            models = {"cpu": cpu, "gpu_compute": gpu,
                      "gpu_e2e": gpu + 3 * LINK["latency"] + link_bytes / LINK["pageable"],
                      "gpu_e2e_pinned": gpu + 3 * LINK["latency"] + link_bytes / LINK["pinned"]}
            for target, t in models.items():
                res = timed(t)
                records.append(ComputeRecord(workload=workload, size=n, target=target, flops=flops,
                                             link_bytes=link_bytes, reps_per_sample=1, time_s=res.time_s,
                                             gflops=flops / t / 1e9, samples_s=res.samples_s))
    return records


def synthetic_report() -> Report:
    copies = []
    for mode in report.TRANSFER_MODES:
        bandwidth = LINK["pinned"] if mode.split("_")[1] == "pinned" else LINK["pageable"]
        for size in [4096 * 4**k for k in range(8)]:
            copies.append(transfers.transfer_record(mode, size, timed(LINK["latency"] + size / bandwidth)))
    pin = PinMemory(available=True, reason=None, results=[
        PinRecord(kind=kind, size_bytes=2**20, reps_per_sample=1, time_s=res.time_s, samples_s=res.samples_s,
                  host_cache_emptied=True if kind == "cold" else None)
        for kind, res in (("cold", timed(300e-6)), ("cached", timed(40e-6)))])
    options = Options(quick=False, device="auto", used_device="cuda:0", sizes_bytes=[4096 * 4**k for k in range(8)],
                      matmul_sizes=[64, 128, 256, 512, 1024, 2048, 4096], add_sizes=[2**k for k in range(10, 25, 2)],
                      timing={}, dtype="float32")
    return assemble_report(Measurements(options=options, environment=synthetic_environment(), transfers=copies,
                                        pin_memory=pin, compute=_compute_records(), command=["bench_transfer.py"],
                                        elapsed_s=1.0))
