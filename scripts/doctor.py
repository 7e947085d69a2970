#!/usr/bin/env python3
"""Diagnose the PyTorch GPU Lab: host (Docker, NVIDIA driver, port, disk) and environment (Python, lock, CUDA, Jupyter, data).

Style of `flutter doctor`: one line per check (✓ ok, ! warn, ✗ fail), a fix line under each ! and ✗, a summary,
exit status 1 when any check fails (0 otherwise, 2 for bad usage). `--json` prints the same report for machines:
  {"schema": 1, "mode": "full"|"host-only"|"env-only",
   "env_source": {"kind": "container"|"image"|"local", "name": ..., "command": [...]} | null,
   "checks": [{"name", "status": "ok"|"warn"|"fail", "title", "detail", "fix": str|null, "scope": "host"|"env",
               "items": [str], "details": [str], "data": {...}}],
   "summary": {"ok", "warn", "fail", "total", "exit_status"}, "exit_status": 0|1}
Check names: docker, buildx, image, nvidia-driver, gpu-runtime, port, lab-container-gpu, gpu-container, disk, environment
(host side); python-pin, python-age, packages, lab-package, torch-cuda, jupyter, dataset (environment side).
On the host the environment part runs in the lab container (`docker exec`) or a throw-away one (`docker run --rm`).

Host checks only need the standard library; environment checks import torch / packaging lazily. Every decision is a
small function taking raw inputs (command output, version strings, dates) so tests fake only the boundaries.
Student-facing text is French (the course's language); check names and JSON keys are English.
"""
from __future__ import annotations

import argparse
import datetime as dt
import errno
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA_VERSION = 1
OK, WARN, FAIL = "ok", "warn", "fail"
STATUSES = (OK, WARN, FAIL)

DEFAULT_IMAGE = "pytorch-gpu-lab:latest"
DEFAULT_CONTAINER = "pytorch-lab"
DEFAULT_PORT = 8888
CONTAINER_JUPYTER_PORT = 8888
IMAGE_ROOT = Path("/opt/lab")
IMAGE_SCRIPT = "/opt/lab/scripts/doctor.py"
LOCK_LABEL = "org.pytorch-lab.lock-sha256"
CUDA_LABEL = "org.pytorch-lab.torch-cuda"
IGNORED_PACKAGES = frozenset({"lab"})  # the course package itself is installed from the repo, not the lock

# Minimum Linux driver branch per CUDA major (minor-version compatibility, NVIDIA's CUDA compatibility table).
MIN_DRIVER_FOR_CUDA = {11: 450, 12: 525, 13: 580}

# Free space needed for `make rebuild`: the image is ~6 GB (torch + CUDA 13 libraries) and during a rebuild the old
# image, the new layers and the build/wheel cache (~3 GB of compressed wheels) coexist: ~6 + 6 + 3 = 15 GB is
# comfortable; under 8 GB even a single new image plus its download cache does not fit.
DISK_WARN_GB = 15
DISK_FAIL_GB = 8

# CPython feature releases: (first release, end of life). Course rule 1: stay on a version 6 months to ~2 years old.
PY_RELEASES = {
    (3, 9): (dt.date(2020, 10, 5), dt.date(2025, 10, 31)),
    (3, 10): (dt.date(2021, 10, 4), dt.date(2026, 10, 31)),
    (3, 11): (dt.date(2022, 10, 24), dt.date(2027, 10, 31)),
    (3, 12): (dt.date(2023, 10, 2), dt.date(2028, 10, 31)),
    (3, 13): (dt.date(2024, 10, 7), dt.date(2029, 10, 31)),
    (3, 14): (dt.date(2025, 10, 7), dt.date(2030, 10, 31)),
    (3, 15): (dt.date(2026, 10, 1), dt.date(2031, 10, 31)),
}
PY_TOO_NEW_DAYS = 183  # ~6 months
PY_TOO_OLD_DAYS = 730  # ~2 years

MAX_ITEMS = 15  # named sub-lines printed under a check without -v

TOOLKIT_DOCS = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"
DOCKER_DOCS = "https://docs.docker.com/engine/install/"
DRIVER_DOCS = "https://www.nvidia.com/Download/index.aspx"


# --------------------------------------------------------------------------------------------------- report model
@dataclass
class Check:
    """One line of the report. `items` are always printed (e.g. named packages); `details` only with -v."""

    name: str
    status: str
    title: str
    detail: str
    fix: str | None = None
    scope: str = "host"
    items: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def __post_init__(self):
        assert self.status in STATUSES, self.status


def summarize(checks: list[Check]) -> dict:
    counts = {s: sum(c.status == s for c in checks) for s in STATUSES}
    return {**counts, "total": len(checks), "exit_status": 1 if counts[FAIL] else 0}


@dataclass
class CmdResult:
    """Outcome of an external command; rc 127 = not found, 124 = timed out."""

    rc: int
    stdout: str = ""
    stderr: str = ""


def run_cmd(argv: list[str], timeout: float = 30, stdin: str | None = None) -> CmdResult:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, input=stdin,
                           encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return CmdResult(127, "", f"{argv[0]}: commande introuvable")
    except subprocess.TimeoutExpired:
        return CmdResult(124, "", f"{' '.join(argv)}: pas de réponse après {timeout:.0f} s")
    except OSError as e:
        return CmdResult(126, "", str(e))
    return CmdResult(p.returncode, p.stdout, p.stderr)


def _tail(text: str, n: int = 3) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])


# --------------------------------------------------------------------------------------------------- docker
def parse_docker_info(stdout: str) -> dict:
    """`docker info --format '{{json .}}'` JSON, or the human text output (older clients / tests) as the same keys."""
    text = (stdout or "").strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    info: dict = {}
    cdi: list[str] = []
    in_cdi = False
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if in_cdi and not sep and line.startswith("  ") and line.strip():
            cdi.append(line.strip())
            continue
        in_cdi = False
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "Server Version":
            info["ServerVersion"] = value
        elif key == "Runtimes":
            info["Runtimes"] = {r: {} for r in value.split()}
        elif key == "Default Runtime":
            info["DefaultRuntime"] = value
        elif key == "Docker Root Dir":
            info["DockerRootDir"] = value
        elif key == "CDI spec directories":
            in_cdi = True
    if cdi:
        info["CDISpecDirs"] = cdi
    if "ERROR:" in text or "Cannot connect" in text:
        info.setdefault("ServerErrors", [ln for ln in text.splitlines() if "ERROR" in ln or "Cannot" in ln])
    return info


def _docker_unreachable_fix(message: str) -> str:
    low = message.lower()
    if "permission denied" in low:
        return ("ajoutez-vous au groupe docker : sudo usermod -aG docker $USER, puis fermez et rouvrez votre session "
                "(ou lancez les commandes avec sudo)")
    return "démarrez Docker : sudo systemctl start docker (Docker Desktop : lancez l'application)"


def check_docker(docker_path: str | None, info: CmdResult) -> tuple[Check, dict | None]:
    """Docker installed and its daemon answering `docker info`. Returns the check and the parsed info (None if down)."""
    title = "Docker"
    if not docker_path:
        return Check("docker", FAIL, title, "la commande docker est introuvable",
                     f"installez Docker Engine : {DOCKER_DOCS}"), None
    if info.rc == 124:
        return Check("docker", FAIL, title, "le démon Docker ne répond pas (docker info bloqué)",
                     "redémarrez Docker : sudo systemctl restart docker"), None
    parsed = parse_docker_info(info.stdout) if info.stdout.strip() else {}
    errors = parsed.get("ServerErrors") or []
    if info.rc != 0 or errors or not parsed.get("ServerVersion"):
        message = _tail(info.stderr) or " ".join(errors) or "docker info a échoué"
        return Check("docker", FAIL, title, f"démon Docker injoignable : {message}",
                     _docker_unreachable_fix(message), details=[f"docker : {docker_path}"]), None
    client = (parsed.get("ClientInfo") or {}).get("Version")
    detail = f"démon {parsed['ServerVersion']} joignable" + (f" (client {client})" if client else "")
    return Check("docker", OK, title, detail, details=[f"docker : {docker_path}",
                 f"runtimes : {', '.join(sorted(parsed.get('Runtimes') or {})) or '?'}"],
                 data={"server_version": parsed["ServerVersion"]}), parsed


# --------------------------------------------------------------------------------------------------- build client
BUILDX_CLIENT_MAJOR = 23  # from Docker CLI 23, `docker build` is buildx (docker-buildx-plugin); before, BuildKit was built in


def docker_clients(path: str | None = None) -> list[str]:
    """Every `docker` executable on PATH, then /usr/bin/docker (often the engine-bundled client)."""
    found = []
    for folder in [*(path if path is not None else os.environ.get("PATH", "")).split(os.pathsep), "/usr/bin"]:
        candidate = os.path.join(folder or ".", "docker")
        if os.access(candidate, os.X_OK) and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def client_can_build(client: str, run=run_cmd, needs_plugin: bool = False) -> tuple[bool, str]:
    """Can this Docker CLI build with BuildKit: the buildx plugin, or a pre-23 client (BuildKit built in)."""
    buildx = run([client, "buildx", "version"], 20)
    if buildx.rc == 0:  # "github.com/docker/buildx v0.29.1 <commit>"
        words = buildx.stdout.split()
        return True, f"plugin buildx {words[1] if len(words) > 1 else '?'}"
    version = run([client, "version", "--format", "{{.Client.Version}}"], 20).stdout.strip()
    major = version.split(".")[0]
    if not needs_plugin and major.isdigit() and int(major) < BUILDX_CLIENT_MAJOR:
        return True, f"client {version}, BuildKit intégré"
    return False, f"client {version or '?'} sans le plugin buildx"


def check_build_client(docker_build: str, run=run_cmd, which=shutil.which, clients=docker_clients) -> Check:
    """The command `make build` runs (DOCKER_BUILD) can build the image: names a missing buildx plugin and the fix."""
    title = "Construction de l'image (BuildKit)"
    words = docker_build.split() or ["docker"]
    if os.path.basename(words[0]) != "docker":
        return Check("buildx", OK, title, f"DOCKER_BUILD={docker_build!r} : client non Docker, non vérifié",
                     data={"docker_build": docker_build})
    client = which(words[0])
    if not client:
        return Check("buildx", FAIL, title, f"DOCKER_BUILD={docker_build!r} : {words[0]} est introuvable",
                     f"installez Docker Engine : {DOCKER_DOCS}", data={"docker_build": docker_build})
    ok_, how = client_can_build(client, run, needs_plugin=words[1:2] == ["buildx"])
    data = {"docker_build": docker_build, "client": client}
    if ok_:
        return Check("buildx", OK, title, f"{docker_build} : {how}", data=data)
    fix = "installez le plugin : sudo apt-get install docker-buildx-plugin (Docker Desktop l'inclut)"
    other = next((c for c in clients() if os.path.realpath(c) != os.path.realpath(client)
                  and client_can_build(c, run)[0]), None)
    if other:
        fix += f' ; ou, sans rien installer : make lab DOCKER_BUILD="{other} build"'
        data["alternative"] = other
    return Check("buildx", FAIL, title,
                 f"{client} ({how}) : « {docker_build} » échouera, make lab ne peut pas construire l'image",
                 fix, data=data)


def parse_docker_time(value: str) -> dt.datetime | None:
    """Docker's RFC 3339 timestamps carry nanoseconds, which fromisoformat() rejects before 3.11's stricter forms."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$", (value or "").strip())
    if not m:
        return None
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    tz = m.group(3) or "Z"
    tz = "+00:00" if tz == "Z" else tz
    return dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{tz}")


def lock_fingerprint(requirements: bytes, environment: bytes | None) -> str:
    """sha256 of requirements.txt then environment.yml content, i.e. `cat requirements.txt environment.yml | sha256sum`."""
    return hashlib.sha256(requirements + (environment or b"")).hexdigest()


def check_image(image: str, inspect: dict | None, fingerprint: str | None, lock_mtime: float | None) -> Check:
    """Image built, and built from the current locks (label hash when present, else creation time vs lock mtime)."""
    title = "Image du lab"
    if inspect is None:
        return Check("image", FAIL, title, f"l'image {image} n'est pas construite",
                     "construisez-la : make build")
    labels = ((inspect.get("Config") or {}).get("Labels")) or {}
    created = parse_docker_time(inspect.get("Created", ""))
    size = inspect.get("Size")
    details = [f"créée : {inspect.get('Created', '?')}"]
    if size:
        details.append(f"taille : {size / 1e9:.1f} Go")
    data = {"created": inspect.get("Created"), "size": size, "label_sha256": labels.get(LOCK_LABEL)}
    label = labels.get(LOCK_LABEL)
    if label and fingerprint:
        data["lock_sha256"] = fingerprint
        if label == fingerprint:
            return Check("image", OK, title, f"{image} construite avec le verrou actuel", details=details, data=data)
        return Check("image", WARN, title,
                     f"{image} a été construite avec un autre verrou (requirements.txt / environment.yml ont changé)",
                     "reconstruisez l'image : make rebuild (votre dossier de travail n'est pas touché)",
                     details=details + [f"image : {label[:12]}…, verrou : {fingerprint[:12]}…"], data=data)
    if created and lock_mtime:
        lock_time = dt.datetime.fromtimestamp(lock_mtime, tz=dt.timezone.utc)
        details.append(f"verrou modifié : {lock_time.isoformat(timespec='seconds')}")
        if created < lock_time:
            return Check("image", WARN, title, f"{image} est plus ancienne que le verrou (comparaison par dates)",
                         "reconstruisez l'image : make rebuild (votre dossier de travail n'est pas touché)",
                         details=details, data=data)
        return Check("image", OK, title, f"{image} construite après la dernière modification du verrou",
                     details=details, data=data)
    return Check("image", OK, title, f"{image} présente (fraîcheur non vérifiable : verrou introuvable)",
                 details=details, data=data)


# --------------------------------------------------------------------------------------------------- NVIDIA driver
def parse_proc_driver_version(text: str) -> str | None:
    """/proc/driver/nvidia/version: 'NVRM version: NVIDIA UNIX [Open Kernel Module for] x86_64 ... 580.65.06  ...'."""
    m = re.search(r"NVRM version:.*?\s(\d{2,4}\.\d{1,3}(?:\.\d{1,3})?)\s", (text or "") + " ")
    return m.group(1) if m else None


def parse_nvidia_smi(text: str) -> str | None:
    """`nvidia-smi --query-gpu=driver_version --format=csv,noheader` lines, or the banner's 'Driver Version: X'."""
    text = text or ""
    m = re.search(r"Driver Version:\s*(\d+\.\d+(?:\.\d+)?)", text)
    if m:
        return m.group(1)
    for line in text.splitlines():
        m = re.fullmatch(r"\s*(\d+\.\d+(?:\.\d+)?)\s*", line)
        if m:
            return m.group(1)
    return None


def driver_from_nvml() -> str | None:
    try:
        import pynvml  # nvidia-ml-py
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
        try:
            v = pynvml.nvmlSystemGetDriverVersion()
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # NVMLError_LibraryNotFound / DriverNotLoaded / anything from a broken driver
        return None
    return v.decode() if isinstance(v, bytes) else str(v)


def detect_driver(nvml=driver_from_nvml, proc_path: str = "/proc/driver/nvidia/version",
                  smi=lambda: run_cmd(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], 20)
                  ) -> tuple[str | None, str | None, list[str]]:
    """Driver version from nvidia-ml-py, else /proc/driver/nvidia/version, else nvidia-smi: (version, source, notes)."""
    notes = []
    v = nvml()
    if v:
        return v, "nvidia-ml-py", notes
    notes.append("nvidia-ml-py : pas de pilote (ou module absent)")
    try:
        v = parse_proc_driver_version(Path(proc_path).read_text(errors="replace"))
    except OSError:
        v = None
    if v:
        return v, proc_path, notes
    notes.append(f"{proc_path} : absent")
    r = smi()
    v = parse_nvidia_smi(r.stdout) if r.rc == 0 else None
    if v:
        return v, "nvidia-smi", notes
    notes.append(f"nvidia-smi : {_tail(r.stderr, 1) or 'pas de version'}")
    return None, None, notes


def cuda_from_lock(lock_text: str) -> str | None:
    """CUDA 'major.minor' of the pinned nvidia-cuda-runtime[-cuNN] wheel in requirements.txt."""
    m = re.search(r"^nvidia-cuda-runtime(?:-cu\d+)?==(\d+)\.(\d+)", lock_text or "", re.M)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def check_driver(version: str | None, cuda: str | None, source: str | None = None,
                 cuda_source: str | None = None) -> Check:
    """Driver branch against the CUDA major of the image's torch. No NVIDIA driver at all is CPU mode, not an error."""
    title = "Pilote NVIDIA"
    if not version:
        return Check("nvidia-driver", OK, title,
                     "aucun GPU NVIDIA détecté : le lab tournera en mode CPU (le cours fonctionne, plus lentement)",
                     data={"gpu": False, "version": None, "cuda": cuda, "cpu_mode": True})
    data = {"gpu": True, "version": version, "source": source, "cuda": cuda, "cuda_source": cuda_source}
    details = [f"version lue via {source}"] if source else []
    try:
        major = int(version.split(".")[0])
    except ValueError:
        return Check("nvidia-driver", WARN, title, f"version du pilote illisible : {version!r}",
                     "vérifiez le pilote avec nvidia-smi", details=details, data=data)
    if not cuda:
        return Check("nvidia-driver", OK, title, f"pilote {version} (torch de l'image sans CUDA ou CUDA inconnue)",
                     details=details, data=data)
    cuda_major = int(cuda.split(".")[0])
    need = MIN_DRIVER_FOR_CUDA.get(cuda_major)
    details.append(f"CUDA {cuda} lue dans {cuda_source or '?'}")
    data["required"] = need
    if need is None:
        return Check("nvidia-driver", WARN, title, f"pilote {version}, CUDA {cuda} absente de la table des pilotes",
                     "vérifiez la compatibilité : https://docs.nvidia.com/deploy/cuda-compatibility/",
                     details=details, data=data)
    if major < need:
        return Check("nvidia-driver", FAIL, title,
                     f"pilote {version} trop ancien pour CUDA {cuda} de torch (il faut ≥ {need})",
                     f"installez un pilote NVIDIA ≥ {need} (Ubuntu : sudo ubuntu-drivers install nvidia:{need} ; "
                     f"sinon {DRIVER_DOCS}) puis redémarrez la machine ; en attendant le lab tourne en mode CPU",
                     details=details, data=data)
    return Check("nvidia-driver", OK, title, f"pilote {version} compatible avec CUDA {cuda} (≥ {need})",
                 details=details, data=data)


def check_gpu_runtime(driver_present: bool, docker_info: dict | None, cdi_specs: list[str],
                      tools: dict[str, str | None]) -> Check:
    """Can containers get the GPU: nvidia runtime in Docker, a CDI spec, or the container toolkit's hook/CLI."""
    title = "GPU dans les conteneurs"
    if not driver_present:
        return Check("gpu-runtime", OK, title, "sans objet (pas de GPU NVIDIA : mode CPU)", data={"usable": False})
    found = []
    runtimes = (docker_info or {}).get("Runtimes") or {}
    if "nvidia" in runtimes:
        found.append("runtime Docker « nvidia »")
    found += [f"spécification CDI {p}" for p in cdi_specs]
    found += [f"{name} ({path})" for name, path in tools.items() if path]
    if found:
        return Check("gpu-runtime", OK, title, "NVIDIA Container Toolkit présent : " + found[0],
                     details=found, data={"usable": True, "found": found})
    return Check("gpu-runtime", FAIL, title,
                 "NVIDIA Container Toolkit introuvable : docker run --gpus échouera",
                 f"installez le NVIDIA Container Toolkit ({TOOLKIT_DOCS}), puis "
                 "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker",
                 data={"usable": False})


def find_cdi_specs(dirs=("/etc/cdi", "/var/run/cdi")) -> list[str]:
    specs = []
    for d in dirs:
        try:
            for p in sorted(Path(d).iterdir()):
                if p.suffix in (".yaml", ".yml", ".json") and "nvidia" in p.read_text(errors="replace"):
                    specs.append(str(p))
        except OSError:
            continue
    return specs


def container_has_gpu(host_config: dict) -> bool:
    """`docker inspect` HostConfig of a container started with --gpus, --runtime=nvidia or a CDI nvidia device."""
    for req in host_config.get("DeviceRequests") or []:
        caps = [c for group in (req.get("Capabilities") or []) for c in group]
        if "gpu" in caps or req.get("Driver") == "nvidia" or any("nvidia.com/gpu" in d for d in req.get("DeviceIDs") or []):
            return True
    return host_config.get("Runtime") == "nvidia"


# --------------------------------------------------------------------------------------------------- port
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


# --------------------------------------------------------------------------------------------------- disk
def check_disk(path: str, free_bytes: int, note: str = "") -> Check:
    free_gb = free_bytes / 1e9
    title = "Espace disque"
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


# --------------------------------------------------------------------------------------------------- Python version
def read_python_pin(environment_yml: str) -> str | None:
    """The `- python=3.14.N` line of environment.yml (conda spec; `==` and a build string are tolerated)."""
    m = re.search(r"^\s*-\s*python\s*={1,2}\s*(\d+\.\d+(?:\.\d+)?)", environment_yml or "", re.M)
    return m.group(1) if m else None


def check_python_pin(running: str, pin: str | None, in_image: bool, env_file: str) -> Check:
    title = "Version de Python"
    if pin is None:
        return Check("python-pin", WARN, title, f"Python {running} ; pin python=3.x.y introuvable dans {env_file}",
                     "ajoutez la ligne « - python=3.14.N » à environment.yml", scope="env",
                     data={"running": running, "pin": None})
    data = {"running": running, "pin": pin}
    if running == pin or (pin.count(".") == 1 and running.startswith(pin + ".")):
        return Check("python-pin", OK, title, f"Python {running} = pin de environment.yml", scope="env", data=data)
    fix = ("reconstruisez l'image : make rebuild" if in_image else
           f"recréez l'environnement avec Python {pin} : conda env create -f environment.yml (ou make lab)")
    return Check("python-pin", FAIL, title, f"Python {running} ≠ pin {pin} de environment.yml", fix, scope="env",
                 data=data)


def recommended_pythons(today: dt.date) -> list[str]:
    return [f"{a}.{b}" for (a, b), (rel, eol) in sorted(PY_RELEASES.items())
            if PY_TOO_NEW_DAYS <= (today - rel).days <= PY_TOO_OLD_DAYS and today < eol]


def check_python_age(version: tuple[int, int], today: dt.date) -> Check:
    """Course rule 1: not the newest Python (< ~6 months), not one older than ~2 years or past end of life."""
    title = "Âge de Python (règle 1)"
    name = f"{version[0]}.{version[1]}"
    good = recommended_pythons(today)
    advice = ("règle 1 du cours : restez sur une version sortie il y a 6 mois à 2 ans"
              + (f" (aujourd'hui : Python {' ou '.join(good)})" if good else ""))
    data = {"version": name, "today": today.isoformat(), "recommended": good}
    info = PY_RELEASES.get(tuple(version))
    if info is None:
        newest = max(PY_RELEASES)
        if tuple(version) > newest:
            return Check("python-age", WARN, title, f"Python {name} est plus récente que la table des versions connues",
                         advice, scope="env", data=data)
        return Check("python-age", WARN, title, f"Python {name} est trop ancienne (fin de vie)", advice, scope="env",
                     data=data)
    released, eol = info
    age = (today - released).days
    data.update(released=released.isoformat(), eol=eol.isoformat(), age_days=age)
    if age < 0:
        return Check("python-age", WARN, title, f"Python {name} n'est pas encore sortie (préversion)", advice,
                     scope="env", data=data)
    if age < PY_TOO_NEW_DAYS:
        return Check("python-age", WARN, title,
                     f"Python {name} est trop récente (sortie le {released}, il y a {age} jours)", advice,
                     scope="env", data=data)
    if today >= eol:
        return Check("python-age", WARN, title, f"Python {name} est en fin de vie depuis le {eol}", advice,
                     scope="env", data=data)
    if age > PY_TOO_OLD_DAYS:
        return Check("python-age", WARN, title,
                     f"Python {name} est ancienne (sortie le {released}, il y a {age // 365} ans)", advice,
                     scope="env", data=data)
    return Check("python-age", OK, title, f"Python {name} sortie le {released} ({age // 30} mois) : ni trop récente "
                 "ni trop ancienne", scope="env", data=data)


# --------------------------------------------------------------------------------------------------- lock parsing
def normalize_name(name: str) -> str:
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str  # normalized
    version: str
    marker: str | None


_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;]+)\s*(?:;\s*(.+?))?\s*$")


def parse_lock(text: str) -> tuple[list[Pin], list[str]]:
    """Pins of a pip-compile/uv lock (backslash continuations, --hash options, comments). Returns (pins, unparsed lines)."""
    logical, buf = [], ""
    for raw in (text or "").splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        logical.append(buf + line)
        buf = ""
    if buf:
        logical.append(buf)
    pins, bad = [], []
    for line in logical:
        line = re.sub(r"(^|\s)#.*$", "", line)
        line = re.sub(r"\s--hash[=\s]\S+", " ", " " + line).strip()
        if not line or line.startswith("-"):
            continue
        m = _PIN_RE.match(line)
        if m:
            pins.append(Pin(normalize_name(m.group(1)), m.group(2), m.group(3)))
        else:
            bad.append(line)
    return pins, bad


# --- versions: packaging when present (always in the image), else a small PEP 440 subset good for pinned locks.
_V_RE = re.compile(
    r"^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)"
    r"(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?"
    r"(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?"
    r"(?:[-_.]?(dev)[-_.]?(\d*))?"
    r"(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$", re.I)


def _version_key(v: str):
    """Sortable PEP 440 key without the local label, plus the local label; None when not a version."""
    m = _V_RE.match(v or "")
    if not m:
        return None, None
    release = [int(x) for x in m.group(2).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre_letter = (m.group(3) or "").lower()
    has_post = m.group(5) is not None or m.group(6) is not None
    if pre_letter:
        order = {"a": 0, "alpha": 0, "b": 1, "beta": 1}.get(pre_letter, 2)
        pre = (0, order, int(m.group(4) or 0))
    elif m.group(8) and not has_post:
        pre = (-1, 0, 0)  # 1.0.dev0 < 1.0a0
    else:
        pre = (1, 0, 0)
    post = int(m.group(5) or m.group(7) or 0) if has_post else -1
    dev = int(m.group(9) or 0) if m.group(8) else float("inf")
    local = (m.group(10) or "").lower().replace("-", ".").replace("_", ".")
    return (int(m.group(1) or 0), tuple(release), pre, post, dev), local


def version_matches_pin(installed: str, pinned: str) -> bool:
    """`installed` satisfies `==pinned` (a local label like +cu130 is ignored when the pin has none, as in PEP 440)."""
    try:
        from packaging.specifiers import InvalidSpecifier, Specifier
        from packaging.version import InvalidVersion
    except ImportError:
        Specifier = None
    if Specifier is not None:
        try:
            return Specifier(f"=={pinned}").contains(installed, prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            return installed == pinned
    return version_matches_pin_fallback(installed, pinned)


def version_matches_pin_fallback(installed: str, pinned: str) -> bool:
    (ki, li), (kp, lp) = _version_key(installed), _version_key(pinned)
    if ki is None or kp is None:
        return installed == pinned
    return ki == kp and (not lp or li == lp)


def default_marker_env() -> dict[str, str]:
    impl = sys.implementation
    iver = f"{impl.version.major}.{impl.version.minor}.{impl.version.micro}"
    if impl.version.releaselevel != "final":
        iver += impl.version.releaselevel[0] + str(impl.version.serial)
    return {
        "implementation_name": impl.name,
        "implementation_version": iver,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
        "extra": "",
    }


_MARKER_TOKEN = re.compile(r"\s*(\(|\)|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|'[^']*'|\"[^\"]*\"|"
                           r"[A-Za-z_][A-Za-z0-9_.]*)")


def eval_marker_fallback(marker: str, env: dict[str, str]) -> bool:
    """Minimal PEP 508 marker evaluator (and/or/parentheses, version and string comparisons, in / not in)."""
    tokens, pos = [], 0
    marker = marker.strip()
    while pos < len(marker):
        m = _MARKER_TOKEN.match(marker, pos)
        if not m:
            raise ValueError(f"marqueur illisible : {marker!r}")
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(marker) and marker[pos].isspace():
            pos += 1
    i = 0

    def peek():
        return tokens[i] if i < len(tokens) else None

    def take():
        nonlocal i
        if i >= len(tokens):
            raise ValueError(f"marqueur incomplet : {marker!r}")
        i += 1
        return tokens[i - 1]

    def value():
        t = take()
        if t[0] in "'\"":
            return t[1:-1]
        if t not in env:
            raise ValueError(f"variable de marqueur inconnue : {t}")
        return env[t]

    def compare(lhs, op, rhs):
        op = " ".join(op.split())
        if op == "in":
            return lhs in rhs
        if op == "not in":
            return lhs not in rhs
        (kl, ll), (kr, lr) = _version_key(lhs), _version_key(rhs)
        if kl is not None and kr is not None and op != "===":
            a, b = (kl, ll), (kr, lr)
            if op == "~=":  # >= rhs and same release prefix (rhs without its last component)
                prefix = [int(x) for x in _V_RE.match(rhs).group(2).split(".")][:-1]
                lrel = [int(x) for x in _V_RE.match(lhs).group(2).split(".")] + [0] * len(prefix)
                return a >= b and lrel[: len(prefix)] == prefix
            return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        if op in ("==", "==="):
            return lhs == rhs
        if op == "!=":
            return lhs != rhs
        return {"<": lhs < rhs, "<=": lhs <= rhs, ">": lhs > rhs, ">=": lhs >= rhs}[op]

    def atom():
        if peek() == "(":
            take()
            r = expr()
            if take() != ")":
                raise ValueError(f"parenthèse manquante : {marker!r}")
            return r
        lhs = value()
        op = take()
        if " ".join(op.split()) not in ("<", "<=", "==", "===", "!=", ">", ">=", "~=", "in", "not in"):
            raise ValueError(f"opérateur de marqueur inconnu {op!r} : {marker!r}")
        return compare(lhs, op, value())

    def conj():
        r = atom()
        while peek() == "and":
            take()
            r = atom() and r
        return r

    def expr():
        r = conj()
        while peek() == "or":
            take()
            r = conj() or r
        return r

    result = expr()
    if i != len(tokens):
        raise ValueError(f"marqueur illisible : {marker!r}")
    return result


def eval_marker(marker: str | None, env: dict[str, str]) -> bool:
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:
        return eval_marker_fallback(marker, env)
    return Marker(marker).evaluate(env)


# --------------------------------------------------------------------------------------------------- packages
def installed_distributions() -> tuple[dict[str, str], dict[str, list[str]]]:
    """{normalized name: version} of this interpreter's distributions, and names installed twice (broken state)."""
    from importlib import metadata

    found: dict[str, list[str]] = {}
    for d in metadata.distributions():
        name = d.metadata["Name"] if d.metadata else None
        if name:
            found.setdefault(normalize_name(name), []).append(d.version)
    return {n: v[0] for n, v in found.items()}, {n: v for n, v in found.items() if len(v) > 1}


def compare_packages(pins: list[Pin], installed: dict[str, str], marker_env: dict[str, str],
                     ignore=IGNORED_PACKAGES) -> dict:
    """Installed distributions against the lock's pins applicable to this platform (markers evaluated)."""
    expected = {p.name: p.version for p in pins if eval_marker(p.marker, marker_env)}
    ignore = {normalize_name(n) for n in ignore}
    missing = sorted((n, v) for n, v in expected.items() if n not in installed and n not in ignore)
    different = sorted((n, v, installed[n]) for n, v in expected.items()
                       if n in installed and n not in ignore and not version_matches_pin(installed[n], v))
    extra = sorted((n, v) for n, v in installed.items() if n not in expected and n not in ignore)
    return {"expected": len(expected), "missing": missing, "different": different, "extra": extra}


def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f", … (+{len(names) - limit})" if len(names) > limit else "")


def check_packages(result: dict, lock_path: str, in_image: bool, duplicates: dict | None = None) -> Check:
    """Missing or different versions fail (the lab is no longer the locked one); extra packages only warn."""
    title = "Paquets contre le verrou"
    missing, different, extra = result["missing"], result["different"], result["extra"]
    items = ([f"✗ {n} : {i} installé, {v} attendu" for n, v, i in different]
             + [f"✗ {n} : manquant ({v} attendu)" for n, v in missing]
             + [f"! {n} {v} : en trop (absent du verrou)" for n, v in extra])
    items += [f"✗ {n} : installé plusieurs fois ({', '.join(v)})" for n, v in sorted((duplicates or {}).items())]
    data = {"lock": lock_path, "expected": result["expected"],
            "missing": [{"name": n, "expected": v} for n, v in missing],
            "different": [{"name": n, "expected": v, "installed": i} for n, v, i in different],
            "extra": [{"name": n, "installed": v} for n, v in extra],
            "duplicates": sorted(duplicates or {})}
    fix = ("remettez exactement le verrou : make repair (rapide, conteneur lancé) ou make rebuild ; votre dossier de "
           "travail n'est pas touché" if in_image else
           f"remettez exactement le verrou : uv pip sync {lock_path} (ou pip install -r {lock_path})")
    bad = len(missing) + len(different) + len(duplicates or {})
    if bad:
        parts = []
        if different:
            parts.append(f"{len(different)} version(s) différente(s) : {_names([n for n, *_ in different])}")
        if missing:
            parts.append(f"{len(missing)} manquant(s) : {_names([n for n, _ in missing])}")
        if extra:
            parts.append(f"{len(extra)} en trop")
        if duplicates:
            parts.append(f"{len(duplicates)} en double")
        return Check("packages", FAIL, title, " ; ".join(parts), fix, scope="env", items=items, data=data)
    if extra:
        return Check("packages", WARN, title,
                     f"{result['expected']} paquets conformes, {len(extra)} en trop : {_names([n for n, _ in extra])}",
                     fix, scope="env", items=items, data=data)
    return Check("packages", OK, title, f"{result['expected']} paquets conformes au verrou", scope="env", data=data)


def check_lab_package(installed: dict[str, str], in_image: bool) -> Check:
    title = "Paquet du cours (lab)"
    if "lab" in installed:
        return Check("lab-package", OK, title, f"lab {installed['lab']} installé", scope="env")
    fix = "réinstallez-le : make repair (ou make rebuild)" if in_image else "installez-le depuis le dépôt : pip install -e ."
    return Check("lab-package", FAIL, title, "le paquet lab n'est pas installé", fix, scope="env")


# --------------------------------------------------------------------------------------------------- torch / CUDA
def probe_torch() -> dict:
    """Import torch and ask CUDA; the driver-too-old message arrives as a warning, kept for the report."""
    import warnings

    info = {"importable": False, "version": None, "cuda": None, "available": False, "devices": [], "warnings": []}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import torch

            info.update(importable=True, version=torch.__version__, cuda=torch.version.cuda)
            info["available"] = bool(torch.cuda.is_available())
            if info["available"]:
                info["devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["warnings"] = [str(w.message).strip().splitlines()[0] for w in caught if str(w.message).strip()]
    except Exception as e:  # a broken install raises anything from ImportError to OSError on missing .so files
        info["error"] = f"{type(e).__name__}: {e}"
    return info


def nvidia_devices_visible(dev: Path = Path("/dev")) -> bool:
    return (dev / "nvidiactl").exists() or any(dev.glob("nvidia[0-9]*"))


def check_torch_cuda(expect: str, info: dict, devices_visible: bool, in_image: bool) -> Check:
    """torch.cuda.is_available() against what the host expects (yes: GPU passed to the container; no: CPU mode)."""
    title = "torch et CUDA"
    data = {k: info.get(k) for k in ("version", "cuda", "available", "devices")} | {"expect": expect}
    details = list(info.get("warnings") or [])
    if not info.get("importable"):
        return Check("torch-cuda", FAIL, title, f"import torch impossible : {info.get('error', '?')}",
                     "make repair (ou make rebuild)" if in_image else "réinstallez le verrou : uv pip sync requirements.txt",
                     scope="env", data=data)
    built = f"torch {info['version']} (CUDA {info['cuda']})" if info["cuda"] else f"torch {info['version']} (CPU)"
    if info["available"]:
        return Check("torch-cuda", OK, title, f"{built} : GPU disponible ({', '.join(info['devices'])})",
                     scope="env", details=details, data=data)
    reason = f" — {details[0]}" if details else ""
    if expect == "yes":
        if not info["cuda"]:
            fix = "ce torch est compilé sans CUDA : make rebuild (ou make repair)"
        else:
            fix = ("lancez make doctor sur l'hôte : pilote NVIDIA trop ancien ou NVIDIA Container Toolkit absent ; "
                   "puis relancez le lab (make lab)")
        return Check("torch-cuda", FAIL, title, f"{built} : GPU attendu mais torch.cuda.is_available() est False{reason}",
                     fix, scope="env", details=details, data=data)
    if expect == "auto" and devices_visible and info["cuda"]:
        return Check("torch-cuda", FAIL, title,
                     f"{built} : un GPU NVIDIA est visible (/dev/nvidia*) mais CUDA est indisponible{reason}",
                     "lancez make doctor sur l'hôte (pilote NVIDIA trop ancien ?)", scope="env", details=details,
                     data=data)
    return Check("torch-cuda", OK, title, f"{built} : mode CPU (pas de GPU pour ce conteneur)", scope="env",
                 details=details, data=data)


# --------------------------------------------------------------------------------------------------- Jupyter
def http_status(url: str, token: str | None, timeout: float = 5) -> tuple[int | None, str]:
    """GET url with a Jupyter token; (HTTP status, body or error). Status None with 'refused' when nothing listens."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ConnectionRefusedError):
            return None, "refused"
        return None, str(reason)
    except (TimeoutError, socket.timeout):
        return None, "timeout"
    except OSError as e:
        return None, str(e)


def jupyter_process_running(proc: Path = Path("/proc")) -> bool:
    me = str(os.getpid())
    for pid_dir in proc.glob("[0-9]*"):
        if pid_dir.name == me:
            continue
        try:
            cmd = (pid_dir / "cmdline").read_bytes()
        except OSError:
            continue
        if b"jupyter" in cmd and (b"lab" in cmd or b"server" in cmd or b"notebook" in cmd) and b"doctor" not in cmd:
            return True
    return False


def jupyter_token() -> str | None:
    """JUPYTER_TOKEN (set by make lab), else the file the image's start script writes when it generated one."""
    if os.environ.get("JUPYTER_TOKEN"):
        return os.environ["JUPYTER_TOKEN"]
    for home in (Path.home(), Path("/home/student")):
        try:
            return (home / ".jupyter-token").read_text().strip() or None
        except OSError:
            continue
    return None


def check_jupyter(expect: str, port: int, token: str | None, result: tuple[int | None, str] | None) -> Check:
    """Jupyter's /api/status answers with the token. Without a server (expect 'no'), a neutral note, not a fail."""
    title = "Jupyter"
    data = {"port": port, "expect": expect}
    if expect == "no" or result is None:
        return Check("jupyter", OK, title, "aucun serveur Jupyter ici (normal hors de make lab) : non vérifié",
                     scope="env", data=data | {"skipped": True})
    code, body = result
    data["http_status"] = code
    if code == 200:
        started = ""
        try:
            started = f", démarré {json.loads(body).get('started', '')}"
        except (ValueError, AttributeError):
            pass
        return Check("jupyter", OK, title, f"répond sur le port {port} avec le jeton{started}", scope="env", data=data)
    if code in (401, 403):
        fix = ("le jeton est refusé : ouvrez l'adresse avec le jeton affiché par make lab (variable JUPYTER_TOKEN)"
               if token else "JUPYTER_TOKEN n'est pas défini dans ce conteneur : relancez le lab (make lab)")
        return Check("jupyter", FAIL, title, f"jeton refusé (HTTP {code})", fix, scope="env", data=data)
    if code is None and body == "refused":
        return Check("jupyter", FAIL, title, f"aucun serveur ne répond sur le port {port}",
                     "relancez le lab : make stop && make lab (et make logs en cas d'échec)", scope="env", data=data)
    return Check("jupyter", FAIL, title, f"réponse inattendue ({code or body})",
                 "relancez le lab : make stop && make lab (et make logs en cas d'échec)", scope="env", data=data)


# --------------------------------------------------------------------------------------------------- data set
def dataset_cache_file(data_home: str | None = None) -> Path:
    home = data_home or os.environ.get("SCIKIT_LEARN_DATA") or os.path.join("~", "scikit_learn_data")
    return Path(os.path.expanduser(home)) / "cal_housing_py3.pkz"


def probe_dataset() -> tuple[bool, str]:
    """lab.data.is_cached() when the course package provides it, else look for scikit-learn's cache file."""
    try:
        import lab.data as lab_data
    except Exception:
        lab_data = None
    if lab_data is not None and hasattr(lab_data, "is_cached"):
        try:
            where = str(lab_data.cache_path()) if hasattr(lab_data, "cache_path") else "lab.data.is_cached()"
            return bool(lab_data.is_cached()), where
        except Exception as e:
            return False, f"lab.data.is_cached() a échoué : {e}"
    path = dataset_cache_file()
    return path.is_file(), str(path)


def check_dataset(cached: bool, source: str, in_image: bool) -> Check:
    title = "Données California housing"
    if cached:
        return Check("dataset", OK, title, f"en cache ({source})", scope="env", data={"cached": True, "source": source})
    if in_image:
        return Check("dataset", FAIL, title, f"absentes du cache ({source}) : les exercices en ont besoin hors ligne",
                     "reconstruisez l'image : make rebuild", scope="env", data={"cached": False, "source": source})
    return Check("dataset", WARN, title, f"absentes du cache ({source})",
                 "téléchargez-les une fois : python -m lab.data (ou sklearn.datasets.fetch_california_housing())", scope="env",
                 data={"cached": False, "source": source})


# --------------------------------------------------------------------------------------------------- orchestration
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def default_lock(in_image: bool) -> Path:
    if in_image:
        return Path(os.environ.get("LAB_LOCK_FILE") or IMAGE_ROOT / "requirements.txt")
    return repo_root() / "requirements.txt"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def run_env_checks(opts) -> list[Check]:
    in_image = os.environ.get("LAB_IN_IMAGE") == "1"
    lock = Path(opts.lock) if opts.lock else default_lock(in_image)
    env_file = lock.parent / "environment.yml"
    today = opts.today or dt.date.today()
    checks = []

    running = platform.python_version()
    checks.append(check_python_pin(running, read_python_pin(_read(env_file) or ""), in_image, str(env_file)))
    checks.append(check_python_age(sys.version_info[:2], today))

    installed, duplicates = installed_distributions()
    lock_text = _read(lock)
    if lock_text is None:
        checks.append(Check("packages", FAIL, "Paquets contre le verrou", f"verrou introuvable : {lock}",
                            "indiquez-le avec --lock requirements.txt", scope="env"))
    else:
        pins, unparsed = parse_lock(lock_text)
        c = check_packages(compare_packages(pins, installed, default_marker_env()), str(lock), in_image, duplicates)
        c.details += [f"ligne ignorée : {ln}" for ln in unparsed]
        checks.append(c)
    checks.append(check_lab_package(installed, in_image))

    checks.append(check_torch_cuda(opts.expect_cuda, probe_torch(), nvidia_devices_visible(), in_image))

    port = int(os.environ.get("JUPYTER_PORT") or CONTAINER_JUPYTER_PORT) if in_image else opts.port
    expect = opts.expect_jupyter
    if expect == "auto":
        expect = "yes" if jupyter_process_running() else "no"
    token = jupyter_token()
    result = http_status(f"http://127.0.0.1:{port}/api/status", token) if expect == "yes" else None
    checks.append(check_jupyter(expect, port, token, result))

    cached, source = probe_dataset()
    checks.append(check_dataset(cached, source, in_image))
    return checks


class HostState:
    """What the host checks learned and the environment part needs."""

    def __init__(self):
        self.docker_ok = False
        self.image_present = False
        self.gpu_usable = False  # driver present, recent enough, and a container runtime for it
        self.container_running = False
        self.container_gpu = False


def docker_json(argv: list[str], timeout: float = 30):
    r = run_cmd(["docker", *argv], timeout)
    if r.rc != 0:
        return None
    try:
        return json.loads(r.stdout)
    except json.JSONDecodeError:
        return None


def image_cuda(image: str, labels: dict, lock_text: str | None) -> tuple[str | None, str | None]:
    """CUDA of the image's torch: label, else /opt/lab/image-lock/versions.json in the image, else the lock's pin."""
    if labels.get(CUDA_LABEL):
        return labels[CUDA_LABEL], f"label {CUDA_LABEL}"
    r = run_cmd(["docker", "run", "--rm", "--entrypoint", "cat", image, "/opt/lab/image-lock/versions.json"], 60)
    if r.rc == 0:
        try:
            versions = json.loads(r.stdout)
            return versions.get("torch_cuda"), "/opt/lab/image-lock/versions.json"
        except (json.JSONDecodeError, AttributeError):
            pass
    cuda = cuda_from_lock(lock_text or "")
    return cuda, ("nvidia-cuda-runtime dans requirements.txt" if cuda else None)


def run_host_checks(opts, state: HostState) -> list[Check]:
    checks = []
    docker_path = shutil.which("docker")
    info = run_cmd(["docker", "info", "--format", "{{json .}}"], 20) if docker_path else CmdResult(127)
    c, docker_info = check_docker(docker_path, info)
    checks.append(c)
    state.docker_ok = docker_info is not None
    if docker_path:
        checks.append(check_build_client(os.environ.get("DOCKER_BUILD") or "docker build"))

    lock = Path(opts.lock) if opts.lock else repo_root() / "requirements.txt"
    env_file = lock.parent / "environment.yml"
    labels: dict = {}
    if state.docker_ok:
        inspect = docker_json(["image", "inspect", opts.image])
        inspect = inspect[0] if isinstance(inspect, list) and inspect else None
        state.image_present = inspect is not None
        labels = ((inspect or {}).get("Config") or {}).get("Labels") or {}
        try:
            fingerprint = lock_fingerprint(lock.read_bytes(), env_file.read_bytes() if env_file.is_file() else None)
            mtime = max(p.stat().st_mtime for p in (lock, env_file) if p.is_file())
        except OSError:
            fingerprint, mtime = None, None
        checks.append(check_image(opts.image, inspect, fingerprint, mtime))

    version, source, notes = detect_driver()
    cuda, cuda_source = (None, None)
    if version:
        if state.image_present:
            cuda, cuda_source = image_cuda(opts.image, labels, _read(lock))
        else:
            cuda = cuda_from_lock(_read(lock) or "")
            cuda_source = "nvidia-cuda-runtime dans requirements.txt" if cuda else None
    c = check_driver(version, cuda, source, cuda_source)
    c.details += notes
    checks.append(c)
    tools = {t: shutil.which(t) for t in ("nvidia-container-runtime-hook", "nvidia-container-cli", "nvidia-ctk")}
    g = check_gpu_runtime(bool(version), docker_info, find_cdi_specs(), tools)
    checks.append(g)
    state.gpu_usable = bool(version) and c.status == OK and g.status == OK

    published: dict[str, set[int]] = {}
    if state.docker_ok:
        r = run_cmd(["docker", "ps", "--format", "{{.Names}}\t{{.Ports}}"], 20)
        published = parse_docker_ps_ports(r.stdout) if r.rc == 0 else {}
        hc = docker_json(["container", "inspect", "--format", "{{json .}}", opts.container])
        state.container_running = bool(hc and (hc.get("State") or {}).get("Running"))
        state.container_gpu = bool(hc) and container_has_gpu(hc.get("HostConfig") or {})
    bind = probe_port(opts.port)
    in_use_by_other = bind is not None and opts.container not in {n for n, p in published.items() if opts.port in p}
    checks.append(check_port(opts.port, bind, published, opts.container, suggest_port(opts.port + 1),
                             listener_process(opts.port) if in_use_by_other else None, probe_port(opts.port, "::1")))
    if state.container_running and state.gpu_usable and not state.container_gpu:
        checks.append(Check("lab-container-gpu", WARN, "GPU du conteneur du lab",
                            f"le conteneur {opts.container} a été lancé sans GPU alors que l'hôte en a un (voulu si GPU=off)",
                            "relancez-le : make stop && make lab (votre dossier de travail est conservé)"))

    root = (docker_info or {}).get("DockerRootDir") or "/var/lib/docker"
    note = ""
    if not Path(root).exists():
        root, note = str(Path.home()), " (dossier Docker hors de cet hôte, p. ex. Docker Desktop : mesure indicative)"
    try:
        checks.append(check_disk(root, shutil.disk_usage(root).free, note))
    except OSError as e:
        checks.append(Check("disk", WARN, "Espace disque", f"mesure impossible sur {root} : {e}", "vérifiez avec df -h"))
    return checks


def run_env_in_lab(opts, state: HostState) -> tuple[list[Check], dict | None]:
    """Run `doctor.py --env-only --json` in the running lab container, else in a throw-away one from the image."""
    if not state.docker_ok:
        return [Check("environment", WARN, "Environnement du lab", "non vérifié : Docker est injoignable",
                      "réparez Docker (voir plus haut) puis relancez make doctor", scope="env")], None
    expect_cuda = opts.expect_cuda
    args = ["python", IMAGE_SCRIPT, "--env-only", "--json"] + (["--today", opts.today.isoformat()] if opts.today else [])
    extra_checks = []
    if state.container_running:
        if expect_cuda == "auto":
            expect_cuda = "yes" if state.gpu_usable and state.container_gpu else "no"
        source = {"kind": "container", "name": opts.container}
        source["command"] = ["docker", "exec", opts.container, *args, "--expect-cuda", expect_cuda,
                             "--expect-jupyter", "yes"]
        r = run_cmd(source["command"], 180)
    elif state.image_present:
        use_gpu = state.gpu_usable if expect_cuda == "auto" else expect_cuda == "yes"
        source = {"kind": "image", "name": opts.image}
        base = ["docker", "run", "--rm", "--entrypoint", "python", opts.image, *args[1:], "--expect-jupyter", "no"]
        r = None
        if use_gpu:
            source["command"] = base[:3] + ["--gpus", "all"] + base[3:] + ["--expect-cuda", "yes"]
            r = run_cmd(source["command"], 300)
            if r.rc != 0 and "{" not in r.stdout:
                extra_checks.append(Check(
                    "gpu-container", FAIL, "GPU dans les conteneurs",
                    f"docker run --gpus all a échoué : {_tail(r.stderr, 2)}",
                    f"installez ou reconfigurez le NVIDIA Container Toolkit ({TOOLKIT_DOCS}) : "
                    "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker"))
                r = None
        if r is None:
            source["command"] = base + ["--expect-cuda", "no" if expect_cuda == "auto" else expect_cuda]
            r = run_cmd(source["command"], 300)
    else:
        return [Check("environment", WARN, "Environnement du lab", "non vérifié : l'image n'est pas construite",
                      "construisez-la (make build) puis relancez make doctor", scope="env")], None
    try:
        start = r.stdout.find("\n{") + 1 if not r.stdout.startswith("{") else 0
        report = json.loads(r.stdout[start:])
        checks = [Check(**{k: c.get(k) for k in ("name", "status", "title", "detail", "fix")},
                        scope="env", items=c.get("items") or [], details=c.get("details") or [],
                        data=c.get("data") or {}) for c in report["checks"]]
    except (json.JSONDecodeError, KeyError, TypeError, AssertionError):
        fix = ("reconstruisez l'image : make rebuild" if "doctor.py" in r.stderr or r.rc in (126, 127)
               else "regardez le message ci-dessus ; en dernier recours : make rebuild")
        return extra_checks + [Check("environment", FAIL, "Environnement du lab",
                                     f"le diagnostic dans {source['kind']} {source['name']} a échoué (code {r.rc}) : "
                                     f"{_tail(r.stderr, 3) or _tail(r.stdout, 3)}", fix, scope="env")], source
    return extra_checks + checks, source


# --------------------------------------------------------------------------------------------------- output
def _supports(stream, text: str) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def render(report: dict, verbose: bool, stream=sys.stdout) -> str:
    fancy = _supports(stream, "✓✗→•Â")
    glyph = {OK: "✓", WARN: "!", FAIL: "✗"} if fancy else {OK: "OK", WARN: "!", FAIL: "X"}
    color = stream.isatty() and not os.environ.get("NO_COLOR")
    paint = {OK: "\033[32m", WARN: "\033[33m", FAIL: "\033[31m"}

    def g(status):
        return f"{paint[status]}{glyph[status]}\033[0m" if color else glyph[status]

    lines = ["Diagnostic du PyTorch GPU Lab (make doctor)"]
    section = None
    src = report.get("env_source")
    for c in report["checks"]:
        scope = c.get("scope", "host")
        if scope != section:
            section = scope
            kind = {"container": "conteneur", "image": "image", "local": "Python"}.get((src or {}).get("kind"), "")
            where = f" ({kind} {src['name']})" if scope == "env" and src else ""
            lines.append("")
            lines.append("Hôte" if scope == "host" else f"Environnement{where}")
            if verbose and scope == "env" and src and src.get("command"):
                lines.append(f"    • commande : {' '.join(src['command'])}")
        lines.append(f"[{g(c['status'])}] {c['title']} : {c['detail']}")
        items = c.get("items") or []
        shown = items if verbose or len(items) <= MAX_ITEMS else items[: MAX_ITEMS - 1]
        lines += [f"    {item}" for item in shown]
        if len(shown) < len(items):
            lines.append(f"    … et {len(items) - len(shown)} autre(s) (-v pour tout voir)")
        if verbose:
            lines += [f"    • {d}" for d in c.get("details") or []]
        if c["status"] != OK and c.get("fix"):
            lines.append(f"    {'→' if fancy else '->'} Correctif : {c['fix']}")
    s = report["summary"]
    lines.append("")
    if s["fail"]:
        lines.append(f"{g(FAIL)} Le docteur a trouvé {s['fail']} problème(s) et {s['warn']} avertissement(s) "
                     f"({s['ok']}/{s['total']} vérifications OK). Appliquez les correctifs puis relancez make doctor.")
    elif s["warn"]:
        lines.append(f"{g(WARN)} Aucun problème bloquant, {s['warn']} avertissement(s) ({s['ok']}/{s['total']} OK).")
    else:
        lines.append(f"{g(OK)} Tout est en ordre ({s['total']} vérifications).")
    text = "\n".join(lines)
    if not fancy:  # an ASCII-only terminal: keep French readable (é -> e, ≥ -> >=) rather than print '?'
        import unicodedata

        for u, a in (("≥", ">="), ("≠", "!="), ("→", "->"), ("…", "..."), ("«", '"'), ("»", '"'), ("✗", "X")):
            text = text.replace(u, a)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text


def build_report(checks: list[Check], mode: str, env_source: dict | None) -> dict:
    s = summarize(checks)
    return {"schema": SCHEMA_VERSION, "mode": mode, "env_source": env_source,
            "checks": [asdict(c) for c in checks], "summary": s, "exit_status": s["exit_status"]}


def parse_args(argv):
    in_image = os.environ.get("LAB_IN_IMAGE") == "1"

    def port_type(v):
        p = int(v)
        if not 1 <= p <= 65535:
            raise argparse.ArgumentTypeError("le port doit être entre 1 et 65535")
        return p

    def date_type(v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise argparse.ArgumentTypeError("date attendue au format AAAA-MM-JJ") from None

    p = argparse.ArgumentParser(
        prog="doctor.py", description="Diagnostic du PyTorch GPU Lab (hôte puis environnement du conteneur).",
        epilog="Code de sortie : 0 sans ✗, 1 si une vérification échoue, 2 si les options sont invalides.")
    p.add_argument("--json", action="store_true", help="rapport JSON (pour les scripts et les tests)")
    p.add_argument("-v", "--verbose", action="store_true", help="afficher les détails de chaque vérification")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--host-only", action="store_true", help="seulement les vérifications de l'hôte")
    scope.add_argument("--env-only", action="store_true",
                       help="seulement l'environnement Python courant (défaut dans l'image, LAB_IN_IMAGE=1)")
    p.add_argument("--image", default=os.environ.get("IMAGE") or DEFAULT_IMAGE, help=f"image (défaut {DEFAULT_IMAGE})")
    p.add_argument("--container", default=os.environ.get("CONTAINER") or DEFAULT_CONTAINER,
                   help=f"conteneur du lab (défaut {DEFAULT_CONTAINER})")
    try:
        default_port = port_type(os.environ.get("PORT") or DEFAULT_PORT)
    except (ValueError, argparse.ArgumentTypeError):
        p.error(f"variable PORT invalide : {os.environ.get('PORT')!r}")
    p.add_argument("--port", type=port_type, default=default_port, help="port du lab sur l'hôte (défaut 8888)")
    p.add_argument("--lock", help="requirements.txt verrouillé (défaut : celui du dépôt, /opt/lab dans l'image)")
    p.add_argument("--expect-cuda", choices=("auto", "yes", "no"), default="auto",
                   help="GPU attendu dans l'environnement (auto : décidé par l'hôte)")
    p.add_argument("--expect-jupyter", choices=("auto", "yes", "no"), default="auto",
                   help="serveur Jupyter attendu (auto : oui si un processus jupyter tourne ici)")
    p.add_argument("--today", type=date_type, default=os.environ.get("LAB_DOCTOR_TODAY") or None,
                   help="date du jour AAAA-MM-JJ (tests de la règle d'âge de Python)")
    opts = p.parse_args(argv)  # string defaults (PORT, LAB_DOCTOR_TODAY) go through `type` too
    if in_image and not opts.host_only:
        opts.env_only = True
    return opts


def main(argv=None) -> int:
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    env_source = None
    if opts.env_only:
        mode, checks = "env-only", run_env_checks(opts)
        env_source = {"kind": "local", "name": sys.executable}
    else:
        state = HostState()
        checks = run_host_checks(opts, state)
        mode = "host-only"
        if not opts.host_only:
            mode = "full"
            env_checks, env_source = run_env_in_lab(opts, state)
            checks += env_checks
    report = build_report(checks, mode, env_source)
    if opts.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render(report, opts.verbose))
    return report["exit_status"]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `make doctor | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
