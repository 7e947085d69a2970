"""The class's progress: the events students' servers post, kept in SQLite, and the teacher's table built from them.

Stdlib only: the progress service (progress_service.py) and `make hub-progress` use it in the hub image, the tests
on the host. One row per roster student, one column per exercise (hub/exercises.json, then any exercise seen in
the events), grouped by part. A student is "bloqué" when one of the two rules of ``STUCK_RULES`` holds.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUCK_FAILURES = 3  # failures in a row on one exercise, without a ✅ in between
STUCK_MINUTES = 15  # minutes of checks without a new ✅
STUCK_RULES = (f"« bloqué » : le même exercice échoué {STUCK_FAILURES} fois de suite sans réussite, ou "
               f"{STUCK_MINUTES} minutes de vérifications sans nouveau ✅.")
OUTCOMES = ("passed", "failed", "not_done")
LIMITS = {"id": 64, "part": 64, "exercise": 64, "mistake": 64, "message": 1000}
MAX_EVENTS_PER_POST = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    user TEXT NOT NULL, id TEXT NOT NULL, part TEXT NOT NULL, exercise TEXT NOT NULL, outcome TEXT NOT NULL,
    mistake TEXT, message TEXT NOT NULL DEFAULT '', at REAL NOT NULL, received REAL NOT NULL,
    PRIMARY KEY (user, id)
);
CREATE INDEX IF NOT EXISTS events_by_user_time ON events (user, at);
"""


class BadEvents(ValueError):
    """A post the service refuses (400); the message says which event and why."""


def connect(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def clean(events: object) -> list[dict]:
    """The posted events, checked: known outcome, bounded strings, a number for the time."""
    if not isinstance(events, list) or len(events) > MAX_EVENTS_PER_POST:
        raise BadEvents(f"'events' must be a list of at most {MAX_EVENTS_PER_POST} events")
    cleaned = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise BadEvents(f"event {index}: not an object")
        for key in ("id", "part", "exercise"):
            if not isinstance(event.get(key), str) or not 0 < len(event[key]) <= LIMITS[key]:
                raise BadEvents(f"event {index}: '{key}' must be a string of 1-{LIMITS[key]} characters")
        if event.get("outcome") not in OUTCOMES:
            raise BadEvents(f"event {index}: 'outcome' must be one of {', '.join(OUTCOMES)}")
        at = event.get("at")
        if not isinstance(at, (int, float)) or isinstance(at, bool) or not 0 < at < 1e11:
            raise BadEvents(f"event {index}: 'at' must be a Unix time")
        mistake = event.get("mistake")
        cleaned.append({"id": event["id"], "part": event["part"], "exercise": event["exercise"],
                        "outcome": event["outcome"], "at": float(at),
                        "mistake": str(mistake)[:LIMITS["mistake"]] if mistake else None,
                        "message": str(event.get("message") or "")[:LIMITS["message"]]})
    return cleaned


def add_events(db: sqlite3.Connection, user: str, events: list[dict]) -> int:
    """Store the events of `user` (the name from the token, never from the body); return how many were new."""
    now = time.time()
    rows = [(user, e["id"], e["part"], e["exercise"], e["outcome"], e["mistake"], e["message"], e["at"], now)
            for e in events]
    with db:  # one transaction: all or nothing
        before = db.total_changes
        db.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return db.total_changes - before


def load_catalogue(path: str | Path = HERE / "exercises.json") -> tuple[dict[str, str], dict[str, list[str]]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return dict(data["parts"]), {part: list(names) for part, names in data["exercises"].items()}
    except (OSError, ValueError, KeyError):
        return {}, {}


@dataclass
class Cell:
    state: str | None = None  # passed | failed | not_done | None (never checked)
    failures: int = 0
    streak: int = 0  # failures since the last ✅ of this exercise

    @property
    def symbol(self) -> str:
        return {"passed": "✅", "failed": f"❌ {self.failures}", "not_done": "⏳"}.get(self.state or "", "")


@dataclass
class Row:
    name: str
    display_name: str
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    last_activity: float | None = None
    last_hint: str = ""
    last_hint_exercise: str = ""
    stuck: str = ""  # why the student is "bloqué" ("" when not)

    @property
    def done(self) -> int:
        return sum(cell.state == "passed" for cell in self.cells.values())

    @property
    def failures(self) -> int:
        return sum(cell.streak for cell in self.cells.values())


@dataclass
class Table:
    parts: dict[str, str]  # part -> French title
    columns: list[tuple[str, str]]  # (part, exercise), grouped by part
    rows: list[Row]

    def groups(self) -> list[tuple[str, int]]:
        """(part title, number of columns) for the header row."""
        out: list[tuple[str, int]] = []
        for part, _ in self.columns:
            title = self.parts.get(part, part)
            if out and out[-1][0] == title:
                out[-1] = (title, out[-1][1] + 1)
            else:
                out.append((title, 1))
        return out


def _row(name: str, display: str, events: list[tuple], columns: set) -> Row:
    row = Row(name, display)
    since_pass: float | None = None  # time of the first non-✅ check after the last ✅
    for part, exercise, outcome, message, at in events:  # ordered by time
        cell = row.cells.setdefault((part, exercise), Cell())
        columns.add((part, exercise))
        row.last_activity = at
        if outcome == "passed":
            cell.state, cell.streak, since_pass = "passed", 0, None
            continue
        since_pass = at if since_pass is None else since_pass
        if outcome == "failed":
            cell.failures += 1
            cell.streak += 1
            row.last_hint, row.last_hint_exercise = message, exercise
            if cell.state != "passed":
                cell.state = "failed"
        elif cell.state is None:
            cell.state = "not_done"
    streaks = [(cell.streak, exercise) for (_, exercise), cell in row.cells.items() if cell.streak >= STUCK_FAILURES]
    if streaks:
        streak, exercise = max(streaks)
        row.stuck = f"{streak} échecs de suite sur « {exercise} »"
    elif since_pass is not None and row.last_activity - since_pass >= STUCK_MINUTES * 60:
        row.stuck = f"{int((row.last_activity - since_pass) // 60)} min sans nouveau ✅"
    return row


SORTS = {  # ?tri=...: the page's sort links
    "progression": lambda row: (-row.done, row.display_name.lower()),
    "blocage": lambda row: (not row.stuck, -row.failures, row.done, row.display_name.lower()),
    "nom": lambda row: row.display_name.lower(),
}


def build_table(db: sqlite3.Connection, roster: list[tuple[str, str]], sort: str = "nom",
                catalogue: tuple[dict[str, str], dict[str, list[str]]] | None = None) -> Table:
    """One row per roster student (name, display name), in `sort` order; students off the roster are left out
    (their events stay in the database)."""
    parts, exercises = catalogue if catalogue is not None else load_catalogue()
    by_user: dict[str, list[tuple]] = {name: [] for name, _ in roster}
    for user, *event in db.execute(
            "SELECT user, part, exercise, outcome, message, at FROM events ORDER BY user, at, received"):
        if user in by_user:
            by_user[user].append(tuple(event))
    seen: set[tuple[str, str]] = set()
    rows = [_row(name, display, by_user[name], seen) for name, display in roster]
    columns = [(part, name) for part, names in exercises.items() for name in names]
    known = set(columns)
    for part, exercise in sorted(seen - known, key=lambda c: (list(exercises).index(c[0]) if c[0] in exercises
                                                                else len(exercises), c[0], c[1])):
        index = max((i for i, c in enumerate(columns) if c[0] == part), default=len(columns) - 1)
        columns.insert(index + 1, (part, exercise))
    rows.sort(key=SORTS.get(sort, SORTS["nom"]))
    return Table({part: parts.get(part, part) for part, _ in columns}, columns, rows)


def when(at: float | None, now: float | None = None) -> str:
    """'il y a 3 min (10:42)' in French; '—' when never."""
    if at is None:
        return "—"
    minutes = int(max(0, (now or time.time()) - at) // 60)
    ago = "à l'instant" if minutes < 1 else f"il y a {minutes} min" if minutes < 120 else f"il y a {minutes // 60} h"
    return f"{ago} ({time.strftime('%H:%M', time.localtime(at))})"


def one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def to_csv(table: Table) -> str:
    """What French Excel opens as is: UTF-8 with a BOM, ';' between fields."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["identifiant", "élève", "réussis", "bloqué", "dernière activité", "dernier indice",
                     *(f"{table.parts.get(part, part)} / {exercise}" for part, exercise in table.columns)])
    for row in table.rows:
        last = time.strftime("%Y-%m-%d %H:%M", time.localtime(row.last_activity)) if row.last_activity else ""
        writer.writerow([row.name, row.display_name, f"{row.done}/{len(table.columns)}", row.stuck or "non", last,
                         one_line(row.last_hint, 1000),
                         *(row.cells.get(column, Cell()).symbol for column in table.columns)])
    return "\ufeff" + out.getvalue()


def to_text(table: Table, now: float | None = None) -> str:
    """`make hub-progress`: the same table for a terminal (one line per student, cells in course order)."""
    width = max([len(row.display_name) for row in table.rows] + [5])
    lines = [f"{len(table.rows)} élève(s), {len(table.columns)} exercice(s). {STUCK_RULES}",
             "Cellules : ✅ réussi, ❌n n essais ratés, ⏳ commencé, · pas encore vérifié.", ""]
    for title, count in table.groups():
        lines.append(f"  {title} : {count} exercice(s)")
    lines.append("")
    for row in table.rows:
        cells = "".join({"passed": "✅", "failed": "❌", "not_done": "⏳"}.get(row.cells.get(c, Cell()).state or "", "·")
                        for c in table.columns)
        flag = f"  BLOQUÉ ({row.stuck})" if row.stuck else ""
        lines.append(f"{row.display_name:<{width}}  {row.done:>3}/{len(table.columns)}  {when(row.last_activity, now)}"
                     f"{flag}")
        lines.append(f"{'':<{width}}  {cells}")
        if row.last_hint:
            lines.append(f"{'':<{width}}  dernier indice ({row.last_hint_exercise}) : {one_line(row.last_hint)}")
    return "\n".join(lines)
