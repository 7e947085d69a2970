"""The host's port and disk: the lab's port is free (or the lab's own), and a rebuild has room."""

from __future__ import annotations

import errno
import os
import re
import socket
from pathlib import Path

from labtools.doctor.model import FAIL, OK, WARN, Check

# Free space needed for `make rebuild`: the image is ~6 GB (torch + CUDA 13 libraries) and during a rebuild the old
# image, the new layers and the build/wheel cache (~3 GB of compressed wheels) coexist: ~6 + 6 + 3 = 15 GB is
# comfortable; under 8 GB even a single new image plus its download cache does not fit.
DISK_WARN_GB = 15
DISK_FAIL_GB = 8


def probe_port(port: int, host: str = "127.0.0.1") -> int | None:
    """Try to bind like the lab's published port would; returns the errno (EADDRINUSE, EACCES) or None when free."""
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers, not listeners
        s.bind((host, port))
    except OSError as e:
        return e.errno or -1
    finally:
        s.close()
    return None


def parse_docker_ps_ports(text: str) -> dict[str, set[int]]:
    """`docker ps --format '{{.Names}}\\t{{.Ports}}'` → {container: published host ports}."""
    out: dict[str, set[int]] = {}
    for line in (text or "").splitlines():
        name, _, ports = line.partition("\t")
        if not name.strip():
            continue
        published = out.setdefault(name.strip(), set())
        for m in re.finditer(r":(\d+)(?:-(\d+))?->", ports):
            lo = int(m.group(1))
            hi = int(m.group(2) or lo)
            published.update(range(lo, hi + 1))
    return out


def listener_process(port: int, proc: Path = Path("/proc")) -> str | None:
    """Best effort: name the local process listening on `port` (only visible for our own processes without root)."""
    inodes = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) > 9 and f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # 0A = LISTEN
                inodes.add(f[9])
    if not inodes:
        return None
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            for fd in (pid_dir / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    cmd = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                    return f"PID {pid_dir.name} : {cmd[:80]}"
        except OSError:
            continue
    return None


def suggest_port(start: int, is_free=lambda p: probe_port(p) is None, tries: int = 20) -> int:
    for p in range(start, start + tries):
        if p < 65536 and is_free(p):
            return p
    return start


def check_port(port: int, bind_errno: int | None, published: dict[str, set[int]], lab_container: str,
               suggestion: int, process: str | None = None, v6_errno: int | None = None) -> Check:
    """The lab's port is free, or held by the lab container (fine), or by something else (the token gets rejected)."""
    title = f"Port {port}"
    owners = sorted(name for name, ports in published.items() if port in ports)
    if lab_container in owners:
        return Check("port", OK, title, f"utilisé par le lab ({lab_container})", data={"port": port, "owner": lab_container})
    alt = f"make lab PORT={suggestion}"
    if owners:
        other = owners[0]
        return Check("port", FAIL, title, f"déjà pris par le conteneur Docker « {other} »",
                     f"lancez le lab sur un autre port : {alt} (ou arrêtez l'autre conteneur : docker stop {other})",
                     data={"port": port, "owner": other, "suggested_port": suggestion})
    if bind_errno is None and v6_errno == errno.EADDRINUSE:
        return Check("port", WARN, title,
                     f"libre en 127.0.0.1 mais un autre serveur écoute sur [::1]:{port} : « localhost:{port} » "
                     "pourrait y mener et le jeton du lab y serait refusé",
                     f"ouvrez l'adresse en 127.0.0.1 donnée par make url, ou lancez le lab ailleurs : {alt}",
                     data={"port": port, "owner": "[::1]", "suggested_port": suggestion})
    if bind_errno is None:
        lab_ports = sorted(published.get(lab_container) or ())
        note = f" (le lab {lab_container} tourne déjà sur le port {lab_ports[0]})" if lab_ports else ""
        return Check("port", OK, title, "libre pour le lab" + note, data={"port": port, "owner": None})
    if bind_errno == errno.EACCES:
        return Check("port", FAIL, title, "port réservé (< 1024 ou interdit)", f"choisissez un port ≥ 1024 : {alt}",
                     data={"port": port, "owner": None, "suggested_port": suggestion})
    who = f" ({process})" if process else ""
    return Check("port", FAIL, title,
                 f"déjà pris par un autre programme{who} : son serveur refuserait le jeton du lab",
                 f"lancez le lab sur un autre port : {alt} (ou arrêtez l'autre serveur, p. ex. jupyter server stop {port})",
                 data={"port": port, "owner": process, "suggested_port": suggestion})


def check_disk(path: str, free_bytes: int | None, note: str = "", error: str | None = None) -> Check:
    """Room for `make rebuild` where Docker keeps its images (`error`: why it could not be measured)."""
    title = "Espace disque"
    if free_bytes is None:
        return Check("disk", WARN, title, f"mesure impossible sur {path} : {error}", "vérifiez avec df -h")
    free_gb = free_bytes / 1e9
    detail = f"{free_gb:.1f} Go libres sur {path}{note}"
    data = {"path": path, "free_bytes": free_bytes, "warn_gb": DISK_WARN_GB, "fail_gb": DISK_FAIL_GB}
    fix = ("libérez de la place : docker image prune && docker builder prune (ne touche pas à votre dossier de "
           f"travail) ; une reconstruction demande ~{DISK_WARN_GB} Go")
    if free_gb < DISK_FAIL_GB:
        return Check("disk", FAIL, title, detail + f" (< {DISK_FAIL_GB} Go : make rebuild échouera)", fix, data=data)
    if free_gb < DISK_WARN_GB:
        return Check("disk", WARN, title, detail + f" (< {DISK_WARN_GB} Go : juste pour une reconstruction)", fix,
                     data=data)
    return Check("disk", OK, title, detail, data=data)
