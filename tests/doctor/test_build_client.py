"""The doctor's buildx check: the command `make build` runs (DOCKER_BUILD) can build with BuildKit. Fed the raw
output of Docker CLIs (with the plugin, without it, a pre-23 client with BuildKit built in), faked at `run`."""

from __future__ import annotations

import os

import pytest

from labtools.doctor import docker
from labtools.doctor.model import CmdResult

BUILDX = "github.com/docker/buildx v0.29.1 a5d87b6\n"
NO_BUILDX = "docker: 'buildx' is not a docker command.\nSee 'docker --help'\n"


def fake_clients(clients: dict[str, tuple[str, bool]]):
    """`run` for Docker CLIs {path: (client version, has the buildx plugin)}."""
    def run(argv, timeout=30, stdin=None):
        version, plugin = clients[argv[0]]
        if argv[1] == "buildx":
            return CmdResult(0, BUILDX) if plugin else CmdResult(1, "", NO_BUILDX)
        if argv[1] == "version":
            return CmdResult(0, version + "\n")
        raise AssertionError(argv)
    return run


def check(docker_build, clients, others=()):
    facts = docker.build_client_facts(docker_build, run=fake_clients(clients),
                                      which=lambda name: name if name in clients else None,
                                      clients=lambda: list(others))
    return docker.check_build_client(**facts)


def test_docker_ce_without_the_plugin_fails_with_the_fix():
    c = check("/usr/local/bin/docker build", {"/usr/local/bin/docker": ("28.2.2", False)})
    assert c.name == "buildx" and c.status == "fail"
    assert "/usr/local/bin/docker (client 28.2.2 sans le plugin buildx)" in c.detail
    assert "sudo apt-get install docker-buildx-plugin" in c.fix and "DOCKER_BUILD=" not in c.fix


def test_the_fix_names_an_engine_bundled_client_that_can_build():
    clients = {"/usr/local/bin/docker": ("28.2.2", False), "/usr/bin/docker": ("20.10.24+dfsg1", False)}
    c = check("/usr/local/bin/docker build", clients, others=["/usr/local/bin/docker", "/usr/bin/docker"])
    assert c.status == "fail"
    assert 'make lab DOCKER_BUILD="/usr/bin/docker build"' in c.fix
    assert c.data["alternative"] == "/usr/bin/docker"


@pytest.mark.parametrize("version, plugin, how", [
    ("28.2.2", True, "plugin buildx v0.29.1"),
    ("20.10.24+dfsg1", False, "client 20.10.24+dfsg1, BuildKit intégré"),
], ids=["plugin", "built-in-buildkit"])
def test_a_client_that_builds_is_ok(version, plugin, how):
    c = check("/usr/bin/docker build", {"/usr/bin/docker": (version, plugin)})
    assert c.status == "ok" and c.fix is None and how in c.detail


def test_docker_buildx_build_needs_the_plugin_even_on_an_old_client():
    assert check("/usr/bin/docker buildx build", {"/usr/bin/docker": ("20.10.24", False)}).status == "fail"


def test_other_build_tools_and_missing_clients():
    assert check("podman build", {}).status == "ok"
    missing = check("/opt/nowhere/docker build", {})
    assert missing.status == "fail" and "introuvable" in missing.detail


def test_docker_clients_lists_each_executable_once(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "docker").write_text("#!/bin/sh\n")
        (tmp_path / folder / "docker").chmod(0o755)
    (tmp_path / "c").mkdir()
    os.symlink(tmp_path / "a" / "docker", tmp_path / "c" / "docker")
    found = docker.docker_clients(os.pathsep.join(str(tmp_path / f) for f in ("a", "c", "b")))
    assert found[:2] == [str(tmp_path / "a" / "docker"), str(tmp_path / "b" / "docker")]
