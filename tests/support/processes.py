"""Running what a user runs: docker, make, a free port to publish on."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What a parent `make` (make test) puts in the environment: a child make would inherit its flags and jobserver.
MAKE_VARIABLES = frozenset({"MAKEFLAGS", "MFLAGS", "MAKELEVEL"})


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_env(base: dict | None = None, **variables: str) -> dict:
    """The environment for a `make` run as a user types it: `base` (default os.environ) without the parent make's
    variables, plus `variables`."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in MAKE_VARIABLES}
    env.update(variables)
    return env


def run(*cmd: str, check: bool = True, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, capture its text output; AssertionError with both outputs when `check` and it fails."""
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def docker(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    return run("docker", *args, check=check, timeout=timeout)


def make(*args: str, repo: Path = REPO, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """`make ARGS` in `repo` as a user types it (make_env() unless `env` is given); never raises on failure."""
    return subprocess.run(["make", "--no-print-directory", "-C", str(repo), *args], capture_output=True, text=True,
                          env=make_env() if env is None else env, timeout=timeout)


def native_and_other_platform() -> tuple[str, str]:
    """This machine's Docker platform (make's rule: the engine's architecture, else uname's) and the other one."""
    try:
        arch = subprocess.run(["docker", "version", "--format", "{{.Server.Arch}}"], capture_output=True, text=True)
        machine = arch.stdout.strip() if arch.returncode == 0 else platform.machine()
    except FileNotFoundError:  # no docker client at all
        machine = platform.machine()
    native = "linux/arm64" if machine in {"aarch64", "arm64"} else "linux/amd64"
    return native, ("linux/amd64" if native == "linux/arm64" else "linux/arm64")
