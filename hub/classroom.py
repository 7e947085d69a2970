"""The class behind `make hub`: its roster and its GPUs, read the same way on the host and in the hub.

The host runs this file (stdlib only, any Python >= 3.9) before it starts anything, so a bad roster or a
missing GPU is refused with the line at fault; `jupyterhub_config.py` imports it in the hub image.

    python hub/classroom.py roster FILE [--admin NAME]   check a roster, print one username per line
    nvidia-smi -L | python hub/classroom.py gpus          print the devices for HUB_GPU=per-student
    docker volume ls ... | python hub/classroom.py leavers FILE --admin NAME --prefix P
                                                          print the names (P + a user) of users not in FILE
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# What both JupyterHub (it lowercases names at login) and Docker (container, volume and DNS names, through
# DockerSpawner's escaping) accept without surprises: a lowercase letter, then letters, digits, . _ -
USERNAME = re.compile(r"[a-z][a-z0-9._-]{0,31}")


class RosterError(ValueError):
    """A roster the hub must not start with; the message names the file and the line."""


@dataclass(frozen=True)
class Student:
    name: str
    display_name: str
    line: int


def parse_roster(text: str, source: str = "roster", admin: str | None = None) -> list[Student]:
    """Students of a roster: one `username[,display name]` per line; blank lines and `#` comments are skipped,
    as is a first line `username,...` (a spreadsheet header)."""
    students: list[Student] = []
    seen: dict[str, int] = {}
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, display = (part.strip() for part in line.partition(","))
        is_header, first = first and name.lower() == "username", False
        if is_header:
            continue
        where = f"{source}, line {number}"
        if not USERNAME.fullmatch(name):
            hint = f" (use '{name.lower()}')" if name.lower() != name and USERNAME.fullmatch(name.lower()) else ""
            raise RosterError(
                f"{where}: '{name}' is not a usable username{hint}: start with a lowercase letter, then up to 31 "
                "lowercase letters, digits, '.', '_' or '-' (no spaces, accents or capitals)")
        if name in seen:
            raise RosterError(f"{where}: '{name}' is already on line {seen[name]}; each student appears once")
        if admin is not None and name == admin:
            raise RosterError(f"{where}: '{name}' is the teacher's (admin) account; students need their own names")
        seen[name] = number
        students.append(Student(name, display or name, number))
    if not students:
        raise RosterError(f"{source}: no student in the roster (one username per line, e.g. 'alice,Alice Martin')")
    return students


def read_roster(path: str | Path, admin: str | None = None) -> list[Student]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such roster file (ROSTER=class.csv, one username per line)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{path}: cannot read the roster ({error})") from None
    return parse_roster(text, str(path), admin)


def docker_escape(name: str) -> str:
    """DockerSpawner's escaping of a username in container and volume names (escapism: every byte outside
    a-z0-9 becomes '-' and its hex code, then lowercase): 'jean.dupont' -> 'jean-2edupont'."""
    safe = set("abcdefghijklmnopqrstuvwxyz0123456789")
    return "".join(char if char in safe else "".join(f"-{byte:02x}" for byte in char.encode()) for char in name)


def leavers(names: list[str], prefix: str, members: set[str]) -> list[str]:
    """The Docker names (prefix + escaped username) that belong to no member: the servers and volumes of
    students removed from the roster."""
    kept = {prefix + docker_escape(member) for member in members}
    return [name for name in names if name.startswith(prefix) and name not in kept]


# `nvidia-smi -L`:  GPU 0: NVIDIA H200 (UUID: GPU-3f2a...)
#                     MIG 1g.18gb     Device  0: (UUID: MIG-9c1d...)
_GPU_LINE = re.compile(r"^GPU (\d+): .*\(UUID: (GPU-[^)\s]+)\)")
_MIG_LINE = re.compile(r"^\s+MIG .*\(UUID: (MIG-[^)\s]+)\)")


def parse_gpus(nvidia_smi_l: str) -> list[str]:
    """The devices to hand out one per student: each GPU's UUID, or the UUIDs of its MIG slices when it has some."""
    gpus: list[tuple[str, list[str]]] = []  # (GPU uuid, its MIG slice uuids)
    for line in nvidia_smi_l.splitlines():
        if gpu := _GPU_LINE.match(line):
            gpus.append((gpu.group(2), []))
        elif (mig := _MIG_LINE.match(line)) and gpus:
            gpus[-1][1].append(mig.group(1))
    return [device for uuid, slices in gpus for device in (slices or [uuid])]


def device_for(student_index: int, devices: list[str]) -> str:
    """Round-robin: the student at roster position i gets device i mod n (stable across restarts)."""
    return devices[student_index % len(devices)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    roster = sub.add_parser("roster", help="check a roster, print its usernames")
    roster.add_argument("file")
    roster.add_argument("--admin", help="the teacher's username, which must not be a student's")
    sub.add_parser("gpus", help="read `nvidia-smi -L` on stdin, print one device per line")
    leaving = sub.add_parser("leavers", help="read Docker names on stdin, print those of users not in the roster")
    leaving.add_argument("file")
    leaving.add_argument("--admin", required=True)
    leaving.add_argument("--prefix", required=True)
    args = parser.parse_args(argv)
    if args.command in ("roster", "leavers"):
        try:
            students = read_roster(args.file, args.admin)
        except RosterError as error:
            print(f"hub: error: {error}", file=sys.stderr)
            return 65
        if args.command == "leavers":
            members = {student.name for student in students} | {args.admin}
            print("\n".join(leavers(sys.stdin.read().split(), args.prefix, members)))
        else:
            print("\n".join(student.name for student in students))
        return 0
    devices = parse_gpus(sys.stdin.read())
    print("\n".join(devices))
    return 0 if devices else 1


if __name__ == "__main__":
    sys.exit(main())
