"""The timing engine: warm-up, batches long enough to dwarf the timer, many samples, median and p10/p90.

Host work is timed with perf_counter_ns, device work with CUDA events on the current stream (nvbandwidth's and
torch.utils.benchmark's habits). torch is imported only inside the functions that need a GPU.
"""
from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass

from .report import Stats
from .stats import summarize


@dataclass(frozen=True)
class TimingConfig:
    min_sample_s: float   # one sample (a batch of repetitions) lasts at least this long
    budget_s: float       # target time spent sampling one point
    min_samples: int
    max_samples: int
    max_point_s: float    # never spend much more than this on one point ...
    hard_min_samples: int = 3  # ... except to get at least this many samples
    max_reps: int = 1_000_000


QUICK = TimingConfig(min_sample_s=1e-3, budget_s=0.03, min_samples=5, max_samples=20, max_point_s=0.3)
DEFAULT = TimingConfig(min_sample_s=2e-3, budget_s=0.25, min_samples=10, max_samples=100, max_point_s=3.0)


@dataclass
class Measured:
    reps_per_sample: int
    samples_s: list[float]  # seconds per call, one value per sample
    time_s: Stats


def calibrate(batch, cfg: TimingConfig) -> tuple[int, float]:
    """Repetitions per sample for a batch of >= cfg.min_sample_s, grown from one call; (reps, batch seconds)."""
    reps, elapsed = 1, batch(1)
    while elapsed < cfg.min_sample_s and reps < cfg.max_reps:
        grow = math.ceil(reps * 1.2 * cfg.min_sample_s / max(elapsed, 1e-9))
        reps = min(cfg.max_reps, max(2 * reps, grow))
        elapsed = batch(reps)
    return reps, elapsed


def _sample_count(elapsed: float, cfg: TimingConfig) -> int:
    count = max(cfg.min_samples, min(cfg.max_samples, math.ceil(cfg.budget_s / max(elapsed, 1e-12))))
    if count * elapsed > cfg.max_point_s:
        count = max(cfg.hard_min_samples, int(cfg.max_point_s / elapsed))
    return count


def measure(batch, cfg: TimingConfig, max_rounds: int = 3) -> Measured:
    """Warm up, choose repetitions per sample (>= cfg.min_sample_s), then take samples (seconds per call).

    `batch(reps)` runs the operation `reps` times and returns the elapsed seconds for the whole batch.
    One slow calibration batch (a preempted thread, a CPU still ramping up its clock) can stop the search too
    early; when the samples' median shows it, the repetitions are re-chosen from that median and the point is
    sampled again (at most `max_rounds` times in all).
    """
    batch(1)  # warm-up: one-off costs (first-touch page faults, kernel loading, cuBLAS handles)
    reps, elapsed = calibrate(batch, cfg)
    for _ in range(max_rounds):
        samples = [batch(reps) / reps for _ in range(_sample_count(elapsed, cfg))]
        stats = summarize(samples)
        if reps * stats.median >= cfg.min_sample_s or reps >= cfg.max_reps:
            break
        reps = min(cfg.max_reps, math.ceil(1.2 * cfg.min_sample_s / max(stats.median, 1e-12)))
        elapsed = reps * stats.median
    return Measured(reps_per_sample=reps, samples_s=samples, time_s=stats)


def cpu_batch(fn):
    """Batch timer for host work: time.perf_counter_ns around `reps` calls."""
    def batch(reps: int) -> float:
        start = time.perf_counter_ns()
        for _ in range(reps):
            fn()
        return (time.perf_counter_ns() - start) / 1e9
    return batch


def cuda_batch(fn):
    """Batch timer for device work: CUDA events on the current stream around `reps` calls."""
    import torch

    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)

    def batch(reps: int) -> float:
        torch.cuda.synchronize()  # nothing queued before the start event
        start.record()
        for _ in range(reps):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3  # ms -> s
    return batch


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        key in text for key in ("out of memory", "cannot allocate", "failed to allocate", "not enough memory"))


def free_memory(use_cuda: bool) -> None:
    gc.collect()
    if use_cuda:
        import torch

        torch.cuda.synchronize()
        torch.cuda.empty_cache()


def empty_host_cache() -> bool:
    """Drop torch's cached pinned blocks so the next pin_memory() pays the real allocation."""
    import torch

    for owner, name in ((torch, "_accelerator_emptyHostCache"), (torch._C, "_host_emptyCache")):
        fn = getattr(owner, name, None)
        if fn is not None:
            try:
                fn()
                return True
            except Exception:
                pass
    return False
