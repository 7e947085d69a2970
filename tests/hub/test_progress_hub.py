"""The teacher's progress page on a real hub: students' real kernels call real checks, their servers post the
events with their own tokens, the teacher reads the page over HTTP. Students get 403, nobody posts for someone
else, a stopped service loses nothing, a hub restart with a new roster keeps the history.

The tests of this module share one hub and run in file order.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from hubtest import wait_for

from tests.support.browser import chromium, hub_login
from tests.support.processes import docker

pytestmark = pytest.mark.slow

PAGE = "/services/progress/"
API = "/services/progress/api/progress"
EVENTS = "/services/progress/api/events"
GOOD = "import torch\nfrom lab.exercises.tensors import check_grid\n" \
       "check_grid(lambda n, m: torch.arange(n * m).reshape(n, m))\n"
WRONG = "import torch\nfrom lab.exercises.tensors import check_grid\nfor _ in range(3):\n" \
        "    try:\n        check_grid(lambda n, m: torch.arange(n * m).reshape(m, n))\n" \
        "    except AssertionError as error:\n        print('refused:', str(error).splitlines()[0])\n"


@pytest.fixture(scope="module")
def teacher(class_hub):
    user = class_hub.user("teacher")
    assert user.login_api(class_hub.password("admin")).status == 201
    return user


@pytest.fixture(scope="module")
def students(class_hub):
    users = {name: class_hub.student(name) for name in ("alice", "bob", "chloe")}
    for name in ("alice", "bob"):  # chloe does nothing
        assert users[name].start_server().status in (201, 202)
    for name in ("alice", "bob"):
        users[name].wait_ready(timeout=300)
    return users


def progress(teacher) -> dict:
    reply = teacher.request("GET", API)
    assert reply.status == 200, reply.body[:300]
    return {student["name"]: student for student in reply.json()["students"]}


def grid(student: dict) -> dict:
    return student["cells"].get("tensors/grid", {})


def row_html(page: str, name: str) -> str:
    start = page.index(f'data-user="{name}"')
    return page[start:page.index("</tr>", start)]


def test_three_students_pass_fail_three_times_and_do_nothing(class_hub, teacher, students):
    assert "✅" in students["alice"].run_code(GOOD)
    assert students["bob"].run_code(WRONG).count("refused: ") == 3
    wait_for(lambda: grid(progress(teacher)["alice"]).get("state") == "passed"
             and grid(progress(teacher)["bob"]).get("failures") == 3, 120, "the events reach the service")
    rows = progress(teacher)
    assert rows["bob"]["stuck"] == "3 échecs de suite sur « grid »" and "inversées" in rows["bob"]["last_hint"]
    assert rows["chloe"]["cells"] == {} and rows["chloe"]["last_activity"] is None
    assert rows["alice"]["display_name"] == "Élève Alice"  # from the roster

    reply = teacher.request("GET", PAGE)
    assert reply.status == 200 and '<html lang="fr">' in reply.body
    assert '<meta http-equiv="refresh" content="5">' in reply.body and "« bloqué » : le même exercice" in reply.body
    assert '<td class="c passed" title="grid : réussi">✅</td>' in row_html(reply.body, "alice")
    bob = row_html(reply.body, "bob")
    assert '<td class="c failed" title="grid : 3 essai(s) raté(s)">❌ 3</td>' in bob and ">bloqué</span>" in bob
    chloe = row_html(reply.body, "chloe")
    assert "✅" not in chloe and "❌" not in chloe and "⏳" not in chloe and "bloqué" not in chloe
    assert reply.body.index('data-user="bob"') < reply.body.index('data-user="alice"')  # the stuck first

    csv_reply = teacher.request("GET", "/services/progress/progress.csv")
    assert csv_reply.status == 200 and csv_reply.body.startswith("\ufeffidentifiant;élève;")

    table = class_hub.run("progress").stdout
    assert "BLOQUÉ (3 échecs de suite sur « grid »)" in table and "Élève Chloe" in table


def test_the_teacher_sees_it_in_a_real_browser(class_hub, students, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium()
    try:
        hub_login(driver, class_hub.url, "teacher", class_hub.password("admin"))
        driver.get(f"{class_hub.url}{PAGE}")  # the hub's OAuth redirects, then the page
        WebDriverWait(driver, 60).until(expected_conditions.presence_of_element_located((By.ID, "progress")))
        bob = driver.find_element(By.CSS_SELECTOR, 'tr[data-user="bob"]').text
        alice = driver.find_element(By.CSS_SELECTOR, 'tr[data-user="alice"]').text
        chloe = driver.find_element(By.CSS_SELECTOR, 'tr[data-user="chloe"]').text
        assert "❌ 3" in bob and "bloqué" in bob and "✅" in alice
        assert not any(mark in chloe for mark in ("✅", "❌", "⏳", "bloqué"))
        assert driver.find_element(By.TAG_NAME, "h1").text == "Progression de la classe"
        shot = tmp_path / "progress-teacher.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":  # refresh the README's picture
            shutil.copy(shot, Path(__file__).resolve().parents[2] / "docs" / "progress-teacher.png")
    finally:
        driver.quit()


def test_the_record_is_in_the_students_work_folder(students):
    out = students["bob"].run_code("from lab import progress\nprint(len(progress.read_events()))\n"
                                   "import os, stat\nprint(oct(os.stat(progress.progress_dir() / 'events.jsonl')"
                                   ".st_mode & 0o777), progress.progress_dir())")
    count, mode_and_dir = out.strip().splitlines()
    assert count == "3" and mode_and_dir == "0o600 /home/student/work/.progress"


def test_students_get_403_on_the_page_and_its_api(class_hub, students):
    alice = students["alice"]
    for path in (PAGE, API, "/services/progress/progress.csv"):
        reply = alice.request("GET", path)
        assert reply.status == 403, (path, reply.status, reply.body[:200])
        assert "Bob" not in reply.body
    browser = class_hub.user("alice")  # through the hub's login form and the OAuth redirects, as a browser
    assert browser.login_form(class_hub.password()).status == 200
    reply = browser.request("GET", PAGE)
    assert reply.status == 403 and "réservée à l'enseignant" in reply.body
    assert alice.request("POST", EVENTS, token="", body={"events": []}).status == 403  # no token, no post


def test_a_student_cannot_post_for_another(class_hub, teacher, students):
    forged = {"user": "bob", "name": "bob", "events": [
        {"id": "forged-1", "user": "bob", "part": "tensors", "exercise": "grid", "outcome": "passed",
         "mistake": None, "message": "", "at": time.time()}]}
    reply = students["alice"].request("POST", EVENTS, body=forged)
    assert reply.status == 200 and reply.json() == {"received": 1, "added": 1}
    rows = progress(teacher)
    assert grid(rows["bob"]) == {"state": "failed", "failures": 3}  # bob's row is untouched
    again = students["alice"].request("POST", EVENTS, body=forged)
    assert again.json() == {"received": 1, "added": 0}  # same id: counted once


def _signal_service(class_hub, signal: str) -> None:
    """Send SIGSTOP / SIGCONT to the progress service's process in the hub container (no procps there)."""
    docker("exec", class_hub.name, "python", "-c", f"""
import os, signal
def argv(pid):
    return open(f'/proc/{{pid}}/cmdline', 'rb').read().split(b'\\0')
pids = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()
        and any(arg.endswith(b'/progress_service.py') for arg in argv(p)[1:2])]
assert pids, 'no progress service'
for pid in pids:
    os.kill(pid, signal.{signal})""")


def test_service_stopped_checks_unchanged_and_events_arrive_later(class_hub, teacher, students):
    bob = students["bob"]
    kernel = bob.request("POST", "/user/bob/api/kernels", body={"name": "python3"}).json()["id"]
    _signal_service(class_hub, "SIGSTOP")  # the service hangs: no answer at all
    try:
        started = time.monotonic()
        out = bob.run_code(GOOD + "print('fin')", kernel=kernel)
        assert "✅ grid" in out and out.strip().endswith("fin")
        assert time.monotonic() - started < 60
        time.sleep(3)
    finally:
        _signal_service(class_hub, "SIGCONT")
    wait_for(lambda: grid(progress(teacher)["bob"]).get("state") == "passed", 90, "bob's pass arrives later")
    assert grid(progress(teacher)["bob"])["failures"] == 3  # nothing counted twice
    bob.request("DELETE", f"/user/bob/api/kernels/{kernel}")


def test_hub_restart_with_a_new_roster_keeps_the_history_and_backup_has_it(class_hub, teacher):
    class_hub.roster.write_text(class_hub.roster.read_text() + "dan,Élève Dan\n")
    assert "redémarrage du hub" in class_hub.run("start").stdout
    new_teacher = class_hub.user("teacher")
    assert new_teacher.login_api(class_hub.password("admin")).status == 201
    rows = wait_for(lambda: progress(new_teacher) if new_teacher.request("GET", API).status == 200 else None,
                    120, "the service answers after the restart")
    assert grid(rows["alice"])["state"] == "passed" and grid(rows["bob"]) == {"state": "passed", "failures": 3}
    assert rows["dan"]["cells"] == {}
    class_hub.run("backup")
    backups = sorted((class_hub.root / "backups").glob("progress-*.sqlite"))
    assert backups, list((class_hub.root / "backups").iterdir())
    db = sqlite3.connect(backups[-1])
    assert db.execute("SELECT count(*) FROM events WHERE user = 'bob' AND outcome = 'failed'").fetchone()[0] == 3
    assert json.dumps(rows["chloe"]["cells"]) == "{}"
