"""The start queue (hub/spawner.py): with HUB_CONCURRENT_STARTS=1, students who start at once boot one after the
other, in order, each waiting student's page says where they are in the queue (French), and all get in."""

from __future__ import annotations

import json
import threading
from datetime import datetime

from hubtest import wait_for

from tests.support.processes import docker

STUDENTS = ("alice", "bob", "chloe", "dan")


def started_at(container: str) -> datetime:
    text = docker("container", "inspect", "-f", "{{.State.StartedAt}}", container).stdout.strip()
    return datetime.fromisoformat(text[:26].rstrip("Z"))  # nanoseconds and zone cut: Python reads microseconds


def test_one_boot_at_a_time_in_order_with_the_queue_on_the_page(new_hub):
    hub = new_hub(STUDENTS, HUB_CONCURRENT_STARTS="1")
    hub.run("start")
    users = [hub.student(name) for name in STUDENTS]
    streams: dict[str, str] = {}

    def start(user) -> None:  # the POST itself waits up to 10 s (the hub's slow_spawn_timeout) before its 202
        assert user.start_server().status in (201, 202)

    def follow(user) -> None:  # the event stream the waiting page reads, opened while the spawn is pending
        wait_for(lambda: user.server().get("pending") == "spawn" or user.server().get("ready"), 30,
                 f"{user.name}'s spawn begins")
        streams[user.name] = user.request("GET", f"/hub/api/users/{user.name}/server/progress", timeout=300).body

    threads = [threading.Thread(target=job, args=(user,)) for user in users for job in (start, follow)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(320)
    for user in users:
        user.wait_ready(timeout=120)

    events = {name: [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]
              for name, text in streams.items()}
    queued = {name: [e["message"] for e in got if e["message"].startswith("En file d'attente")]
              for name, got in events.items()}
    assert queued["dan"] and queued["chloe"], events  # two boots at least before theirs
    assert all("élève(s) avant vous dans la file" in message for message in queued["dan"]), queued
    assert all(got[-1].get("ready") for got in events.values()), events

    starts = sorted(started_at(hub.container(name)) for name in STUDENTS)
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(starts, starts[1:])]
    # one at a time: a container is created only once the one before answers (a boot takes seconds here)
    assert min(gaps) >= 0.5, gaps
    logs = docker("logs", hub.name).stderr
    assert "waited" in logs and "in the start queue" in logs


def test_a_bad_concurrent_starts_setting_is_refused_before_anything_starts(new_hub):
    hub = new_hub()
    for value in ("0", "deux", "-1"):
        result = hub.run("start", check=False, HUB_CONCURRENT_STARTS=value)
        assert result.returncode != 0 and f"HUB_CONCURRENT_STARTS=« {value} »" in result.stderr, result.stderr
        assert docker("container", "inspect", hub.name, check=False).returncode != 0
