"""Attacks on the login of a real hub: no variant of the teacher's name gets in with the class password."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

# The teacher's name as a student could type it: capitals, spaces, full-width letters (NFKC), a zero-width space,
# a soft hyphen, the Kelvin sign's cousins... every one of them must need the teacher's password.
ADMIN_VARIANTS = ["teacher", "Teacher", "TEACHER", " teacher ", "teacher\t", "\uff54\uff45\uff41\uff43\uff48\uff45\uff52",
                  "teacher\u200b", "\u200bteacher", "tea\u00adcher", "\ufeffteacher", "TEACHER\u200d", "Ｔeacher"]


@pytest.fixture(scope="module")
def login_hub(tmp_path_factory, images):
    from hubtest import Hub

    hub = Hub(tmp_path_factory.mktemp("login-hub"), ["alice"])
    # the roster as French Excel saves it ("CSV (séparateur: point-virgule)"): Windows-1252, `;`, CRLF, a title row
    hub.roster.write_bytes(b"Nom;Nom affich\xe9\r\nalice;Alice Martin\r\n")
    try:
        hub.run("start")
        yield hub
    finally:
        hub.cleanup()


@pytest.mark.parametrize("typed", ADMIN_VARIANTS, ids=ascii)
def test_the_class_password_never_opens_the_teachers_name(login_hub, typed):
    form = login_hub.user(typed)
    reply = form.login_form(login_hub.password("class"))
    assert not form.logged_in(), f"{typed!r} got a session with the class password: {reply.url}"
    api = login_hub.user("teacher")
    token_reply = api.request("POST", "/hub/api/users/teacher/tokens", token="", cookies=False,
                              body={"auth": {"username": typed, "password": login_hub.password("class")}})
    assert token_reply.status == 403, f"{typed!r} got a token with the class password: {token_reply.body[:200]}"


def test_only_the_teachers_password_makes_the_admin_and_no_stray_user_or_token_exists(login_hub):
    # (runs after the attacks above) the teacher's name typed in capitals with the teacher's password is the teacher
    capitals = login_hub.user("Teacher")
    assert capitals.login_form(login_hub.password("admin")).status == 200 and capitals.logged_in()
    teacher = login_hub.user("teacher")
    assert teacher.login_api(login_hub.password("admin")).status == 201
    users = {user["name"]: user for user in teacher.request("GET", "/hub/api/users").json()}
    assert set(users) == {"alice", "teacher"}, users  # no 'teacher\u200b' or other look-alike was created
    assert users["teacher"]["admin"] and not users["alice"]["admin"]
    tokens = teacher.request("GET", "/hub/api/users/teacher/tokens").json()["api_tokens"]
    # only the teacher's own login's token (and the one of the server the form login started)
    notes = [token["note"] for token in tokens if not token["note"].startswith("Server at ")]
    assert notes == ["hub client"], tokens
    alice = login_hub.user("alice")
    assert alice.login_api(login_hub.password("admin")).status == 403  # the admin password is not a student's
    student = login_hub.user("Alice")  # a student's name in capitals is still that student
    student.login_form(login_hub.password("class"))
    assert student.logged_in()


K8S_CHECK = """
import asyncio, json, sys, yaml
from traitlets.config import Config
hub = yaml.safe_load(open("/values.yaml"))["hub"]
c = Config()
exec(hub["extraConfig"]["class-authenticator"], {"c": c})  # as the chart's jupyterhub_config.py runs it
c.SharedPasswordAuthenticator.user_password = "classpass12"  # the README's --set-string
c.SharedPasswordAuthenticator.admin_password = "a" * 40
c.Authenticator.admin_users = set(hub["config"]["Authenticator"]["admin_users"])
# JupyterHub's start-up adds the admins to the allowed users; so does this
c.Authenticator.allowed_users = set(hub["config"]["Authenticator"]["allowed_users"]) | c.Authenticator.admin_users
auth = c.JupyterHub.authenticator_class(config=c)
def login(name, password):
    return asyncio.run(auth.get_authenticated_user(None, {"username": name, "password": password}))
print(json.dumps([login("Teacher", "classpass12"), login("\\uff54eacher", "classpass12"),
                  login("Teacher", "a" * 40), login("Alice", "classpass12")]))
"""


def test_the_kubernetes_values_load_the_same_authenticator(tmp_path, images):
    """deploy/k8s/values.yaml's extraConfig, with the file its extraFiles mounts, in JupyterHub 5.5 (the chart's)."""
    import json

    from hubtest import HUB_IMAGE

    from tests.support.processes import REPO, docker

    out = docker("run", "--rm", "--network", "none", "--entrypoint", "python",
                 "-v", f"{REPO / 'deploy/k8s/values.yaml'}:/values.yaml:ro",
                 "-v", f"{REPO / 'hub/authenticator.py'}:/usr/local/etc/jupyterhub/class/authenticator.py:ro",
                 HUB_IMAGE, "-c", K8S_CHECK).stdout
    refused_capitals, refused_fullwidth, teacher, alice = json.loads(out.strip().splitlines()[-1])
    assert refused_capitals is None and refused_fullwidth is None
    assert teacher["name"] == "teacher" and teacher["admin"] is True
    assert alice["name"] == "alice" and alice["admin"] is False
