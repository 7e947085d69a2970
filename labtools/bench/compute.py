"""Compute cases: float32 matmul and vector add on the CPU (all of torch's threads), on the GPU alone, and on
the GPU with the copies in and out (pageable blocking, then pinned non_blocking)."""
from __future__ import annotations

from .fr import TARGET_LABELS
from .plan import Plan, RunLog
from .report import TARGETS, ComputeRecord, Skipped
from .timing import cpu_batch, cuda_batch, free_memory, is_oom, measure

FLOAT32_BYTES = 4


def workload_flops(workload: str, n: int) -> int:
    return 2 * n**3 if workload == "matmul" else n


def workload_link_bytes(workload: str, n: int) -> int:
    """Bytes that cross the link for copy-in + copy-out: two float32 inputs and one output."""
    return 3 * (n * n if workload == "matmul" else n) * FLOAT32_BYTES


def _timers(workload: str, n: int, plan: Plan, gen) -> dict:
    """One batch timer per target, on buffers allocated here (kept alive by the closures)."""
    import torch

    shape = (n, n) if workload == "matmul" else (n,)
    op = torch.matmul if workload == "matmul" else torch.add
    a, b = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    c = torch.empty(shape)
    timers = {"cpu": cpu_batch(lambda: op(a, b, out=c))}
    if not plan.use_cuda:
        return timers
    da, db, dc = (torch.empty(shape, device=plan.device) for _ in range(3))
    pa, pb, pc = (torch.empty(shape, pin_memory=True) for _ in range(3))
    pa.copy_(a)
    pb.copy_(b)
    da.copy_(a)
    db.copy_(b)

    def e2e():  # what `x.to("cuda")` ... `y.cpu()` costs: blocking copies from ordinary (pageable) memory
        da.copy_(a)
        db.copy_(b)
        op(da, db, out=dc)
        c.copy_(dc)

    def e2e_pinned():  # the same from pinned memory with non_blocking copies (all on the current stream)
        da.copy_(pa, non_blocking=True)
        db.copy_(pb, non_blocking=True)
        op(da, db, out=dc)
        pc.copy_(dc, non_blocking=True)

    timers["gpu_compute"] = cuda_batch(lambda: op(da, db, out=dc))
    timers["gpu_e2e"] = cuda_batch(e2e)
    timers["gpu_e2e_pinned"] = cuda_batch(e2e_pinned)
    return timers


def _compute_one_size(workload: str, n: int, plan: Plan, gen, log: RunLog, records: list[ComputeRecord]) -> None:
    """One problem size on every target, appended to `records`; buffers are locals, freed when this returns."""
    timers = _timers(workload, n, plan, gen)
    flops = workload_flops(workload, n)
    for target in TARGETS:
        if target not in timers:
            continue
        log.progress.start(f"{workload} {n} {TARGET_LABELS[target]}")
        res = measure(timers[target], plan.timing)
        log.progress.done()
        records.append(ComputeRecord(
            workload=workload, size=n, target=target, flops=flops, link_bytes=workload_link_bytes(workload, n),
            reps_per_sample=res.reps_per_sample, time_s=res.time_s, gflops=flops / res.time_s.median / 1e9,
            samples_s=res.samples_s))


def measure_compute(plan: Plan, workload: str, log: RunLog) -> list[ComputeRecord]:
    """CPU (all threads) vs GPU compute only vs GPU with copies in and out, float32."""
    import torch

    records = []
    gen = torch.Generator().manual_seed(0)
    for n in plan.matmul_sizes if workload == "matmul" else plan.add_sizes:
        try:
            _compute_one_size(workload, n, plan, gen, log, records)
        except Exception as exc:
            if not is_oom(exc):
                raise
            log.skipped.append(Skipped(what=workload, size=n, reason=f"mémoire insuffisante : {exc}"[:300]))
        finally:
            free_memory(plan.use_cuda)
    return records
