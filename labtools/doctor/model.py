"""The doctor's vocabulary: a status, one line of the report (`Check`), a named check (`CheckSpec`: collect facts,
then decide), external commands as plain results, and the report with its exit status."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

SCHEMA_VERSION = 1


class Status(str, Enum):
    """✓ ok, ! warn (works, but fix it), ✗ fail (the lab is broken here; exit status 1), – na (does not apply on this
    platform: the NVIDIA checks on a CPU-only machine, an Apple Silicon Mac say)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    NA = "na"


OK, WARN, FAIL, NA = Status.OK, Status.WARN, Status.FAIL, Status.NA


@dataclass(frozen=True)
class Check:
    """One line of the report. `items` are always printed (named packages, say); `details` only with -v."""

    name: str
    status: Status
    title: str
    detail: str
    fix: str | None = None
    scope: str = "host"
    items: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "status", Status(self.status))


@dataclass(frozen=True)
class CheckSpec:
    """A named check: `collect(facts)` reads the machine and returns keyword arguments for `decide`, a pure
    function of those facts that returns the `Check`. Tests call `decide` with the raw inputs of real life."""

    name: str
    scope: str  # "host" (the machine and Docker) or "env" (the lab's Python environment)
    summary: str  # French, one line, for --list-checks
    collect: Callable[[Any], dict]
    decide: Callable[..., Check]

    def run(self, facts) -> Check:
        return self.decide(**self.collect(facts))


@dataclass(frozen=True)
class CmdResult:
    """Outcome of an external command; rc 127 = not found, 124 = timed out."""

    rc: int
    stdout: str = ""
    stderr: str = ""


def run_cmd(argv: list[str], timeout: float = 30) -> CmdResult:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return CmdResult(127, "", f"{argv[0]} : commande introuvable")
    except subprocess.TimeoutExpired:
        return CmdResult(124, "", f"{' '.join(argv)} : pas de réponse après {timeout:.0f} s")
    except OSError as e:
        return CmdResult(126, "", str(e))
    return CmdResult(p.returncode, p.stdout, p.stderr)


def read_text(path) -> str | None:
    """A file's text, None when it cannot be read (a missing lock is a finding, not a crash)."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def tail(text: str, n: int = 3) -> str:
    """The last `n` non-empty lines of a command's output, on one line."""
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])


def build_report(checks: list[Check], mode: str, env_source: dict | None) -> dict:
    """The JSON report (schema 1); exit status 1 when any check fails."""
    counts = {s.value: sum(c.status is s for c in checks) for s in Status}
    exit_status = 1 if counts["fail"] else 0
    rows = [dict(asdict(c), status=c.status.value) for c in checks]
    return {"schema": SCHEMA_VERSION, "mode": mode, "env_source": env_source, "checks": rows,
            "summary": {**counts, "total": len(checks), "exit_status": exit_status}, "exit_status": exit_status}


def check_from_json(row: dict) -> Check:
    """A check of a report produced by the doctor in the lab container."""
    return Check(**{k: row.get(k) for k in ("name", "status", "title", "detail", "fix")}, scope="env",
                 items=row.get("items") or [], details=row.get("details") or [], data=row.get("data") or {})
