"""Sizes in and out: parse `--sizes` (KiB = 1024, KB = 1000) and format bytes, seconds and counts for the
French report (o, Kio, Mio, Gio; a space as the thousands separator)."""
from __future__ import annotations

import math
import re

KIB, MIB, GIB = 2**10, 2**20, 2**30

_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes from '4096', '4KiB', '1MiB', '256MB', '1.5GiB' (KiB=1024, KB=1000). ValueError in French."""
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"taille illisible : {text.strip()!r} (exemples valides : 4096, 4KiB, 1MiB, 256MB, 1GiB)")
    value, unit = float(match.group(1)), match.group(2)
    if unit.lower() not in _UNITS:
        raise ValueError(f"unité inconnue {unit!r} dans {text.strip()!r} : utilisez B, KB, MB, GB (puissances de 1000) "
                         "ou KiB, MiB, GiB (puissances de 1024)")
    nbytes = round(value * _UNITS[unit.lower()])
    if nbytes <= 0:
        raise ValueError(f"taille {text.strip()!r} : une taille doit être strictement positive (au moins 1 octet)")
    return int(nbytes)


def parse_sizes(text: str, max_bytes: int | None = None) -> list[int]:
    """Sorted unique sizes from a comma-separated list; sizes above max_bytes (host RAM) are rejected."""
    items = [item for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError("--sizes est vide : donnez une liste comme 4KiB,1MiB,256MiB")
    sizes = set()
    for item in items:
        nbytes = parse_size(item)
        if max_bytes is not None and nbytes > max_bytes:
            raise ValueError(f"taille {item.strip()!r} = {format_bytes(nbytes)} : plus grande que la mémoire vive de "
                             f"cette machine ({format_bytes(max_bytes)}) ; choisissez une taille plus petite")
        sizes.add(nbytes)
    return sorted(sizes)


def format_bytes(nbytes: float) -> str:
    """Binary units with French symbols (o, Kio, Mio, Gio)."""
    value = float(nbytes)
    for unit in ("o", "Kio", "Mio", "Gio"):
        if abs(value) < 1024 or unit == "Gio":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
        if abs(seconds) >= scale or unit == "ns":
            return f"{seconds / scale:.3g} {unit}"
    raise AssertionError("unreachable")


def format_count(value: int) -> str:
    """1048576 -> '1 048 576' (French thousands separator)."""
    return f"{value:,}".replace(",", " ")
