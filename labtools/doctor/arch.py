"""The platform: which CPU architecture Docker runs natively here, which one the lab image was built for, and
what that means for the student (emulation is slow; an Apple Silicon Mac has no NVIDIA GPU: CPU only).
Windows and WSL2 get their own hint: `make` runs inside the WSL2 distribution, the repository in its Linux files."""

from __future__ import annotations

from labtools.doctor.model import NA, OK, WARN, Check

# uname / Docker / Go spellings of the same architectures -> the OCI name used in `linux/<arch>`.
ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "x64": "amd64", "aarch64": "arm64", "arm64": "arm64",
              "armv8": "arm64", "armv8l": "arm64"}
WINDOWS_FIX = ("ouvrez votre distribution WSL2 (Ubuntu) et lancez make lab dans son terminal, avec le dépôt cloné "
               "dans son système de fichiers Linux (cd ~ && git clone …), pas sous /mnt/c ; Docker Desktop : "
               "Settings > Resources > WSL integration activée pour cette distribution")
WSL_MOUNT_FIX = ("clonez le dépôt dans le système de fichiers Linux de WSL2 (cd ~ && git clone …) et lancez make "
                 "lab depuis là : sous /mnt/c, chaque accès aux fichiers traverse Windows (lent, droits faux)")
REBUILD_NATIVE_FIX = ("reconstruisez l'image pour cette machine : make rebuild (la plateforme native est la valeur "
                      "par défaut de PLATFORM ; votre dossier de travail n'est pas touché)")


def oci_arch(name: str | None) -> str | None:
    """'aarch64', 'arm64', 'x86_64', 'amd64' -> 'arm64' / 'amd64'; other names as given, lower case."""
    if not name:
        return None
    return ARCH_NAMES.get(name.strip().lower(), name.strip().lower())


def is_wsl(kernel_release: str) -> bool:
    """WSL2's kernel release ends in '-microsoft-standard-WSL2' (WSL1: '-Microsoft')."""
    return "microsoft" in (kernel_release or "").lower()


def cpu_only(host_os: str, daemon_arch: str | None, nvidia_driver: bool) -> bool:
    """No NVIDIA path at all: Docker Desktop on a Mac (no GPU in its Linux VM), or arm64 without an NVIDIA driver.
    (arm64 Linux servers with NVIDIA GPUs, Grace Hopper say, do have one: PyPI's aarch64 torch is CUDA-enabled.)"""
    return host_os == "darwin" or (oci_arch(daemon_arch) == "arm64" and not nvidia_driver)


def check_arch(host_os: str, host_machine: str, daemon_arch: str | None, image_os: str | None,
               image_arch: str | None, nvidia_driver: bool = False, kernel_release: str = "",
               repo_path: str = "") -> Check:
    """Host platform vs image platform: native, or emulated (warn: slow, and why); CPU only said once, here."""
    title = "Plateforme"
    host = f"linux/{oci_arch(daemon_arch or host_machine)}"
    image = f"{image_os or 'linux'}/{oci_arch(image_arch)}" if image_arch else None
    data = {"host_os": host_os, "host_machine": host_machine, "host_platform": host, "image_platform": image,
            "cpu_only": cpu_only(host_os, daemon_arch or host_machine, nvidia_driver)}
    details = [f"système de l'hôte : {host_os} {host_machine}", f"Docker exécute nativement : {host}"]
    if host_os == "win32":
        return Check("arch", WARN, title, "Windows : make et le lab se lancent depuis WSL2, pas depuis Windows",
                     WINDOWS_FIX, details=details, data=data)
    if is_wsl(kernel_release) and repo_path.startswith("/mnt/"):
        return Check("arch", WARN, title, f"WSL2, mais le dépôt est sur le disque Windows ({repo_path})",
                     WSL_MOUNT_FIX, details=details, data=data)
    cpu_note = ""
    if data["cpu_only"]:
        why = "Docker sur Mac n'a pas accès au GPU" if host_os == "darwin" else "pas de GPU NVIDIA sur cette machine"
        cpu_note = f" ; CPU uniquement ({why}) : le cours fonctionne, plus lentement"
    if image is None:
        return Check("arch", OK, title, f"{host} ; l'image, pas encore construite, le sera pour {host}{cpu_note}",
                     details=details, data=data)
    if image != host:
        return Check("arch", WARN, title,
                     f"image {image} sur un hôte {host} : elle tourne sous émulation (QEMU / Rosetta), plusieurs "
                     f"fois plus lentement, torch compris, parce qu'elle a été construite pour une autre "
                     f"plateforme (PLATFORM={image} ou image copiée d'une autre machine){cpu_note}",
                     REBUILD_NATIVE_FIX, details=details, data=data)
    return Check("arch", OK, title, f"{host}, image native{cpu_note}", details=details, data=data)


def not_applicable(name: str, title: str, data: dict | None = None) -> Check:
    """An NVIDIA check on a CPU-only platform: said once by the platform check, not failed here."""
    return Check(name, NA, title, "sans objet sur cette plateforme (CPU uniquement, voir « Plateforme »)",
                 data=data or {})
