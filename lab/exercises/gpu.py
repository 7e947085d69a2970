"""Checks, part 02 (gpu): devices, moving tensors between memories, and a small live measurement of the cost.

Everything runs without a GPU: checks use the simulated GPU of ``lab.simulated_gpu`` as a target, a simulated
asynchronous GPU queue and clock for timing, and simulate ``torch.cuda.is_available()`` both ways; with a real
GPU they also run on it. The full benchmark is
``scripts/bench_transfer.py``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import random
import secrets
import statistics
import time
from unittest import mock

import torch

from lab.checks import CheckFailed, as_float, call, fresh_generator, ok, register_checks, require
from lab.compare import compare_with_reference
from lab.devices import sync
from lab.hints import Mistake
from lab.simulated_clock import SimulatedClock
from lab.simulated_gpu import DEVICE as SIMULATED
from lab.simulated_gpu import copies_to_host, is_missing_cuda, on_gpu, on_host, simulate
from lab.solutions import gpu as ref

_SAME_DEVICE = ("Deux tenseurs d'une même opération doivent être sur le même device : c'est b qui doit rejoindre "
                "celui de a (là où sont les données), pas l'inverse.")
_HARD_CODED = ("Ne codez pas \"cuda\" en dur (ici, il n'y a peut-être pas de GPU) : utilisez le device reçu "
               "ou celui d'un tenseur, x.to(device), b.to(a.device).")


_MOVE_FALLBACK = ("Le résultat doit être sur le device reçu en argument, avec les mêmes valeurs ; .to() ne modifie "
                  "pas le tenseur, il RENVOIE le tenseur déplacé.")


def _no_cuda_hint(exc: BaseException) -> str | None:
    return _HARD_CODED if is_missing_cuda(exc) else None


def _real_devices() -> list[torch.device]:
    """The real devices here: the CPU, and the GPU when there is one."""
    return [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])


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
            raise CheckFailed(f"choose_device renvoie {got!r} : attendu un torch.device (ou \"cpu\"/\"cuda\").",
                              mistake="choose_device_not_device") from None
        if kind != expected:
            situation = "avec un GPU" if available else "sans GPU"
            hint = ("Ne fixez pas le device : testez torch.cuda.is_available() au moment de l'appel, "
                    "torch.device(\"cuda\" if torch.cuda.is_available() else \"cpu\").")
            raise CheckFailed(f"{situation}, choose_device renvoie {got!r} au lieu de {expected!r}.\n👉 {hint}",
                              mistake="choose_device_fixed")
    here = ref.choose_device()
    ok(f"choose_device marche avec et sans GPU. Ici : {here}"
       + (f" ({torch.cuda.get_device_name(0)})." if here.type == "cuda" else " (pas de GPU visible)."))


def check_move_to(move_to) -> None:
    rng, g = random.Random(secrets.randbits(64)), fresh_generator()
    def matrix():
        return torch.randn(rng.randint(2, 9), rng.randint(2, 9), generator=g)

    real = [(matrix(), device) for device in _real_devices()]
    simulated = [(matrix(), SIMULATED), (on_gpu(matrix()), torch.device("cpu"))]  # to the GPU and back
    mistakes = [
        Mistake(lambda x, device: x, "move_to_result_ignored",
                ".to() ne modifie pas x : il RENVOIE un tenseur sur le device (une copie si x était "
                              "ailleurs). Utilisez le résultat : return x.to(device) (ou x = x.to(device))."),
        Mistake(lambda x, device: x.cpu(), "move_to_to_cpu", "Utilisez le device demandé en argument : x.to(device)."),
    ]
    compare_with_reference(move_to, ref.move_to, real, name="move_to", on_error=_no_cuda_hint, mistakes=mistakes,
                           hint=_MOVE_FALLBACK)
    with simulate():
        compare_with_reference(move_to, ref.move_to, simulated, name="move_to", on_error=_no_cuda_hint,
                               mistakes=mistakes, hint=_MOVE_FALLBACK)
    ok("move_to renvoie x sur le device demandé (une copie s'il était ailleurs, x lui-même s'il y était déjà).")


def check_add_on_device(add_on_device) -> None:
    rng, g = random.Random(secrets.randbits(64)), fresh_generator()
    shape = (rng.randint(2, 6), rng.randint(2, 6))
    inputs = [(torch.randn(shape, generator=g).to(device), torch.randn(shape, generator=g))
              for device in _real_devices()]
    simulated = [(on_gpu(torch.randn(shape, generator=g)), on_host(torch.randn(shape, generator=g)))
                 for _ in range(2)]  # a (simulated) GPU where values can be compared

    def explain(exc: BaseException) -> str | None:
        return _no_cuda_hint(exc) or (_SAME_DEVICE if isinstance(exc, RuntimeError) and "device" in str(exc) else None)

    mistakes = [Mistake(lambda a, b: a.cpu() + b, "add_on_device_computed_on_cpu",
            "Le résultat doit rester sur le device de a (les données sont là) : "
                                           "déplacez b vers a, b.to(a.device).")]
    require(add_on_device, "add_on_device")
    if not callable(add_on_device):
        call(add_on_device, name="add_on_device")  # raises the "must be a function" (or not done) failure
    copies = []

    @functools.wraps(add_on_device)
    def counted(a, b):
        before = copies_to_host()
        try:
            return add_on_device(a, b)
        finally:
            copies.append(copies_to_host() - before)

    with simulate():
        compare_with_reference(counted, ref.add_on_device, simulated, name="add_on_device",
                               on_error=explain, mistakes=mistakes, hint=_SAME_DEVICE)
    if any(copies):
        raise CheckFailed("Le résultat est juste, mais a fait l'aller-retour GPU → CPU → GPU (a.cpu(), a.to(\"cpu\")) : "
                          "c'est le transfert coûteux, pour toutes les données de a.\n👉 Calculez sur le device de a : "
                          "a + b.to(a.device) (seul b voyage).", mistake="add_on_device_round_trip")
    compare_with_reference(add_on_device, ref.add_on_device, inputs, name="add_on_device",
                           on_error=explain, mistakes=mistakes, hint=_SAME_DEVICE)
    ok("add_on_device ramène b sur le device de a avant le calcul.")


def check_estimated_transfer_time(estimated_transfer_time) -> None:
    """``estimated_transfer_time(x, gigabytes_per_s)``: the rate is in GB/s (Go/s), gigaBYTES, not gigabits."""
    rng = random.Random(secrets.randbits(64))
    inputs = []
    for dtype in rng.sample([torch.float64, torch.float32, torch.float16, torch.int8], 3):
        x = torch.empty(rng.randint(1000, 10**6), dtype=dtype)
        inputs.append((x, rng.choice([3.0, 12.0, 25.0, 50.0]) * rng.uniform(0.8, 1.2)))
    compare_with_reference(estimated_transfer_time, ref.estimated_transfer_time, inputs, name="estimated_transfer_time",
                           rtol=1e-6, atol=0.0, mistakes=[
        Mistake(lambda x, d: x.numel() / (d * 1e9), "estimated_transfer_time_values_not_bytes",
                "Comptez des octets : x.numel() * x.element_size()."),
        Mistake(lambda x, d: x.numel() * x.element_size() / (d * 2**30), "estimated_transfer_time_gibibytes",
                "Ici 1 Go = 1e9 octets."),
        Mistake(lambda x, d: x.numel() * x.element_size() * d / 1e9, "estimated_transfer_time_multiplied",
                "temps = octets / débit (octets par seconde)."),
        Mistake(lambda x, d: x.numel() * x.element_size() / d, "estimated_transfer_time_rate_not_scaled",
                "Le débit est en Go/s : multipliez-le par 1e9."),
        Mistake(lambda x, d: x.numel() * x.element_size() * 8 / (d * 1e9), "estimated_transfer_time_bits",
                "Le débit est en Go/s (gigaOCTETS par seconde), "
                                                                   "pas en gigabits : ne multipliez pas par 8."),
        Mistake(lambda x, d: x.numel() * x.element_size() / (d * 1e9) * 1000, "estimated_transfer_time_milliseconds",
                ("C'est en millisecondes ; on veut des "
                                                                         "secondes (sans * 1000).")),
    ], hint=("Comptez les octets de x (nombre de valeurs × taille d'une valeur) et le débit en octets par "
            "seconde (1 Go = 1e9 octets) ; le résultat est en secondes."))
    ok("estimated_transfer_time : octets / (Go/s × 1e9).")


_REAL_PERF_COUNTER = time.perf_counter  # the machine's clock, for answers that return a time of day


def _no_gpu_synchronize(*args, **kwargs) -> None:
    raise RuntimeError("Torch not compiled with CUDA enabled")


def _event_hint(exc: BaseException) -> str | None:
    if "not ready" in str(exc) or "must be recorded" in str(exc):
        return ("Avec des événements CUDA : start.record() ; fn() ; end.record() ; puis end.synchronize() (attendre "
                "que le GPU l'atteigne) AVANT start.elapsed_time(end), qui est en millisecondes.")
    return None


def _timing_failure(sim: SimulatedClock, seconds: float, work: float, earlier: float) -> CheckFailed | None:
    """What this answer got wrong on a simulated GPU where fn() queues ``work`` seconds behind ``earlier``
    seconds of work queued before the measurement, or None. Observations first (what was waited for, which
    clock was read, how often fn ran), values only to tell the rest apart."""
    said = f"Sur un GPU (simulé) où fn() travaille {work * 1e3:.0f} ms, vous renvoyez {seconds:.4g}"
    if sim.fn_runs == 0:
        return CheckFailed(f"{said} sans avoir appelé fn() : c'est fn() qu'il faut chronométrer.",
                           mistake="time_fn_not_called")
    if sim.cpu_clocks and not sim.reads:
        return CheckFailed(f"{said} : {sim.cpu_clocks[0]}() ne compte que le temps de calcul du PROCESSEUR de ce "
                           "programme ; le temps passé à attendre le GPU n'y figure pas.\n👉 Une durée se lit sur une "
                           "horloge murale, time.perf_counter().", mistake="time_cpu_clock")
    if any(math.isclose(seconds, r, rel_tol=1e-9) or math.isclose(seconds, r * 1e9, rel_tol=1e-9) for r in sim.reads) \
            or abs(seconds - _REAL_PERF_COUNTER()) < 3600 < seconds:
        return CheckFailed(f"{said} : c'est la valeur de l'horloge à un instant (l'heure qu'elle indique), pas une "
                           "durée.\n👉 Une durée est une différence entre deux lectures de l'horloge, celle de la fin et "
                           "celle du début.", mistake="time_no_subtraction")
    if not sim.waited_for_fn:
        if sim.syncs:
            return CheckFailed(f"{said} : vous synchronisez, mais pas APRÈS fn() ; quand vous relisez l'horloge, le "
                               "travail de fn() est encore en file sur le GPU.\n👉 Attendez la fin de fn() avant la "
                               "lecture finale de l'horloge (torch.cuda.synchronize() après fn()).",
                               mistake="time_no_sync_after")
        return CheckFailed(f"{said} : c'est le temps de LANCER le calcul, pas de le faire.\n👉 Les opérations CUDA "
                           "sont asynchrones : attendez le GPU (torch.cuda.synchronize()) après fn(), avant de relire "
                           "l'horloge.", mistake="time_no_sync")
    total = sim.fn_runs * work + earlier
    if seconds > 50 * total:
        factor = seconds / work
        unit = "des nanosecondes" if factor > 1e6 else "des millisecondes" if factor > 300 else "une autre unité"
        return CheckFailed(f"{said} : environ {factor:.3g} fois la durée, c'est {unit}. La durée doit être en "
                           "SECONDES.\n👉 Renvoyez la différence des lectures telle quelle si l'horloge compte en "
                           "secondes (time.perf_counter()) ; convertissez si elle compte autrement (_ns : "
                           "nanosecondes ; elapsed_time des événements CUDA : millisecondes).", mistake="time_units")
    if seconds < work * 0.5:
        return CheckFailed(f"{said} : moins que le travail de fn(). L'horloge a été relue avant la fin du travail.\n"
                           "👉 Lisez l'horloge de fin APRÈS avoir attendu le GPU.", mistake="time_read_before_wait")
    # An answer reading our clock is measured exactly; one reading the machine's own clock (a clock function
    # taken before the check started, timeit.default_timer) also counts how late the real sleeps wake up.
    if seconds <= work * 1.3 + 0.005 or (not sim.reads and not sim.cpu_clocks and seconds <= work + 0.8 * earlier):
        return None
    runs = sim.timed_runs()
    queued_at_start = sim.pending_at_first_read is not None and sim.pending_at_first_read > 0
    if runs > 1 and (abs(seconds - runs * work) < 0.3 * work or not queued_at_start):
        return CheckFailed(f"{said} : fn() a tourné {runs} fois entre vos deux lectures de l'horloge et la valeur "
                           "est leur TOTAL.\n👉 Divisez par le nombre d'exécutions chronométrées (une moyenne par appel).",
                           mistake="time_total_not_divided")
    return CheckFailed(f"{said}, plus que fn() : le travail déjà en file AVANT fn() ({earlier * 1e3:.0f} ms) est "
                       "compté.\n👉 Attendez aussi le GPU AVANT de démarrer le chronomètre.",
                       mistake="time_earlier_counted")


def check_time_on_device(time_on_device) -> None:
    rng = random.Random(secrets.randbits(64))
    for _ in range(2):
        sim = SimulatedClock()
        work = rng.uniform(0.02, 0.03)
        earlier = work * rng.uniform(1.6, 2.4)  # never close to one more run of fn
        sim.launch(earlier)  # work queued before the measurement starts: not part of fn's time

        def fn(sim=sim, work=work) -> None:  # this draw's clock and work (bound now: the loop moves on)
            sim.launch(work, timed=True)

        with contextlib.ExitStack() as patches:  # every way to wait for the GPU waits for this queue
            sim.gpu_patches(patches)
            sim.clock_patches(patches)
            got = call(time_on_device, fn, torch.device("cuda"), name="time_on_device", on_error=_event_hint)
        failure = _timing_failure(sim, as_float(got, "la durée renvoyée"), work, earlier)
        if failure is not None:
            raise failure

    def explain(exc: BaseException) -> str | None:
        if "CUDA" in str(exc):
            return ("Sans GPU, torch.cuda.synchronize() lève une erreur : ne synchronisez que si "
                    "device.type == \"cuda\" (le même code doit marcher partout).")
        return None

    sim, work = SimulatedClock(), rng.uniform(0.02, 0.03)
    with contextlib.ExitStack() as patches:
        patches.enter_context(mock.patch.object(torch.cuda, "synchronize", _no_gpu_synchronize))
        patches.enter_context(mock.patch.object(torch.cuda, "is_available", return_value=False))
        sim.clock_patches(patches)
        seconds = as_float(call(time_on_device, lambda: sim.run(work, timed=True), torch.device("cpu"),
                                name="time_on_device", on_error=explain), "la durée renvoyée")
    failure = _timing_failure(sim, seconds, work, 0.0)
    if failure is not None:
        raise CheckFailed(f"Sur le CPU : {failure}", mistake=failure.mistake)
    if torch.cuda.is_available():  # the real thing too
        a = torch.randn(512, 512, device="cuda")
        seconds = as_float(call(time_on_device, lambda: a @ a, torch.device("cuda"), name="time_on_device"),
                           "la durée renvoyée")
        if not seconds > 0:
            raise CheckFailed(f"Sur le vrai GPU, la durée mesurée vaut {seconds} s.")
    ok("time_on_device attend le GPU avant et après fn() : il mesure le calcul, pas son lancement.")


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

    def timed(fn) -> float:
        fn()  # warm-up (allocation, first-use costs)
        sync(device)
        samples = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            sync(device)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    to_device = timed(lambda: x.to(device, copy=True))
    on_device = x.to(device, copy=True)
    to_cpu = timed(lambda: on_device.to("cpu", copy=True))
    return {"n_bytes": float(n_bytes), "to_device_s": to_device, "to_cpu_s": to_cpu,
            "to_device_gb_s": n_bytes / to_device / 1e9, "to_cpu_gb_s": n_bytes / to_cpu / 1e9}


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
