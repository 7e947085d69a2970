"""A simulated GPU stream and the clocks that time it: deterministic, and able to tell what a timer waited for.

Launching work returns at once and queues it; ``synchronize()`` waits until the queued work is done. The wall
clocks of the ``time`` module (``perf_counter``, ``monotonic``, ``time`` and their ``_ns`` forms) advance only by
that work, so a timing check's verdict does not depend on how busy the machine is; the waits also really sleep,
for code that took a clock function before the check started (``timeit.default_timer``).

What the check needs to *prove*, and reads here afterwards:

* ``waited_for_fn``: a synchronize (``torch.cuda.synchronize``, a stream's or an event's) ran after the last work
  of the timed function was queued, so the clock was not read while it was still pending;
* ``fn_runs`` and ``timed_runs()``: how many times the timed function ran, in all and between the first and last
  clock readings (a total over several runs must be divided);
* ``pending_at_first_read``: work still queued when the clock started (it then counts in the measure);
* ``reads``: the values the wall clocks returned (a returned value that *is* one of them is a time of day, not a
  duration: the ``- start`` is missing);
* ``cpu_clocks``: the processor-time clocks read (``process_time``, ``thread_time``), which do not count waiting.
"""

from __future__ import annotations

import contextlib
import time
from unittest import mock

import torch


class SimulatedClock:
    WALL = ("perf_counter", "monotonic", "time")
    CPU = ("process_time", "thread_time")

    def __init__(self) -> None:
        self.now = 1000.0
        self.pending = 0.0
        self.syncs = 0
        self.fn_runs = 0
        self.waited_for_fn = False
        self.reads: list[float] = []
        self.runs_at_read: list[int] = []  # fn_runs when each wall-clock reading was taken
        self.pending_at_first_read: float | None = None  # queued work when the clock was first read
        self.cpu_clocks: list[str] = []

    def launch(self, seconds: float, *, timed: bool = False) -> None:
        """Queue GPU work (``timed``: it is the measured function's)."""
        self.now += 1e-5  # launching costs a few microseconds
        self.pending += seconds
        if timed:
            self.fn_runs += 1
            self.waited_for_fn = False

    def run(self, seconds: float, *, timed: bool = False) -> None:
        """Work that the CPU does itself (no queue): it takes its time right away."""
        if timed:
            self.fn_runs += 1
            self.waited_for_fn = True
        self.now += seconds
        time.sleep(seconds)

    def synchronize(self, *args, **kwargs) -> None:
        self.syncs += 1
        self.run(self.pending)
        self.pending = 0.0
        if self.fn_runs:
            self.waited_for_fn = True

    def _record(self) -> None:
        if not self.reads:
            self.pending_at_first_read = self.pending
        self.reads.append(self.now)
        self.runs_at_read.append(self.fn_runs)

    def read(self) -> float:
        self._record()
        return self.now

    def read_ns(self) -> int:
        self._record()
        return int(self.now * 1e9)

    def timed_runs(self) -> int:
        """How many runs of fn fall between the first and the last wall-clock reading (all of them without)."""
        return self.runs_at_read[-1] - self.runs_at_read[0] if len(self.reads) >= 2 else self.fn_runs

    def clock_patches(self, stack: contextlib.ExitStack) -> None:
        """The wall clocks read this simulated time; the processor-time clocks are real, but recorded."""
        for name in self.WALL:
            stack.enter_context(mock.patch.object(time, name, self.read))
            stack.enter_context(mock.patch.object(time, f"{name}_ns", self.read_ns))
        for name in self.CPU:
            for variant in (name, f"{name}_ns"):
                real = getattr(time, variant)

                def recorded(real=real, variant=variant):
                    self.cpu_clocks.append(variant)
                    return real()
                stack.enter_context(mock.patch.object(time, variant, recorded))

    def gpu_patches(self, stack: contextlib.ExitStack) -> None:
        """Every way to wait for (or time) the GPU uses this queue: synchronize(), streams, CUDA events."""
        sim = self

        class Stream:
            def synchronize(self) -> None:
                sim.synchronize()

        class Event:
            """A CUDA event: ``record()`` marks the point the queue has reached; ``elapsed_time`` is in ms."""

            def __init__(self, *args, **kwargs) -> None:
                self.at = None

            def record(self, *args, **kwargs) -> None:
                self.at = sim.now + sim.pending

            def synchronize(self) -> None:
                sim.synchronize()

            def wait(self, *args, **kwargs) -> None:
                pass

            def query(self) -> bool:
                return sim.pending == 0.0

            def elapsed_time(self, end: Event) -> float:
                if self.at is None or end.at is None:
                    raise RuntimeError("Both events must be recorded before calculating elapsed time.")
                if sim.now < end.at:  # as CUDA: the end event has not been reached yet
                    raise RuntimeError("CUDA error: device not ready")
                return (end.at - self.at) * 1000

        stack.enter_context(mock.patch.object(torch.cuda, "synchronize", self.synchronize))
        stack.enter_context(mock.patch.object(torch.cuda, "is_available", return_value=True))
        stack.enter_context(mock.patch.object(torch.cuda, "current_stream", lambda *a, **k: Stream()))
        stack.enter_context(mock.patch.object(torch.cuda, "default_stream", lambda *a, **k: Stream()))
        stack.enter_context(mock.patch.object(torch.cuda, "Event", Event))
        if hasattr(torch, "accelerator") and hasattr(torch.accelerator, "synchronize"):
            stack.enter_context(mock.patch.object(torch.accelerator, "synchronize", self.synchronize))
