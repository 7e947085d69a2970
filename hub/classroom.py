"""The class behind `make hub`: its roster and its GPUs, read the same way on the host and in the hub.

The host runs this file (stdlib only, host Python 3.10+) before it starts anything, so a bad roster or a
missing GPU is refused with the line at fault; `jupyterhub_config.py` imports it in the hub image.

    python hub/classroom.py roster FILE [--admin NAME]   check a roster, print one username per line

A roster is read as Excel and LibreOffice save a sheet as CSV: UTF-8 with or without a byte-order mark, or
Windows-1252; any line ending; `;` or `,` between the username and the optional display name; an optional
first line that titles the columns.
    nvidia-smi -L | python hub/classroom.py gpus          print the devices for HUB_GPU=per-student
    docker volume ls ... | python hub/classroom.py leavers FILE --admin NAME --prefix P
                                                          print the names (P + a user) of users not in FILE
"""

from __future__ import annotations

import argparse
import codecs
import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

# What both JupyterHub (it lowercases names at login) and Docker (container, volume and DNS names, through
# DockerSpawner's escaping) accept without surprises: a lowercase letter, then letters, digits, . _ -
USERNAME = re.compile(r"[a-z][a-z0-9._-]{0,31}")


class RosterError(ValueError):
    """A roster the hub must not start with; the message (French, for the teacher) names the file and the line."""


@dataclass(frozen=True)
class Student:
    name: str
    display_name: str
    line: int


# First cells of a header line, as teachers title the column (compared case-folded).
HEADER_WORDS = {"username", "user", "login", "name", "student", "nom", "nom d'utilisateur", "utilisateur",
                "identifiant", "élève", "eleve", "prénom", "prenom"}
EXAMPLE = "« alice;Alice Martin » ou « alice,Alice Martin »"


def decode_roster(data: bytes, source: str = "roster") -> str:
    """The text of a roster file as Excel and LibreOffice save it: UTF-8 with or without a byte-order mark
    (Excel's "CSV UTF-8"), else Windows-1252 (French Excel's "CSV (séparateur : point-virgule)")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise RosterError(f"{source} : fichier en UTF-16 (« Texte Unicode » d'Excel) ; enregistrez-le en "
                          "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) »")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise RosterError(f"{source}, ligne {line} : l'octet {data[error.start]:#04x} n'est lisible ni en UTF-8 "
                          "ni en Windows-1252 ; enregistrez le fichier en « CSV UTF-8 »") from None


def _separator(lines: list[tuple[int, str]], source: str) -> str:
    """`;` or `,`, whichever the first line uses (a one-column roster has neither: `,`)."""
    number, first = lines[0]
    if "\t" in first:
        raise RosterError(f"{source}, ligne {number} : colonnes séparées par des tabulations ; enregistrez la liste "
                          f"en CSV (séparateur « ; » ou « , »), une ligne par élève : {EXAMPLE}")
    return ";" if first.count(";") > first.count(",") else ","


def parse_roster(text: str, source: str = "roster", admin: str | None = None) -> list[Student]:
    """Students of a roster: one `username[;display name]` per line (`;` or `,`, as the first line uses),
    CSV quoting as spreadsheets write it; blank lines, empty cells and `#` comments are skipped, as is a first
    line that titles the columns (`username,name`, `nom;...`)."""
    lines = [(number, raw.strip()) for number, raw in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line.strip(",;") and not line.startswith("#")]
    if not lines:
        raise RosterError(f"{source} : aucun élève dans la liste (un identifiant par ligne, p. ex. {EXAMPLE})")
    sep = _separator(lines, source)
    other = "," if sep == ";" else ";"
    students: list[Student] = []
    seen: dict[str, int] = {}
    for index, (number, line) in enumerate(lines):
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=sep))]
        while cells and not cells[-1]:
            cells.pop()
        if index == 0 and cells[0].casefold() in HEADER_WORDS:
            continue
        where = f"{source}, ligne {number}"
        if len(cells) > 2:
            raise RosterError(f"{where} : {len(cells)} colonnes ; la liste en attend une ou deux, l'identifiant puis, "
                              f"si vous voulez, le nom affiché : {EXAMPLE}")
        name, display = cells[0], (cells[1] if len(cells) > 1 else "")
        if not USERNAME.fullmatch(name):
            if other in name:
                hint = f" (ce fichier sépare les colonnes par « {sep} », comme sa première ligne)"
            elif name.lower() != name and USERNAME.fullmatch(name.lower()):
                hint = f" (écrivez « {name.lower()} »)"
            else:
                hint = ""
            raise RosterError(
                f"{where} : « {name} » n'est pas un identifiant utilisable{hint} : une lettre minuscule, puis "
                "jusqu'à 31 lettres minuscules, chiffres, « . », « _ » ou « - » (sans espace, accent ni majuscule)")
        if name in seen:
            raise RosterError(f"{where} : « {name} » est déjà à la ligne {seen[name]} ; chaque élève une seule fois")
        if admin is not None and name == admin:
            raise RosterError(f"{where} : « {name} » est le compte de l'enseignant (HUB_ADMIN) ; "
                              "donnez un autre identifiant à l'élève")
        seen[name] = number
        students.append(Student(name, display or name, number))
    if not students:
        raise RosterError(f"{source} : aucun élève dans la liste (un identifiant par ligne, p. ex. {EXAMPLE})")
    return students


def read_roster(path: str | Path, admin: str | None = None) -> list[Student]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"{path} : ce fichier n'existe pas (ROSTER=class.csv, un identifiant par ligne)") from None
    except OSError as error:
        raise RosterError(f"{path} : illisible ({error.strerror})") from None
    return parse_roster(decode_roster(data, str(path)), str(path), admin)


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
