"""Copy cases: host->host, H2D/D2H x pageable/pinned x blocking/non_blocking, and the cost of pin_memory().

Buffers are preallocated and touched before timing; every size lives in its own function call so its buffers
are freed when it returns; a size that does not fit in host or device memory is skipped with a note.
"""
from __future__ import annotations

import time

from .environment import host_memory
from .fr import MODE_LABELS, NO_PIN_WITHOUT_CUDA
from .plan import Plan, RunLog
from .report import GPU_MODES, Bandwidth, PinMemory, PinRecord, Skipped, TransferRecord
from .timing import Measured, cpu_batch, cuda_batch, empty_host_cache, free_memory, is_oom, measure
from .units import format_bytes


def transfer_record(mode: str, size: int, result: Measured) -> TransferRecord:
    direction, memory, blocking = mode.split("_")
    t = result.time_s
    return TransferRecord(
        mode=mode, direction=direction, memory=memory, blocking=blocking == "blocking", size_bytes=size,
        reps_per_sample=result.reps_per_sample, time_s=t,
        bandwidth_gbps=Bandwidth(median=size / t.median / 1e9, p10=size / t.p90 / 1e9, p90=size / t.p10 / 1e9),
        samples_s=result.samples_s)


def _copy_fn(mode: str, host, dev):
    direction, _, blocking = mode.split("_")
    nb = blocking == "nonblocking"
    if direction == "h2d":
        return lambda: dev.copy_(host, non_blocking=nb)
    return lambda: host.copy_(dev, non_blocking=nb)


def _transfers_one_size(plan: Plan, size: int, free_dev: int | None, log: RunLog,
                        records: list[TransferRecord]) -> None:
    """All copy modes for one size, appended to `records`; buffers are locals, freed when this returns."""
    import torch

    src = torch.empty(size, dtype=torch.uint8).fill_(1)  # touched: no first-touch page faults while timing
    log.progress.start(f"{MODE_LABELS['h2h_pageable_blocking']} {format_bytes(size)}")
    dst = torch.empty_like(src).fill_(2)  # pageable host-to-host copy (memcpy through torch)
    records.append(transfer_record("h2h_pageable_blocking", size, measure(cpu_batch(lambda: dst.copy_(src)), plan.timing)))
    log.progress.done()
    if not plan.use_cuda:
        return
    if free_dev is not None and size > 0.8 * free_dev:
        raise MemoryError(f"pas assez de mémoire GPU libre ({format_bytes(free_dev)})")
    hosts = {"pageable": src, "pinned": torch.empty(size, dtype=torch.uint8, pin_memory=True).fill_(1)}
    dev = torch.empty(size, dtype=torch.uint8, device=plan.device).fill_(3)
    for mode in GPU_MODES:
        log.progress.start(f"{MODE_LABELS[mode]} {format_bytes(size)}")
        fn = _copy_fn(mode, hosts[mode.split("_")[1]], dev)
        records.append(transfer_record(mode, size, measure(cuda_batch(fn), plan.timing)))
        log.progress.done()


def measure_transfers(plan: Plan, log: RunLog) -> list[TransferRecord]:
    """Host->host copies always; H2D/D2H x pageable/pinned x blocking/non_blocking with a GPU."""
    import torch

    records = []
    _, host_avail = host_memory()
    free_dev = torch.cuda.mem_get_info(plan.device)[0] if plan.use_cuda else None
    for size in plan.sizes:
        if host_avail is not None and 2 * size > 0.8 * host_avail:
            for mode in ["h2h_pageable_blocking"] + (list(GPU_MODES) if plan.use_cuda else []):
                log.progress.skip(f"{MODE_LABELS[mode]} {format_bytes(size)}")
            log.skipped.append(Skipped(what="transfers", size_bytes=size,
                                       reason=f"pas assez de mémoire hôte libre ({format_bytes(host_avail)} disponibles)"))
            continue
        try:
            _transfers_one_size(plan, size, free_dev, log, records)
        except Exception as exc:
            if not is_oom(exc):
                raise
            log.skipped.append(Skipped(what="transfers", size_bytes=size, reason=f"mémoire insuffisante : {exc}"[:300]))
        finally:
            free_memory(plan.use_cuda)
    return records


def _pin_one_size(plan: Plan, size: int, log: RunLog) -> list[PinRecord]:
    import torch

    src = torch.empty(size, dtype=torch.uint8).fill_(1)
    emptied = empty_host_cache()

    def cold_batch(reps: int) -> float:
        keep = []
        start = time.perf_counter_ns()
        for _ in range(reps):
            keep.append(src.pin_memory())  # kept alive: each call needs a new page-locked block
        elapsed = (time.perf_counter_ns() - start) / 1e9
        keep.clear()
        empty_host_cache()
        return elapsed

    log.progress.start(f"pin_memory {format_bytes(size)} (1er appel)")
    cold = measure(cold_batch, plan.timing)
    log.progress.done()
    log.progress.start(f"pin_memory {format_bytes(size)} (cache)")
    cached = measure(cpu_batch(src.pin_memory), plan.timing)  # result dropped at once: the block goes back to the cache
    log.progress.done()
    return [PinRecord(kind=kind, size_bytes=size, reps_per_sample=res.reps_per_sample, time_s=res.time_s,
                      samples_s=res.samples_s, host_cache_emptied=emptied if kind == "cold" else None)
            for kind, res in (("cold", cold), ("cached", cached))]


def measure_pin_memory(plan: Plan, log: RunLog) -> PinMemory:
    """Cost of tensor.pin_memory(): cold (fresh page-locked allocation) and from torch's pinned cache."""
    if not plan.use_cuda:
        return PinMemory(available=False, reason=NO_PIN_WITHOUT_CUDA, results=[])
    results = []
    _, host_avail = host_memory()
    for size in plan.sizes:
        if host_avail is not None and 3 * size > 0.8 * host_avail:
            log.skipped.append(Skipped(what="pin_memory", size_bytes=size, reason="pas assez de mémoire hôte libre"))
            for _ in range(2):
                log.progress.skip(f"pin_memory {format_bytes(size)}")
            continue
        try:
            results += _pin_one_size(plan, size, log)
        except Exception as exc:
            if not is_oom(exc):
                raise
            log.skipped.append(Skipped(what="pin_memory", size_bytes=size, reason=f"mémoire insuffisante : {exc}"[:300]))
        finally:
            empty_host_cache()
            free_memory(plan.use_cuda)
    return PinMemory(available=True, reason=None, results=results)
