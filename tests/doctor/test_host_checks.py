"""Host checks of the doctor: each decision fed with the raw inputs it reads in real life (driver strings in the
nvml / /proc / nvidia-smi formats, `docker info` output, a port held by a real listening socket)."""
import datetime as dt
import errno
import json
import shutil
import socket
import subprocess

import pytest

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
def test_driver_strings_in_each_format(doctor):
    assert doctor.parse_proc_driver_version(PROC_PROPRIETARY_575) == "575.57.08"
    assert doctor.parse_proc_driver_version(PROC_OPEN_580) == "580.65.06"
    assert doctor.parse_proc_driver_version("garbage") is None
    assert doctor.parse_nvidia_smi(SMI_QUERY) == "580.82.07"
    assert doctor.parse_nvidia_smi(SMI_BANNER) == "575.57.08"
    assert doctor.parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the driver") is None


def test_driver_575_with_cuda13_image_fails_with_the_driver_to_install(doctor):
    c = doctor.check_driver("575.57.08", "13.0", "nvidia-ml-py", "versions.json")
    assert c.status == "fail"
    assert "575.57.08" in c.detail and "13.0" in c.detail and "580" in c.detail
    assert "≥ 580" in c.fix and "nvidia:580" in c.fix


def test_driver_580_with_cuda13_image_is_ok(doctor):
    c = doctor.check_driver("580.65.06", "13.0", "/proc/driver/nvidia/version", "label")
    assert c.status == "ok" and c.fix is None
    assert c.data["required"] == 580


def test_cuda12_needs_525(doctor):
    assert doctor.check_driver("520.61.05", "12.8", "nvidia-smi").status == "fail"
    assert doctor.check_driver("525.60.13", "12.8", "nvidia-smi").status == "ok"


def test_no_nvidia_is_a_cpu_mode_note_not_an_error(doctor):
    c = doctor.check_driver(None, "13.0")
    assert c.status == "ok"
    assert "mode CPU" in c.detail and c.data["cpu_mode"] is True
    assert doctor.check_gpu_runtime(False, {"Runtimes": {"runc": {}}}, [], {}).status == "ok"


def test_detect_driver_falls_back_nvml_then_proc_then_smi(doctor, tmp_path):
    proc = tmp_path / "version"
    proc.write_text(PROC_PROPRIETARY_575)
    missing = str(tmp_path / "absent")
    no_smi = lambda: doctor.CmdResult(127, "", "nvidia-smi: commande introuvable")  # noqa: E731

    assert doctor.detect_driver(lambda: "580.95.05", str(proc), no_smi)[:2] == ("580.95.05", "nvidia-ml-py")
    assert doctor.detect_driver(lambda: None, str(proc), no_smi)[:2] == ("575.57.08", str(proc))
    smi = lambda: doctor.CmdResult(0, SMI_QUERY, "")  # noqa: E731
    assert doctor.detect_driver(lambda: None, missing, smi)[:2] == ("580.82.07", "nvidia-smi")
    version, source, notes = doctor.detect_driver(lambda: None, missing, no_smi)
    assert (version, source) == (None, None) and len(notes) == 3


def test_nvml_probe_does_not_crash_without_a_driver(doctor):
    # Real nvidia-ml-py (when installed) on a machine without a driver: None, never an exception.
    v = doctor.driver_from_nvml()
    assert v is None or doctor.parse_nvidia_smi(v + "\n") == v


def test_cuda_major_read_from_the_real_lock(doctor):
    text = (doctor.repo_root() / "requirements.txt").read_text()
    cuda = doctor.cuda_from_lock(text)
    assert cuda is not None and cuda.startswith("13.")
    assert doctor.cuda_from_lock("nvidia-cuda-runtime-cu12==12.8.90 ; sys_platform == 'linux'") == "12.8"


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


def test_docker_info_json_and_text_give_the_same_facts(doctor):
    from_json = doctor.parse_docker_info(json.dumps(DOCKER_INFO_GPU))
    from_text = doctor.parse_docker_info(DOCKER_INFO_TEXT)
    assert "nvidia" in from_json["Runtimes"] and "nvidia" in from_text["Runtimes"]
    assert from_text["ServerVersion"] == "28.2.2" and from_text["DockerRootDir"] == "/srv/docker"
    assert from_text["CDISpecDirs"] == ["/etc/cdi", "/var/run/cdi"]


def test_docker_missing_down_denied_and_up(doctor):
    c, info = doctor.check_docker(None, doctor.CmdResult(127))
    assert c.status == "fail" and info is None and "docs.docker.com" in c.fix

    c, info = doctor.check_docker("/usr/bin/docker", doctor.CmdResult(1, "", DOCKER_DOWN))
    assert c.status == "fail" and info is None and "sudo systemctl start docker" in c.fix

    c, _ = doctor.check_docker("/usr/bin/docker", doctor.CmdResult(1, "", DOCKER_DENIED))
    assert c.status == "fail" and "usermod -aG docker" in c.fix

    # Newer clients print the JSON with ServerErrors and exit 0 when the daemon is down.
    down_json = json.dumps({"ServerErrors": [DOCKER_DOWN.strip()], "ClientInfo": {"Version": "28.2.2"}})
    c, info = doctor.check_docker("/usr/bin/docker", doctor.CmdResult(0, down_json, ""))
    assert c.status == "fail" and info is None and "systemctl start docker" in c.fix

    c, info = doctor.check_docker("/usr/bin/docker", doctor.CmdResult(0, json.dumps(DOCKER_INFO_GPU), ""))
    assert c.status == "ok" and info["ServerVersion"] == "28.2.2"


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client on this machine")
def test_real_docker_info_is_understood(doctor):
    r = doctor.run_cmd(["docker", "info", "--format", "{{json .}}"], 20)
    c, info = doctor.check_docker(shutil.which("docker"), r)
    assert (c.status == "ok") == (r.rc == 0 and info is not None)
    if c.status == "ok":
        assert info["ServerVersion"] in c.detail


def test_gpu_runtime_needs_the_container_toolkit(doctor):
    none = {"nvidia-container-runtime-hook": None, "nvidia-container-cli": None, "nvidia-ctk": None}
    c = doctor.check_gpu_runtime(True, {"Runtimes": {"runc": {}}}, [], none)
    assert c.status == "fail"
    assert doctor.TOOLKIT_DOCS in c.fix and "nvidia-ctk runtime configure --runtime=docker" in c.fix
    assert doctor.check_gpu_runtime(True, DOCKER_INFO_GPU, [], none).status == "ok"
    assert doctor.check_gpu_runtime(True, doctor.parse_docker_info(DOCKER_INFO_TEXT), [], none).status == "ok"
    assert doctor.check_gpu_runtime(True, {}, ["/etc/cdi/nvidia.yaml"], none).status == "ok"
    hook = dict(none, **{"nvidia-container-runtime-hook": "/usr/bin/nvidia-container-runtime-hook"})
    assert doctor.check_gpu_runtime(True, {}, [], hook).status == "ok"


def test_cdi_specs_are_found_by_content(doctor, tmp_path):
    (tmp_path / "nvidia.yaml").write_text("cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n")
    (tmp_path / "other.yaml").write_text("cdiVersion: 0.5.0\nkind: vendor.com/fpga\n")
    assert doctor.find_cdi_specs([str(tmp_path), str(tmp_path / "absent")]) == [str(tmp_path / "nvidia.yaml")]


def test_container_gpu_from_docker_inspect(doctor):
    gpus_all = {"DeviceRequests": [{"Driver": "", "Count": -1, "DeviceIDs": None, "Capabilities": [["gpu"]]}]}
    assert doctor.container_has_gpu(gpus_all)
    assert doctor.container_has_gpu({"Runtime": "nvidia", "DeviceRequests": None})
    assert not doctor.container_has_gpu({"Runtime": "runc", "DeviceRequests": None})


# ------------------------------------------------------------------------------------------------ image
def test_image_missing_then_label_equal_or_different(doctor, tmp_path):
    c = doctor.check_image("img:latest", None, "abc", None)
    assert c.status == "fail" and c.fix == "construisez-la : make build"

    req, env = b"numpy==2.5.5\n", b"dependencies:\n  - python=3.14.8\n"
    fp = doctor.lock_fingerprint(req, env)
    inspect = {"Created": "2026-11-01T10:00:00.123456789Z", "Size": 6_100_000_000,
               "Config": {"Labels": {doctor.LOCK_LABEL: fp}}}
    assert doctor.check_image("img:latest", inspect, fp, None).status == "ok"
    stale = doctor.check_image("img:latest", inspect, doctor.lock_fingerprint(b"numpy==2.6.0\n", env), None)
    assert stale.status == "warn" and "make rebuild" in stale.fix


def test_lock_fingerprint_is_the_makefile_one(doctor, tmp_path):
    """The lead's Makefile labels the image with `cat requirements.txt environment.yml | sha256sum`."""
    if not shutil.which("sha256sum"):
        pytest.skip("no sha256sum")
    (tmp_path / "requirements.txt").write_text("numpy==2.5.5 \\\n    --hash=sha256:00\n")
    (tmp_path / "environment.yml").write_text("dependencies:\n  - python=3.14.8\n")
    out = subprocess.run("cat requirements.txt environment.yml | sha256sum", shell=True, cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout.split()[0]
    assert doctor.lock_fingerprint((tmp_path / "requirements.txt").read_bytes(),
                                   (tmp_path / "environment.yml").read_bytes()) == out


def test_image_without_label_compares_creation_time_with_the_lock(doctor):
    inspect = {"Created": "2026-11-01T10:00:00.5Z", "Config": {"Labels": None}}
    before = dt.datetime(2026, 10, 31, tzinfo=dt.timezone.utc).timestamp()
    after = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc).timestamp()
    assert doctor.check_image("img", inspect, "fp", before).status == "ok"
    c = doctor.check_image("img", inspect, "fp", after)
    assert c.status == "warn" and "make rebuild" in c.fix
    assert doctor.parse_docker_time("2026-11-01T10:00:00.123456789+01:00") == dt.datetime(
        2026, 11, 1, 9, 0, 0, 123456, tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------------ port
@pytest.fixture
def listening():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    yield s.getsockname()[1]
    s.close()


def test_port_held_by_a_listening_socket(doctor, listening):
    port = listening
    err = doctor.probe_port(port)
    assert err == errno.EADDRINUSE
    who = doctor.listener_process(port)  # our own process: visible in /proc without privileges
    suggestion = doctor.suggest_port(port + 1)
    assert suggestion != port and doctor.probe_port(suggestion) is None
    c = doctor.check_port(port, err, {}, "pytorch-lab", suggestion, who)
    assert c.status == "fail"
    assert f"make lab PORT={suggestion}" in c.fix
    if who is not None:
        assert who.startswith("PID ") and who in c.detail


def test_port_free_after_the_socket_closes(doctor):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    assert doctor.probe_port(port) is None
    assert doctor.check_port(port, None, {}, "pytorch-lab", port + 1).status == "ok"


def test_port_used_by_the_lab_is_fine_by_another_container_is_named(doctor, listening):
    ps = ("pytorch-lab\t127.0.0.1:%d->8888/tcp\n"
          "notebook\t0.0.0.0:9000-9002->9000-9002/tcp, :::9000-9002->9000-9002/tcp\n"
          "db\t5432/tcp\n") % listening
    published = doctor.parse_docker_ps_ports(ps)
    assert published == {"pytorch-lab": {listening}, "notebook": {9000, 9001, 9002}, "db": set()}
    ok = doctor.check_port(listening, errno.EADDRINUSE, published, "pytorch-lab", 8889)
    assert ok.status == "ok" and "pytorch-lab" in ok.detail
    other = doctor.check_port(9001, errno.EADDRINUSE, published, "pytorch-lab", 8889)
    assert other.status == "fail" and "notebook" in other.detail
    assert "make lab PORT=8889" in other.fix and "docker stop notebook" in other.fix


def test_port_free_in_ipv4_but_held_on_ipv6_localhost_warns(doctor):
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    s6.listen(1)
    port = s6.getsockname()[1]
    try:
        v4, v6 = doctor.probe_port(port), doctor.probe_port(port, "::1")
        if v4 is not None:
            pytest.skip("port also taken in IPv4 by another program")
        assert v6 == errno.EADDRINUSE
        c = doctor.check_port(port, v4, {}, "pytorch-lab", 8889, None, v6)
        assert c.status == "warn" and "[::1]" in c.detail and "make lab PORT=8889" in c.fix
    finally:
        s6.close()


# ------------------------------------------------------------------------------------------------ disk
def test_disk_thresholds(doctor):
    assert doctor.check_disk("/var/lib/docker", 40 * 10**9).status == "ok"
    assert doctor.check_disk("/var/lib/docker", 12 * 10**9).status == "warn"
    c = doctor.check_disk("/var/lib/docker", 5 * 10**9)
    assert c.status == "fail" and "docker builder prune" in c.fix
