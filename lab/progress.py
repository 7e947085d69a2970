"""Every check call, recorded: the student's own progress, and on the hub, the teacher's view of the class.

``install()`` (run by ``lab.exercises``) adds a listener to ``lab.checks``: each ``CheckResult`` becomes one JSON
line appended to ``~/work/.progress/events.jsonl`` (``LAB_PROGRESS_DIR`` overrides the folder): part, exercise,
outcome, the known mistake's key, the French message the student saw, the time and a unique id. Never the
student's code or values. The file lives in the work folder, so it survives restarts and is in backups.

Recording must never change a check: any ``OSError`` (read-only or full disk) is swallowed and the event is lost
for the record only. On the hub (``LAB_PROGRESS_URL`` and ``JUPYTERHUB_API_TOKEN`` set by the spawner), a
background thread posts the lines not yet sent to the progress service with the student's own token; the byte
offset already sent is kept in ``.progress/sent``. When the service is down it retries later; the ids make the
posts idempotent, so a line sent twice is counted once.

``python -m lab.progress`` prints, in French, what is done, what is left and the last hint per part; the closing
cell of each notebook calls ``show(part)``. ``python -m lab.progress catalogue`` prints the exercises of every part
(JSON, the columns of the teacher's page: ``hub/exercises.json``).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from lab import checks

PARTS = {  # the exercises modules, in course order, with the notebook part they belong to (French titles)
    "environment": "Partie 0 — l'environnement",
    "tensors": "Partie 1 — les tenseurs",
    "gpu": "Partie 2 — le GPU",
    "autograd": "Partie 3 — autograd",
    "regression": "Parties 4-5 — la régression",
}
EVENTS = "events.jsonl"
SENT = "sent"
MESSAGE_LIMIT = 1000  # characters of the check's message kept: the hint, not a dump
BATCH = 200  # events per POST
RETRY_SECONDS = (1, 2, 5, 10, 20, 30)  # waits after failed posts; the last one repeats


def progress_dir() -> Path:
    """``$LAB_PROGRESS_DIR``, else the hidden ``.progress`` folder of the student's work folder (``~/work``)."""
    return Path(os.environ.get("LAB_PROGRESS_DIR") or Path.home() / "work" / ".progress")


def event_of(result: checks.CheckResult) -> dict:
    """The recorded form of a check call: what the check concluded, never what the student wrote."""
    return {"id": uuid.uuid4().hex, "part": result.part, "exercise": result.exercise, "outcome": result.outcome,
            "mistake": result.mistake, "message": result.message[:MESSAGE_LIMIT], "at": round(result.at, 3)}


def append(event: dict, folder: Path | None = None) -> bool:
    """Append one line (one ``write`` on an ``O_APPEND`` file, mode 0600). False, silently, when the disk says no."""
    folder = folder or progress_dir()
    line = (json.dumps(event, ensure_ascii=False) + "\n").encode()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        return False
    return True


def read_events(folder: Path | None = None) -> list[dict]:
    """Every complete, readable line of the record (a torn or foreign line is skipped)."""
    try:
        data = ((folder or progress_dir()) / EVENTS).read_bytes()
    except OSError:
        return []
    events = []
    for line in data.split(b"\n")[:-1]:  # the last piece has no newline yet: not a complete line
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict) and {"part", "exercise", "outcome"} <= event.keys():
                events.append(event)
    return events


# --- sending to the hub's progress service -------------------------------------------------------------------

def hub_target() -> tuple[str, str] | None:
    """(service URL, student token) when this kernel runs in a hub's server that has a progress service."""
    url, token = os.environ.get("LAB_PROGRESS_URL"), os.environ.get("JUPYTERHUB_API_TOKEN")
    return (url, token) if url and token else None


def _read_offset(folder: Path) -> int:
    try:
        return int((folder / SENT).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _write_offset(folder: Path, offset: int) -> None:
    tmp = folder / f".{SENT}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(str(offset))
    os.replace(tmp, folder / SENT)


def send_pending(url: str, token: str, folder: Path | None = None, timeout: float = 10) -> int:
    """Post the complete lines after the saved offset, in batches; return how many were accepted.

    Raises ``OSError`` (``URLError``) when the service cannot be reached or refuses: the offset is then unchanged.
    """
    folder = folder or progress_dir()
    offset, sent = _read_offset(folder), 0
    try:
        with open(folder / EVENTS, "rb") as file:
            file.seek(offset)
            data = file.read()
    except FileNotFoundError:
        return 0
    if offset and not data and (folder / EVENTS).stat().st_size < offset:  # the record was replaced: start over
        _write_offset(folder, 0)
        return send_pending(url, token, folder, timeout)
    lines = data.split(b"\n")[:-1]
    position = offset
    for start in range(0, len(lines), BATCH):
        chunk = lines[start:start + BATCH]
        events = []
        for line in chunk:
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
        if events:
            request = urllib.request.Request(
                url, data=json.dumps({"events": events}).encode(), method="POST",
                headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            sent += len(events)
        position += sum(len(line) + 1 for line in chunk)
        _write_offset(folder, position)
    return sent


class Sender(threading.Thread):
    """Posts new lines as they come, and the backlog at start; waits longer after each failure."""

    def __init__(self, url: str, token: str, folder: Path):
        super().__init__(name="lab-progress-sender", daemon=True)
        self.url, self.token, self.folder = url, token, folder
        self.wake = threading.Event()
        self.failures = 0

    def run(self) -> None:
        while True:
            try:
                send_pending(self.url, self.token, self.folder)
                self.failures = 0
                self.wake.wait()
            except Exception:  # noqa: BLE001  (service down, hub restarting, disk trouble: try again later)
                wait = RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS) - 1)]
                self.failures += 1
                self.wake.wait(wait)
            self.wake.clear()


_sender: Sender | None = None


def _record(result: checks.CheckResult) -> None:
    append(event_of(result))
    if _sender is not None:
        _sender.wake.set()


def _flush_at_exit() -> None:
    """A kernel shut down right after a check (notebook closed) still sends it, if the service answers quickly;
    otherwise the next kernel's sender does."""
    target = hub_target()
    if target:
        with contextlib.suppress(Exception):
            send_pending(*target, progress_dir(), timeout=3)


def install() -> None:
    """Record every check call from now on; on a hub, also start the sender (which sends any backlog)."""
    global _sender
    checks.add_listener(_record)
    target = hub_target()
    if target and _sender is None:
        _sender = Sender(*target, progress_dir())
        _sender.start()
        atexit.register(_flush_at_exit)


# --- the student's view --------------------------------------------------------------------------------------

def catalogue() -> dict[str, list[str]]:
    """Each part's exercises (its ``check_*`` functions, in the order of the module's source)."""
    import importlib

    parts = {}
    for part in PARTS:
        parts[part] = list(checks.part_checks(importlib.import_module(f"lab.exercises.{part}")))
    return parts


def summary(events: list[dict], parts: dict[str, list[str]]) -> dict[str, dict[str, dict]]:
    """Per part and exercise: state (passed / failed / not_done / None), failed tries, the last hint."""
    table = {part: {name: {"state": None, "failures": 0, "hint": ""} for name in names}
             for part, names in parts.items()}
    for event in sorted(events, key=lambda e: e.get("at", 0)):
        cell = table.setdefault(event["part"], {}).setdefault(
            event["exercise"], {"state": None, "failures": 0, "hint": ""})
        if event["outcome"] == "passed":
            cell["state"] = "passed"
        elif event["outcome"] == "failed":
            cell["failures"] += 1
            cell["hint"] = event.get("message", "")
            if cell["state"] != "passed":
                cell["state"] = "failed"
        elif cell["state"] is None:
            cell["state"] = "not_done"
    return table


def hint_line(text: str, limit: int = 300) -> str:
    """A check's message on one line (what the student read, shortened): the hint the report repeats."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def render(table: dict[str, dict[str, dict]], only: str | None = None) -> str:
    """The French report: one block per part (the detail for ``only``, one line for the others)."""
    lines = ["Où en êtes-vous ?"]
    for part, cells in table.items():
        done = [name for name, cell in cells.items() if cell["state"] == "passed"]
        title = f"{PARTS.get(part, part)} : {len(done)}/{len(cells)} exercice(s) réussi(s)"
        if only and part != only:
            lines.append(f"  {title}")
            continue
        lines.append("")
        lines.append(title)
        for name, cell in cells.items():
            if cell["state"] == "passed":
                lines.append(f"  ✅ {name}")
            elif cell["state"] == "failed":
                lines.append(f"  ❌ {name} ({cell['failures']} essai(s) sans succès) — dernier indice : "
                             f"{hint_line(cell['hint'])}")
            else:
                lines.append(f"  ⏳ {name} : à faire")
        if only:
            lines.append("")
    return "\n".join(lines).rstrip()


def show(part: str | None = None) -> None:
    """Print the student's progress (the closing cell "Où en êtes-vous ?" of each notebook)."""
    print(render(summary(read_events(), catalogue()), part))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.progress", description="Où en êtes-vous ? Vos exercices, "
                                     "partie par partie : réussis, à faire, et le dernier indice reçu.")
    parser.add_argument("part", nargs="?", choices=[*PARTS, "catalogue"],
                        help="une partie seulement (détail), ou « catalogue » : les exercices en JSON")
    args = parser.parse_args(argv)
    if args.part == "catalogue":
        print(json.dumps({"parts": PARTS, "exercises": catalogue()}, ensure_ascii=False, indent=1))
        return 0
    print(render(summary(read_events(), catalogue()), args.part))
    if not read_events():
        print(f"\n(Aucune vérification enregistrée pour l'instant dans {progress_dir()}.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
