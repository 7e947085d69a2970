"""GPU on the host: which NVIDIA driver, is it recent enough for the image's CUDA (labtools.policy's table), can
containers get the GPU (NVIDIA Container Toolkit). `make lab` asks the same question through `gpu_decision`."""

from __future__ import annotations

import re
from pathlib import Path

from labtools import policy
from labtools.doctor.arch import not_applicable
from labtools.doctor.model import FAIL, OK, WARN, Check, CmdResult, run_cmd, tail

TOOLKIT_DOCS = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"
DRIVER_DOCS = "https://www.nvidia.com/Download/index.aspx"
TOOLKIT_FIX = (f"installez le NVIDIA Container Toolkit ({TOOLKIT_DOCS}), puis "
               "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker")
TOOLKIT_TOOLS = ("nvidia-container-runtime-hook", "nvidia-container-cli", "nvidia-ctk")


# ------------------------------------------------------------------------------------------ facts
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


def driver_from_nvml(nvml=None) -> tuple[str | None, str]:
    """(version, note) from nvidia-ml-py; the note says why there is none (module absent, NVML error)."""
    if nvml is None:
        try:
            import pynvml as nvml  # nvidia-ml-py
        except ImportError:
            return None, "nvidia-ml-py : module absent"
    try:
        nvml.nvmlInit()
        try:
            version = nvml.nvmlSystemGetDriverVersion()
        finally:
            nvml.nvmlShutdown()
    except Exception as error:  # NVMLError_LibraryNotFound / DriverNotLoaded / anything from a broken driver
        return None, f"nvidia-ml-py : {type(error).__name__}"
    return (version.decode() if isinstance(version, bytes) else str(version)), "nvidia-ml-py"


def smi_driver() -> CmdResult:
    return run_cmd(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"], 20)


def detect_driver(nvml=driver_from_nvml, proc_path: str = "/proc/driver/nvidia/version", smi=smi_driver
                  ) -> tuple[str | None, str | None, list[str]]:
    """Driver version from nvidia-ml-py, else /proc/driver/nvidia/version, else nvidia-smi: (version, source, notes)."""
    version, note = nvml()
    if version:
        return version, "nvidia-ml-py", []
    notes = [note]
    try:
        version = parse_proc_driver_version(Path(proc_path).read_text(errors="replace"))
    except OSError:
        version = None
    if version:
        return version, proc_path, notes
    notes.append(f"{proc_path} : absent")
    r = smi()
    version = parse_nvidia_smi(r.stdout) if r.rc == 0 else None
    if version:
        return version, "nvidia-smi", notes
    notes.append(f"nvidia-smi : {tail(r.stderr, 1) or 'pas de version'}")
    return None, None, notes


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


def image_cuda(labels: dict, lock_text: str | None) -> tuple[str | None, str | None]:
    """CUDA of the image: its label (set by the Dockerfile), else the repository lock's runtime pin."""
    if labels.get(policy.CUDA_LABEL):
        return labels[policy.CUDA_LABEL], f"label {policy.CUDA_LABEL}"
    cuda = policy.cuda_from_lock(lock_text or "")
    return cuda, ("nvidia-cuda-runtime dans requirements.txt" if cuda else None)


# ------------------------------------------------------------------------------------------ decisions
def check_driver(version: str | None, cuda: str | None, source: str | None = None, cuda_source: str | None = None,
                 notes: tuple[str, ...] = (), cpu_only: bool = False) -> Check:
    """Driver branch against the CUDA major of the image's torch. No NVIDIA driver at all is CPU mode, not an error;
    on a CPU-only platform (arch.cpu_only) the check does not apply."""
    title = "Pilote NVIDIA"
    if cpu_only:
        return not_applicable("nvidia-driver", title, {"gpu": False, "version": None, "cuda": cuda, "cpu_mode": True})
    details = [f"version lue via {source}"] if source else []
    details += list(notes)
    if not version:
        return Check("nvidia-driver", OK, title,
                     "aucun GPU NVIDIA détecté : le lab tournera en mode CPU (le cours fonctionne, plus lentement)",
                     details=details, data={"gpu": False, "version": None, "cuda": cuda, "cpu_mode": True})
    data = {"gpu": True, "version": version, "source": source, "cuda": cuda, "cuda_source": cuda_source}
    branch = policy.driver_branch(version)
    if branch is None:
        return Check("nvidia-driver", WARN, title, f"version du pilote illisible : {version!r}",
                     "vérifiez le pilote avec nvidia-smi", details=details, data=data)
    if not cuda:
        return Check("nvidia-driver", OK, title, f"pilote {version} (torch de l'image sans CUDA ou CUDA inconnue)",
                     details=details, data=data)
    need = policy.min_driver_for_cuda(cuda)
    details.append(f"CUDA {cuda} lue dans {cuda_source or '?'}")
    data["required"] = need
    if need is None:
        return Check("nvidia-driver", WARN, title, f"pilote {version}, CUDA {cuda} absente de la table des pilotes",
                     f"vérifiez la compatibilité : {policy.CUDA_COMPATIBILITY_DOCS}", details=details, data=data)
    if branch < need:
        return Check("nvidia-driver", FAIL, title,
                     f"pilote {version} trop ancien pour CUDA {cuda} de torch (il faut ≥ {need})",
                     f"installez un pilote NVIDIA ≥ {need} (Ubuntu : sudo ubuntu-drivers install nvidia:{need} ; "
                     f"sinon {DRIVER_DOCS}) puis redémarrez la machine ; en attendant le lab tourne en mode CPU",
                     details=details, data=data)
    return Check("nvidia-driver", OK, title, f"pilote {version} compatible avec CUDA {cuda} (≥ {need})",
                 details=details, data=data)


def check_gpu_runtime(driver_present: bool, runtimes: dict, cdi_specs: list[str], tools: dict[str, str | None],
                      cpu_only: bool = False) -> Check:
    """Can containers get the GPU: nvidia runtime in Docker, a CDI spec, or the container toolkit's hook/CLI."""
    title = "GPU dans les conteneurs"
    if cpu_only:
        return not_applicable("gpu-runtime", title)
    if not driver_present:
        return Check("gpu-runtime", OK, title, "sans objet (pas de GPU NVIDIA : mode CPU)", data={"usable": False})
    found = ["runtime Docker « nvidia »"] if "nvidia" in (runtimes or {}) else []
    found += [f"spécification CDI {p}" for p in cdi_specs]
    found += [f"{name} ({path})" for name, path in tools.items() if path]
    if found:
        return Check("gpu-runtime", OK, title, "NVIDIA Container Toolkit présent : " + found[0],
                     details=found, data={"usable": True, "found": found})
    return Check("gpu-runtime", FAIL, title, "NVIDIA Container Toolkit introuvable : docker run --gpus échouera",
                 TOOLKIT_FIX, data={"usable": False})


def gpu_decision(driver: Check, runtime: Check) -> tuple[bool, str]:
    """Whether `make lab` passes --gpus, and if not why (French): the driver and toolkit checks both pass."""
    if not driver.data.get("gpu"):
        return False, "aucun pilote NVIDIA sur cet hôte"
    if driver.status is not OK:
        return False, driver.detail
    if runtime.status is not OK:
        return False, runtime.detail
    return True, driver.detail


def check_container_gpu(running: bool, container_gpu: bool, gpu_usable: bool, container: str,
                        cpu_only: bool = False) -> Check:
    """The running lab container got the GPU when the host can give it one."""
    title = "GPU du conteneur du lab"
    if cpu_only:
        return not_applicable("lab-container-gpu", title)
    if not running:
        return Check("lab-container-gpu", OK, title, f"sans objet : le conteneur {container} ne tourne pas")
    if container_gpu:
        return Check("lab-container-gpu", OK, title, f"le conteneur {container} a accès au GPU")
    if not gpu_usable:
        return Check("lab-container-gpu", OK, title, f"le conteneur {container} tourne en mode CPU (pas de GPU utilisable)")
    return Check("lab-container-gpu", WARN, title,
                 f"le conteneur {container} a été lancé sans GPU alors que l'hôte en a un (voulu si GPU=off)",
                 "relancez-le : make stop && make lab (votre dossier de travail est conservé)")


def container_has_gpu(host_config: dict) -> bool:
    """`docker inspect` HostConfig of a container started with --gpus, --runtime=nvidia or a CDI nvidia device."""
    for req in host_config.get("DeviceRequests") or []:
        caps = [c for group in (req.get("Capabilities") or []) for c in group]
        if "gpu" in caps or req.get("Driver") == "nvidia" or any("nvidia.com/gpu" in d for d in req.get("DeviceIDs") or []):
            return True
    return host_config.get("Runtime") == "nvidia"
