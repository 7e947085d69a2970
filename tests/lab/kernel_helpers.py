"""JupyterLab's "Run all", replayed on a real kernel (imported by name: ``from kernel_helpers import lab_kernel``).

JupyterLab's "Run all" sends one ``execute_request`` per code cell (``stop_on_error`` true), without waiting for
replies: the kernel queues them and runs them in order; the cells after a failed one get an ``aborted`` reply,
or run, depending on the kernel. ``run_all`` does the same over ZeroMQ and reports how each cell ended.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import start_new_kernel

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CellRun:
    status: str = "queued"  # ok | error | aborted (the execute_reply's status)
    stdout: str = ""
    ename: str | None = None
    traceback: list[str] = field(default_factory=list)


@contextmanager
def lab_kernel(cwd: Path) -> Iterator:
    """A fresh kernel of the default kernelspec, the repo importable, plots off screen; yields its client.

    In the image, /etc/ipython/ipython_kernel_config.py makes it a ``lab.kernel.LabKernel``; elsewhere (the host's
    ``make test-unit``) the same class is asked for on the command line. Either way the test checks the class.
    """
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    extra = ["--IPKernelApp.log_level=ERROR"]
    if not os.environ.get("LAB_IN_IMAGE"):
        extra.append("--IPKernelApp.kernel_class=lab.kernel.LabKernel")
    manager, client = start_new_kernel(kernel_name="python3", env=env, cwd=str(cwd), extra_arguments=extra,
                                       startup_timeout=120)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def kernel_class(client) -> str:
    reply = run_all(client, ["print(type(get_ipython().kernel).__qualname__)"])
    return reply[0].stdout.strip()


def run_all(client, sources: list[str], *, gaps: float = 0.0, seed: int = 0, timeout: float = 900) -> list[CellRun]:
    """Send every cell at once (``gaps`` > 0: random pauses up to that many seconds between sends, as a browser
    rendering cells while it sends them), then wait for every reply and every cell's output."""
    rng = random.Random(seed)
    ids = []
    for source in sources:
        ids.append(client.execute(source, stop_on_error=True))
        if gaps:
            time.sleep(rng.uniform(0, gaps))
    runs = {msg_id: CellRun() for msg_id in ids}
    idle: set[str] = set()
    deadline = time.monotonic() + timeout
    while sum(r.status != "queued" for r in runs.values()) < len(ids):
        reply = client.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
        parent = reply["parent_header"].get("msg_id")
        if parent in runs:
            runs[parent].status = reply["content"]["status"]
    while len(idle) < len(ids):  # outputs come on IOPub; each request ends with an idle status there
        msg = client.get_iopub_msg(timeout=max(1.0, deadline - time.monotonic()))
        parent = msg["parent_header"].get("msg_id")
        if parent not in runs:
            continue
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            runs[parent].stdout += content["text"]
        elif kind == "error":
            runs[parent].ename, runs[parent].traceback = content["ename"], content["traceback"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle.add(parent)
    return [runs[msg_id] for msg_id in ids]
