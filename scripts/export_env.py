"""Save the lab environment the way the course does, and compare it with the locks (`make export`).

Runs inside the image. Writes to OUT:
  environment.export.yml   `conda env export` (conda builds), or an equivalent YAML from the venv (system builds)
  requirements.freeze.txt  `pip list --format=freeze` (not `pip freeze`, which writes `@ file://` paths)
and prints a short summary of how the installed packages differ from the hashed lock. It never writes
the lock itself: an unhashed freeze must not silently replace `requirements.txt`.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

LOCAL_PACKAGES = {"lab"}  # the course package is installed from the repo, not from the lock


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_freeze(text: str) -> dict[str, str]:
    """`name==version` lines -> {normalized name: version}."""
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "==" in line:
            name, version = line.split("==", 1)
            pins[normalize(name)] = version.strip()
    return pins


def parse_lock(text: str) -> dict[str, str]:
    """The pins of a hashed lock that apply to this platform: {normalized name: version}."""
    from packaging.markers import Marker

    pins = {}
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" --hash")[0].split("#")[0].strip()
        if "==" not in line:
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        name, version = requirement.split("==", 1)
        pins[normalize(name.strip())] = version.strip()
    return pins


def compare(installed: dict[str, str], locked: dict[str, str]) -> dict[str, list[str]]:
    """What differs between the installed packages and the lock, package names sorted."""
    return {
        "different": sorted(f"{n} {locked[n]} -> {installed[n]}" for n in installed.keys() & locked.keys()
                            if installed[n] != locked[n]),
        "missing": sorted(f"{n}=={locked[n]}" for n in locked.keys() - installed.keys()),
        "extra": sorted(f"{n}=={installed[n]}" for n in installed.keys() - locked.keys() - LOCAL_PACKAGES),
    }


def conda_export() -> str:
    """`conda env export` of the lab environment; from the venv when there is no conda (system builds)."""
    prefix = os.environ.get("ENV_PREFIX", sys.prefix)
    if shutil.which("micromamba") and Path(prefix, "conda-meta").is_dir():
        return subprocess.run(["micromamba", "env", "export", "-p", prefix], check=True,
                              capture_output=True, text=True).stdout
    freeze = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"], check=True,
                            capture_output=True, text=True).stdout
    lines = ["# Exported from a venv (PYTHON_SOURCE=system): no conda here, same format.", "name: lab",
             "channels:", "  - conda-forge", "dependencies:", f"  - python={platform.python_version()}",
             "  - pip", "  - pip:"]
    lines += [f"      - {line}" for line in freeze.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the exported files")
    parser.add_argument("--lock", type=Path, default=Path(os.environ.get("LAB_LOCK_FILE", "requirements.txt")),
                        help="the hashed lock to compare with")
    args = parser.parse_args(argv)
    if not args.lock.is_file():
        parser.error(f"no lock file at {args.lock}")
    args.out.mkdir(parents=True, exist_ok=True)

    freeze = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"], check=True,
                            capture_output=True, text=True).stdout
    (args.out / "requirements.freeze.txt").write_text(freeze)
    (args.out / "environment.export.yml").write_text(conda_export())

    diff = compare(parse_freeze(freeze), parse_lock(args.lock.read_text()))
    print(f"export: wrote {args.out}/requirements.freeze.txt and {args.out}/environment.export.yml")
    if not any(diff.values()):
        print("export: the environment matches the lock exactly (the hashed requirements.txt stays as it is).")
        return 0
    for kind, label in (("different", "version differs from the lock"), ("missing", "in the lock, not installed"),
                        ("extra", "installed, not in the lock")):
        for item in diff[kind]:
            print(f"  {label}: {item}")
    print("export: requirements.txt was NOT changed. To adopt these versions, edit requirements.in and run `make lock`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
