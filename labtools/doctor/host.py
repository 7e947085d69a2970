"""The host checks, in report order. `HostFacts` reads the machine once (each fact lazily, on first use); each
check picks the facts it needs and hands them to its pure decision. A new host check is one `CheckSpec` line in
HOST_CHECKS (and its decision function in the module of its topic)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from functools import cached_property
from pathlib import Path

from labtools import policy
from labtools.doctor import arch, docker, gpu, system
from labtools.doctor.model import OK, CheckSpec, CmdResult, read_text, run_cmd

REPO_ROOT = Path(__file__).resolve().parents[2]



class HostFacts:
    """What the host checks read: commands, files, sockets. Nothing here decides anything."""

    def __init__(self, image: str, container: str, port: int, lock: Path | None = None):
        self.image, self.container, self.port = image, container, port
        self.lock = lock or REPO_ROOT / "requirements.txt"
        self.env_file = self.lock.parent / "environment.yml"

    @cached_property
    def build_client(self) -> dict:
        return docker.build_client_facts(os.environ.get("DOCKER_BUILD") or "docker build")

    @cached_property
    def docker_path(self) -> str | None:
        return shutil.which("docker")

    @cached_property
    def docker_info_result(self) -> CmdResult:
        return run_cmd(["docker", "info", "--format", "{{json .}}"], 20) if self.docker_path else CmdResult(127)

    @cached_property
    def docker_ok(self) -> bool:
        return docker.check_docker(self.docker_path, self.docker_info_result).status is OK

    @cached_property
    def docker_info(self) -> dict:
        return docker.parse_docker_info(self.docker_info_result.stdout) if self.docker_ok else {}

    def docker_json(self, *argv: str):
        r = run_cmd(["docker", *argv], 30) if self.docker_ok else CmdResult(1)
        try:
            return json.loads(r.stdout) if r.rc == 0 else None
        except json.JSONDecodeError:
            return None

    @cached_property
    def image_inspect(self) -> dict | None:
        found = self.docker_json("image", "inspect", self.image)
        return found[0] if isinstance(found, list) and found else None

    @cached_property
    def image_labels(self) -> dict:
        return ((self.image_inspect or {}).get("Config") or {}).get("Labels") or {}

    @cached_property
    def lock_text(self) -> str | None:
        return read_text(self.lock)

    @cached_property
    def lock_state(self) -> tuple[str | None, float | None]:
        """(fingerprint of the repository's locks, their latest mtime)."""
        try:
            env = self.env_file.read_bytes() if self.env_file.is_file() else None
            mtime = max(p.stat().st_mtime for p in (self.lock, self.env_file) if p.is_file())
            return policy.lock_fingerprint(self.lock.read_bytes(), env), mtime
        except OSError:
            return None, None

    @cached_property
    def driver(self) -> tuple[str | None, str | None, list[str]]:
        return gpu.detect_driver()

    @cached_property
    def cuda(self) -> tuple[str | None, str | None]:
        return gpu.image_cuda(self.image_labels, self.lock_text)

    @cached_property
    def toolkit(self) -> dict:
        return {"runtimes": self.docker_info.get("Runtimes") or {}, "cdi_specs": gpu.find_cdi_specs(),
                "tools": {t: shutil.which(t) for t in gpu.TOOLKIT_TOOLS}}

    @cached_property
    def published(self) -> dict[str, set[int]]:
        r = run_cmd(["docker", "ps", "--format", "{{.Names}}\t{{.Ports}}"], 20) if self.docker_ok else CmdResult(1)
        return system.parse_docker_ps_ports(r.stdout) if r.rc == 0 else {}

    @cached_property
    def container_inspect(self) -> dict | None:
        return self.docker_json("container", "inspect", "--format", "{{json .}}", self.container)

    @cached_property
    def container_running(self) -> bool:
        return bool(((self.container_inspect or {}).get("State") or {}).get("Running"))

    @cached_property
    def container_gpu(self) -> bool:
        return gpu.container_has_gpu((self.container_inspect or {}).get("HostConfig") or {})

    @cached_property
    def platform(self) -> dict:
        """Where the lab runs: the host's OS and machine, Docker's native architecture, the image's platform."""
        image = self.image_inspect or {}
        return {"host_os": sys.platform, "host_machine": platform.machine(),
                "daemon_arch": self.docker_info.get("Architecture"), "image_os": image.get("Os"),
                "image_arch": image.get("Architecture"), "nvidia_driver": bool(self.driver[0]),
                "kernel_release": platform.release(), "repo_path": str(REPO_ROOT)}

    @cached_property
    def cpu_only(self) -> bool:
        p = self.platform
        return arch.cpu_only(p["host_os"], p["daemon_arch"] or p["host_machine"], p["nvidia_driver"])

    @cached_property
    def gpu_usable(self) -> bool:
        return gpu.gpu_decision(DRIVER.run(self), RUNTIME.run(self))[0]


def _port_facts(f: HostFacts) -> dict:
    bind = system.probe_port(f.port)
    ours = f.container in {name for name, ports in f.published.items() if f.port in ports}
    return {"port": f.port, "bind_errno": bind, "published": f.published, "lab_container": f.container,
            "suggestion": system.suggest_port(f.port + 1),
            "process": system.listener_process(f.port) if bind is not None and not ours else None,
            "v6_errno": system.probe_port(f.port, "::1")}


def _disk_facts(f: HostFacts) -> dict:
    root = f.docker_info.get("DockerRootDir") or "/var/lib/docker"
    note = ""
    if not Path(root).exists():
        root, note = str(Path.home()), " (dossier Docker hors de cet hôte, p. ex. Docker Desktop : mesure indicative)"
    try:
        return {"path": root, "free_bytes": shutil.disk_usage(root).free, "note": note}
    except OSError as error:
        return {"path": root, "free_bytes": None, "error": str(error)}


def _driver_facts(f: HostFacts) -> dict:
    version, source, notes = f.driver
    cuda, cuda_source = f.cuda if version else (None, None)
    return {"version": version, "cuda": cuda, "source": source, "cuda_source": cuda_source, "notes": tuple(notes),
            "cpu_only": f.cpu_only}


DRIVER = CheckSpec("nvidia-driver", "host", "pilote NVIDIA assez récent pour la CUDA de l'image", _driver_facts,
                   gpu.check_driver)
RUNTIME = CheckSpec("gpu-runtime", "host", "NVIDIA Container Toolkit : les conteneurs peuvent utiliser le GPU",
                    lambda f: {"driver_present": bool(f.driver[0]), **f.toolkit, "cpu_only": f.cpu_only},
                    gpu.check_gpu_runtime)

HOST_CHECKS = [
    CheckSpec("docker", "host", "Docker installé et son démon joignable",
              lambda f: {"docker_path": f.docker_path, "info": f.docker_info_result}, docker.check_docker),
    CheckSpec("arch", "host", "plateforme de l'hôte et de l'image : native ou émulée (lent), CPU uniquement ?",
              lambda f: f.platform, arch.check_arch),
    CheckSpec("buildx", "host", "la commande de construction (DOCKER_BUILD) sait construire avec BuildKit",
              lambda f: f.build_client, docker.check_build_client),
    CheckSpec("image", "host", "image du lab construite, avec le verrou actuel",
              lambda f: {"image": f.image, "inspect": f.image_inspect, "fingerprint": f.lock_state[0],
                         "lock_mtime": f.lock_state[1], "docker_ok": f.docker_ok}, docker.check_image),
    DRIVER,
    RUNTIME,
    CheckSpec("port", "host", "port du lab libre (ou déjà celui du lab)", _port_facts, system.check_port),
    CheckSpec("lab-container-gpu", "host", "le conteneur du lab a le GPU quand l'hôte en a un",
              lambda f: {"running": f.container_running, "container_gpu": f.container_gpu,
                         "gpu_usable": f.gpu_usable, "container": f.container, "cpu_only": f.cpu_only},
              gpu.check_container_gpu),
    CheckSpec("disk", "host", "assez d'espace disque pour reconstruire l'image", _disk_facts, system.check_disk),
    # One more host check goes here: CheckSpec(name, "host", summary, collect, decide).
]
