"""Environment checks of the doctor: Python pin and age rule, the lock against installed distributions (markers
evaluated, names normalized), torch/CUDA expectations with the real torch, Jupyter against a real HTTP server, data."""
import datetime as dt
import http.server
import itertools
import json
import threading

import pytest

TODAY = dt.date(2026, 11, 27)  # 3.15 came out on 2026-10-01, 3.14 on 2025-10-07


# ------------------------------------------------------------------------------------------------ Python
def test_pin_is_read_from_the_real_environment_yml(doctor):
    pin = doctor.read_python_pin((doctor.repo_root() / "environment.yml").read_text())
    assert pin is not None and pin.startswith("3.14.")
    assert doctor.read_python_pin("dependencies:\n  - python==3.14.2=h1234_cpython\n") == "3.14.2"
    assert doctor.read_python_pin("dependencies:\n  - pip\n") is None


def test_pin_equal_or_different(doctor):
    assert doctor.check_python_pin("3.14.8", "3.14.8", True, "environment.yml").status == "ok"
    c = doctor.check_python_pin("3.14.7", "3.14.8", True, "environment.yml")
    assert c.status == "fail" and c.fix == "reconstruisez l'image : make rebuild"
    assert doctor.check_python_pin("3.14.8", None, True, "environment.yml").status == "warn"


def test_age_rule_when_315_just_came_out(doctor):
    assert doctor.recommended_pythons(TODAY) == ["3.14"]
    right = doctor.check_python_age((3, 14), TODAY)
    assert right.status == "ok"
    too_new = doctor.check_python_age((3, 15), TODAY)
    assert too_new.status == "warn" and "trop récente" in too_new.detail
    assert "Python 3.14" in too_new.fix


def test_age_rule_old_eol_prerelease_and_unknown(doctor):
    assert doctor.check_python_age((3, 12), TODAY).status == "warn"  # 3 years old
    eol = doctor.check_python_age((3, 10), TODAY)
    assert eol.status == "warn" and "fin de vie" in eol.detail
    assert doctor.check_python_age((3, 9), TODAY).status == "warn"
    assert doctor.check_python_age((3, 8), TODAY).status == "warn"  # older than the table
    assert "préversion" in doctor.check_python_age((3, 15), dt.date(2026, 9, 1)).detail
    assert doctor.check_python_age((3, 16), TODAY).status == "warn"  # newer than the table


def test_age_rule_moves_with_today(doctor):
    # Spring 2026: 3.14 is 6+ months old and 3.13 still under 2 years: both fine; in 2025-11, 3.14 was too new.
    assert doctor.recommended_pythons(dt.date(2026, 5, 1)) == ["3.13", "3.14"]
    assert doctor.check_python_age((3, 14), dt.date(2025, 11, 15)).status == "warn"
    assert doctor.check_python_age((3, 14), dt.date(2026, 4, 15)).status == "ok"


# ------------------------------------------------------------------------------------------------ lock parsing
@pytest.fixture(scope="module")
def real_lock(doctor):
    return doctor.parse_lock((doctor.repo_root() / "requirements.txt").read_text())


def test_real_lock_is_fully_parsed(doctor, real_lock):
    pins, unparsed = real_lock
    text = (doctor.repo_root() / "requirements.txt").read_text()
    top_level = [ln for ln in text.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert unparsed == [] and len(pins) == len(top_level)
    by_name = {p.name: p for p in pins}
    assert by_name["torch"].version == "2.15.0" and by_name["torch"].marker is None
    assert by_name["scikit-learn"].version and by_name["numpy"].version
    assert by_name["colorama"].marker == "sys_platform == 'win32'"
    assert all(p.name == doctor.normalize_name(p.name) for p in pins)


ENVIRONMENTS = [
    dict(sys_platform="linux", platform_machine="x86_64", os_name="posix", python_full_version="3.14.8",
         python_version="3.14", implementation_name="cpython"),
    dict(sys_platform="linux", platform_machine="aarch64", os_name="posix", python_full_version="3.15.0",
         python_version="3.15", implementation_name="cpython"),
    dict(sys_platform="darwin", platform_machine="arm64", os_name="posix", python_full_version="3.14.0",
         python_version="3.14", implementation_name="cpython"),
    dict(sys_platform="win32", platform_machine="AMD64", os_name="nt", python_full_version="3.14.8",
         python_version="3.14", implementation_name="cpython"),
    dict(sys_platform="emscripten", platform_machine="wasm32", os_name="posix", python_full_version="3.16.0",
         python_version="3.16", implementation_name="PyPy"),
]


def test_fallback_marker_evaluator_agrees_with_packaging_on_the_lock(doctor, real_lock):
    markers = pytest.importorskip("packaging.markers")
    lock_markers = sorted({p.marker for p in real_lock[0] if p.marker})
    assert len(lock_markers) >= 5
    extra = ["python_version >= '3.11' and python_version < '3.15'", "'linux' in sys_platform",
             "platform_machine not in 'x86_64 aarch64'", "python_full_version ~= '3.14.0'"]
    for marker, env in itertools.product(lock_markers + extra, ENVIRONMENTS):
        full = dict(doctor.default_marker_env(), **env)
        assert doctor.eval_marker_fallback(marker, full) == markers.Marker(marker).evaluate(full), (marker, env)


def test_fallback_marker_evaluator_rejects_garbage(doctor):
    with pytest.raises(ValueError):
        doctor.eval_marker_fallback("sys_platform == ", doctor.default_marker_env())
    with pytest.raises(ValueError):
        doctor.eval_marker_fallback("no_such_variable == 'x'", doctor.default_marker_env())


@pytest.mark.parametrize("installed,pinned,expected", [
    ("2.15.0", "2.15.0", True), ("2.15.0+cu130", "2.15.0", True), ("2.15.0+cpu", "2.15.0+cu130", False),
    ("2.15", "2.15.0", True), ("2.14.1", "2.15.0", False), ("2026.10.19.post1", "2026.10.19.post1", True),
    ("2026.10.19", "2026.10.19.post1", False), ("1.0rc1", "1.0", False), ("1.0.0", "1.0", True),
])
def test_version_matching_fallback_and_packaging(doctor, installed, pinned, expected):
    assert doctor.version_matches_pin(installed, pinned) is expected  # packaging when importable
    assert doctor.version_matches_pin_fallback(installed, pinned) is expected  # the standard-library fallback


def test_fallback_version_order_agrees_with_packaging(doctor):
    version = pytest.importorskip("packaging.version")
    vs = ["1.0.dev1", "1.0a1", "1.0a2.dev0", "1.0b1", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.1", "2!0.1", "1.0+cu130"]
    for a, b in itertools.product(vs, vs):
        ka, kb = doctor._version_key(a), doctor._version_key(b)
        assert (ka < kb) == (version.Version(a) < version.Version(b)), (a, b)


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


def test_different_numpy_and_missing_sklearn_are_named_exactly(doctor):
    pins, bad = doctor.parse_lock(LOCK)
    assert bad == []
    installed = {"numpy": "2.4.0", "send2trash": "2.2.0", "tqdm": "4.70.1", "nvidia-cuda-runtime": "13.2.86",
                 "lab": "0.1.0"}
    env = dict(doctor.default_marker_env(), **LINUX)
    result = doctor.compare_packages(pins, installed, env)
    assert result["different"] == [("numpy", "2.5.5", "2.4.0")]
    assert result["missing"] == [("scikit-learn", "1.9.1")]
    assert result["extra"] == []  # colorama is Windows-only; lab is the course package
    c = doctor.check_packages(result, "/opt/lab/requirements.txt", True)
    assert c.status == "fail"
    assert c.items == ["✗ numpy : 2.4.0 installé, 2.5.5 attendu", "✗ scikit-learn : manquant (1.9.1 attendu)"]
    assert c.data["different"] == [{"name": "numpy", "expected": "2.5.5", "installed": "2.4.0"}]
    assert c.data["missing"] == [{"name": "scikit-learn", "expected": "1.9.1"}]
    assert "make repair" in c.fix and "make rebuild" in c.fix


def test_extra_package_only_warns_and_platform_markers_count(doctor):
    pins, _ = doctor.parse_lock(LOCK)
    installed = {"numpy": "2.5.5", "scikit-learn": "1.9.1", "send2trash": "2.2.0", "tqdm": "4.70.1",
                 "nvidia-cuda-runtime": "13.2.86", "seaborn": "0.14.0"}
    result = doctor.compare_packages(pins, installed, dict(doctor.default_marker_env(), **LINUX))
    c = doctor.check_packages(result, "requirements.txt", False)
    assert c.status == "warn" and c.data["extra"] == [{"name": "seaborn", "installed": "0.14.0"}]
    assert "uv pip sync requirements.txt" in c.fix
    # On macOS the CUDA runtime is not part of the lock: installed anyway, it is an extra there.
    mac = dict(doctor.default_marker_env(), **ENVIRONMENTS[2])
    assert ("nvidia-cuda-runtime", "13.2.86") in doctor.compare_packages(pins, installed, mac)["extra"]
    clean = dict(installed)
    del clean["seaborn"]
    ok = doctor.check_packages(doctor.compare_packages(pins, clean, dict(doctor.default_marker_env(), **LINUX)),
                               "requirements.txt", False)
    assert ok.status == "ok" and ok.fix is None


def test_installed_distributions_of_this_interpreter(doctor):
    import importlib.metadata

    installed, _ = doctor.installed_distributions()
    assert installed["pytest"] == importlib.metadata.version("pytest")
    assert installed["torch"] == importlib.metadata.version("torch")
    assert all(n == doctor.normalize_name(n) for n in installed)


# ------------------------------------------------------------------------------------------------ torch / CUDA
def test_torch_cuda_against_expectation_with_the_real_torch(doctor):
    info = doctor.probe_torch()
    assert info["importable"] and info["version"]
    if info["available"]:  # a GPU machine: expecting one is satisfied
        assert doctor.check_torch_cuda("yes", info, True, True).status == "ok"
        return
    expected = doctor.check_torch_cuda("yes", info, False, True)
    assert expected.status == "fail" and "is_available() est False" in expected.detail
    assert doctor.check_torch_cuda("no", info, False, True).status == "ok"
    assert "mode CPU" in doctor.check_torch_cuda("auto", info, False, True).detail


def test_torch_cuda_auto_with_visible_gpu_devices(doctor):
    info = {"importable": True, "version": "2.15.0", "cuda": "13.0", "available": False, "devices": [],
            "warnings": ["CUDA initialization: The NVIDIA driver on your system is too old (found version 12080)."]}
    c = doctor.check_torch_cuda("auto", info, True, True)
    assert c.status == "fail" and "too old" in c.detail
    broken = doctor.check_torch_cuda("auto", {"importable": False, "error": "OSError: libcudart.so.13"}, False, True)
    assert broken.status == "fail" and "libcudart" in broken.detail


def test_nvidia_devices_visible(doctor, tmp_path):
    assert not doctor.nvidia_devices_visible(tmp_path)
    (tmp_path / "nvidia0").touch()
    assert doctor.nvidia_devices_visible(tmp_path)


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


def test_jupyter_answers_rejects_token_or_is_absent(doctor, jupyter_like):
    port = jupyter_like
    url = f"http://127.0.0.1:{port}/api/status"
    ok = doctor.check_jupyter("yes", port, "s3cret", doctor.http_status(url, "s3cret"))
    assert ok.status == "ok" and "2026-11-27" in ok.detail
    rejected = doctor.check_jupyter("yes", port, "wrong", doctor.http_status(url, "wrong"))
    assert rejected.status == "fail" and "403" in rejected.detail
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    free = s.getsockname()[1]
    s.close()
    down = doctor.check_jupyter("yes", free, "s3cret", doctor.http_status(f"http://127.0.0.1:{free}/api/status", "x"))
    assert down.status == "fail" and "make lab" in down.fix
    skipped = doctor.check_jupyter("no", 8888, None, None)
    assert skipped.status == "ok" and skipped.data["skipped"] is True and skipped.fix is None


# ------------------------------------------------------------------------------------------------ data set
def test_dataset_cache_file_and_decision(doctor, tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
    path = doctor.dataset_cache_file()
    assert path == tmp_path / "cal_housing_py3.pkz"
    assert doctor.check_dataset(path.is_file(), str(path), True).status == "fail"
    assert doctor.check_dataset(path.is_file(), str(path), False).status == "warn"
    path.write_bytes(b"x")
    assert doctor.check_dataset(path.is_file(), str(path), True).status == "ok"
