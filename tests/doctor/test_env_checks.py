"""Environment checks of the doctor: Python pin and age rule, the lock against installed distributions (markers
evaluated, names normalized), torch/CUDA expectations with the real torch, Jupyter against a real HTTP server, data."""
import datetime as dt
import http.server
import json
import threading
from pathlib import Path

import pytest

from labtools import jupyter, policy
from labtools.doctor import env

REPO = Path(__file__).resolve().parents[2]

TODAY = dt.date(2026, 11, 27)  # 3.15 came out on 2026-10-01, 3.14 on 2025-10-07


# ------------------------------------------------------------------------------------------------ Python
def test_pin_is_read_from_the_real_environment_yml():
    pin = policy.python_pin((REPO / "environment.yml").read_text())
    assert pin is not None and pin.startswith("3.14.")
    assert policy.python_pin("dependencies:\n  - python==3.14.2=h1234_cpython\n") == "3.14.2"
    assert policy.python_pin("dependencies:\n  - pip\n") is None


def test_pin_equal_or_different():
    assert env.check_python_pin("3.14.8", "3.14.8", True, "environment.yml").status == "ok"
    c = env.check_python_pin("3.14.7", "3.14.8", True, "environment.yml")
    assert c.status == "fail" and c.fix == "reconstruisez l'image : make rebuild"
    assert env.check_python_pin("3.14.8", None, True, "environment.yml").status == "warn"


def test_age_rule_when_315_just_came_out():
    assert policy.recommended_pythons(TODAY) == ["3.14"]
    right = env.check_python_age((3, 14), TODAY)
    assert right.status == "ok"
    too_new = env.check_python_age((3, 15), TODAY)
    assert too_new.status == "warn" and "trop récente" in too_new.detail
    assert "Python 3.14" in too_new.fix


def test_age_rule_old_eol_prerelease_and_unknown():
    assert env.check_python_age((3, 12), TODAY).status == "warn"  # 3 years old
    eol = env.check_python_age((3, 10), TODAY)
    assert eol.status == "warn" and "fin de vie" in eol.detail
    assert env.check_python_age((3, 9), TODAY).status == "warn"
    assert env.check_python_age((3, 8), TODAY).status == "warn"  # older than the table
    assert "préversion" in env.check_python_age((3, 15), dt.date(2026, 9, 1)).detail
    assert env.check_python_age((3, 16), TODAY).status == "warn"  # newer than the table


def test_age_rule_moves_with_today():
    # Spring 2026: 3.14 is 6+ months old and 3.13 still under 2 years: both fine; in 2025-11, 3.14 was too new.
    assert policy.recommended_pythons(dt.date(2026, 5, 1)) == ["3.13", "3.14"]
    assert env.check_python_age((3, 14), dt.date(2025, 11, 15)).status == "warn"
    assert env.check_python_age((3, 14), dt.date(2026, 4, 15)).status == "ok"


# ------------------------------------------------------------------------------------------------ packages
LOCK = """\
numpy==2.5.5 \\
    --hash=sha256:aaaa
    # via scikit-learn
scikit-learn==1.9.1 \\
    --hash=sha256:bbbb
Send2Trash==2.2.0
tqdm==4.70.1
colorama==0.4.6 ; sys_platform == 'win32'
nvidia-cuda-runtime==13.2.86 ; (platform_machine == 'aarch64' or platform_machine == 'x86_64') and sys_platform == 'linux'
"""
LINUX = dict(sys_platform="linux", platform_machine="x86_64", os_name="posix", python_full_version="3.14.8",
             python_version="3.14", implementation_name="cpython")


def test_different_numpy_and_missing_sklearn_are_named_exactly():
    pins, bad = policy.parse_lock(LOCK)
    assert bad == []
    installed = {"numpy": "2.4.0", "send2trash": "2.2.0", "tqdm": "4.70.1", "nvidia-cuda-runtime": "13.2.86",
                 "lab": "0.1.0"}
    result = policy.compare_with_lock(pins, installed, LINUX)
    assert result["different"] == [("numpy", "2.5.5", "2.4.0")]
    assert result["missing"] == [("scikit-learn", "1.9.1")]
    assert result["extra"] == []  # colorama is Windows-only; lab is the course package
    c = env.check_packages(result, "/opt/lab/requirements.txt", True)
    assert c.status == "fail"
    assert c.items == ["✗ numpy : 2.4.0 installé, 2.5.5 attendu", "✗ scikit-learn : manquant (1.9.1 attendu)"]
    assert c.data["different"] == [{"name": "numpy", "expected": "2.5.5", "installed": "2.4.0"}]
    assert c.data["missing"] == [{"name": "scikit-learn", "expected": "1.9.1"}]
    assert "make repair" in c.fix and "make rebuild" in c.fix


def test_extra_package_only_warns_and_platform_markers_count():
    pins, _ = policy.parse_lock(LOCK)
    installed = {"numpy": "2.5.5", "scikit-learn": "1.9.1", "send2trash": "2.2.0", "tqdm": "4.70.1",
                 "nvidia-cuda-runtime": "13.2.86", "seaborn": "0.14.0"}
    result = policy.compare_with_lock(pins, installed, LINUX)
    c = env.check_packages(result, "requirements.txt", False)
    assert c.status == "warn" and c.data["extra"] == [{"name": "seaborn", "installed": "0.14.0"}]
    assert "uv pip sync requirements.txt" in c.fix
    # On macOS the CUDA runtime is not part of the lock: installed anyway, it is an extra there.
    mac = dict(LINUX, sys_platform="darwin", platform_machine="arm64")
    assert ("nvidia-cuda-runtime", "13.2.86") in policy.compare_with_lock(pins, installed, mac)["extra"]
    clean = dict(installed)
    del clean["seaborn"]
    ok = env.check_packages(policy.compare_with_lock(pins, clean, LINUX),
                               "requirements.txt", False)
    assert ok.status == "ok" and ok.fix is None


def test_installed_distributions_of_this_interpreter():
    import importlib.metadata

    installed, _ = env.installed_distributions()
    assert installed["pytest"] == importlib.metadata.version("pytest")
    assert installed["torch"] == importlib.metadata.version("torch")
    assert all(n == policy.normalize_name(n) for n in installed)


# ------------------------------------------------------------------------------------------------ torch / CUDA
def test_torch_cuda_against_expectation_with_the_real_torch():
    info = env.probe_torch()
    assert info["importable"] and info["version"]
    if info["available"]:  # a GPU machine: expecting one is satisfied
        assert env.check_torch_cuda("yes", info, True, True).status == "ok"
        return
    expected = env.check_torch_cuda("yes", info, False, True)
    assert expected.status == "fail" and "is_available() est False" in expected.detail
    assert env.check_torch_cuda("no", info, False, True).status == "ok"
    assert "mode CPU" in env.check_torch_cuda("auto", info, False, True).detail


def test_torch_cuda_auto_with_visible_gpu_devices():
    info = {"importable": True, "version": "2.15.0", "cuda": "13.0", "available": False, "devices": [],
            "warnings": ["CUDA initialization: The NVIDIA driver on your system is too old (found version 12080)."]}
    c = env.check_torch_cuda("auto", info, True, True)
    assert c.status == "fail" and "too old" in c.detail
    broken = env.check_torch_cuda("auto", {"importable": False, "error": "OSError: libcudart.so.13"}, False, True)
    assert broken.status == "fail" and "libcudart" in broken.detail


def test_nvidia_devices_visible(tmp_path):
    assert not env.nvidia_devices_visible(tmp_path)
    (tmp_path / "nvidia0").touch()
    assert env.nvidia_devices_visible(tmp_path)


# ------------------------------------------------------------------------------------------------ Jupyter
@pytest.fixture
def jupyter_like():
    """A real HTTP server answering /api/status like Jupyter: 200 with the right token, 403 otherwise."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/api/status" and self.headers.get("Authorization") == "token s3cret":
                body = json.dumps({"started": "2026-11-27T10:00:00Z", "kernels": 0}).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(403)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_jupyter_answers_rejects_token_or_is_absent(jupyter_like):
    port = jupyter_like
    ok = env.check_jupyter("yes", port, "s3cret", jupyter.api_status(port, "s3cret"))
    assert ok.status == "ok" and "2026-11-27" in ok.detail
    rejected = env.check_jupyter("yes", port, "wrong", jupyter.api_status(port, "wrong"))
    assert rejected.status == "fail" and "403" in rejected.detail
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    free = s.getsockname()[1]
    s.close()
    down = env.check_jupyter("yes", free, "s3cret", jupyter.api_status(free, "x"))
    assert down.status == "fail" and "make lab" in down.fix
    skipped = env.check_jupyter("no", 8888, None, None)
    assert skipped.status == "ok" and skipped.data["skipped"] is True and skipped.fix is None


# ------------------------------------------------------------------------------------------------ data set
def test_dataset_cache_file_and_decision(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
    cached, where = env.probe_dataset()
    path = tmp_path / "cal_housing_py3.pkz"
    assert not cached and where == str(path)
    assert env.check_dataset(cached, where, True).status == "fail"
    assert env.check_dataset(cached, where, False).status == "warn"
    path.write_bytes(b"x")
    assert env.probe_dataset() == (True, str(path))
    assert env.check_dataset(*env.probe_dataset(), True).status == "ok"
