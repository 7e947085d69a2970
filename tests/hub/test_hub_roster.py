"""The roster is the law at every `make hub`: a student removed from it is locked out, tokens and sessions
included, their server is stopped and their work volume kept."""

from __future__ import annotations

import pytest
from hubtest import HUB_IMAGE

from tests.support.processes import docker

pytestmark = pytest.mark.slow


def test_a_student_removed_from_the_roster_is_locked_out_and_keeps_their_volume(new_hub):
    hub = new_hub(["alice", "bob"])
    hub.run("start")
    alice, bob = hub.student("alice"), hub.student("bob")
    browser = hub.user("alice")
    browser.login_form(hub.password())
    assert browser.logged_in() and browser.request("GET", "/hub/api/user").status == 200
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.write_file("devoir.txt", "à garder").status == 201
    old_token = alice.token

    hub.roster.write_text("bob,Bob\n")  # the teacher removes alice
    out = hub.run("start").stdout
    volume = hub.volume("alice")
    assert "alice n'est plus dans la liste de la classe : son serveur est arrêté" in out, out
    assert f"docker volume rm {volume}" in out

    assert docker("container", "inspect", hub.container("alice"), check=False).returncode != 0  # server stopped
    assert volume in hub.volumes()  # work kept
    assert hub.user("alice").login_api(hub.password()).status == 403
    again = hub.user("alice")
    again.login_form(hub.password())
    assert not again.logged_in()
    assert alice.request("POST", "/hub/api/users/alice/server", body={}, token=old_token).status == 403
    assert alice.request("GET", "/hub/api/user", token=old_token).status == 403
    assert browser.request("GET", "/hub/api/user").status == 403  # the old browser session is gone too
    assert bob.request("GET", "/hub/api/user").json()["name"] == "bob"  # bob's token still works

    kept = docker("run", "--rm", "--network", "none", "--entrypoint", "cat", "-v", f"{volume}:/work:ro",
                  HUB_IMAGE, "/work/devoir.txt")
    assert kept.stdout == "à garder"
