"""The rules the course and the tools share, written once: course rule 1 and the Python release table, the NVIDIA
driver a CUDA major needs, how to read the hashed lock, PEP 503 names; and the default settings, which live in
labtools/defaults.env (Make includes it, bash sources it, DEFAULTS here reads it).

Standard library only at import (the doctor imports it on the host). The two questions that need `packaging`
(does a marker apply here, does a version satisfy a pin) import it when asked; they are only asked in the image,
where `packaging` is locked. `python -m labtools.policy --help` lists what it prints for Make and the shell
(the lock's CUDA and fingerprint, the defaults).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# ------------------------------------------------------------------------------------------ defaults and labels
DEFAULTS_FILE = Path(__file__).with_name("defaults.env")


def read_defaults(text: str) -> dict[str, str]:
    """The `NAME=value` lines of defaults.env, keyed by setting: DEFAULT_IMAGE=x gives {"IMAGE": "x"}, and a name
    without the prefix (HOST_PYTHON_MIN) stays as it is. Comments and blank lines are skipped."""
    defaults = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise ValueError(f"{DEFAULTS_FILE.name}: not a NAME=value line: {line!r}")
        defaults[name[len("DEFAULT_"):] if name.startswith("DEFAULT_") else name] = value  # no removeprefix:
        # scripts/doctor.py imports this module to tell an older Python that it is too old
    return defaults


DEFAULTS = read_defaults(DEFAULTS_FILE.read_text(encoding="utf-8"))
DEFAULT_IMAGE = DEFAULTS["IMAGE"]
DEFAULT_CONTAINER = DEFAULTS["CONTAINER"]
DEFAULT_PORT = int(DEFAULTS["PORT"])
HOST_PYTHON_MIN = tuple(int(part) for part in DEFAULTS["HOST_PYTHON_MIN"].split("."))
LOCK_LABEL = "org.pytorch-lab.lock-sha256"  # sha256 of requirements.txt + environment.yml the image was built from
CUDA_LABEL = "org.pytorch-lab.cuda"  # CUDA major.minor of the image's locked runtime (see cuda_from_lock)
LOCAL_PACKAGES = frozenset({"lab"})  # installed from this repository, not from the lock

# ------------------------------------------------------------------------------------------ the lab's user
IMAGE_STUDENT_ID = 1000  # uid and gid of the image's student (docker/Dockerfile)
IMAGE_USERS_GID = 100  # the group `users`, which the image's student is also in (docker/Dockerfile)


def lab_user(uid: int, gid: int) -> tuple[int, int]:
    """Who the lab runs as, and so who owns what it writes on the host, for host user uid:gid: that user, or the
    image's student for root, since the lab never runs as root. scripts/lab.sh asks `python -m labtools.policy
    lab-user`."""
    return (IMAGE_STUDENT_ID, IMAGE_STUDENT_ID) if uid == 0 else (uid, gid)


def writable_by(path: str | os.PathLike, uid: int, gid: int, groups: tuple[int, ...] = ()) -> bool:
    """Whether uid:gid, also in `groups`, can create files in the folder `path` once Docker has mounted it: its own
    owner, group and mode bits (ACLs aside). Its parents do not matter (the daemon mounts the folder itself, as
    root), so a root user's ~/work under a private /root is fine; a folder root made with `sudo mkdir` is not."""
    info = os.stat(path)
    if uid == 0:
        return True
    if info.st_uid == uid:
        return info.st_mode & 0o300 == 0o300
    if info.st_gid == gid or info.st_gid in groups:
        return info.st_mode & 0o030 == 0o030
    return info.st_mode & 0o003 == 0o003


# ------------------------------------------------------------------------------------------ course rule 1
# CPython feature releases: (x.y.0 release date, end of life), from python.org and the release PEPs.
PYTHON_RELEASES = {
    (3, 8): (date(2019, 10, 14), date(2024, 10, 7)),
    (3, 9): (date(2020, 10, 5), date(2025, 10, 31)),
    (3, 10): (date(2021, 10, 4), date(2026, 10, 31)),
    (3, 11): (date(2022, 10, 24), date(2027, 10, 31)),
    (3, 12): (date(2023, 10, 2), date(2028, 10, 31)),
    (3, 13): (date(2024, 10, 7), date(2029, 10, 31)),
    (3, 14): (date(2025, 10, 7), date(2030, 10, 31)),
    (3, 15): (date(2026, 10, 1), date(2031, 10, 31)),  # planned (PEP 790)
}
PYTHON_RELEASE_DATES = {version: released for version, (released, _) in PYTHON_RELEASES.items()}
# Rule 1: "not the newest Python, stay on a version from 6 months / 1 year ago". Six months = 182 days.
RULE1_MIN_AGE_DAYS = 182
# Past ~2 years a release is no longer what the rule means (the doctor warns; the course does not check it).
RULE1_MAX_AGE_DAYS = 730


# environment.yml's `- python=3.14.8` line (conda spec; `==` and a build string are tolerated).
_PYTHON_PIN = re.compile(r"^\s*-\s*python\s*={1,2}\s*(\d+\.\d+(?:\.\d+)?)", re.M)


def python_pin(environment_yml: str) -> str | None:
    """The Python version environment.yml pins (3.14.8, or 3.14 for a loose pin), None without a pin. The image
    build takes the exact one from `python -m labtools.policy python-pin` (docker/install-python.sh's PYTHON_PIN)."""
    match = _PYTHON_PIN.search(environment_yml or "")
    return match.group(1) if match else None


def recommended_pythons(today: date) -> list[str]:
    """The `x.y` releases rule 1 recommends today: old enough, not too old, not past end of life."""
    return [f"{a}.{b}" for (a, b), (released, eol) in sorted(PYTHON_RELEASES.items())
            if RULE1_MIN_AGE_DAYS <= (today - released).days <= RULE1_MAX_AGE_DAYS and today < eol]


# ------------------------------------------------------------------------------------------ driver <-> CUDA
# Minimum Linux driver branch per CUDA major (minor-version compatibility, NVIDIA's CUDA compatibility table).
MIN_DRIVER_FOR_CUDA = {11: 450, 12: 525, 13: 580}
CUDA_COMPATIBILITY_DOCS = "https://docs.nvidia.com/deploy/cuda-compatibility/"


def min_driver_for_cuda(cuda: str) -> int | None:
    """The driver branch CUDA `major.minor` needs, None when the table does not know that major."""
    try:
        return MIN_DRIVER_FOR_CUDA.get(int(cuda.split(".")[0]))
    except ValueError:
        return None


def driver_branch(version: str) -> int | None:
    """580 for '580.65.06'; None when the string is not a driver version."""
    head = (version or "").split(".")[0]
    return int(head) if head.isdigit() else None


# ------------------------------------------------------------------------------------------ the lock
def normalize_name(name: str) -> str:
    """PEP 503 normalized project name: `Send2Trash` and `send2trash`, `typing_extensions` and `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    """One `name==version ; marker` requirement of the lock (name normalized, marker None when absent)."""

    name: str
    version: str
    marker: str | None = None

    def applies(self, environment: dict[str, str] | None = None) -> bool:
        """The marker holds here (or in `environment`); needs `packaging`."""
        if not self.marker:
            return True
        from packaging.markers import Marker

        return Marker(self.marker).evaluate(environment)


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;]+)\s*(?:;\s*(.+?))?\s*$")


def parse_lock(text: str) -> tuple[list[Pin], list[str]]:
    """The pins of a uv/pip-compile lock (continuations, `--hash` options, comments) and the lines it cannot read."""
    logical, buffer = [], ""
    for raw in (text or "").splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    if buffer:
        logical.append(buffer)
    pins, unparsed = [], []
    for line in logical:
        line = re.sub(r"(^|\s)#.*$", "", line)
        line = re.sub(r"\s--hash[=\s]\S+", " ", " " + line).strip()
        if not line or line.startswith("-"):
            continue
        match = _PIN.match(line)
        if match:
            pins.append(Pin(normalize_name(match.group(1)), match.group(2), match.group(3)))
        else:
            unparsed.append(line)
    return pins, unparsed


def version_matches_pin(installed: str, pinned: str) -> bool:
    """`installed` satisfies `==pinned` (PEP 440: 2.15.0+cu130 satisfies ==2.15.0); needs `packaging`."""
    from packaging.specifiers import InvalidSpecifier, Specifier
    from packaging.version import InvalidVersion

    try:
        return Specifier(f"=={pinned}").contains(installed, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return installed == pinned


def compare_with_lock(pins: list[Pin], installed: dict[str, str], marker_env: dict[str, str] | None = None,
                      ignore: frozenset[str] = LOCAL_PACKAGES) -> dict:
    """Installed distributions ({normalized name: version}) against the lock's pins that apply here (markers
    evaluated for marker_env, default this interpreter); needs `packaging`. `expected`: how many pins apply;
    `missing` [(name, pinned)], `different` [(name, pinned, installed)], `extra` [(name, installed)], sorted;
    `ignore`d names (the course package) are never counted. The doctor and `make export` both report this."""
    expected = {p.name: p.version for p in pins if p.applies(marker_env)}
    ignore = frozenset(normalize_name(n) for n in ignore)
    missing = sorted((n, v) for n, v in expected.items() if n not in installed and n not in ignore)
    different = sorted((n, v, installed[n]) for n, v in expected.items()
                       if n in installed and n not in ignore and not version_matches_pin(installed[n], v))
    extra = sorted((n, v) for n, v in installed.items() if n not in expected and n not in ignore)
    return {"expected": len(expected), "missing": missing, "different": different, "extra": extra}


def cuda_from_lock(lock_text: str) -> str | None:
    """CUDA `major.minor` of the pinned nvidia-cuda-runtime[-cuNN] wheel: what the image's torch runs on."""
    match = re.search(r"^nvidia-cuda-runtime(?:-cu\d+)?==(\d+)\.(\d+)", lock_text or "", re.M)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def lock_fingerprint(requirements: bytes, environment: bytes | None) -> str:
    """sha256 of requirements.txt then environment.yml: the image's label, which the doctor compares."""
    return hashlib.sha256(requirements + (environment or b"")).hexdigest()


USAGE = """usage: python -m labtools.policy COMMAND
  cuda [requirements.txt]           the CUDA major.minor of the lock's runtime (empty when none)
  fingerprint [REQUIREMENTS [ENV]]  the lock fingerprint (sha256 of requirements.txt then environment.yml)
  defaults                          the default settings, NAME=value (labtools/defaults.env)
  lab-user                          "UID GID" the lab runs as for the user running this (see lab_user)
  writable-by PATH [UID GID]        exit status 0 when UID:GID (default: the lab's user, lab-user) can write the
                                    folder PATH once mounted (writable_by); else 1, and "UID GID" printed
  python-pin [environment.yml]      the exact X.Y.Z Python pin (exit status 1 without one)
  build-args                        the three above as make build's --build-arg LOCK_SHA256=... LOCK_CUDA=...
                                    PYTHON_PIN=... (one interpreter start instead of three)"""


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parents[1]
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "cuda" and len(args) <= 1:
        lock = Path(args[0]) if args else repo / "requirements.txt"
        print(cuda_from_lock(lock.read_text(encoding="utf-8")) or "")
        return 0
    if command == "fingerprint" and len(args) <= 2:
        requirements = Path(args[0]) if args else repo / "requirements.txt"
        environment = Path(args[1]) if len(args) == 2 else requirements.with_name("environment.yml")
        print(lock_fingerprint(requirements.read_bytes(),
                               environment.read_bytes() if environment.exists() else None))
        return 0
    if command == "python-pin" and len(args) <= 1:
        spec = Path(args[0]) if args else repo / "environment.yml"
        pin = python_pin(spec.read_text(encoding="utf-8"))
        if not pin or pin.count(".") != 2:
            print(f"no exact 'python=X.Y.Z' pin in {spec}", file=sys.stderr)
            return 1
        print(pin)
        return 0
    if command == "build-args" and not args:
        lock, spec = repo / "requirements.txt", repo / "environment.yml"
        pin = python_pin(spec.read_text(encoding="utf-8")) or ""
        fingerprint = lock_fingerprint(lock.read_bytes(), spec.read_bytes() if spec.exists() else None)
        print(f"--build-arg LOCK_SHA256={fingerprint} --build-arg LOCK_CUDA={cuda_from_lock(lock.read_text())}"
              f" --build-arg PYTHON_PIN={pin}")
        return 0
    if command == "lab-user" and not args:
        print(*lab_user(os.getuid(), os.getgid()))
        return 0
    if command == "writable-by" and len(args) in (1, 3):
        uid, gid = (int(args[1]), int(args[2])) if len(args) == 3 else lab_user(os.getuid(), os.getgid())
        if writable_by(args[0], uid, gid, groups=(IMAGE_USERS_GID,)):  # the lab's process is also in `users`
            return 0
        print(uid, gid)
        return 1
    if command == "defaults" and not args:
        for name, value in DEFAULTS.items():
            print(f"{name}={value}")
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
