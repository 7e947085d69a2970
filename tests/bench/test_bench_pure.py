"""The benchmark's pure parts (units, statistics, fits, crossovers, verdict texts, timing engine) on synthetic
data with known answers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from labtools.bench import compute, fr, stats, timing, units
from labtools.bench.report import Crossover, Stats
from labtools.bench.stats import Outcome

# --- sizes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("4096", 4096), ("4KiB", 4096), ("1MiB", 2**20), ("256MiB", 256 * 2**20), ("1GiB", 2**30),
    ("256MB", 256 * 10**6), ("2kb", 2000), ("1GB", 10**9), (" 8 KiB ", 8192), ("1.5GiB", 3 * 2**29), ("512B", 512),
])
def test_parse_size_units(text, expected):
    assert units.parse_size(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("-4KiB", "strictement positive"), ("0", "strictement positive"), ("0KiB", "strictement positive"),
    ("0.1B", "strictement positive"), ("abc", "illisible"), ("4XB", "unité inconnue"), ("", "illisible"),
])
def test_parse_size_rejects(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        units.parse_size(text)


def test_parse_sizes_sorted_unique_and_capped():
    assert units.parse_sizes("1MiB,4KiB,4096, 1MiB") == [4096, 2**20]
    with pytest.raises(ValueError, match="mémoire vive"):
        units.parse_sizes("4KiB,2GiB", max_bytes=2**30)
    with pytest.raises(ValueError, match="vide"):
        units.parse_sizes(" , ")


def test_format_helpers():
    assert units.format_bytes(4096) == "4 Kio"
    assert units.format_bytes(2**30) == "1 Gio"
    assert units.format_bytes(1536) == "1.5 Kio"
    assert units.format_seconds(2.5e-6) == "2.5 µs"
    assert units.format_seconds(0.012) == "12 ms"
    assert units.format_count(1048576) == "1 048 576"


# --- statistics -------------------------------------------------------------------------------

def test_percentile_known_values():
    data = list(range(1, 11))
    assert stats.percentile(data, 50) == pytest.approx(5.5)
    assert stats.percentile(data, 10) == pytest.approx(1.9)
    assert stats.percentile(data, 90) == pytest.approx(9.1)
    assert stats.percentile([7.0], 90) == 7.0


def test_percentile_matches_numpy():
    rng = np.random.default_rng(1)
    data = rng.lognormal(size=37).tolist()
    for q in (0, 10, 25, 50, 90, 100):
        assert stats.percentile(data, q) == pytest.approx(float(np.percentile(data, q)), rel=1e-12)


def test_summarize():
    s = stats.summarize([4.0, 1.0, 3.0, 2.0, 5.0])
    assert (s.n, s.median, s.min, s.max, s.mean) == (5, 3.0, 1.0, 5.0, 3.0)
    assert s.p10 == pytest.approx(1.4) and s.p90 == pytest.approx(4.6)
    assert s.spread_rel == pytest.approx((4.6 - 1.4) / 3.0)


# --- latency / bandwidth fit ------------------------------------------------------------------

SIZES = [4096 * 4**k for k in range(10)]  # 4 KiB .. 1 GiB


@pytest.mark.parametrize("relative", [True, False])
def test_fit_recovers_exact_model(relative):
    latency, bandwidth = 10e-6, 25e9
    times = [latency + s / bandwidth for s in SIZES]
    fit = stats.fit_latency_bandwidth(SIZES, times, relative=relative)
    assert fit.latency_s == pytest.approx(latency, rel=1e-6)
    assert fit.bandwidth_gbps == pytest.approx(25.0, rel=1e-9)
    assert fit.rms_rel_residual < 1e-9


def test_fit_with_noise_stays_close():
    latency, bandwidth = 8e-6, 50e9
    noise = [1.03, 0.97] * 5
    times = [(latency + s / bandwidth) * f for s, f in zip(SIZES, noise)]
    fit = stats.fit_latency_bandwidth(SIZES, times)
    assert fit.bandwidth_gbps == pytest.approx(50.0, rel=0.05)
    assert fit.latency_s == pytest.approx(latency, rel=0.15)
    assert 0.01 < fit.rms_rel_residual < 0.05


def test_fit_needs_two_sizes():
    with pytest.raises(ValueError):
        stats.fit_latency_bandwidth([4096, 4096], [1e-6, 1.1e-6])


def test_half_peak_model_is_where_bandwidth_halves():
    latency, bandwidth = 10e-6, 25e9
    n_half = stats.half_peak_size_model(latency, bandwidth)
    assert n_half == pytest.approx(250_000)
    assert n_half / (latency + n_half / bandwidth) == pytest.approx(bandwidth / 2)
    assert stats.half_peak_size_model(-1e-6, bandwidth) is None
    assert stats.half_peak_size_model(latency, None) is None


def test_half_peak_measured_interpolation():
    assert stats.half_peak_size_measured([1, 2, 4, 8], [1, 2, 3, 4]) == pytest.approx(2.0)
    assert stats.half_peak_size_measured([1, 4], [1, 3]) == pytest.approx(math.sqrt(2))
    assert stats.half_peak_size_measured([8, 16], [9, 10]) == 8.0  # already above half at the smallest size


def test_half_peak_measured_on_model_curve():
    latency, bandwidth = 10e-6, 25e9
    sizes = [2**k for k in range(10, 41)]
    bws = [s / (latency + s / bandwidth) for s in sizes]
    assert stats.half_peak_size_measured(sizes, bws) == pytest.approx(latency * bandwidth, rel=0.06)


# --- PCIe ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("gen, width, expected", [
    (5, 16, 32 * 128 / 130 * 16 / 8),  # 63.0 GB/s: H100 PCIe
    (4, 16, 31.51), (3, 16, 15.75), (2, 8, 4.0), (1, 1, 0.25),
])
def test_pcie_theoretical(gen, width, expected):
    assert stats.pcie_theoretical_gbps(gen, width) == pytest.approx(expected, rel=1e-3)


def test_pcie_unknown():
    assert stats.pcie_theoretical_gbps(None, 16) is None
    assert stats.pcie_theoretical_gbps(9, 16) is None
    assert stats.pcie_theoretical_gbps(4, 0) is None


# --- crossover and verdicts ---------------------------------------------------------------------

def test_crossover_exact_when_ratio_is_a_power_law():
    sizes = [16, 32, 64, 128, 256, 512]
    t_cpu = [1e-9 * n**3 for n in sizes]
    t_gpu = [c * 100 / n for c, n in zip(t_cpu, sizes)]  # ratio gpu/cpu = 100/n: equal at n = 100
    res = stats.crossover(sizes, t_cpu, t_gpu)
    assert res.status == "crossover"
    assert res.size == pytest.approx(100.0, rel=1e-9)
    assert res.between == [64, 128]


def test_crossover_matmul_like_curves():
    sizes = [2**k for k in range(5, 13)]
    t_cpu = [2 * n**3 / 100e9 for n in sizes]
    t_gpu = [1e-3 + 2 * n**3 / 20e12 for n in sizes]
    exact = (1e-3 / (2 / 100e9 - 2 / 20e12)) ** (1 / 3)
    res = stats.crossover(sizes, t_cpu, t_gpu)
    assert res.status == "crossover"
    assert res.size == pytest.approx(exact, rel=0.1)


def test_crossover_edge_cases():
    sizes = [1, 2, 4]
    assert stats.crossover(sizes, [2, 2, 2], [1, 1, 1]).status == "gpu_faster_everywhere"
    assert stats.crossover(sizes, [1, 1, 1], [2, 2, 2]) == Crossover(status="cpu_faster_everywhere", size=None)
    # a GPU win at a small size followed by a CPU win does not count: the last CPU win decides
    res = stats.crossover([1, 2, 4, 8], [1, 1, 1, 1], [0.5, 2, 2, 0.5])
    assert res.status == "crossover" and 4 < res.size < 8
    # input order does not matter
    assert stats.crossover([4, 1, 2], [1, 1, 1], [0.5, 2, 2]).status == "crossover"
    assert stats.crossover([], [], []).status == "no_data"


def spread(median, p10, p90):
    return Stats(n=3, median=median, p10=p10, p90=p90, mean=median, min=p10, max=p90,
                 spread_rel=(p90 - p10) / median)


def test_compare_requires_difference_beyond_spread():
    assert stats.compare(spread(10, 9, 11), spread(1, 0.9, 1.1)) == Outcome(winner="gpu", speedup=10)
    assert stats.compare(spread(1, 0.9, 1.1), spread(10, 9, 11)).winner == "cpu"
    # medians differ by 10 % but the p10-p90 ranges overlap: not significant
    assert stats.compare(spread(1.1, 0.9, 1.3), spread(1.0, 0.8, 1.2)).winner == "tie"


def test_verdict_texts():
    gpu = fr.verdict_text("Produit matriciel 4096×4096", "gpu", 40.2)
    assert "vaut le coup" in gpu and "40×" in gpu and gpu.startswith("Produit matriciel 4096×4096")
    cpu = fr.verdict_text("Addition", "cpu", 1 / 3, copy_over_cpu=20.4)
    assert "restez sur le CPU" in cpu and "3.0× plus lent" in cpu and "20× le calcul" in cpu
    assert "20×" not in fr.verdict_text("Addition", "cpu", 0.5, copy_over_cpu=0.5)
    assert "pas de différence mesurable" in fr.verdict_text("Addition", "tie", 1.05)


def test_link_roofline():
    assert stats.link_roofline(0.25, 50e12, 25e9) == pytest.approx(6.25e9)  # link-bound
    assert stats.link_roofline(1e6, 50e12, 25e9) == 50e12  # compute-bound
    assert stats.break_even_intensity(100e9, 25e9) == pytest.approx(4.0)


def test_workload_accounting():
    assert compute.workload_flops("matmul", 4096) == 2 * 4096**3
    assert compute.workload_link_bytes("matmul", 4096) == 3 * 4096 * 4096 * 4
    assert compute.workload_flops("add", 2**20) == 2**20
    assert compute.workload_link_bytes("add", 2**20) == 12 * 2**20


# --- timing engine ------------------------------------------------------------------------------

class FakeClock:
    """batch(reps) that reports a fixed cost per call without sleeping; records the batch sizes."""

    def __init__(self, per_call):
        self.per_call, self.calls = per_call, []

    def __call__(self, reps):
        self.calls.append(reps)
        return reps * self.per_call


def test_measure_batches_fast_operations():
    clock = FakeClock(1e-6)
    res = timing.measure(clock, timing.QUICK)
    assert res.reps_per_sample * 1e-6 >= timing.QUICK.min_sample_s  # each sample lasts >= 1 ms
    assert res.reps_per_sample * 1e-6 < 4 * timing.QUICK.min_sample_s
    assert clock.calls[0] == 1  # warm-up first
    assert timing.QUICK.min_samples <= res.time_s.n <= timing.QUICK.max_samples
    assert res.time_s.median == pytest.approx(1e-6)


class SlowStartClock(FakeClock):
    """The first `slow_calls` batches take `factor` times longer (a CPU ramping up, a preempted batch)."""

    def __init__(self, per_call, slow_calls, factor):
        super().__init__(per_call)
        self.slow_calls, self.factor = slow_calls, factor

    def __call__(self, reps):
        elapsed = super().__call__(reps)
        return elapsed * self.factor if len(self.calls) <= self.slow_calls else elapsed


def test_measure_samples_last_long_enough_after_a_slow_start():
    clock = SlowStartClock(1e-6, slow_calls=3, factor=4)  # warm-up, first batch and first grown batch are slow
    res = timing.measure(clock, timing.QUICK)
    assert res.reps_per_sample * res.time_s.median >= timing.QUICK.min_sample_s
    assert res.time_s.median == pytest.approx(1e-6)


def test_measure_caps_time_on_slow_operations():
    clock = FakeClock(2.0)  # 2 s per call
    res = timing.measure(clock, timing.DEFAULT)
    assert res.reps_per_sample == 1
    assert res.time_s.n == timing.DEFAULT.hard_min_samples


def test_cpu_batch_times_real_work():
    import time
    batch = timing.cpu_batch(lambda: time.sleep(0.002))
    assert 0.006 <= batch(3) < 0.5


def test_is_oom():
    assert timing.is_oom(MemoryError())
    assert timing.is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert timing.is_oom(type("OutOfMemoryError", (RuntimeError,), {})("x"))
    assert not timing.is_oom(RuntimeError("expected scalar type Float"))
    assert not timing.is_oom(ValueError("out of memory"))
