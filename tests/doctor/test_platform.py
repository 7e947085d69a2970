"""The doctor's platform check, fed with what Docker really answers: `docker info` of Docker Desktop on an
Apple Silicon Mac and of Docker Engine on a Linux PC, `docker image inspect` of images built for each platform.
Both outcomes: native (one plain "CPU uniquement" on arm64, the NVIDIA checks not applicable) and emulated (warn)."""
import json

from labtools.doctor import arch, docker, gpu, model, render

# The parts of `docker info --format '{{json .}}'` the check reads, as each daemon prints them.
INFO_MAC_M3 = json.loads('{"ServerVersion": "28.3.2", "OSType": "linux", "Architecture": "aarch64", '
                         '"OperatingSystem": "Docker Desktop", "KernelVersion": "6.10.14-linuxkit", '
                         '"Runtimes": {"runc": {"path": "runc"}}}')
INFO_LINUX_PC = json.loads('{"ServerVersion": "28.2.2", "OSType": "linux", "Architecture": "x86_64", '
                           '"OperatingSystem": "Ubuntu 24.04.3 LTS", "Runtimes": {"runc": {"path": "runc"}}}')
# `docker image inspect` (first element): an image built on the Mac with PLATFORM=linux/amd64, and a native one.
IMAGE_AMD64 = {"Architecture": "amd64", "Os": "linux", "Size": 6550000000}
IMAGE_ARM64 = {"Architecture": "arm64", "Os": "linux", "Variant": "v8", "Size": 5100000000}


def platform_check(host_os, machine, info, image, driver=False, kernel="", repo="/home/eleve/pytorch-gpu-lab"):
    parsed = docker.parse_docker_info(json.dumps(info))
    return arch.check_arch(host_os, machine, parsed.get("Architecture"), (image or {}).get("Os"),
                           (image or {}).get("Architecture"), driver, kernel, repo)


def test_apple_silicon_with_an_amd64_image_warns_in_french_about_emulation():
    c = platform_check("darwin", "arm64", INFO_MAC_M3, IMAGE_AMD64)
    assert c.status == "warn" and c.name == "arch"
    assert "image linux/amd64 sur un hôte linux/arm64" in c.detail and "émulation" in c.detail
    assert "plus lentement" in c.detail and "autre plateforme" in c.detail  # slow, and why
    assert "make rebuild" in c.fix
    assert c.data["cpu_only"] is True


def test_apple_silicon_native_says_cpu_only_once_and_the_nvidia_checks_do_not_apply():
    c = platform_check("darwin", "arm64", INFO_MAC_M3, IMAGE_ARM64)
    assert c.status == "ok" and c.detail.startswith("linux/arm64, image native ; CPU uniquement")
    assert "Docker sur Mac n'a pas accès au GPU" in c.detail
    cpu_only = c.data["cpu_only"]
    checks = [c, gpu.check_driver(None, "13.0", cpu_only=cpu_only),
              gpu.check_gpu_runtime(False, INFO_MAC_M3["Runtimes"], [], {}, cpu_only=cpu_only),
              gpu.check_container_gpu(True, False, False, "pytorch-lab", cpu_only=cpu_only)]
    assert [x.status for x in checks[1:]] == ["na"] * 3
    report = model.build_report(checks, "host-only", None)
    assert report["exit_status"] == 0 and report["summary"]["na"] == 3
    text = render.render(report, verbose=False)
    assert text.count("CPU uniquement") == 1  # said once, plainly, by the platform line
    assert "[–] Sans objet sur cette plateforme : Pilote NVIDIA, GPU dans les conteneurs, GPU du conteneur" in text
    assert "mode CPU" not in text and "✗" not in text
    assert gpu.gpu_decision(checks[1], checks[2])[0] is False  # make lab starts it without --gpus


def test_linux_pc_native_and_amd64_keep_their_nvidia_checks():
    c = platform_check("linux", "x86_64", INFO_LINUX_PC, IMAGE_AMD64)
    assert c.status == "ok" and c.detail == "linux/amd64, image native" and c.data["cpu_only"] is False
    assert gpu.check_driver(None, "13.0", cpu_only=False).status == "ok"  # CPU mode, said by the driver check


def test_amd64_pc_with_an_arm64_image_warns_too():
    c = platform_check("linux", "x86_64", INFO_LINUX_PC, IMAGE_ARM64)
    assert c.status == "warn" and "image linux/arm64 sur un hôte linux/amd64" in c.detail


def test_arm64_linux_with_an_nvidia_driver_is_not_cpu_only():
    """Grace Hopper and other arm64 GPU servers: PyPI's aarch64 torch uses CUDA there, the NVIDIA checks apply."""
    c = platform_check("linux", "aarch64", dict(INFO_MAC_M3, OperatingSystem="Ubuntu 24.04"), IMAGE_ARM64, True)
    assert c.status == "ok" and "CPU" not in c.detail and c.data["cpu_only"] is False


def test_image_not_built_yet_says_which_platform_the_build_will_target():
    c = platform_check("darwin", "arm64", INFO_MAC_M3, None)
    assert c.status == "ok" and "le sera pour linux/arm64" in c.detail


def test_docker_unreachable_falls_back_on_the_host_machine():
    c = arch.check_arch("darwin", "arm64", None, None, None)
    assert c.data["host_platform"] == "linux/arm64" and c.data["cpu_only"] is True


def test_windows_and_wsl2_hints_say_where_to_run_make():
    c = arch.check_arch("win32", "AMD64", None, None, None)
    assert c.status == "warn" and "WSL2" in c.detail and "lancez make lab dans son terminal" in c.fix
    kernel = "5.15.167.4-microsoft-standard-WSL2"
    on_c = arch.check_arch("linux", "x86_64", "x86_64", "linux", "amd64", False, kernel, "/mnt/c/Users/eleve/lab")
    assert on_c.status == "warn" and "/mnt/c/Users/eleve/lab" in on_c.detail and "cd ~ && git clone" in on_c.fix
    at_home = arch.check_arch("linux", "x86_64", "x86_64", "linux", "amd64", False, kernel, "/home/eleve/lab")
    assert at_home.status == "ok"
