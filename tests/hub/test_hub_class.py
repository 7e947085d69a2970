"""A class of three on a real hub: login, concurrent spawns, files and kernels, isolation, restarts, status, backup.

The tests of this module share one hub and run in file order (each builds on the servers the first one started).
"""

from __future__ import annotations

import json
import tarfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from hubtest import STUDENTS, wait_for

from tests.support.processes import docker

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def students(class_hub):
    """Each student logged in through the REST API; alice also through the login form (cookies)."""
    return {name: class_hub.student(name) for name in STUDENTS}


def test_first_start_prints_url_and_passwords_once(class_hub):
    out = class_hub.first_start.stdout
    assert f"{class_hub.url}/" in out and "prêt pour 3 élève(s)" in out
    assert class_hub.password("class") in out and class_hub.password("admin") in out
    for name in ("class-password", "admin-password", "status-token"):
        assert (class_hub.state / name).stat().st_mode & 0o777 == 0o600
    assert len(class_hub.password("admin")) >= 32
    again = class_hub.run("start")
    assert "prêt" in again.stdout and class_hub.password("class") not in again.stdout


def test_three_students_spawn_concurrently_write_and_run_code(class_hub, students):
    with ThreadPoolExecutor(len(students)) as pool:
        replies = list(pool.map(lambda user: user.start_server(), students.values()))
        assert [reply.status for reply in replies] == [202] * 3 or all(r.status in (201, 202) for r in replies)
        latencies = list(pool.map(lambda user: user.wait_ready(timeout=300), students.values()))
    assert all(latency < 300 for latency in latencies)

    def work(user):
        assert user.write_file("mine.txt", f"écrit par {user.name}").status in (200, 201)
        return user.contents("mine.txt").json()["content"], user.run_code("import torch; print(torch.ones(2).sum())")

    with ThreadPoolExecutor(len(students)) as pool:
        results = dict(zip(students, pool.map(work, students.values())))
    for name, (content, output) in results.items():
        assert content == f"écrit par {name}"
        assert output.strip() == "tensor(2.)"


def test_notebooks_are_seeded_in_the_work_volume(students):
    listing = students["alice"].contents("module1").json()["content"]
    assert {"00_environnement.ipynb", "02_gpu.ipynb"} <= {item["name"] for item in listing}


def test_login_form_sets_the_session_cookies(class_hub):
    user = class_hub.user("chloe")
    reply = user.login_form(class_hub.password())
    assert reply.status == 200 and user.logged_in()
    assert "/hub/login" not in reply.url


def test_a_student_cannot_open_another_students_server_or_the_admin_pages(class_hub, students):
    alice = students["alice"]
    assert alice.contents("mine.txt", owner="bob").status == 403
    assert alice.write_file("from-alice.txt", "x", owner="bob").status == 403
    assert alice.request("POST", "/user/bob/api/kernels", body={"name": "python3"}).status == 403
    assert alice.request("GET", "/hub/api/users").status == 403  # the admin API: every user
    assert alice.request("GET", "/hub/api/users/bob").status == 404  # not even told bob exists
    assert alice.request("DELETE", "/hub/api/users/bob/server").status in (403, 404)
    browser = class_hub.user("alice")  # the same with the browser's cookies
    assert browser.login_form(class_hub.password()).status == 200 and browser.logged_in()
    assert browser.request("GET", "/hub/admin").status == 403
    other = browser.request("GET", "/user/bob/api/contents/mine.txt")
    assert other.status in (403, 404) or "écrit par bob" not in other.body
    assert students["bob"].contents("mine.txt").json()["content"] == "écrit par bob"


def test_outsiders_and_wrong_passwords_are_refused(class_hub):
    assert class_hub.user("bob").login_api("not-the-password").status == 403
    assert class_hub.user("mallory").login_api(class_hub.password()).status == 403
    assert class_hub.user("teacher").login_api(class_hub.password()).status == 403  # admin needs its own password
    form = class_hub.user("mallory")
    form.login_form(class_hub.password())
    assert not form.logged_in()


def test_the_teacher_is_admin_and_opens_any_students_server(class_hub):
    teacher = class_hub.user("teacher")
    assert teacher.login_api(class_hub.password("admin")).status == 201
    users = {user["name"]: user for user in teacher.request("GET", "/hub/api/users").json()}
    assert set(STUDENTS) <= set(users) and users["teacher"]["admin"]
    assert teacher.contents("mine.txt", owner="bob").json()["content"] == "écrit par bob"


def test_student_containers_are_limited_and_cannot_reach_the_hubs_secrets(class_hub, students):
    info = json.loads(docker("container", "inspect", class_hub.container("alice")).stdout)[0]
    host = info["HostConfig"]
    assert host["Memory"] == 1024**3  # HUB_MEM_LIMIT=1g in the tests
    assert host["CpuQuota"] == 100_000 and host["CpuPeriod"] == 100_000
    assert host["PidsLimit"] == 512
    assert "no-new-privileges:true" in host["SecurityOpt"] and host["CapDrop"] == ["ALL"]
    assert not any("docker.sock" in mount.get("Source", "") for mount in info["Mounts"])
    assert [m["Name"] for m in info["Mounts"] if m["Type"] == "volume"] == [class_hub.volume("alice")]
    probe = students["alice"].run_code(f"""
import os, socket
status = open('/proc/self/status').read()
print('uid', os.getuid(), 'caps', [l.split()[1] for l in status.splitlines() if l.startswith('CapEff')][0])
print('docker.sock', os.path.exists('/var/run/docker.sock'), 'secrets', os.path.exists('/srv/jupyterhub'))
try:
    socket.create_connection(('{class_hub.name}', 8001), timeout=3).close(); print('proxy-api open')
except OSError:
    print('proxy-api closed')
""")
    assert "uid 1000 caps 0000000000000000" in probe
    assert "docker.sock False secrets False" in probe
    assert "proxy-api closed" in probe


def test_stop_and_start_keep_the_students_work(students):
    alice = students["alice"]
    notebook = alice.contents("module1/01_tenseurs.ipynb").json()
    notebook["content"]["cells"][0]["source"] = "# ma réponse, à garder"
    assert alice.request("PUT", "/user/alice/api/contents/module1/01_tenseurs.ipynb",
                         body={"type": "notebook", "content": notebook["content"]}).status == 200
    assert alice.stop_server().status in (202, 204)
    alice.wait_stopped()
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.contents("mine.txt").json()["content"] == "écrit par alice"
    kept = alice.contents("module1/01_tenseurs.ipynb").json()["content"]["cells"][0]["source"]
    assert kept == "# ma réponse, à garder"


def test_restarting_the_hub_keeps_servers_and_files(class_hub, students):
    before = {name: docker("container", "inspect", "-f", "{{.Id}}", class_hub.container(name)).stdout.strip()
              for name in STUDENTS}
    docker("restart", class_hub.name)
    bob = students["bob"]
    wait_for(lambda: bob.request("GET", "/user/bob/api/contents/mine.txt", timeout=10).status == 200, 180,
             "bob's server answering through the restarted hub")
    assert bob.contents("mine.txt").json()["content"] == "écrit par bob"
    # `make hub` with a changed roster restarts the hub container too; the servers stay.
    class_hub.roster.write_text(class_hub.roster.read_text() + "david,David\n")
    restarted = class_hub.run("start")
    assert "redémarrage du hub" in restarted.stdout and "4 élève(s)" in restarted.stdout
    after = {name: docker("container", "inspect", "-f", "{{.Id}}", class_hub.container(name)).stdout.strip()
             for name in STUDENTS}
    assert after == before
    assert students["chloe"].run_code("print(6 * 7)").strip() == "42"
    assert class_hub.student("david").login_api(class_hub.password()).status == 201


def test_status_lists_the_running_servers(class_hub):
    out = class_hub.run("status").stdout
    for name in STUDENTS:
        assert name in out
    assert "Élève Alice" in out and "prêt" in out and "serveur(s) en marche" in out


def test_backup_writes_one_tarball_per_student(class_hub):
    out = class_hub.run("backup").stdout
    tarballs = sorted((class_hub.root / "backups").glob("*.tar.gz"))
    assert [path.name.split("-")[0] for path in tarballs] == sorted(STUDENTS), out
    with tarfile.open(next(path for path in tarballs if path.name.startswith("bob-"))) as archive:
        assert archive.extractfile("./mine.txt").read().decode() == "écrit par bob"
        assert "./module1/00_environnement.ipynb" in archive.getnames()


def test_a_deleted_password_is_regenerated_and_the_hub_restarted_with_it(class_hub, students):
    old = class_hub.password("class")
    (class_hub.state / "class-password").unlink()
    out = class_hub.run("start").stdout
    new = class_hub.password("class")
    assert new != old and new in out and "redémarrage du hub" in out
    assert class_hub.user("bob").login_api(old).status == 403
    assert class_hub.user("bob").login_api(new).status == 201
    assert students["bob"].contents("mine.txt").json()["content"] == "écrit par bob"  # its server kept running


def test_hub_stop_stops_servers_and_keeps_volumes(class_hub, students):
    out = class_hub.run("stop").stdout
    assert f"hub {class_hub.name} arrêté" in out
    assert docker("ps", "-q", "--filter", f"label=org.pytorch-lab.hub={class_hub.name}").stdout.strip() == ""
    assert {class_hub.volume(name) for name in STUDENTS} <= set(class_hub.volumes())
    class_hub.run("start")
    bob = class_hub.student("bob")
    assert bob.start_server().status in (201, 202)
    bob.wait_ready()
    assert bob.contents("mine.txt").json()["content"] == "écrit par bob"
