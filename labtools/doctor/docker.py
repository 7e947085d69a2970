"""Docker on the host: the daemon answers, the lab image is built and built from the current locks."""

from __future__ import annotations

import datetime as dt
import json
import re

from labtools import policy
from labtools.doctor.model import FAIL, OK, WARN, Check, CmdResult, tail

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
