"""Reference solutions, part 00 (environment): which Python, which environment, what pip freeze is for."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

# Rule 1 (182 days: "a version from 6 months / 1 year ago"): the limit the doctor applies too.
from labtools.policy import RULE1_MIN_AGE_DAYS as MIN_AGE_DAYS


def python_version() -> tuple[int, int]:
    return tuple(sys.version_info[:2])


def follows_rule_1(released: date, today: date) -> bool:
    return (today - released).days >= MIN_AGE_DAYS


def environment_kind(prefix: str, base_prefix: str) -> str:
    if prefix != base_prefix:
        return "venv"
    if Path(prefix, "conda-meta").is_dir():
        return "conda"
    return "aucun"


def parse_freeze(text: str) -> dict[str, str]:
    packages = {}
    for line in text.splitlines():
        line = line.strip()
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            packages[name.strip()] = version.strip()
    return packages


def differences(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    return {
        name: (before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }


def pip_freeze() -> str:
    """`pip freeze` of the Python running this code (the lab's, in the lab's terminal as in its notebooks)."""
    return subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout


def terminal_freeze(path: str | Path | None = None) -> Path:
    """What `pip freeze > PATH` typed in the lab's terminal does; a new temporary file when no PATH is given."""
    if path is None:
        fd, path = tempfile.mkstemp(prefix="freeze-", suffix=".txt")
        os.close(fd)
    path = Path(path)
    path.write_text(pip_freeze())
    return path


def export_versions(text: str) -> dict[str, str]:
    """{name: version} of a ``conda env export``: conda lines ``- name=version[=build]``, pip lines ``- name==version``."""
    versions, section = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.split(":")[0]
            continue
        item = line.strip().removeprefix("- ").strip()
        if section != "dependencies" or not item or item.endswith(":"):
            continue
        if "==" in item:
            name, version = item.split("==", 1)
        else:
            name, version = item.split("=")[:2]
        versions[name.strip()] = version.strip()
    return versions
