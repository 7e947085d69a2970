#!/usr/bin/env python3
"""`make measure-progress`: the teacher's progress page under a class's load. Starts a throwaway hub
(scripts/hub.sh, its own names) with a roster of 30 students, then prints:

- 30 students posting 60 events each, all at once (one POST per event, as a student's server does when checks
  come one by one; 10 % of them posted twice, as a retry after a lost answer does): events lost and duplicated
  (read back from the service's SQLite database), median and p95 post latency;
- the teacher's page with 30 x 60 cells: time to first byte over HTTP (median of 10), and in headless Chromium
  (selenium) the time to first byte and to a rendered page (DOMContentLoaded and load, Navigation Timing).

The posts go through the hub's proxy from this host with each student's own API token (REST login): the same
service and checks as a student's server, without starting 30 lab containers. Everything is removed at the end.
Needs the hub and lab images (make build hub-image) and the host venv (selenium; Debian's chromium).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from measure_hub import ThrowawayHub, docker  # noqa: E402  (REPO and scripts/ are put on the path just above)

from tests.support.browser import chromium, hub_login  # noqa: E402
from tests.support.hub_client import HubUser  # noqa: E402

SERVICE = "/services/progress"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def columns() -> list[tuple[str, str]]:
    catalogue = json.loads((REPO / "hub" / "exercises.json").read_text(encoding="utf-8"))["exercises"]
    real = [(part, name) for part, names in catalogue.items() for name in names]
    return (real + [("regression", f"extra_{index}") for index in range(60)])[:60]


def events_of(student: int, cells: list[tuple[str, str]]) -> list[dict]:
    """60 events, one per column; outcomes drawn per student (reproducible)."""
    rng, now = random.Random(student), time.time()
    return [{"id": uuid.uuid4().hex, "part": part, "exercise": name, "at": now - 3600 + index * 30,
             "outcome": rng.choice(["passed", "passed", "failed", "not_done"]), "mistake": None,
             "message": "Lignes et colonnes inversées : reshape(n_rows, n_cols)."}
            for index, (part, name) in enumerate(cells)]


def post_all(users: list[HubUser], batches: list[list[dict]]) -> tuple[list[float], int, int]:
    """Every student posts its events one by one, all students at once; (latencies, added, errors)."""
    barrier = threading.Barrier(len(users))
    lock, latencies, counts = threading.Lock(), [], {"added": 0, "errors": 0}

    def one(user: HubUser, events: list[dict]) -> None:
        retries = random.Random(user.name).sample(events, len(events) // 10)
        barrier.wait()
        for event in events + retries:
            started = time.perf_counter()
            reply = user.request("POST", f"{SERVICE}/api/events", body={"events": [event]})
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if reply.status == 200:
                    counts["added"] += reply.json()["added"]
                else:
                    counts["errors"] += 1

    with ThreadPoolExecutor(len(users)) as pool:
        list(pool.map(one, users, batches))
    return latencies, counts["added"], counts["errors"]


def stored(hub: ThrowawayHub) -> tuple[int, int]:
    """(rows, distinct (user, id)) in the service's database."""
    out = docker("exec", hub.name, "python", "-c",
                 "import sqlite3; db = sqlite3.connect('/srv/jupyterhub/data/progress.sqlite'); "
                 "print(*db.execute('SELECT count(*), count(DISTINCT user || id) FROM events').fetchone())")
    rows, distinct = out.split()
    return int(rows), int(distinct)


def ttfb(port: int, token: str) -> tuple[float, float, int]:
    """(time to first byte, total time, bytes) of the page over plain HTTP with the teacher's token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", f"{SERVICE}/?tri=blocage", headers={"Authorization": f"token {token}"})
    response = connection.getresponse()
    first = time.perf_counter() - started
    body = response.read()
    total = time.perf_counter() - started
    connection.close()
    assert response.status == 200, response.status
    return first, total, len(body)


def browser_timings(url: str, password: str, rounds: int) -> list[dict]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium()
    try:
        hub_login(driver, url, "teacher", password)
        driver.get(f"{url}{SERVICE}/")
        timings = []
        for _ in range(rounds):
            driver.get(f"{url}{SERVICE}/?tri=blocage")
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
            cells = len(driver.find_elements(By.CSS_SELECTOR, "td.c"))
            timing = driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "return {ttfb: n.responseStart - n.requestStart, dom: n.domContentLoadedEventEnd - n.startTime,"
                " load: n.loadEventEnd - n.startTime};")
            timings.append(dict(timing, cells=cells))
        return timings
    finally:
        driver.quit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=os.environ.get("IMAGE", "pytorch-gpu-lab:latest"))
    parser.add_argument("--hub-image", default=os.environ.get("HUB_IMAGE", "pytorch-gpu-lab-hub:latest"))
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10, help="page loads per timing (median)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    names = [f"s{index:02d}" for index in range(1, args.students + 1)]
    results: dict = {"conditions": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
                                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    "students": args.students, "events_per_student": 60}}
    with tempfile.TemporaryDirectory(prefix="measure-progress-") as root:
        hub = ThrowawayHub(names, args.image, args.hub_image, Path(root))
        try:
            hub.hub("start")
            url = f"http://127.0.0.1:{hub.port}"
            admin = (Path(root) / "state" / "admin-password").read_text().strip()
            teacher = HubUser(url, "teacher")
            assert teacher.login_api(admin).status == 201
            users = [HubUser(url, name) for name in names]
            with ThreadPoolExecutor(8) as pool:
                assert all(reply.status == 201 for reply in pool.map(lambda u: u.login_api(hub.password()), users))
            cells = columns()
            batches = [events_of(index, cells) for index in range(len(users))]
            started = time.monotonic()
            latencies, added, errors = post_all(users, batches)
            wall = time.monotonic() - started
            rows, distinct = stored(hub)
            expected = sum(len(batch) for batch in batches)
            results["posts"] = {
                "posted": len(latencies), "expected_events": expected, "stored": rows, "errors": errors,
                "lost": expected - distinct, "duplicated": rows - distinct, "added_by_replies": added,
                "median_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1), "wall_s": round(wall, 1)}
            print(f"posts: {len(latencies)} POSTs ({expected} events + 10 % re-sent) by {len(users)} students at once "
                  f"in {wall:.1f} s; lost {expected - distinct}, duplicated {rows - distinct}, errors {errors}; "
                  f"latency median {results['posts']['median_ms']} ms, p95 {results['posts']['p95_ms']} ms", flush=True)
            page = [ttfb(hub.port, teacher.token) for _ in range(args.rounds)]
            results["page_http"] = {"ttfb_ms": round(statistics.median(p[0] for p in page) * 1000, 1),
                                    "total_ms": round(statistics.median(p[1] for p in page) * 1000, 1),
                                    "bytes": page[0][2]}
            print(f"page over HTTP ({args.students} x 60 cells, {page[0][2]} bytes): time to first byte "
                  f"{results['page_http']['ttfb_ms']} ms, whole page {results['page_http']['total_ms']} ms "
                  f"(median of {args.rounds})", flush=True)
            timings = browser_timings(url, admin, args.rounds)
            results["page_browser"] = {key: round(statistics.median(t[key] for t in timings), 1)
                                       for key in ("ttfb", "dom", "load")}
            results["page_browser"]["cells"] = timings[0]["cells"]
            print(f"page in headless Chromium ({timings[0]['cells']} cells): time to first byte "
                  f"{results['page_browser']['ttfb']} ms, DOMContentLoaded {results['page_browser']['dom']} ms, "
                  f"load {results['page_browser']['load']} ms (median of {args.rounds})", flush=True)
        finally:
            results["conditions"]["load_average_at_end"] = os.getloadavg()
            hub.cleanup()
    print(f"conditions: {results['conditions']}")
    if args.json:
        print(json.dumps(results, indent=2))
    lost_or_doubled = results.get("posts", {}).get("lost", 1) or results.get("posts", {}).get("duplicated", 1)
    return 1 if lost_or_doubled else 0


if __name__ == "__main__":
    sys.exit(main())
