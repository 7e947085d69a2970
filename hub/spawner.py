"""DockerSpawner with a start queue: when a whole class logs in at once, servers boot a few at a time, first come
first served, instead of all sharing the CPUs and all finishing last.

A student server's boot (the image's start script, then Jupyter's server) is CPU work. Thirty at once on two
cores all progress together and all answer at about the same time: each student waits as long as the last one.
Queued, the first students are in after a few seconds and the last one no later than before, so the median wait
roughly halves (docs/measurements.md, "A whole class starting at once"). A queued student's page says so, in French.

A slot is held from the container's creation until its server answers HTTP, or BOOT_HOLD_SECONDS at most: a server
that never answers cannot stall the queue (the hub's own start timeout still applies to it).
"""

from __future__ import annotations

import asyncio
import os
import time

from dockerspawner import DockerSpawner
from jupyterhub.utils import AnyTimeoutError, url_path_join, wait_for_http_server
from traitlets import Integer

BOOT_HOLD_SECONDS = 30


def starts_at_once(setting: str) -> int:
    """HUB_CONCURRENT_STARTS: a number, or "auto": two per CPU of the hub's machine (a boot also waits on Docker and
    the disk; on 2 CPUs, 4 at once gave the lowest median and maximum, docs/measurements.md)."""
    return 2 * (os.cpu_count() or 1) if setting == "auto" else max(1, int(setting))


class QueuedDockerSpawner(DockerSpawner):
    concurrent_starts = Integer(2, config=True, help="Student servers that may boot at the same time.")

    _slots: asyncio.Semaphore | None = None  # shared by every student's spawner, made on the hub's event loop
    _waiting: list[QueuedDockerSpawner] = []  # the queue, in arrival order: what each student's page shows

    @classmethod
    def _semaphore(cls, size: int) -> asyncio.Semaphore:
        if QueuedDockerSpawner._slots is None:
            QueuedDockerSpawner._slots = asyncio.Semaphore(size)
        return QueuedDockerSpawner._slots

    async def start(self):
        slots = self._semaphore(self.concurrent_starts)
        QueuedDockerSpawner._waiting.append(self)
        queued = time.monotonic()
        try:
            await slots.acquire()
        finally:
            QueuedDockerSpawner._waiting.remove(self)
        try:
            if time.monotonic() - queued > 1:
                self.log.info("%s waited %.1f s in the start queue", self.user.name, time.monotonic() - queued)
            ip, port = await super().start()
            url = url_path_join(f"http://{ip}:{port}", self.server.base_url)
            try:
                await wait_for_http_server(url, timeout=BOOT_HOLD_SECONDS)
            except AnyTimeoutError:
                self.log.warning("%s's server did not answer within %s s; its start slot is released",
                                 self.user.name, BOOT_HOLD_SECONDS)
            return ip, port
        finally:
            slots.release()

    async def progress(self):
        """The queue position on the student's waiting page, while there is one (French)."""
        shown = None
        while self in QueuedDockerSpawner._waiting:
            ahead = QueuedDockerSpawner._waiting.index(self)
            message = (f"En file d'attente : la machine démarre les serveurs {self.concurrent_starts} par "
                       f"{self.concurrent_starts} ; {ahead} élève(s) avant vous dans la file.")
            if message != shown:
                shown = message
                yield {"progress": 10, "message": message}
            await asyncio.sleep(1)
        async for event in super().progress():
            yield event
