"""Measure what a student waits for with the lab image (`make measure`); prints numbers, asserts nothing.

Each timed figure is a median over several runs, printed beside the previous figures (docs/measurements.json).

Figures: image size (uncompressed, and compressed as `docker save | gzip`), `docker run` -> Jupyter answering (an
empty work directory, then one that already holds the notebooks), a new kernel -> `import torch` done (Jupyter's
REST API and kernel websocket), `make lab` -> URL printed (image present), and the rebuild after a one-line change
in lab/. With --compare OLD_IMAGE the same figures are taken for an older image in the same run, alternating run by
run, since this machine is shared and its load moves (the load is recorded with the figures).

The rebuilds and `make lab` run on scratch copies of a repo (--repo, --compare-repo) under scratch tags and container
names, so the real images, containers and working trees are never touched."""

from __future__ import annotations

import argparse
import datetime
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
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "docs" / "measurements.json"
FIGURES = ["start", "start_seeded", "kernel_torch", "lab", "rebuild"]  # timed figures, --only picks among them
LABELS = {
    "image_size_gb": "image size, uncompressed (GB)",
    "image_gzip_gb": "image size, docker save | gzip (GB)",
    "start": "docker run -> Jupyter, empty work dir (s)",
    "start_seeded": "docker run -> Jupyter, notebooks there (s)",
    "kernel_torch": "new kernel -> import torch done (s)",
    "kernel_torch_import": "  of which import torch in the kernel (s)",
    "lab": "make lab -> URL printed, image present (s)",
    "rebuild": "rebuild after a one-line change in lab/ (s)",
    "cold_build": "build from an empty build cache (s)",
}
TIMEOUT_S = 180
sys.path.insert(0, str(REPO))
from labtools.policy import DEFAULT_IMAGE, lab_user  # noqa: E402  (importable from a checkout once REPO is on the path)
from tests.support.kernel import execute  # noqa: E402
from tests.support.processes import free_port, make_env  # noqa: E402
from tests.support.processes import make as run_make  # noqa: E402

# ---- pure parts (unit-tested) -------------------------------------------------------------------------------

def summarize(samples: list[float]) -> dict:
    """Median, min and max of the samples (rounded for the record), with the samples themselves."""
    return {"median": round(statistics.median(samples), 2), "min": round(min(samples), 2),
            "max": round(max(samples), 2), "runs": [round(s, 2) for s in samples]}


def describe(entry) -> str:
    """'3.85 (3.75–3.97, n=5)' for a summary, '6.38' for a single number (sizes), '—' for nothing."""
    if entry is None:
        return "—"
    if isinstance(entry, dict):
        runs = entry.get("runs", [])
        spread = f" ({entry['min']:.2f}–{entry['max']:.2f}, n={len(runs)})" if len(runs) > 1 else ""
        return f"{entry['median']:.2f}{spread}"
    return f"{entry:.2f}"


def table(columns: dict[str, dict]) -> str:
    """A plain-text table: one row per figure present in any column (in LABELS' order), one column per source."""
    names = [name for name in LABELS if any(name in column for column in columns.values())]
    width = max(len(LABELS[name]) for name in names) if names else 10
    cells = {title: [describe(column.get(name)) for name in names] for title, column in columns.items()}
    widths = {title: max(len(title), *(len(c) for c in cells[title])) for title in columns}
    lines = ["  ".join([" " * width, *(title.ljust(widths[title]) for title in columns)])]
    for i, name in enumerate(names):
        lines.append("  ".join([LABELS[name].ljust(width),
                                *(cells[title][i].ljust(widths[title]) for title in columns)]))
    return "\n".join(line.rstrip() for line in lines)


def load_previous(path: Path) -> dict:
    """The recorded figures of the last `--save` run, or an empty record."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


# ---- measurements -------------------------------------------------------------------------------------------

def run(*cmd: str, cwd: Path | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"measure: {' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def image_sizes(image: str, compressed: bool) -> dict:
    sizes = {"image_size_gb": round(int(run("docker", "image", "inspect", "-f", "{{.Size}}", image)) / 1e9, 2)}
    if compressed:
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        gzip = subprocess.Popen(["gzip", "-6", "-c"], stdin=save.stdout, stdout=subprocess.PIPE)
        save.stdout.close()
        total = 0
        while chunk := gzip.stdout.read(1 << 20):
            total += len(chunk)
        if gzip.wait() != 0 or save.wait() != 0:
            raise SystemExit(f"measure: docker save {image} | gzip failed")
        sizes["image_gzip_gb"] = round(total / 1e9, 2)
    return sizes


def api(port: str, token: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else {}


def wait_answering(port: str, token: str, start: float) -> float:
    while time.perf_counter() - start < TIMEOUT_S:
        try:
            api(port, token, "/api/status")
            return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    raise SystemExit(f"measure: Jupyter did not answer within {TIMEOUT_S} s")


@contextmanager
def lab_container(image: str, work: Path | None = None, timed: list | None = None):
    """A lab container on a free port (and `work` as its work directory); yields (port, token); removed after.
    Appends to `timed` the seconds from `docker run` to /api/status answering with the token."""
    token = uuid.uuid4().hex
    name = f"lab-measure-{token[:8]}"
    uid, gid = lab_user(os.getuid(), os.getgid())
    volume = ["-v", f"{work}:/home/student/work"] if work else []
    start = time.perf_counter()
    run("docker", "run", "-d", "--name", name, "-p", "127.0.0.1::8888", "-e", f"JUPYTER_TOKEN={token}",
        "-e", f"NB_UID={uid}", "-e", f"NB_GID={gid}", *volume, image)
    try:
        port = run("docker", "port", name, "8888/tcp").splitlines()[0].split(":")[-1].strip()
        seconds = wait_answering(port, token, start)
        if timed is not None:
            timed.append(seconds)
        yield port, token
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def kernel_torch_seconds(port: str, token: str) -> tuple[float, float]:
    """New kernel -> `import torch` done, as a notebook's first cell: POST /api/kernels, then the cell over the
    kernel's websocket until it has replied and is idle. Returns (total, the import alone as the kernel timed it)."""
    start = time.perf_counter()
    kernel = api(port, token, "/api/kernels", method="POST")["id"]
    try:
        cell = execute(f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels", token,
                      "import time as _t\n_s = _t.perf_counter()\nimport torch\nprint(_t.perf_counter() - _s)",
                      TIMEOUT_S, username="measure")
        return time.perf_counter() - start, float(cell.stdout.split()[-1])
    finally:
        api(port, token, f"/api/kernels/{kernel}", method="DELETE")


def make(repo: Path, *targets: str, **variables: str) -> subprocess.CompletedProcess:
    # The data file staged for the real build, so that the copy's data layer stays cached too.
    env = make_env(HOUSING_CSV=str(repo / "docker" / "seed-data" / "cal_housing.csv"), **variables)
    result = run_make(*targets, repo=repo, env=env, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"measure: make {' '.join(targets)} in {repo} failed:\n{result.stdout[-1500:]}"
                         f"{result.stderr[-1500:]}")
    return result


def scratch_repo(source: Path, copy: Path) -> Path:
    """A copy of a repo to run make in; it gets this repo's staged data file if it has none, so that the data
    layer of its build stays cached."""
    shutil.copytree(source, copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", ".venv", "work", "exports", "solutions", "__pycache__"))
    staged = Path("docker") / "seed-data" / "cal_housing.csv"
    if not (copy / staged).exists() and (REPO / staged).exists():
        shutil.copy2(REPO / staged, copy / staged)
    return copy


class Subject:
    """One image under measurement, with the repo it was built from (for `make lab` and the rebuild)."""

    def __init__(self, title: str, image: str, repo: Path, scratch: Path):
        self.title, self.image, self.source, self.scratch = title, image, repo, scratch
        self.repo = scratch_repo(repo, scratch / "repo")  # for `make lab`: the image's own content
        self.rebuild_repo: Path | None = None  # another copy, which the rebuild figure edits
        self.samples: dict[str, list[float]] = {}
        self.work_seeded: Path | None = None
        self.rebuild_tag = f"{image.split(':')[0]}:measure-{uuid.uuid4().hex[:6]}"

    def add(self, figure: str, seconds: float) -> None:
        self.samples.setdefault(figure, []).append(seconds)

    def new_work_dir(self) -> Path:
        work = Path(tempfile.mkdtemp(prefix="work-", dir=self.scratch))
        if os.getuid() == 0:  # the lab writes as uid 1000 for a root host user
            os.chown(work, *lab_user(os.getuid(), os.getgid()))
        return work

    def measure_start(self) -> None:
        timed: list[float] = []
        with lab_container(self.image, self.new_work_dir(), timed):
            pass
        self.add("start", timed[0])

    def measure_start_seeded(self) -> None:
        if self.work_seeded is None:  # a first, untimed start copies the notebooks in
            self.work_seeded = self.new_work_dir()
            with lab_container(self.image, self.work_seeded):
                pass
        timed: list[float] = []
        with lab_container(self.image, self.work_seeded, timed):
            pass
        self.add("start_seeded", timed[0])

    def measure_kernel_torch(self, container) -> None:
        total, alone = kernel_torch_seconds(*container)
        self.add("kernel_torch", total)
        self.add("kernel_torch_import", alone)

    def measure_lab(self) -> None:
        container = f"lab-measure-{uuid.uuid4().hex[:8]}"
        if self.work_seeded is None:
            self.work_seeded = self.new_work_dir()
        variables = dict(IMAGE=self.image, CONTAINER=container, PORT=str(free_port()), WORK_DIR=str(self.work_seeded))
        try:
            start = time.perf_counter()
            output = make(self.repo, "lab", **variables).stdout
            seconds = time.perf_counter() - start
            if "http://127.0.0.1:" not in output:
                raise SystemExit(f"measure: make lab printed no URL:\n{output}")
            self.add("lab", seconds)
        finally:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True)

    def measure_rebuild(self) -> None:
        if self.rebuild_repo is None:
            self.rebuild_repo = scratch_repo(self.source, self.scratch / "rebuild")
            make(self.rebuild_repo, "build", IMAGE=self.rebuild_tag)  # same content as the real image: all cached
        with open(self.rebuild_repo / "lab" / "__init__.py", "a") as init:
            init.write(f"# measure {uuid.uuid4().hex}\n")
        start = time.perf_counter()
        make(self.rebuild_repo, "build", IMAGE=self.rebuild_tag)
        self.add("rebuild", time.perf_counter() - start)

    def cleanup(self) -> None:
        subprocess.run(["docker", "rmi", "-f", self.rebuild_tag], capture_output=True)


def load_now() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPUs, {memory:.0f} GiB, {os.uname().machine}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=os.environ.get("IMAGE", DEFAULT_IMAGE))
    parser.add_argument("--repo", type=Path, default=REPO, help="the repo --image was built from (default: this one)")
    parser.add_argument("--compare", metavar="OLD_IMAGE", help="also measure this older image, alternating runs")
    parser.add_argument("--compare-repo", type=Path, metavar="DIR",
                        help="the repo OLD_IMAGE was built from (needed for its `make lab` and rebuild figures; "
                             "e.g. a `git worktree add` or `git archive` copy of main)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timed figure and image (median reported)")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"timed figures to take, among {','.join(FIGURES)}")
    parser.add_argument("--no-compressed", action="store_true", help="skip the docker save | gzip size (minutes)")
    parser.add_argument("--cold", action="store_true",
                        help="also time a build from an empty build cache (prunes Docker's build cache!)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the previous figures (JSON)")
    parser.add_argument("--save", action="store_true", help="record this run's figures for --image in --results")
    args = parser.parse_args(argv)
    only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = set(only) - set(FIGURES)
    if unknown:
        parser.error(f"--only: unknown figure(s) {', '.join(sorted(unknown))}; choose among {', '.join(FIGURES)}")
    if args.compare and not args.compare_repo and {"lab", "rebuild"} & set(only):
        parser.error("--compare needs --compare-repo for the `make lab` and rebuild figures (or --only without them)")

    previous = load_previous(args.results)
    load_start = load_now()
    print(f"measure: {machine()}; load average {load_start} at the start", flush=True)
    with tempfile.TemporaryDirectory(prefix="lab-measure-") as scratch:
        subjects = [Subject("now", args.image, args.repo.resolve(), Path(scratch) / "now")]
        if args.compare:
            subjects.insert(0, Subject("old", args.compare, (args.compare_repo or args.repo).resolve(),
                                       Path(scratch) / "old"))
        try:
            results = {s.title: {} for s in subjects}
            if args.cold:
                run(os.environ.get("DOCKER_BUILD", "docker build").split()[0], "builder", "prune", "-af")
                start = time.perf_counter()
                make(args.repo, "rebuild", IMAGE=args.image)
                results["now"]["cold_build"] = round(time.perf_counter() - start, 1)
            for subject in subjects:
                results[subject.title].update(image_sizes(subject.image, not args.no_compressed))
            for figure in ("start", "start_seeded", "lab", "rebuild"):
                if figure not in only:
                    continue
                for _ in range(args.runs):  # alternate the images run by run: the load moves in between
                    for subject in subjects:
                        getattr(subject, f"measure_{figure}")()
                print(f"measure: {figure} done (load {load_now()})", flush=True)
            if "kernel_torch" in only:
                with ExitStack() as stack:  # one running lab per image, new kernels in it
                    containers = {s.title: stack.enter_context(lab_container(s.image)) for s in subjects}
                    for _ in range(args.runs):
                        for subject in subjects:
                            subject.measure_kernel_torch(containers[subject.title])
                print(f"measure: kernel_torch done (load {load_now()})", flush=True)
            for subject in subjects:
                results[subject.title].update({name: summarize(s) for name, s in subject.samples.items()})
        finally:
            for subject in subjects:
                subject.cleanup()

    load = f"{load_start} at the start, {load_now()} at the end"
    columns = {f"previous ({previous.get('date', '—')})": previous.get("figures", {})}
    if args.compare:
        columns[f"old: {args.compare}"] = results["old"]
    columns[f"now: {args.image}"] = results["now"]
    print()
    print(table(columns))
    print(f"\nmedians (min–max, n runs); load average {load}; previous: {previous.get('load', '—')}")
    record = {"date": datetime.date.today().isoformat(), "image": args.image, "machine": machine(), "load": load,
              "runs": args.runs, "figures": results["now"]}
    if args.compare:
        record["compared_with"] = {"image": args.compare, "figures": results["old"]}
    print(json.dumps(record))
    if args.save:
        args.results.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        print(f"measure: recorded in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
