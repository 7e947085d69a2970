"""Checks, part 02 (gpu): devices, moving tensors between memories, and a small live measurement of the cost.

Everything runs without a GPU: checks use the ``meta`` device (a device without storage) as a stand-in target,
and simulate ``torch.cuda.is_available()`` both ways. The full benchmark is ``scripts/bench_transfer.py``.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
from unittest import mock

import torch

from lab.checks import CheckFailed, call, compare_with_reference, fresh_generator, ok
from lab.solutions import gpu as ref

_SAME_DEVICE = ("Deux tenseurs d'une même opération doivent être sur le même device : déplacez b avec "
                "b.to(a.device).")


def _target_devices() -> list[torch.device]:
    """Devices a tensor can be moved to here: ``meta`` always, the GPU when there is one."""
    devices = [torch.device("meta")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    return devices


def check_choose_device(choose_device) -> None:
    for available in (False, True):
        with mock.patch.object(torch.cuda, "is_available", return_value=available), \
             mock.patch.object(torch.cuda, "device_count", return_value=int(available)):
            got = call(choose_device, name="choose_device")
        expected = "cuda" if available else "cpu"
        try:
            if not isinstance(got, (torch.device, str)):  # torch.device(42) is an accelerator index
                raise TypeError(got)
            kind = torch.device(got).type
        except (TypeError, RuntimeError):
            raise CheckFailed(f"choose_device renvoie {got!r} : attendu un torch.device (ou \"cpu\"/\"cuda\").") from None
        if kind != expected:
            situation = "avec un GPU" if available else "sans GPU"
            hint = ("Ne fixez pas le device : testez torch.cuda.is_available() au moment de l'appel, "
                    "torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\").")
            raise CheckFailed(f"{situation}, choose_device renvoie {got!r} au lieu de {expected!r}.\n👉 {hint}")
    here = ref.choose_device()
    ok(f"choose_device marche avec et sans GPU. Ici : {here}"
       + (f" ({torch.cuda.get_device_name(0)})." if here.type == "cuda" else " (pas de GPU visible)."))


def check_move_to(move_to) -> None:
    rng, g = random.Random(secrets.randbits(64)), fresh_generator()
    inputs = [(torch.randn(rng.randint(2, 9), rng.randint(2, 9), generator=g), device)
              for device in _target_devices() + [torch.device("cpu")]]
    compare_with_reference(move_to, ref.move_to, inputs, name="move_to", mistakes=[
        (lambda x, device: x, ".to() ne déplace pas x : il renvoie une COPIE sur le device. Utilisez "
                              "le résultat : return x.to(device) (ou x = x.to(device))."),
        (lambda x, device: x.cuda() if torch.cuda.is_available() else x,
         "Utilisez le device demandé en argument : x.to(device)."),
    ], hint="x.to(device)")
    ok("move_to renvoie une copie de x sur le device demandé.")


def check_add_on_device(add_on_device) -> None:
    rng, g = random.Random(secrets.randbits(64)), fresh_generator()
    shape = (rng.randint(2, 6), rng.randint(2, 6))
    inputs = [(torch.randn(shape, generator=g).to(device), torch.randn(shape, generator=g))
              for device in _target_devices() + [torch.device("cpu")]]

    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, NotImplementedError) and "meta" in str(exc):  # a.cpu() where a has no data here
            return "Le résultat doit rester sur le device de a (les données sont là) : déplacez b, b.to(a.device)."
        return _SAME_DEVICE if isinstance(exc, RuntimeError) and "device" in str(exc) else None

    compare_with_reference(add_on_device, ref.add_on_device, inputs, name="add_on_device",
                           on_error=explain, mistakes=[
        (lambda a, b: a.cpu() + b, "Le résultat doit rester sur le device de a (les données sont là) : déplacez "
                                   "b vers a, b.to(a.device)."),
    ], hint=_SAME_DEVICE)
    ok("add_on_device ramène b sur le device de a avant le calcul.")


def check_estimated_transfer_time(estimated_transfer_time) -> None:
    rng = random.Random(secrets.randbits(64))
    inputs = []
    for dtype in rng.sample([torch.float64, torch.float32, torch.float16, torch.int8], 3):
        x = torch.empty(rng.randint(1000, 10**6), dtype=dtype)
        inputs.append((x, rng.choice([3.0, 12.0, 25.0, 50.0]) * rng.uniform(0.8, 1.2)))
    compare_with_reference(estimated_transfer_time, ref.estimated_transfer_time, inputs, name="estimated_transfer_time",
                           rtol=1e-6, atol=0.0, mistakes=[
        (lambda x, d: x.numel() / (d * 1e9), "Comptez des octets : x.numel() * x.element_size()."),
        (lambda x, d: x.numel() * x.element_size() / (d * 2**30), "Ici 1 Go = 1e9 octets."),
        (lambda x, d: x.numel() * x.element_size() * d / 1e9, "temps = octets / débit (octets par seconde)."),
        (lambda x, d: x.numel() * x.element_size() / d, "Le débit est en Go/s : multipliez-le par 1e9."),
    ], hint="temps (s) = x.numel() * x.element_size() / (bandwidth_gbps * 1e9)")
    ok("estimated_transfer_time : octets / (Go/s × 1e9).")


def measure_copy(n_bytes: int, device: torch.device | str, repeats: int = 5) -> dict[str, float]:
    """Median time (s) and rate (Go/s) to copy ``n_bytes`` bytes from the CPU to ``device`` and back.

    On a GPU, synchronizes before reading the clock: CUDA copies and kernels are asynchronous, so without
    ``torch.cuda.synchronize()`` one would time the launch, not the copy. Without a GPU, ``device`` is the CPU
    and this times a plain copy in main memory (for comparison).
    """
    device = torch.device(device)
    x = torch.empty(int(n_bytes), dtype=torch.uint8)
    pinned = device.type == "cuda"
    if pinned:
        x = x.pin_memory()  # page-locked host memory: the fast path for host-to-device copies

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def timed(fn) -> float:
        fn()  # warm-up (allocation, first-use costs)
        sync()
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            sync()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    to_device = timed(lambda: x.to(device, copy=True))
    on_device = x.to(device, copy=True)
    to_cpu = timed(lambda: on_device.to("cpu", copy=True))
    return {"n_bytes": float(n_bytes), "to_device_s": to_device, "to_cpu_s": to_cpu,
            "to_device_gb_s": n_bytes / to_device / 1e9, "to_cpu_gb_s": n_bytes / to_cpu / 1e9}
