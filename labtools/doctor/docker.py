"""Docker on the host: the daemon answers, the build client can build, the lab image is built from the current locks.

`python -S -m labtools.doctor.docker build-client-problem` is `make build`'s preflight of the build client (DOCKER_BUILD
from the environment): the doctor's rule, in one French line, nothing when the client can build.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys

from labtools import policy
from labtools.doctor.model import FAIL, OK, WARN, Check, CmdResult, run_cmd, tail

DOCKER_DOCS = "https://docs.docker.com/engine/install/"


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


def check_docker(docker_path: str | None, info: CmdResult) -> Check:
    """Docker installed and its daemon answering `docker info` (data["info"]: the parsed answer, when it answers)."""
    title = "Docker"
    if not docker_path:
        return Check("docker", FAIL, title, "la commande docker est introuvable",
                     f"installez Docker Engine : {DOCKER_DOCS}")
    if info.rc == 124:
        return Check("docker", FAIL, title, "le démon Docker ne répond pas (docker info bloqué)",
                     "redémarrez Docker : sudo systemctl restart docker")
    parsed = parse_docker_info(info.stdout) if info.stdout.strip() else {}
    errors = parsed.get("ServerErrors") or []
    if info.rc != 0 or errors or not parsed.get("ServerVersion"):
        message = tail(info.stderr) or " ".join(errors) or "docker info a échoué"
        return Check("docker", FAIL, title, f"démon Docker injoignable : {message}",
                     _docker_unreachable_fix(message), details=[f"docker : {docker_path}"])
    client = (parsed.get("ClientInfo") or {}).get("Version")
    detail = f"démon {parsed['ServerVersion']} joignable" + (f" (client {client})" if client else "")
    return Check("docker", OK, title, detail, details=[f"docker : {docker_path}",
                 f"runtimes : {', '.join(sorted(parsed.get('Runtimes') or {})) or '?'}"],
                 data={"server_version": parsed["ServerVersion"]})


# ------------------------------------------------------------------------------------------ build client
# From Docker CLI 23, `docker build` is buildx (docker-buildx-plugin); before, BuildKit was built in.
BUILDX_CLIENT_MAJOR = 23


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


def build_client_facts(docker_build: str, run=run_cmd, which=shutil.which, clients=docker_clients) -> dict:
    """What `check_build_client` decides on: the client DOCKER_BUILD names, whether it builds, another that does."""
    words = docker_build.split() or ["docker"]
    facts = {"docker_build": docker_build, "client": None, "can_build": False, "how": "", "alternative": None}
    if os.path.basename(words[0]) != "docker":
        return dict(facts, client="other")
    client = which(words[0])
    if not client:
        return facts
    can_build, how = client_can_build(client, run, needs_plugin=words[1:2] == ["buildx"])
    alternative = None
    if not can_build:
        alternative = next((c for c in clients() if os.path.realpath(c) != os.path.realpath(client)
                            and client_can_build(c, run)[0]), None)
    return dict(facts, client=client, can_build=can_build, how=how, alternative=alternative)


def check_build_client(docker_build: str, client: str | None, can_build: bool, how: str,
                       alternative: str | None) -> Check:
    """The command `make build` runs (DOCKER_BUILD) can build the image: names a missing buildx plugin and the fix."""
    title = "Construction de l'image (BuildKit)"
    data = {"docker_build": docker_build, "client": client}
    if client == "other":
        return Check("buildx", OK, title, f"DOCKER_BUILD={docker_build!r} : client non Docker, non vérifié",
                     data={"docker_build": docker_build})
    if not client:
        command = (docker_build.split() or ["docker"])[0]
        return Check("buildx", FAIL, title, f"DOCKER_BUILD={docker_build!r} : {command} est introuvable",
                     f"installez Docker Engine : {DOCKER_DOCS}", data={"docker_build": docker_build})
    if can_build:
        return Check("buildx", OK, title, f"{docker_build} : {how}", data=data)
    fix = "installez le plugin : sudo apt-get install docker-buildx-plugin (Docker Desktop l'inclut)"
    if alternative:
        fix += f' ; ou, sans rien installer : make lab DOCKER_BUILD="{alternative} build"'
        data["alternative"] = alternative
    return Check("buildx", FAIL, title,
                 f"{client} ({how}) : « {docker_build} » échouera, make lab ne peut pas construire l'image",
                 fix, data=data)


def build_client_problem(docker_build: str, client: str | None, can_build: bool, how: str,
                         alternative: str | None) -> str:
    """`make build`'s preflight line for the build client (check_build_client's verdict), '' when it can build."""
    check = check_build_client(docker_build, client, can_build, how, alternative)
    if check.status == OK:
        return ""
    if not client:
        command = (docker_build.split() or ["docker"])[0]
        return f"DOCKER_BUILD=« {docker_build} » : la commande {command} est introuvable ; {check.fix}."
    return (f"le client Docker {client} n'a pas le plugin buildx, dont « {docker_build} » a besoin pour construire "
            f"l'image ; {check.fix}.")


def parse_docker_time(value: str) -> dt.datetime | None:
    """Docker's RFC 3339 timestamps carry nanoseconds, which fromisoformat() rejects before 3.11's stricter forms."""
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$", (value or "").strip())
    if not m:
        return None
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    tz = m.group(3) or "Z"
    tz = "+00:00" if tz == "Z" else tz
    return dt.datetime.fromisoformat(f"{m.group(1)}.{frac}{tz}")


def check_image(image: str, inspect: dict | None, fingerprint: str | None, lock_mtime: float | None,
                docker_ok: bool = True) -> Check:
    """Image built, and built from the current locks (label hash when present, else creation time vs lock mtime)."""
    title = "Image du lab"
    if not docker_ok:
        return Check("image", WARN, title, "non vérifiée : Docker est injoignable",
                     "réparez Docker (voir plus haut) puis relancez make doctor")
    if inspect is None:
        return Check("image", FAIL, title, f"l'image {image} n'est pas construite",
                     "construisez-la : make build")
    labels = ((inspect.get("Config") or {}).get("Labels")) or {}
    created = parse_docker_time(inspect.get("Created", ""))
    size = inspect.get("Size")
    details = [f"créée : {inspect.get('Created', '?')}"]
    if size:
        details.append(f"taille : {size / 1e9:.1f} Go")
    data = {"created": inspect.get("Created"), "size": size, "label_sha256": labels.get(policy.LOCK_LABEL)}
    label = labels.get(policy.LOCK_LABEL)
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


def main(argv: list[str]) -> int:
    if argv == ["build-client-problem"]:
        line = build_client_problem(**build_client_facts(os.environ.get("DOCKER_BUILD") or "docker build"))
        if line:
            print(line)
        return 0
    print("usage: python -S -m labtools.doctor.docker build-client-problem", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
