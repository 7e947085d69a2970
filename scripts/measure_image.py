"""Measure the lab image: size, seconds from `docker run` to Jupyter answering, code-only rebuild time,
and (with --cold) a build from an empty build cache. Prints numbers; asserts nothing (`make measure`).

The rebuild is measured on a copy of the repo with one line changed in lab/, built under a scratch tag
that shares the layer cache, so the real image and working tree are never touched."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*cmd: str, cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"measure: {' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def timed_make(target: str, repo: Path, image: str) -> float:
    # The data file staged for the real build, so that the copy's data layer stays cached too.
    env = dict(os.environ, IMAGE=image, HOUSING_CSV=str(repo / "docker" / "seed-data" / "cal_housing.csv"))
    start = time.perf_counter()
    subprocess.run(["make", "--no-print-directory", "-C", str(repo), target], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def startup_seconds(image: str) -> float:
    """From `docker run` to /api/status answering 200 with the token, through the published port."""
    token = uuid.uuid4().hex
    name = f"lab-measure-{token[:8]}"
    start = time.perf_counter()
    run("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8888", "-e", f"JUPYTER_TOKEN={token}", image)
    try:
        port = run("docker", "port", name, "8888/tcp").split(":")[-1].strip()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                         headers={"Authorization": f"token {token}"})
        while time.perf_counter() - start < 120:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.05)
        raise RuntimeError("Jupyter did not answer within 120 s")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def code_only_rebuild_seconds(image: str) -> float:
    scratch = Path(tempfile.mkdtemp(prefix="lab-measure-"))
    tag = f"{image.split(':')[0]}:measure-{uuid.uuid4().hex[:6]}"
    try:
        copy = scratch / "repo"
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", ".venv", "work", "exports"))
        timed_make("build", copy, tag)  # same content as the real image: all cached
        with open(copy / "lab" / "__init__.py", "a") as init:
            init.write(f"# measure {uuid.uuid4().hex}\n")
        return timed_make("build", copy, tag)
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=os.environ.get("IMAGE", "pytorch-gpu-lab:latest"))
    parser.add_argument("--starts", type=int, default=5, help="container starts to time (median reported)")
    parser.add_argument("--cold", action="store_true",
                        help="also time a build from an empty build cache (prunes Docker's build cache!)")
    args = parser.parse_args(argv)

    results: dict[str, object] = {"image": args.image}
    if args.cold:
        # The client that builds (DOCKER_BUILD) also owns the build cache: a legacy client has no buildx.
        run(os.environ.get("DOCKER_BUILD", "docker build").split()[0], "builder", "prune", "-af")
        results["cold_build_s"] = round(timed_make("rebuild", REPO, args.image), 1)
        print(f"cold build (empty build cache):      {results['cold_build_s']:.1f} s", flush=True)
    size = int(run("docker", "image", "inspect", "-f", "{{.Size}}", args.image))
    results["image_size_gb"] = round(size / 1e9, 2)
    print(f"image size (uncompressed):           {size / 1e9:.2f} GB", flush=True)
    starts = [startup_seconds(args.image) for _ in range(args.starts)]
    results["startup_s"] = [round(s, 2) for s in starts]
    print(f"docker run -> Jupyter answering:     median {statistics.median(starts):.2f} s "
          f"(min {min(starts):.2f}, max {max(starts):.2f}, {len(starts)} starts)", flush=True)
    results["code_only_rebuild_s"] = round(code_only_rebuild_seconds(args.image), 1)
    print(f"rebuild after one change in lab/:    {results['code_only_rebuild_s']:.1f} s", flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
