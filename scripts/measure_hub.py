#!/usr/bin/env python3
"""`make measure-hub`: what one class server can carry. Starts a throwaway hub (scripts/hub.sh) with its own
names, then prints:

- spawn latency (REST login -> the student's server answering through the proxy) for 1, 5, 10, 20 and 30
  students starting at once, with the image present and every volume seeded once before (a class's second
  lesson; the first, seeding round is printed too): median and max, and how many failed;
- memory of an idle student server (just started; then with a kernel that imported torch) and of the hub:
  the cgroup's anonymous memory (what RSS counts) and its total usage (with page cache);
- the resulting "N students per X GB".

--save writes docs/hub-spawn.svg (spawn time against class size, a hand-written SVG: no plotting library) and
the numbers block of docs/measurements.md (between its measure-hub markers), with the conditions.

Everything it creates (hub, student containers, volumes, network) is removed at the end.
Needs the lab and hub images (make build hub-image) and the host test venv (websocket-client).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from labtools.policy import DEFAULTS  # noqa: E402  (importable from a checkout once REPO is on the path)
from tests.support import processes  # noqa: E402
from tests.support.hub_client import HubUser  # noqa: E402


def docker(*args: str, check: bool = True) -> str:
    return processes.docker(*args, check=check).stdout


def cgroup_memory(container: str) -> tuple[int, int]:
    """(anonymous bytes, total bytes) of a container's cgroup (v2; v1 as a fallback)."""
    stat = docker("exec", container, "sh", "-c",
                  "cat /sys/fs/cgroup/memory.stat /sys/fs/cgroup/memory.current 2>/dev/null "
                  "|| cat /sys/fs/cgroup/memory/memory.stat /sys/fs/cgroup/memory/memory.usage_in_bytes")
    lines = stat.split("\n")
    values = dict(line.split()[:2] for line in lines if len(line.split()) == 2)
    anon = int(values.get("anon", values.get("total_rss", values.get("rss", 0))))
    total = int(next(line for line in reversed(lines) if line.strip().isdigit()))
    return anon, total


def mib(value: float) -> str:
    return f"{value / 2**20:.0f} MiB"


class ThrowawayHub:
    def __init__(self, students: list[str], image: str, hub_image: str, root: Path):
        port = processes.free_port()
        prefix = os.environ.get("HUB_NAME") or DEFAULTS["HUB_NAME"]  # make's HUB_NAME: a name of this checkout's own
        self.name, self.port, self.root = f"{prefix}-measure-{port}", port, root
        (root / "class.csv").write_text("".join(f"{name}\n" for name in students))
        self.env = dict(os.environ, IMAGE=image, HUB_IMAGE=hub_image, HUB_NAME=self.name, HUB_PORT=str(port),
                        ROSTER=str(root / "class.csv"), HUB_STATE_DIR=str(root / "state"), HUB_GPU="none",
                        START_TIMEOUT="300")

    def hub(self, command: str) -> str:
        result = subprocess.run([str(REPO / "scripts" / "hub.sh"), command], check=False, env=self.env, capture_output=True,
                                text=True)
        if result.returncode != 0 and command == "start":
            raise SystemExit(result.stderr)
        return result.stdout

    def password(self) -> str:
        return (self.root / "state" / "class-password").read_text().strip()

    def cleanup(self) -> None:
        self.hub("stop")
        for volume in docker("volume", "ls", "--format", "{{.Name}}").split():
            if volume.startswith(f"{self.name}-"):
                docker("volume", "rm", "-f", volume, check=False)


def spawn_round(hub: ThrowawayHub, names: list[str]) -> list[float | None]:
    """N students log in and start at once; seconds from login to their server answering (None: failed)."""

    def one(name: str) -> float | None:
        start = time.monotonic()
        user = HubUser(f"http://127.0.0.1:{hub.port}", name)
        try:
            if user.login_api(hub.password()).status != 201 or user.start_server().status not in (201, 202):
                return None
            user.wait_ready(timeout=300)
        except AssertionError:
            return None
        return time.monotonic() - start

    with ThreadPoolExecutor(len(names)) as pool:
        return list(pool.map(one, names))


def stop_all(hub: ThrowawayHub, names: list[str]) -> None:
    def one(name: str) -> None:
        user = HubUser(f"http://127.0.0.1:{hub.port}", name)
        user.login_api(hub.password())
        user.stop_server()
        user.wait_stopped(timeout=180)

    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(one, names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=os.environ.get("IMAGE", DEFAULTS["IMAGE"]))
    parser.add_argument("--hub-image", default=os.environ.get("HUB_IMAGE", DEFAULTS["HUB_IMAGE"]))
    parser.add_argument("--counts", default="1,5,10,20,30", help="concurrent students per round (default 1,5,10,20,30)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per count (median over all spawns)")
    parser.add_argument("--save", action="store_true", help="write docs/hub-spawn.svg and docs/measurements.md's block")
    parser.add_argument("--budget-gb", type=float, default=16, help="memory for students in 'N students per X GB'")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    counts = [int(count) for count in args.counts.split(",")]
    names = [f"s{index:02d}" for index in range(1, max(counts) + 1)]
    results: dict = {"conditions": {
        "cpus": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(), "load_average_at_start": os.getloadavg(), "image": args.image,
        "repeat": args.repeat, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}}
    with tempfile.TemporaryDirectory(prefix="measure-hub-") as root:
        hub = ThrowawayHub(names, args.image, args.hub_image, Path(root))
        try:
            started = time.monotonic()
            hub.hub("start")
            results["hub_start_s"] = round(time.monotonic() - started, 1)
            first = [latency for latency in spawn_round(hub, names) if latency is not None]  # volumes seeded
            results["first_start"] = {"students": len(names), "succeeded": len(first),
                                      "median_s": round(statistics.median(first), 1) if first else None,
                                      "max_s": round(max(first), 1) if first else None}
            print(f"first start (notebooks seeded), {len(names)} at once: {len(first)}/{len(names)} ok, median "
                  f"{results['first_start']['median_s']} s, max {results['first_start']['max_s']} s", flush=True)
            stop_all(hub, names)
            results["spawn"] = {}
            for count in counts:
                latencies: list[float | None] = []
                for _ in range(args.repeat):
                    latencies += spawn_round(hub, names[:count])
                    if not (count == max(counts) and _ == args.repeat - 1):
                        stop_all(hub, names[:count])
                ok = [latency for latency in latencies if latency is not None]
                results["spawn"][count] = {"succeeded": len(ok), "tried": len(latencies),
                                           "failed": len(latencies) - len(ok),
                                           "median_s": round(statistics.median(ok), 1) if ok else None,
                                           "max_s": round(max(ok), 1) if ok else None}
                print(f"spawn, {count:2d} at once: median {results['spawn'][count]['median_s']} s, max "
                      f"{results['spawn'][count]['max_s']} s, failed {len(latencies) - len(ok)}/{len(latencies)}",
                      flush=True)
            time.sleep(20)  # let the servers settle into idle
            student = f"{hub.name}-{names[0]}"
            idle = cgroup_memory(student)
            user = HubUser(f"http://127.0.0.1:{hub.port}", names[0])
            user.login_api(hub.password())
            kernel = user.request("POST", f"/user/{names[0]}/api/kernels", body={"name": "python3"}).json()["id"]
            # the kernel of a student who ran the first cells of a notebook (torch imported), then idles
            user.run_code("import torch, numpy; x = torch.ones(1000, 1000)", kernel=kernel)
            time.sleep(5)
            with_kernel = cgroup_memory(student)
            user.request("DELETE", f"/user/{names[0]}/api/kernels/{kernel}")
            hub_memory = cgroup_memory(hub.name)
            others = [cgroup_memory(f"{hub.name}-{name}")[0] for name in names[1:max(counts)]]
            results["memory_bytes"] = {"student_idle_anon": idle[0], "student_idle_total": idle[1],
                                       "student_after_torch_kernel_anon": with_kernel[0],
                                       "student_after_torch_kernel_total": with_kernel[1],
                                       "other_idle_students_anon_median": statistics.median(others) if others else None,
                                       "hub_anon": hub_memory[0], "hub_total": hub_memory[1]}
            print(f"idle student server: {mib(idle[0])} anon ({mib(idle[1])} with page cache)")
            print(f"student after a kernel imported torch: {mib(with_kernel[0])} anon ({mib(with_kernel[1])})")
            print(f"hub (JupyterHub + proxy + culler): {mib(hub_memory[0])} anon ({mib(hub_memory[1])})")
            budget = args.budget_gb * 2**30
            per_idle = budget // max(idle[0], 1)
            per_kernel = budget // max(with_kernel[0], 1)
            results["students_per_budget"] = {"budget_gb": args.budget_gb, "idle_servers": int(per_idle),
                                              "with_torch_kernel": int(per_kernel)}
            print(f"=> per {args.budget_gb:g} GB: {int(per_idle)} idle student servers, or {int(per_kernel)} "
                  "students each with a kernel that imported torch (before any training data)")
        finally:
            hub.cleanup()
    results["conditions"]["load_average_at_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(results, indent=2))
    if args.save:
        from hub_report import save  # scripts/hub_report.py: the plot and the numbers block

        for path in save(results, REPO / "docs"):
            print(f"written: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
