"""A student's server through its life: culled when idle, started without root as on Kubernetes, moved to a
rebuilt image; the work volume outlives all of it."""

from __future__ import annotations

import os
import subprocess

import pytest
from hubtest import IMAGE, wait_for

from tests.support.processes import docker

pytestmark = pytest.mark.slow


def test_the_culler_stops_an_idle_server_and_keeps_its_volume(new_hub):
    hub = new_hub(HUB_IDLE_MINUTES="0.25")  # 15 s, checked every 5 s
    hub.run("start")
    alice = hub.student("alice")
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.write_file("avant.txt", "gardé").status == 201
    wait_for(lambda: not alice.server(), 240, "the idle culler stopping alice's server", interval=3)
    assert docker("container", "inspect", hub.container("alice"), check=False).returncode != 0
    assert hub.volume("alice") in hub.volumes()
    assert "culling server" in docker("logs", hub.name).stderr.lower() or "cull" in docker("logs", hub.name).stderr
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.contents("avant.txt").json()["content"] == "gardé"


def test_students_started_without_root_like_kubespawner(new_hub):
    """HUB_RUN_AS=1000:100 starts the lab image directly as uid 1000 / gid 100, as the Z2JH chart does."""
    hub = new_hub(HUB_RUN_AS="1000:100")
    hub.run("start")
    alice = hub.student("alice")
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    config = docker("container", "inspect", "-f", "{{.Config.User}} {{.HostConfig.CapAdd}}",
                    hub.container("alice")).stdout.split()
    assert config[0] == "1000:100" and config[1] in ("[]", "<no value>")
    probe = alice.run_code("import os, torch; print(os.getuid(), os.getgid(), torch.ones(3).sum().item())")
    assert probe.split() == ["1000", "100", "3.0"]
    listing = alice.contents("module1").json()["content"]
    assert len([item for item in listing if item["name"].endswith(".ipynb")]) >= 5  # seeded without root
    notebook = alice.contents("module1/02_gpu.ipynb").json()["content"]
    notebook["cells"][0]["source"] = "# édité sans root"
    assert alice.request("PUT", "/user/alice/api/contents/module1/02_gpu.ipynb",
                       body={"type": "notebook", "content": notebook}).status == 200
    assert alice.stop_server().status in (202, 204)
    alice.wait_stopped()
    assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.contents("module1/02_gpu.ipynb").json()["content"]["cells"][0]["source"] == "# édité sans root"


def test_a_rebuilt_image_keeps_the_work_and_is_used_at_the_next_start(new_hub):
    hub = new_hub()
    tag = f"{IMAGE.rpartition(':')[0]}:{hub.name}"  # a tag of our own, rebuilt by the test, removed after
    hub.settings["IMAGE"] = tag
    docker("tag", IMAGE, tag)
    try:
        hub.run("start")
        alice = hub.student("alice")
        assert alice.start_server().status in (201, 202)
        alice.wait_ready()
        assert alice.write_file("travail.txt", "avant la reconstruction").status == 201
        assert alice.stop_server().status in (202, 204)
        alice.wait_stopped()
        build = os.environ.get("DOCKER_BUILD", "docker build").split()  # the client `make build` uses
        subprocess.run([*build, "-q", "-t", tag, "-"], input=f"FROM {IMAGE}\nLABEL rebuilt=yes\n",
                       text=True, check=True, capture_output=True)
        assert "redémarrage du hub" in hub.run("start").stdout
        assert alice.start_server().status in (201, 202)
        alice.wait_ready()
        labels = docker("container", "inspect", "-f", "{{index .Config.Labels \"rebuilt\"}}",
                        hub.container("alice")).stdout.strip()
        assert labels == "yes"
        assert alice.contents("travail.txt").json()["content"] == "avant la reconstruction"
    finally:
        hub.cleanup()  # its containers first, so that the rebuilt test image can go with its tag
        docker("rmi", tag, check=False)
