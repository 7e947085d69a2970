"""hub/progress_store.py: events kept once per id and per student, the teacher's table and its "bloqué" rules,
the CSV French Excel opens, the terminal table. Real SQLite files; no hub needed."""

from __future__ import annotations

import csv
import io

import pytest

from hub import progress_store as store

pytestmark = pytest.mark.pure

ROSTER = [("alice", "Alice Martin"), ("bob", "Bob Durand"), ("chloe", "Chloé Petit")]
CATALOGUE = ({"tensors": "Partie 1 — les tenseurs", "gpu": "Partie 2 — le GPU"},
             {"tensors": ["grid", "elementwise"], "gpu": ["to_device"]})


def event(i, exercise="grid", outcome="failed", at=1000.0, part="tensors", message="Lignes et colonnes inversées"):
    return {"id": f"e{i}", "part": part, "exercise": exercise, "outcome": outcome, "mistake": None,
            "message": message if outcome == "failed" else "", "at": at}


@pytest.fixture
def db(tmp_path):
    return store.connect(tmp_path / "progress.sqlite")


def test_the_same_ids_are_counted_once_per_student(db):
    assert store.add_events(db, "alice", store.clean([event(1), event(2)])) == 2
    assert store.add_events(db, "alice", store.clean([event(2), event(3)])) == 1  # e2 again: ignored
    assert store.add_events(db, "bob", store.clean([event(1)])) == 1  # bob's e1 is not alice's
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 4


@pytest.mark.parametrize("bad", [
    "not a list", [1], [dict(event(1), outcome="hacked")], [dict(event(1), at="yesterday")],
    [dict(event(1), exercise="")], [dict(event(1), id="x" * 65)], [event(i) for i in range(1001)],
])
def test_malformed_posts_are_refused(bad):
    with pytest.raises(store.BadEvents):
        store.clean(bad)


def test_the_three_students_of_the_issue(db):
    store.add_events(db, "alice", store.clean([event(1, outcome="passed", at=1000)]))
    store.add_events(db, "bob", store.clean([event(i, at=1000 + i) for i in range(3)]))
    table = store.build_table(db, ROSTER, "nom", CATALOGUE)
    rows = {row.name: row for row in table.rows}
    assert table.columns == [("tensors", "grid"), ("tensors", "elementwise"), ("gpu", "to_device")]
    assert table.groups() == [("Partie 1 — les tenseurs", 2), ("Partie 2 — le GPU", 1)]
    assert rows["alice"].cells[("tensors", "grid")].symbol == "✅" and not rows["alice"].stuck
    assert rows["bob"].cells[("tensors", "grid")].symbol == "❌ 3"
    assert rows["bob"].stuck == "3 échecs de suite sur « grid »"
    assert rows["bob"].last_hint == "Lignes et colonnes inversées"
    assert rows["chloe"].cells == {} and rows["chloe"].last_activity is None and not rows["chloe"].stuck
    assert [row.name for row in store.build_table(db, ROSTER, "blocage", CATALOGUE).rows] == ["bob", "chloe", "alice"]
    assert [row.name for row in store.build_table(db, ROSTER, "progression", CATALOGUE).rows][0] == "alice"


def test_a_pass_resets_the_streak_and_fifteen_minutes_without_a_pass_is_stuck(db):
    events = [event(1, at=0 + 1e6), event(2, at=60 + 1e6), event(3, outcome="passed", at=120 + 1e6),
              event(4, at=180 + 1e6), event(5, exercise="elementwise", outcome="not_done", at=200 + 1e6)]
    store.add_events(db, "alice", store.clean(events))
    alice = store.build_table(db, ROSTER, "nom", CATALOGUE).rows[0]
    assert alice.cells[("tensors", "grid")].symbol == "✅" and alice.cells[("tensors", "elementwise")].symbol == "⏳"
    assert alice.stuck == ""  # 2 failures, a pass, 1 failure: no streak of 3; 20 s since the pass
    store.add_events(db, "alice", store.clean([event(6, exercise="elementwise", at=180 + 15 * 60 + 1e6)]))
    alice = store.build_table(db, ROSTER, "nom", CATALOGUE).rows[0]
    assert alice.stuck == "15 min sans nouveau ✅"


def test_roster_is_the_rows_and_unknown_exercises_become_columns(db):
    store.add_events(db, "mallory", store.clean([event(1)]))  # not on the roster: kept, not shown
    store.add_events(db, "alice", store.clean([event(2, exercise="new_one", part="gpu")]))
    table = store.build_table(db, ROSTER, "nom", CATALOGUE)
    assert [row.name for row in table.rows] == ["alice", "bob", "chloe"]
    assert table.columns[-1] == ("gpu", "new_one")
    assert [row.name for row in store.build_table(db, ROSTER + [("mallory", "M")], "nom", CATALOGUE).rows][-1] \
        == "mallory"


def test_csv_opens_in_french_excel(db):
    store.add_events(db, "bob", store.clean([event(i, at=1000 + i) for i in range(3)]))
    data = store.to_csv(store.build_table(db, ROSTER, "nom", CATALOGUE)).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["identifiant", "élève", "réussis", "bloqué"]
    assert rows[2][:4] == ["bob", "Bob Durand", "0/3", "3 échecs de suite sur « grid »"]
    assert rows[2][6] == "❌ 3" and rows[3][1] == "Chloé Petit"


def test_terminal_table(db):
    store.add_events(db, "bob", store.clean([event(i, at=1000 + i) for i in range(3)]))
    text = store.to_text(store.build_table(db, ROSTER, "blocage", CATALOGUE), now=1100)
    assert "BLOQUÉ (3 échecs de suite sur « grid »)" in text and "Chloé Petit" in text
    assert "dernier indice (grid) : Lignes et colonnes inversées" in text
    assert store.STUCK_RULES in text


def test_the_database_survives_a_reconnection(tmp_path):
    path = tmp_path / "progress.sqlite"
    store.add_events(store.connect(path), "alice", store.clean([event(1, outcome="passed")]))
    table = store.build_table(store.connect(path), ROSTER, "nom", CATALOGUE)
    assert table.rows[0].done == 1
