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
import shutil
import subprocess
import sys
from pathlib import Path

from labtools.policy import compare_with_lock, normalize_name, parse_lock


def parse_freeze(text: str) -> dict[str, str]:
    """`name==version` lines -> {normalized name: version}."""
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "==" in line:
            name, version = line.split("==", 1)
            pins[normalize_name(name)] = version.strip()
    return pins


def compare(installed: dict[str, str], lock_text: str) -> dict[str, list[str]]:
    """What differs between the installed packages and the lock (labtools.policy.compare_with_lock), as lines."""
    diff = compare_with_lock(parse_lock(lock_text)[0], installed)
    return {
        "different": [f"{n} {pinned} -> {got}" for n, pinned, got in diff["different"]],
        "missing": [f"{n}=={pinned}" for n, pinned in diff["missing"]],
        "extra": [f"{n}=={got}" for n, got in diff["extra"]],
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
        parser.error(f"pas de verrou à {args.lock}")
    args.out.mkdir(parents=True, exist_ok=True)

    freeze = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"], check=True,
                            capture_output=True, text=True).stdout
    (args.out / "requirements.freeze.txt").write_text(freeze)
    (args.out / "environment.export.yml").write_text(conda_export())

    diff = compare(parse_freeze(freeze), args.lock.read_text())
    print(f"export : {args.out}/requirements.freeze.txt et {args.out}/environment.export.yml écrits")
    if not any(diff.values()):
        print("export : l'environnement correspond exactement au verrou (requirements.txt, haché, reste tel quel).")
        return 0
    for kind, label in (("different", "version différente du verrou"), ("missing", "dans le verrou, pas installé"),
                        ("extra", "installé, absent du verrou")):
        for item in diff[kind]:
            print(f"  {label} : {item}")
    print("export : requirements.txt n'a PAS été modifié. Pour adopter ces versions, modifiez requirements.in puis "
          "lancez `make lock`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
