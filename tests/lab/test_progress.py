"""lab.progress: every check call is recorded locally (never the code), never changes a check, and is sent to a
progress service over real HTTP, later when the service was down, without duplicates thanks to the ids."""

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from lab import progress
from lab.checks import CheckFailed, NotDone
from lab.exercises.tensors import check_grid

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    path = tmp_path / "work" / ".progress"
    monkeypatch.setenv("LAB_PROGRESS_DIR", str(path))
    return path


def wrong_grid_with_a_secret(n_rows, n_cols):
    secret_marker_in_student_code = 1  # noqa: F841  (must never reach the record)
    return torch.arange(n_rows * n_cols).reshape(n_cols, n_rows)


def test_each_check_call_appends_one_event_without_the_code(folder, capsys):
    check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))
    with pytest.raises(CheckFailed):
        check_grid(wrong_grid_with_a_secret)
    with pytest.raises(NotDone):
        check_grid(...)
    events = progress.read_events()
    assert [(e["part"], e["exercise"], e["outcome"]) for e in events] == [
        ("tensors", "grid", "passed"), ("tensors", "grid", "failed"), ("tensors", "grid", "not_done")]
    assert "inversées" in events[1]["message"] and events[0]["message"] == ""
    assert len({e["id"] for e in events}) == 3 and all(abs(e["at"] - time.time()) < 60 for e in events)
    raw = (folder / progress.EVENTS).read_text(encoding="utf-8")
    assert "secret_marker" not in raw and "reshape(n_cols" not in raw
    assert (folder / progress.EVENTS).stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.name.startswith(".")


def test_an_unwritable_record_changes_nothing_for_the_student(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LAB_PROGRESS_DIR", str(blocker / ".progress"))  # cannot be created, even by root
    check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))
    assert capsys.readouterr().out.startswith("✅")
    with pytest.raises(CheckFailed, match="inversées"):
        check_grid(wrong_grid_with_a_secret)
    assert progress.read_events() == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder; the file-blocked case covers it")
def test_a_read_only_folder_changes_nothing(folder, capsys):
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        started = time.perf_counter()
        check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))
        assert capsys.readouterr().out.startswith("✅")
        assert time.perf_counter() - started < 5
        assert progress.read_events() == []
    finally:
        folder.chmod(0o700)


def test_a_torn_last_line_is_not_read(folder):
    progress.append({"id": "a", "part": "tensors", "exercise": "grid", "outcome": "passed", "at": 1})
    with open(folder / progress.EVENTS, "a", encoding="utf-8") as file:
        file.write('{"id": "b", "part": "tens')
    assert [e["id"] for e in progress.read_events()] == ["a"]


def test_the_report_says_done_left_and_last_hint_in_french(folder):
    parts = {"tensors": ["grid", "elementwise", "sum_per_row"]}
    events = [
        {"part": "tensors", "exercise": "grid", "outcome": "failed", "message": "Premier indice", "at": 1},
        {"part": "tensors", "exercise": "grid", "outcome": "passed", "message": "", "at": 2},
        {"part": "tensors", "exercise": "elementwise", "outcome": "failed", "message": "Vieil indice", "at": 3},
        {"part": "tensors", "exercise": "elementwise", "outcome": "failed", "message": "Ajoutez\n👉 a * b", "at": 4},
    ]
    text = progress.render(progress.summary(events, parts))
    assert "Partie 1 — les tenseurs : 1/3 exercice(s) réussi(s)" in text
    assert "✅ grid" in text
    assert "❌ elementwise (2 essai(s) sans succès) — dernier indice : Ajoutez 👉 a * b" in text
    assert "⏳ sum_per_row : à faire" in text and "Vieil indice" not in text


def test_python_m_lab_progress_in_a_terminal(folder):
    check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))
    out = subprocess.run([sys.executable, "-m", "lab.progress"], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(REPO))).stdout
    assert out.startswith("Où en êtes-vous ?")
    assert "✅ grid" in out and "⏳ elementwise : à faire" in out and "Partie 2 — le GPU" in out


def test_the_hub_catalogue_is_the_exercises_of_lab():
    shipped = json.loads((REPO / "hub" / "exercises.json").read_text(encoding="utf-8"))
    assert shipped == {"parts": progress.PARTS, "exercises": progress.catalogue()}, \
        "regenerate it: python -m lab.progress catalogue > hub/exercises.json"


class _Service:
    """A stand-in for the hub's progress service: real HTTP; stores events by id, as the service does."""

    def __init__(self, port: int = 0, delay: float = 0.0):
        """``delay``: seconds each answer waits, like a busy hub."""
        self.events, self.tokens, self.posts = {}, set(), 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(delay)
                service.posts += 1
                service.tokens.add(self.headers["Authorization"])
                for event in body["events"]:
                    service.events[event["id"]] = event
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/progress/api/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _events(n):
    return [{"id": f"e{i}", "part": "tensors", "exercise": "grid", "outcome": "failed", "at": i} for i in range(n)]


def test_send_pending_posts_once_and_keeps_the_offset(folder):
    for event in _events(250):
        progress.append(event)
    service = _Service()
    try:
        assert progress.send_pending(service.url, "tok-alice") == 250
        assert service.posts == 2 and service.tokens == {"token tok-alice"} and len(service.events) == 250
        assert progress.send_pending(service.url, "tok-alice") == 0  # nothing new
        progress.append(_events(251)[-1])
        assert progress.send_pending(service.url, "tok-alice") == 1 and len(service.events) == 251
    finally:
        service.close()


def test_service_down_then_back_the_sender_delivers_everything(folder, monkeypatch):
    gone = _Service()
    url, port = gone.url, gone.server.server_port
    gone.close()  # down: the port refuses connections
    progress.append(_events(1)[0])
    with pytest.raises(OSError):
        progress.send_pending(url, "tok")
    assert progress._read_offset(folder) == 0
    monkeypatch.setattr(progress, "RETRY_SECONDS", (0.2,))
    sender = progress.Sender(url, "tok", folder)
    sender.start()
    for event in _events(5)[1:]:
        progress.append(event)
        sender.wake.set()
    deadline = time.monotonic() + 10
    while sender.failures < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sender.failures >= 2
    back = _Service(port)  # the service is back, on the same address
    try:
        while len(back.events) < 5 and time.monotonic() < deadline + 10:
            time.sleep(0.1)
        assert sorted(back.events) == [f"e{i}" for i in range(5)]
        size = (folder / progress.EVENTS).stat().st_size  # the offset is saved once the service has answered
        while progress._read_offset(folder) != size and time.monotonic() < deadline + 20:
            time.sleep(0.1)
        assert progress._read_offset(folder) == size
    finally:
        back.close()


def test_a_kernel_that_exits_right_after_a_check_still_sends_it(folder):
    # The answer takes 1 s: without the flush at exit, the process ends (and its sender thread with it) first.
    service = _Service(delay=1.0)
    try:
        code = ("import torch\nfrom lab.exercises.tensors import check_grid\n"
                "check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))\n")
        env = dict(os.environ, PYTHONPATH=str(REPO), LAB_PROGRESS_URL=service.url, JUPYTERHUB_API_TOKEN="tok-bob")
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=120)
        assert [event["exercise"] for event in service.events.values()] == ["grid"]
        assert service.tokens == {"token tok-bob"}
        assert progress._read_offset(folder) == (folder / progress.EVENTS).stat().st_size
    finally:
        service.close()
