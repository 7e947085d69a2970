"""Helpers of the hub tests (`from hubtest import`; conftest.py holds the fixtures): a real hub started by
scripts/hub.sh, real student containers, real HTTP and websockets (tests/support/hub_client.py).

Everything a test hub creates is named after HUB_TEST_PREFIX (default: pytorch-hub-test-<image tag>) plus a
free port, and removed at the end: the hub, the students' containers, their volumes and the network.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from labtools.policy import DEFAULTS
from tests.support.hub_client import HubUser
from tests.support.processes import REPO, docker, free_port

IMAGE = os.environ.get("IMAGE", DEFAULTS["IMAGE"])
HUB_IMAGE = os.environ.get("HUB_IMAGE", DEFAULTS["HUB_IMAGE"])
PREFIX = os.environ.get("HUB_TEST_PREFIX", f"pytorch-hub-test-{IMAGE.rpartition(':')[2] or 'latest'}")
STUDENTS = ["alice", "bob", "chloe"]


class Hub:
    """One hub started by scripts/hub.sh with its own name, port, roster and state directory."""

    def __init__(self, root: Path, students: list[str], **settings: str):
        self.port = free_port()
        self.name = f"{PREFIX}-{self.port}"
        self.root = root
        self.roster = root / "class.csv"
        self.roster.write_text("".join(f"{name},Élève {name.title()}\n" for name in students))
        self.state = root / "state"
        self.settings = dict(settings)

    def env(self, **overrides: str) -> dict:
        env = dict(os.environ, IMAGE=IMAGE, HUB_IMAGE=HUB_IMAGE, HUB_NAME=self.name, HUB_PORT=str(self.port),
                   ROSTER=str(self.roster), HUB_STATE_DIR=str(self.state), HUB_GPU="none",
                   BACKUP_DIR=str(self.root / "backups"), HUB_MEM_LIMIT="1g", START_TIMEOUT="240")
        env.update(self.settings)
        env.update(overrides)
        return env

    def run(self, command: str, *args: str, check: bool = True, timeout: float = 400, **overrides: str
            ) -> subprocess.CompletedProcess:
        result = subprocess.run([str(REPO / "scripts" / "hub.sh"), command, *args], check=False, capture_output=True,
                                text=True,
                                env=self.env(**overrides), timeout=timeout, cwd=self.root)
        if check and result.returncode != 0:
            raise AssertionError(f"hub.sh {command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def password(self, who: str = "class") -> str:
        return (self.state / f"{who}-password").read_text().strip()

    def user(self, name: str) -> HubUser:
        return HubUser(self.url, name)

    def student(self, name: str) -> HubUser:
        """A student logged in through the REST API (token kept)."""
        user = self.user(name)
        reply = user.login_api(self.password())
        assert reply.status == 201, f"{name} could not log in: {reply.status} {reply.body[:200]}"
        return user

    def container(self, student: str) -> str:
        return f"{self.name}-{student}"

    def volume(self, student: str) -> str:
        return f"{self.name}-work-{student}"

    def volumes(self) -> list[str]:
        names = docker("volume", "ls", "--format", "{{.Name}}").stdout.split()
        return [name for name in names if name.startswith(f"{self.name}-")]

    def cleanup(self) -> None:
        """Everything this hub created goes: hub, students' containers, volumes, network."""
        self.run("stop", check=False)
        for container in docker("ps", "-aq", "--filter", f"label=org.pytorch-lab.hub={self.name}").stdout.split():
            docker("rm", "-f", container, check=False)
        docker("rm", "-f", self.name, check=False)
        for volume in self.volumes():
            docker("volume", "rm", "-f", volume, check=False)
        docker("network", "rm", f"{self.name}-net", check=False)


def wait_for(predicate, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


