"""The doctor as a program: --json schema, exit status consistent with the report, human output, usage errors,
and the merged host + container report with a fake `docker` executable standing in for the daemon on PATH."""
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from datetime import timedelta
from importlib import metadata
from pathlib import Path

import packaging
import pytest

from labtools import policy
from labtools.doctor import gpu, model, render, system

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "doctor.py"

CHECK_KEYS = {"name", "status", "title", "detail", "fix", "scope", "items", "details", "data"}


def run_doctor(args, env, timeout=120, python=(sys.executable,)):
    p = subprocess.run([*python, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=timeout,
                       encoding="utf-8")
    return p


def assert_schema(report, rc):
    assert report["schema"] == 1
    assert isinstance(report["checks"], list) and report["checks"]
    for c in report["checks"]:
        assert CHECK_KEYS <= set(c), c
        assert c["status"] in ("ok", "warn", "fail", "na")
        assert isinstance(c["name"], str) and isinstance(c["detail"], str) and c["detail"]
        assert c["scope"] in ("host", "env")
        if c["status"] in ("warn", "fail"):
            assert c["fix"], f"{c['name']} is {c['status']} without a fix"
    counts = {s: sum(c["status"] == s for c in report["checks"]) for s in ("ok", "warn", "fail", "na")}
    s = report["summary"]
    assert {k: s[k] for k in counts} == counts and s["total"] == len(report["checks"])
    assert report["exit_status"] == s["exit_status"] == (1 if counts["fail"] else 0) == rc


def write_dist(site, name, version):
    d = site / f"{name.replace('-', '_')}-{version}.dist-info"
    d.mkdir(parents=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.fixture
def broken_env(tmp_path, clean_env):
    """An interpreter whose only distributions are fake ones (python -S: no site-packages). `packaging`, which the
    image's lock provides, is copied in without its metadata, so it is no distribution of this environment."""
    site = tmp_path / "site"
    shutil.copytree(Path(packaging.__file__).parent, site / "packaging")
    write_dist(site, "numpy", "2.4.0")
    write_dist(site, "tqdm", "4.70.1")
    write_dist(site, "lab", "0.1.0")
    lock_dir = tmp_path / "lock"
    lock_dir.mkdir()
    (lock_dir / "requirements.txt").write_text(textwrap.dedent("""\
        numpy==2.5.5 \\
            --hash=sha256:aaaa
            # via scikit-learn
        scikit-learn==1.9.1 \\
            --hash=sha256:bbbb
        tqdm==4.70.1
        colorama==0.4.6 ; sys_platform == 'win32'
        """))
    (lock_dir / "environment.yml").write_text(f"dependencies:\n  - python={sys.version.split()[0]}\n")
    env = dict(clean_env, PYTHONPATH=str(site), SCIKIT_LEARN_DATA=str(tmp_path / "data"))
    return env, lock_dir / "requirements.txt"


def test_broken_env_json_names_numpy_and_sklearn_and_exits_1(broken_env):
    env, lock = broken_env
    p = run_doctor(["--env-only", "--json", "--lock", str(lock), "--expect-jupyter", "no"], env,
                   python=(sys.executable, "-S"))
    report = json.loads(p.stdout)
    assert_schema(report, p.returncode)
    assert p.returncode == 1 and report["mode"] == "env-only"
    packages = next(c for c in report["checks"] if c["name"] == "packages")
    assert packages["status"] == "fail"
    assert packages["data"]["different"] == [{"name": "numpy", "expected": "2.5.5", "installed": "2.4.0"}]
    assert packages["data"]["missing"] == [{"name": "scikit-learn", "expected": "1.9.1"}]
    assert packages["data"]["extra"] == []
    assert {c["name"] for c in report["checks"]} >= {"python-pin", "python-age", "packages", "lab-package",
                                                      "torch-cuda", "jupyter", "dataset"}
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["python-pin"] == "ok" and statuses["lab-package"] == "ok"
    assert statuses["torch-cuda"] == "fail"  # torch is not importable from this bare interpreter


def test_broken_env_human_output(broken_env):
    env, lock = broken_env
    p = run_doctor(["--env-only", "--lock", str(lock), "--expect-jupyter", "no"], env, python=(sys.executable, "-S"))
    assert p.returncode == 1
    out = p.stdout
    assert "[✗] Paquets contre le verrou" in out
    assert "✗ numpy : 2.4.0 installé, 2.5.5 attendu" in out
    assert "✗ scikit-learn : manquant (1.9.1 attendu)" in out
    assert "→ Correctif : remettez exactement le verrou" in out
    assert "[✓] Version de Python" in out
    assert out.rstrip().splitlines()[-1].startswith("✗ Le docteur a trouvé")


def test_clean_env_exits_0(tmp_path, clean_env):
    """The current interpreter against a lock made of exactly its own distributions: nothing fails."""
    installed = {}
    for d in metadata.distributions():
        if d.metadata and d.metadata["Name"]:
            installed.setdefault(d.metadata["Name"], d.version)
    site = tmp_path / "site"
    site.mkdir()
    if "lab" not in {n.lower() for n in installed}:
        write_dist(site, "lab", "0.1.0")
    (tmp_path / "requirements.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(installed.items())
                                                       if n.lower() != "lab"))
    (tmp_path / "environment.yml").write_text(f"dependencies:\n  - python={sys.version.split()[0]}\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cal_housing_py3.pkz").write_bytes(b"cached")
    released = policy.PYTHON_RELEASES[sys.version_info[:2]][0]
    today = released + timedelta(days=365)  # a year after this Python came out: course rule 1 satisfied
    env = dict(clean_env, PYTHONPATH=str(site), SCIKIT_LEARN_DATA=str(tmp_path / "data"))
    p = run_doctor(["--env-only", "--json", "--lock", str(tmp_path / "requirements.txt"), "--today",
                    today.isoformat(), "--expect-cuda", "auto", "--expect-jupyter", "no"], env)
    report = json.loads(p.stdout)
    assert_schema(report, p.returncode)
    assert [c["name"] for c in report["checks"] if c["status"] != "ok"] == []
    assert p.returncode == 0


def test_in_image_default_is_env_only(broken_env):
    env, lock = broken_env
    env = dict(env, LAB_IN_IMAGE="1", LAB_LOCK_FILE=str(lock))
    p = run_doctor(["--json", "--expect-jupyter", "no"], env, python=(sys.executable, "-S"))
    report = json.loads(p.stdout)
    assert_schema(report, p.returncode)
    assert report["mode"] == "env-only" and all(c["scope"] == "env" for c in report["checks"])
    packages = next(c for c in report["checks"] if c["name"] == "packages")
    assert packages["data"]["lock"] == str(lock) and "make repair" in packages["fix"]


@pytest.mark.parametrize("args", [["--host-only", "--env-only"], ["--port", "0"], ["--port", "http"],
                                  ["--expect-cuda", "maybe"], ["--today", "27/11/2026"], ["--bogus"]])
def test_bad_usage_exits_2(args, clean_env):
    p = run_doctor(args, clean_env)
    assert p.returncode == 2 and p.stdout == "" and "doctor.py" in p.stderr


# ------------------------------------------------------------------------------------------------ fake docker
FAKE_DOCKER = r'''#!{python}
"""Stand-in for the docker CLI: canned daemon answers from FAKE_DOCKER_STATE, `exec` runs the real doctor."""
import json, os, subprocess, sys
state = json.loads(os.environ["FAKE_DOCKER_STATE"])
args = sys.argv[1:]
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(" ".join(args) + "\n")
if args[0] == "buildx":  # the client's plugin, answered without the daemon
    if state["buildx"]:
        print("github.com/docker/buildx v0.29.1 a5d87b6")
    else:
        sys.stderr.write("docker: 'buildx' is not a docker command.\n"); sys.exit(1)
    sys.exit(0)
if args[0] == "version":
    print("28.2.2"); sys.exit(0)
if not state["daemon"]:
    sys.stderr.write("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                     "Is the docker daemon running?\n")
    sys.exit(1)
if args[0] == "info":
    print(json.dumps({{"ServerVersion": "28.2.2", "DockerRootDir": state["root"], "Runtimes": {{"runc": {{}}}},
                      "Architecture": state["arch"], "OSType": "linux"}}))
elif args[:2] == ["image", "inspect"]:
    if not state["image"]:
        sys.stderr.write("Error: No such image: " + args[2] + "\n"); sys.exit(1)
    print(json.dumps([{{"Created": "2026-11-20T08:00:00.123456789Z", "Size": 6000000000,
                       "Architecture": state["image_arch"], "Os": "linux",
                       "Config": {{"Labels": {{"org.pytorch-lab.lock-sha256": state["label"]}}}}}}]))
elif args[0] == "ps":
    print("pytorch-lab\t127.0.0.1:%d->8888/tcp" % state["port"] if state["container"] else "")
elif args[:2] == ["container", "inspect"]:
    if not state["container"]:
        sys.stderr.write("Error: No such object: pytorch-lab\n"); sys.exit(1)
    print(json.dumps({{"State": {{"Running": True}}, "HostConfig": {{"DeviceRequests": None}}}}))
elif args[0] == "exec":
    rest = args[args.index("labtools.doctor") + 1:]
    sys.exit(subprocess.run([sys.executable, "-S", state["script"], *rest, "--lock", state["lock"]]).returncode)
else:
    sys.stderr.write("fake docker: unsupported " + " ".join(args) + "\n"); sys.exit(125)
'''


@pytest.fixture
def fake_docker(tmp_path, broken_env):
    env, lock = broken_env
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(python=sys.executable))
    docker.chmod(0o755)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # what docker-proxy does for the published port of a running lab
    port = listener.getsockname()[1]
    label = policy.lock_fingerprint(lock.read_bytes(), (lock.parent / "environment.yml").read_bytes())
    state = {"daemon": True, "image": True, "container": True, "port": port, "label": label, "root": str(tmp_path),
             "script": str(SCRIPT), "lock": str(lock), "arch": "x86_64", "image_arch": "amd64"}
    env = dict(env, PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", FAKE_DOCKER_LOG=str(tmp_path / "docker.log"),
               DOCKER_BUILD="docker build")

    def run(*names, **changes):
        env["FAKE_DOCKER_STATE"] = json.dumps(dict(state, **changes))
        p = run_doctor(["--json", "--lock", str(lock), "--port", str(port), "--expect-cuda", "no", *names], env)
        report = json.loads(p.stdout)
        assert_schema(report, p.returncode)
        return report, {c["name"]: c for c in report["checks"]}, (tmp_path / "docker.log").read_text()

    yield run
    listener.close()


def test_full_report_merges_host_and_running_container(fake_docker):
    report, checks, log = fake_docker()
    assert report["mode"] == "full"
    assert report["env_source"]["kind"] == "container" and report["env_source"]["name"] == "pytorch-lab"
    assert report["env_source"]["command"][:4] == ["docker", "exec", "pytorch-lab", "python"]
    assert checks["docker"]["status"] == "ok" and checks["image"]["status"] == "ok"
    assert checks["port"]["status"] == "ok" and "pytorch-lab" in checks["port"]["detail"]
    assert checks["packages"]["scope"] == "env" and checks["packages"]["status"] == "fail"
    assert checks["packages"]["data"]["missing"] == [{"name": "scikit-learn", "expected": "1.9.1"}]
    assert report["exit_status"] == 1
    assert "exec pytorch-lab python -m labtools.doctor --env-only --json --expect-cuda no" in log


def test_port_taken_by_something_else_when_the_lab_is_down(fake_docker):
    _, checks, _ = fake_docker(container=False)
    assert checks["port"]["status"] == "fail" and "make lab PORT=" in checks["port"]["fix"]


def test_stale_image_missing_image_and_daemon_down(fake_docker):
    _, checks, _ = fake_docker(label="0" * 64)
    assert checks["image"]["status"] == "warn" and "make rebuild" in checks["image"]["fix"]

    report, checks, _ = fake_docker(image=False, container=False)
    assert checks["image"]["status"] == "fail" and checks["image"]["fix"] == "construisez-la : make build"
    assert checks["environment"]["status"] == "warn" and "make build" in checks["environment"]["fix"]

    report, checks, _ = fake_docker(daemon=False)
    assert checks["docker"]["status"] == "fail" and "sudo systemctl start docker" in checks["docker"]["fix"]
    assert checks["image"]["status"] == "warn" and "Docker" in checks["image"]["fix"]
    assert checks["environment"]["status"] == "warn"


def test_named_checks_run_alone_and_env_names_go_to_the_container(fake_docker):
    report, checks, log = fake_docker("port", "disk")
    assert list(checks) == ["port", "disk"] and report["mode"] == "host-only"
    assert "exec" not in log  # no environment check was asked for
    report, checks, log = fake_docker("docker", "packages")
    assert list(checks) == ["docker", "packages"] and report["mode"] == "full"
    assert "labtools.doctor --env-only --json packages --expect-cuda no" in log


def test_list_checks_names_every_check_and_unknown_names_are_refused(clean_env):
    listed = run_doctor(["--list-checks"], clean_env)
    assert listed.returncode == 0
    from labtools.doctor.cli import NAMES

    for name in NAMES:
        assert f"  {name} " in listed.stdout, name
    assert {"docker", "port", "disk", "packages", "dataset"} <= set(NAMES)
    bad = run_doctor(["disk", "nope"], clean_env)
    assert bad.returncode == 2 and "vérification inconnue : nope" in bad.stderr and bad.stdout == ""


def test_render_falls_back_to_readable_ascii():
    class AsciiTerminal:
        encoding = "ascii"

        def isatty(self):
            return False

    checks = [gpu.check_driver("575.57.08", "13.0", "nvidia-smi", "lock"), system.check_disk("/", 40 * 10**9)]
    text = render.render(model.build_report(checks, "host-only", None), False, AsciiTerminal())
    text.encode("ascii")
    assert "[X] Pilote NVIDIA : pilote 575.57.08 trop ancien pour CUDA 13.0 de torch (il faut >= 580)" in text
    assert "-> Correctif : installez un pilote NVIDIA >= 580" in text
    assert "[OK] Espace disque" in text and "Hote" in text


def test_the_host_side_needs_only_the_standard_library(clean_env):
    """`make doctor` runs on the student's host Python before anything is installed: no site-packages at all."""
    p = run_doctor(["--list-checks"], clean_env, python=(sys.executable, "-S"))
    assert p.returncode == 0 and "nvidia-driver" in p.stdout, p.stderr
    probe = subprocess.run([sys.executable, "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                            "import labtools.doctor.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
                            "('packaging', 'torch', 'pynvml')))", str(SCRIPT.parents[1])],
                           capture_output=True, text=True, env=clean_env)
    assert probe.returncode == 0 and probe.stdout.strip() == "[]", probe.stderr


def test_apple_silicon_daemon_with_an_amd64_image_warns_of_emulation_and_skips_the_nvidia_checks(fake_docker):
    """Docker Desktop on an M-series Mac answers Architecture aarch64; an image built for amd64 runs emulated."""
    report, checks, _ = fake_docker(arch="aarch64", image_arch="amd64", container=False)
    assert checks["arch"]["status"] == "warn" and "émulation" in checks["arch"]["detail"]
    assert "make rebuild" in checks["arch"]["fix"]
    assert {checks[n]["status"] for n in ("nvidia-driver", "gpu-runtime", "lab-container-gpu")} == {"na"}
    report, checks, _ = fake_docker(arch="aarch64", image_arch="arm64", container=False)
    assert checks["arch"]["status"] == "ok" and "linux/arm64, image native" in checks["arch"]["detail"]
    assert "CPU uniquement" in checks["arch"]["detail"]


def test_native_amd64_keeps_the_nvidia_checks(fake_docker):
    _, checks, _ = fake_docker(container=False)
    assert checks["arch"]["status"] == "ok" and checks["arch"]["data"]["host_platform"] == "linux/amd64"
    assert checks["nvidia-driver"]["status"] in ("ok", "warn", "fail")  # this machine's driver, or CPU mode
