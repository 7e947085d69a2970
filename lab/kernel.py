"""The lab's Jupyter kernel: after a failed cell, "Run all" stops there, every time.

JupyterLab's "Run all" sends one execute request per cell, all at once; the kernel queues them. When a cell fails,
ipykernel aborts the requests already queued, but in ipykernel 7 (subshells) only those that reached its queue
before a "stop aborting" marker it posts right after the failure: requests still in transit run, so a few later
cells run with everything between them unrun (jupyter_client#569). Its ``stop_on_error_timeout`` setting, meant
for this, is ignored on that code path.

``LabKernel`` keeps aborting execute requests for ``ABORT_WINDOW`` seconds after a failed cell, the window
restarting with each aborted request: a whole "Run all" burst is aborted, whatever the order messages arrive in,
while a cell the student runs by hand a moment later runs normally. The image makes it the kernel of every
notebook (docker/ipython_kernel_config.py, installed as /etc/ipython/ipython_kernel_config.py).
"""

from __future__ import annotations

import time

from ipykernel.ipkernel import IPythonKernel

#: Seconds after a failure (or after the last aborted request) during which execute requests are aborted.
ABORT_WINDOW = 0.5


class LabKernel(IPythonKernel):
    """IPython's kernel, with a deterministic stop of "Run all" at the first error (see the module docstring)."""

    _abort_until = 0.0

    def _start_abort_window(self) -> None:
        self._abort_until = time.monotonic() + ABORT_WINDOW

    def _abort_queues(self, subshell_id=None):
        """Called by ipykernel after a failed execute request (with ``stop_on_error``): open the window."""
        self._start_abort_window()
        return super()._abort_queues(subshell_id)

    def _send_abort_reply(self, stream, msg, idents):
        """Every aborted request, ipykernel's own or ours, keeps the window open."""
        self._start_abort_window()
        return super()._send_abort_reply(stream, msg, idents)

    def should_handle(self, stream, msg, idents):
        if msg["header"]["msg_type"] == "execute_request" and time.monotonic() < self._abort_until:
            self._send_abort_reply(stream, msg, idents)
            return False
        return super().should_handle(stream, msg, idents)
