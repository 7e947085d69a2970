"""The hashed pip lock (requirements.txt, universal): which packages, at which versions, a given Linux machine gets."""

from __future__ import annotations

import re

from packaging.markers import Marker

from tests.support.processes import REPO


def lock_requirements() -> list[tuple[str, str, Marker | None]]:
    """(normalised name, version, marker or None) for each line of the lock."""
    text = (REPO / "requirements.txt").read_text().replace("\\\n", " ")
    reqs = []
    for line in text.splitlines():
        if not line or line[0] in "# ":
            continue
        spec = line.split(" --hash", 1)[0]
        name, version = re.match(r"([A-Za-z0-9_.-]+)==([^\s;]+)", spec).groups()
        reqs.append((re.sub(r"[-_.]+", "-", name).lower(), version,
                     Marker(spec.split(";", 1)[1].strip()) if ";" in spec else None))
    return reqs


def linux(machine: str) -> dict[str, str]:
    """The marker environment of CPython 3.14 on Linux for `platform.machine()` MACHINE (x86_64, aarch64...)."""
    return {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": machine,
            "python_version": "3.14", "python_full_version": "3.14.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython"}


def locked_for(machine: str) -> dict[str, str]:
    """{name: version} of what the lock installs on a Linux MACHINE."""
    return {name: version for name, version, marker in lock_requirements()
            if marker is None or marker.evaluate(linux(machine))}
