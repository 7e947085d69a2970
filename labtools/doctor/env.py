"""The lab's Python environment, checked from inside it (the image, or any Python with --env-only): the Python
pin and course rule 1, the packages against the hashed lock, the course package, torch and CUDA, Jupyter, the data.
`EnvFacts` reads the environment once; ENV_CHECKS pairs each named check with its pure decision."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from functools import cached_property
from pathlib import Path

from labtools import datasets, jupyter, policy
from labtools.doctor.model import FAIL, OK, WARN, Check, CheckSpec, read_text

IMAGE_ROOT = Path("/opt/lab")
CONTAINER_JUPYTER_PORT = 8888


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


def check_python_age(version: tuple[int, int], today: dt.date) -> Check:
    """Course rule 1: not the newest Python (< ~6 months), not one older than ~2 years or past end of life."""
    title = "Âge de Python (règle 1)"
    name = f"{version[0]}.{version[1]}"
    good = policy.recommended_pythons(today)
    advice = ("règle 1 du cours : restez sur une version sortie il y a 6 mois à 2 ans"
              + (f" (aujourd'hui : Python {' ou '.join(good)})" if good else ""))
    data = {"version": name, "today": today.isoformat(), "recommended": good}
    info = policy.PYTHON_RELEASES.get(tuple(version))
    if info is None:
        newest = max(policy.PYTHON_RELEASES)
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
    if age < policy.RULE1_MIN_AGE_DAYS:
        return Check("python-age", WARN, title,
                     f"Python {name} est trop récente (sortie le {released}, il y a {age} jours)", advice,
                     scope="env", data=data)
    if today >= eol:
        return Check("python-age", WARN, title, f"Python {name} est en fin de vie depuis le {eol}", advice,
                     scope="env", data=data)
    if age > policy.RULE1_MAX_AGE_DAYS:
        return Check("python-age", WARN, title,
                     f"Python {name} est ancienne (sortie le {released}, il y a {age // 365} ans)", advice,
                     scope="env", data=data)
    return Check("python-age", OK, title, f"Python {name} sortie le {released} ({age // 30} mois) : ni trop récente "
                 "ni trop ancienne", scope="env", data=data)


def installed_distributions() -> tuple[dict[str, str], dict[str, list[str]]]:
    """{normalized name: version} of this interpreter's distributions, and names installed twice (broken state)."""
    from importlib import metadata

    found: dict[str, list[str]] = {}
    for d in metadata.distributions():
        name = d.metadata["Name"] if d.metadata else None
        if name:
            found.setdefault(policy.normalize_name(name), []).append(d.version)
    return {n: v[0] for n, v in found.items()}, {n: v for n, v in found.items() if len(v) > 1}


def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f", … (+{len(names) - limit})" if len(names) > limit else "")


def check_packages(result: dict | None, lock_path: str, in_image: bool, duplicates: dict | None = None,
                   unparsed: tuple[str, ...] = ()) -> Check:
    """Missing or different versions fail (the lab is no longer the locked one); extra packages only warn."""
    title = "Paquets contre le verrou"
    if result is None:
        return Check("packages", FAIL, title, f"verrou introuvable : {lock_path}",
                     "indiquez-le avec --lock requirements.txt", scope="env")
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
    details = [f"ligne ignorée : {line}" for line in unparsed]
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
        return Check("packages", FAIL, title, " ; ".join(parts), fix, scope="env", items=items, details=details,
                     data=data)
    if extra:
        return Check("packages", WARN, title,
                     f"{result['expected']} paquets conformes, {len(extra)} en trop : {_names([n for n, _ in extra])}",
                     fix, scope="env", items=items, details=details, data=data)
    return Check("packages", OK, title, f"{result['expected']} paquets conformes au verrou", scope="env",
                 details=details, data=data)


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
def probe_dataset() -> tuple[bool, str]:
    """Is California housing in scikit-learn's cache (labtools.datasets, the rule lab.data uses), and where."""
    path = datasets.california_cache()
    return path.is_file(), str(path)


def check_dataset(cached: bool, source: str, in_image: bool) -> Check:
    title = "Données California housing"
    if cached:
        return Check("dataset", OK, title, f"en cache ({source})", scope="env", data={"cached": True, "source": source})
    if in_image:
        return Check("dataset", FAIL, title, f"absentes du cache ({source}) : les exercices en ont besoin hors ligne",
                     "reconstruisez l'image : make rebuild", scope="env", data={"cached": False, "source": source})
    return Check("dataset", WARN, title, f"absentes du cache ({source})",
                 "téléchargez-les une fois : python -m lab.data (ou sklearn.datasets.fetch_california_housing())",
                 scope="env",
                 data={"cached": False, "source": source})


# ------------------------------------------------------------------------------------------ facts and checks

class EnvFacts:
    """What the environment checks read about this interpreter. Nothing here decides anything."""

    def __init__(self, lock: str | None = None, today: dt.date | None = None, expect_cuda: str = "auto",
                 expect_jupyter: str = "auto", port: int = CONTAINER_JUPYTER_PORT):
        self.in_image = os.environ.get("LAB_IN_IMAGE") == "1"
        if lock:
            self.lock = Path(lock)
        elif self.in_image:
            self.lock = Path(os.environ.get("LAB_LOCK_FILE") or IMAGE_ROOT / "requirements.txt")
        else:
            self.lock = Path(__file__).resolve().parents[2] / "requirements.txt"
        self.env_file = self.lock.parent / "environment.yml"
        self.today = today or dt.date.today()
        self.expect_cuda = expect_cuda
        self.port = int(os.environ.get("JUPYTER_PORT") or CONTAINER_JUPYTER_PORT) if self.in_image else port
        self._expect_jupyter = expect_jupyter

    @cached_property
    def distributions(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        return installed_distributions()

    @cached_property
    def lock_pins(self) -> tuple[list[policy.Pin], list[str]] | None:
        text = read_text(self.lock)
        return None if text is None else policy.parse_lock(text)

    @cached_property
    def expect_jupyter(self) -> str:
        if self._expect_jupyter == "auto":
            return "yes" if jupyter_process_running() else "no"
        return self._expect_jupyter

    def jupyter_facts(self) -> dict:
        token = jupyter.token()
        result = jupyter.api_status(self.port, token) if self.expect_jupyter == "yes" else None
        return {"expect": self.expect_jupyter, "port": self.port, "token": token, "result": result}

    def package_facts(self) -> dict:
        installed, duplicates = self.distributions
        facts = {"lock_path": str(self.lock), "in_image": self.in_image, "duplicates": duplicates}
        if self.lock_pins is None:
            return dict(facts, result=None)
        pins, unparsed = self.lock_pins
        return dict(facts, result=policy.compare_with_lock(pins, installed), unparsed=tuple(unparsed))


def _dataset_facts(f: EnvFacts) -> dict:
    cached, source = probe_dataset()
    return {"cached": cached, "source": source, "in_image": f.in_image}


ENV_CHECKS = [
    CheckSpec("python-pin", "env", "Python = la version épinglée dans environment.yml",
              lambda f: {"running": platform.python_version(), "pin": policy.python_pin(read_text(f.env_file) or ""),
                         "in_image": f.in_image, "env_file": str(f.env_file)}, check_python_pin),
    CheckSpec("python-age", "env", "règle 1 du cours : une version de Python ni trop récente ni trop ancienne",
              lambda f: {"version": sys.version_info[:2], "today": f.today}, check_python_age),
    CheckSpec("packages", "env", "paquets installés = verrou requirements.txt", EnvFacts.package_facts,
              check_packages),
    CheckSpec("lab-package", "env", "le paquet du cours (lab) est installé",
              lambda f: {"installed": f.distributions[0], "in_image": f.in_image}, check_lab_package),
    CheckSpec("torch-cuda", "env", "torch s'importe et voit le GPU quand il le doit",
              lambda f: {"expect": f.expect_cuda, "info": probe_torch(), "devices_visible": nvidia_devices_visible(),
                         "in_image": f.in_image}, check_torch_cuda),
    CheckSpec("jupyter", "env", "Jupyter répond avec le jeton", EnvFacts.jupyter_facts, check_jupyter),
    CheckSpec("dataset", "env", "données California housing en cache (hors ligne)", _dataset_facts, check_dataset),
]
