"""Host checks of the doctor: each decision fed with the raw inputs it reads in real life (driver strings in the
nvml / /proc / nvidia-smi formats, `docker info` output, a port held by a real listening socket)."""
import datetime as dt
import errno
import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from labtools import policy
from labtools.doctor import docker, gpu, model, system

REPO = Path(__file__).resolve().parents[2]

PROC_PROPRIETARY_575 = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  575.57.08  Sat May 24 07:21:28 UTC 2025\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n")
PROC_OPEN_580 = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  "
    "(dvs-builder@U16-I3-B03-4-3)  Tue Jul 15 22:50:23 UTC 2025\n"
    "GCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04)\n")
SMI_QUERY = "580.82.07\n580.82.07\n"
SMI_BANNER = """+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 575.57.08              Driver Version: 575.57.08      CUDA Version: 12.9     |
|-----------------------------------------+------------------------+----------------------+
"""


# ------------------------------------------------------------------------------------------------ driver
def test_driver_strings_in_each_format():
    assert gpu.parse_proc_driver_version(PROC_PROPRIETARY_575) == "575.57.08"
    assert gpu.parse_proc_driver_version(PROC_OPEN_580) == "580.65.06"
    assert gpu.parse_proc_driver_version("garbage") is None
    assert gpu.parse_nvidia_smi(SMI_QUERY) == "580.82.07"
    assert gpu.parse_nvidia_smi(SMI_BANNER) == "575.57.08"
    assert gpu.parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the driver") is None


def test_driver_575_with_cuda13_image_fails_with_the_driver_to_install():
    c = gpu.check_driver("575.57.08", "13.0", "nvidia-ml-py", "versions.json")
    assert c.status == "fail"
    assert "575.57.08" in c.detail and "13.0" in c.detail and "580" in c.detail
    assert "≥ 580" in c.fix and "nvidia:580" in c.fix


def test_driver_580_with_cuda13_image_is_ok():
    c = gpu.check_driver("580.65.06", "13.0", "/proc/driver/nvidia/version", "label")
    assert c.status == "ok" and c.fix is None
    assert c.data["required"] == 580


def test_cuda12_needs_525():
    assert gpu.check_driver("520.61.05", "12.8", "nvidia-smi").status == "fail"
    assert gpu.check_driver("525.60.13", "12.8", "nvidia-smi").status == "ok"


def test_no_nvidia_is_a_cpu_mode_note_not_an_error():
    c = gpu.check_driver(None, "13.0")
    assert c.status == "ok"
    assert "mode CPU" in c.detail and c.data["cpu_mode"] is True
    assert gpu.check_gpu_runtime(False, {"runc": {}}, [], {}).status == "ok"


def test_detect_driver_falls_back_nvml_then_proc_then_smi(tmp_path):
    proc = tmp_path / "version"
    proc.write_text(PROC_PROPRIETARY_575)
    missing = str(tmp_path / "absent")
    def no_smi():
        return model.CmdResult(127, "", "nvidia-smi: commande introuvable")

    def no_nvml():
        return None, "nvidia-ml-py : module absent"

    assert gpu.detect_driver(lambda: ("580.95.05", "nvidia-ml-py"), str(proc), no_smi)[:2] == ("580.95.05",
                                                                                                "nvidia-ml-py")
    assert gpu.detect_driver(no_nvml, str(proc), no_smi)[:2] == ("575.57.08", str(proc))
    assert gpu.detect_driver(no_nvml, missing, lambda: model.CmdResult(0, SMI_QUERY, ""))[:2] == ("580.82.07",
                                                                                                   "nvidia-smi")
    version, source, notes = gpu.detect_driver(no_nvml, missing, no_smi)
    assert (version, source) == (None, None) and len(notes) == 3 and "module absent" in notes[0]


class FakeNvml:
    """The three calls the probe makes, answering like nvidia-ml-py does (bytes on old versions)."""

    def __init__(self, version=None, error=None):
        self.version, self.error, self.shut = version, error, False

    def nvmlInit(self):
        if self.error:
            raise self.error

    def nvmlSystemGetDriverVersion(self):
        return self.version

    def nvmlShutdown(self):
        self.shut = True


def test_nvml_probe_reads_the_version_and_names_the_error():
    nvml = FakeNvml(b"580.65.06")
    assert gpu.driver_from_nvml(nvml) == ("580.65.06", "nvidia-ml-py") and nvml.shut
    assert gpu.driver_from_nvml(FakeNvml("575.57.08")) == ("575.57.08", "nvidia-ml-py")
    NVMLError_DriverNotLoaded = type("NVMLError_DriverNotLoaded", (Exception,), {})  # noqa: N806
    assert gpu.driver_from_nvml(FakeNvml(error=NVMLError_DriverNotLoaded())) == (
        None, "nvidia-ml-py : NVMLError_DriverNotLoaded")


def test_real_nvml_agrees_with_the_machine():
    """The real nvidia-ml-py (locked in the image): a version exactly when this machine has an NVIDIA driver."""
    pynvml = pytest.importorskip("pynvml")
    version, note = gpu.driver_from_nvml(pynvml)
    if Path("/proc/driver/nvidia/version").exists():
        assert version and gpu.parse_nvidia_smi(version + "\n") == version
        assert version == gpu.parse_proc_driver_version(Path("/proc/driver/nvidia/version").read_text())
    else:
        assert version is None and note.startswith("nvidia-ml-py : NVMLError")


# ------------------------------------------------------------------------------------------------ docker
DOCKER_INFO_GPU = {"ServerVersion": "28.2.2", "DockerRootDir": "/var/lib/docker",
                   "Runtimes": {"nvidia": {"path": "nvidia-container-runtime"}, "runc": {"path": "runc"}},
                   "ClientInfo": {"Version": "28.2.2"}}
DOCKER_INFO_TEXT = """Client: Docker Engine - Community
 Version:    28.2.2
Server:
 Containers: 1
 Server Version: 28.2.2
 Runtimes: io.containerd.runc.v2 nvidia runc
 Default Runtime: runc
 Docker Root Dir: /srv/docker
 CDI spec directories:
  /etc/cdi
  /var/run/cdi
"""
DOCKER_DOWN = ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
               "Is the docker daemon running?\n")
DOCKER_DENIED = ("permission denied while trying to connect to the Docker daemon socket at "
                 "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.50/info\": "
                 "dial unix /var/run/docker.sock: connect: permission denied\n")


def test_docker_info_json_and_text_give_the_same_facts():
    from_json = docker.parse_docker_info(json.dumps(DOCKER_INFO_GPU))
    from_text = docker.parse_docker_info(DOCKER_INFO_TEXT)
    assert "nvidia" in from_json["Runtimes"] and "nvidia" in from_text["Runtimes"]
    assert from_text["ServerVersion"] == "28.2.2" and from_text["DockerRootDir"] == "/srv/docker"
    assert from_text["CDISpecDirs"] == ["/etc/cdi", "/var/run/cdi"]


def test_docker_missing_down_denied_and_up():
    c = docker.check_docker(None, model.CmdResult(127))
    assert c.status == "fail" and "docs.docker.com" in c.fix

    c = docker.check_docker("/usr/bin/docker", model.CmdResult(1, "", DOCKER_DOWN))
    assert c.status == "fail" and "sudo systemctl start docker" in c.fix

    c = docker.check_docker("/usr/bin/docker", model.CmdResult(1, "", DOCKER_DENIED))
    assert c.status == "fail" and "usermod -aG docker" in c.fix

    # Newer clients print the JSON with ServerErrors and exit 0 when the daemon is down.
    down_json = json.dumps({"ServerErrors": [DOCKER_DOWN.strip()], "ClientInfo": {"Version": "28.2.2"}})
    c = docker.check_docker("/usr/bin/docker", model.CmdResult(0, down_json, ""))
    assert c.status == "fail" and "systemctl start docker" in c.fix

    c = docker.check_docker("/usr/bin/docker", model.CmdResult(0, json.dumps(DOCKER_INFO_GPU), ""))
    assert c.status == "ok" and c.data["server_version"] == "28.2.2" and "28.2.2" in c.detail


def test_gpu_runtime_needs_the_container_toolkit():
    none = {"nvidia-container-runtime-hook": None, "nvidia-container-cli": None, "nvidia-ctk": None}
    c = gpu.check_gpu_runtime(True, {"runc": {}}, [], none)
    assert c.status == "fail"
    assert gpu.TOOLKIT_DOCS in c.fix and "nvidia-ctk runtime configure --runtime=docker" in c.fix
    assert gpu.check_gpu_runtime(True, DOCKER_INFO_GPU["Runtimes"], [], none).status == "ok"
    assert gpu.check_gpu_runtime(True, docker.parse_docker_info(DOCKER_INFO_TEXT)["Runtimes"], [], none).status == "ok"
    assert gpu.check_gpu_runtime(True, {}, ["/etc/cdi/nvidia.yaml"], none).status == "ok"
    hook = dict(none, **{"nvidia-container-runtime-hook": "/usr/bin/nvidia-container-runtime-hook"})
    assert gpu.check_gpu_runtime(True, {}, [], hook).status == "ok"


def test_cdi_specs_are_found_by_content(tmp_path):
    (tmp_path / "nvidia.yaml").write_text("cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n")
    (tmp_path / "other.yaml").write_text("cdiVersion: 0.5.0\nkind: vendor.com/fpga\n")
    assert gpu.find_cdi_specs([str(tmp_path), str(tmp_path / "absent")]) == [str(tmp_path / "nvidia.yaml")]


def test_container_gpu_from_docker_inspect():
    gpus_all = {"DeviceRequests": [{"Driver": "", "Count": -1, "DeviceIDs": None, "Capabilities": [["gpu"]]}]}
    assert gpu.container_has_gpu(gpus_all)
    assert gpu.container_has_gpu({"Runtime": "nvidia", "DeviceRequests": None})
    assert not gpu.container_has_gpu({"Runtime": "runc", "DeviceRequests": None})


# ------------------------------------------------------------------------------------------------ image
def test_image_missing_then_label_equal_or_different(tmp_path):
    c = docker.check_image("img:latest", None, "abc", None)
    assert c.status == "fail" and c.fix == "construisez-la : make build"

    req, env = b"numpy==2.5.5\n", b"dependencies:\n  - python=3.14.8\n"
    fp = policy.lock_fingerprint(req, env)
    inspect = {"Created": "2026-11-01T10:00:00.123456789Z", "Size": 6_100_000_000,
               "Config": {"Labels": {policy.LOCK_LABEL: fp}}}
    assert docker.check_image("img:latest", inspect, fp, None).status == "ok"
    stale = docker.check_image("img:latest", inspect, policy.lock_fingerprint(b"numpy==2.6.0\n", env), None)
    assert stale.status == "warn" and "make rebuild" in stale.fix


def test_lock_fingerprint_is_the_makefile_one(tmp_path):
    """The lead's Makefile labels the image with `cat requirements.txt environment.yml | sha256sum`."""
    if not shutil.which("sha256sum"):
        pytest.skip("no sha256sum")
    (tmp_path / "requirements.txt").write_text("numpy==2.5.5 \\\n    --hash=sha256:00\n")
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.14.8\n")
    out = subprocess.run("cat requirements.txt environment.yml | sha256sum", shell=True, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout.split()[0]
    assert policy.lock_fingerprint((tmp_path / "requirements.txt").read_bytes(),
                                   (tmp_path / "environment.yml").read_bytes()) == out


def test_image_without_label_compares_creation_time_with_the_lock():
    inspect = {"Created": "2026-11-01T10:00:00.5Z", "Config": {"Labels": None}}
    before = dt.datetime(2026, 10, 31, tzinfo=dt.timezone.utc).timestamp()
    after = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc).timestamp()
    assert docker.check_image("img", inspect, "fp", before).status == "ok"
    c = docker.check_image("img", inspect, "fp", after)
    assert c.status == "warn" and "make rebuild" in c.fix
    assert docker.parse_docker_time("2026-11-01T10:00:00.123456789+01:00") == dt.datetime(
        2026, 11, 1, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------------ port
@pytest.fixture
def listening():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def test_port_held_by_a_listening_socket(listening):
    port = listening
    err = system.probe_port(port)
    assert err == errno.EADDRINUSE
    who = system.listener_process(port)  # our own process: visible in /proc without privileges
    suggestion = system.suggest_port(port + 1)
    assert suggestion != port and system.probe_port(suggestion) is None
    c = system.check_port(port, err, {}, "pytorch-lab", suggestion, who)
    assert c.status == "fail"
    assert f"make lab PORT={suggestion}" in c.fix
    if who is not None:
        assert who.startswith("PID ") and who in c.detail


def test_port_free_after_the_socket_closes():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert system.probe_port(port) is None
    assert system.check_port(port, None, {}, "pytorch-lab", port + 1).status == "ok"


def test_port_used_by_the_lab_is_fine_by_another_container_is_named(listening):
    ps = (f"pytorch-lab\t127.0.0.1:{listening}->8888/tcp\n"
          "notebook\t0.0.0.0:9000-9002->9000-9002/tcp, :::9000-9002->9000-9002/tcp\n"
          "db\t5432/tcp\n")
    published = system.parse_docker_ps_ports(ps)
    assert published == {"pytorch-lab": {listening}, "notebook": {9000, 9001, 9002}, "db": set()}
    ok = system.check_port(listening, errno.EADDRINUSE, published, "pytorch-lab", 8889)
    assert ok.status == "ok" and "pytorch-lab" in ok.detail
    other = system.check_port(9001, errno.EADDRINUSE, published, "pytorch-lab", 8889)
    assert other.status == "fail" and "notebook" in other.detail
    assert "make lab PORT=8889" in other.fix and "docker stop notebook" in other.fix


def test_port_free_in_ipv4_but_held_on_ipv6_localhost_warns():
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    s6.listen(1)
    port = s6.getsockname()[1]
    try:
        v4, v6 = system.probe_port(port), system.probe_port(port, "::1")
        if v4 is not None:
            pytest.skip("port also taken in IPv4 by another program")
        assert v6 == errno.EADDRINUSE
        c = system.check_port(port, v4, {}, "pytorch-lab", 8889, None, v6)
        assert c.status == "warn" and "[::1]" in c.detail and "make lab PORT=8889" in c.fix
    finally:
        s6.close()


# ------------------------------------------------------------------------------------------------ disk
def test_disk_thresholds():
    assert system.check_disk("/var/lib/docker", 40 * 10**9).status == "ok"
    assert system.check_disk("/var/lib/docker", 12 * 10**9).status == "warn"
    c = system.check_disk("/var/lib/docker", 5 * 10**9)
    assert c.status == "fail" and "docker builder prune" in c.fix


# ------------------------------------------------------------------------------------------------ make lab's GPU
def test_gpu_decision_is_the_driver_rule_and_the_toolkit():
    tools = {"nvidia-container-cli": "/usr/bin/nvidia-container-cli"}
    ok_runtime = gpu.check_gpu_runtime(True, {}, [], tools)
    old = gpu.gpu_decision(gpu.check_driver("575.57.08", "13.0", "nvidia-smi", "label"), ok_runtime)
    assert old[0] is False and "575.57.08 trop ancien" in old[1]
    assert gpu.gpu_decision(gpu.check_driver("580.65.06", "13.0"), ok_runtime)[0] is True
    no_toolkit = gpu.check_gpu_runtime(True, {}, [], {})
    assert gpu.gpu_decision(gpu.check_driver("580.65.06", "13.0"), no_toolkit) == (False, no_toolkit.detail)
    assert gpu.gpu_decision(gpu.check_driver(None, "13.0"), gpu.check_gpu_runtime(False, {}, [], {}))[0] is False


def test_lab_container_without_the_gpu_the_host_has_warns():
    c = gpu.check_container_gpu(running=True, container_gpu=False, gpu_usable=True, container="pytorch-lab")
    assert c.status == "warn" and "make stop && make lab" in c.fix
    assert gpu.check_container_gpu(True, True, True, "pytorch-lab").status == "ok"
    assert gpu.check_container_gpu(True, False, False, "pytorch-lab").status == "ok"
    assert "ne tourne pas" in gpu.check_container_gpu(False, False, True, "pytorch-lab").detail


def test_image_cuda_comes_from_the_label_else_the_lock():
    assert gpu.image_cuda({policy.CUDA_LABEL: "13.2"}, None) == ("13.2", f"label {policy.CUDA_LABEL}")
    lock = "nvidia-cuda-runtime==13.0.96 ; sys_platform == 'linux'\n"
    assert gpu.image_cuda({}, lock)[0] == "13.0" and gpu.image_cuda({}, "")[0] is None
