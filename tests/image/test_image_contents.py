"""What the image contains: the pinned Python, the locked packages, its own record of both, the data set."""

from __future__ import annotations

import json
import re

from image_helpers import in_image

from labtools.policy import python_pin
from tests.support.processes import REPO


def pinned_python() -> str:
    pin = python_pin((REPO / "environment.yml").read_text())
    assert pin and pin.count(".") == 2, "environment.yml must pin python=X.Y.Z exactly"
    return pin


def test_python_is_the_exact_pin_and_a_year_behind():
    version = in_image("python", "-c", "import platform; print(platform.python_version())").stdout.strip()
    assert version == pinned_python()
    assert version.startswith("3.14."), "the course's rule: about a year behind the newest release (3.15)"


def test_course_stack_imports_and_torch_computes_on_cpu():
    code = (
        "import torch, sklearn, jupyterlab, pynvml, numpy as np\n"
        "a = torch.randn(64, 32, dtype=torch.float64); b = torch.randn(32, 16, dtype=torch.float64)\n"
        "assert np.allclose((a @ b).numpy(), a.numpy() @ b.numpy())\n"
        "x = torch.tensor(1., requires_grad=True); (3 * x ** 2).backward(); assert x.grad.item() == 6.0\n"
        "print(torch.__version__, torch.version.cuda, sklearn.__version__, jupyterlab.__version__)\n"
    )
    out = in_image("python", "-c", code).stdout.split()
    assert re.match(r"2\.\d+", out[0]) and out[1].startswith("13."), out  # CUDA 13 wheels


def test_recorded_lockfiles_match_what_pip_reports():
    recorded = in_image("cat", "/opt/lab/image-lock/pip-freeze.txt").stdout
    actual = in_image("python", "-m", "pip", "list", "--format=freeze").stdout
    assert recorded == actual
    versions = json.loads(in_image("cat", "/opt/lab/image-lock/versions.json").stdout)
    probe = in_image("python", "-c", "import platform, torch; print(platform.python_version(), torch.__version__,"
                     " torch.version.cuda)").stdout.split()
    assert [versions["python"], versions["torch"], versions["torch_cuda"]] == probe
    assert versions["python_source"] in {"conda", "system"}
    conda_meta = in_image("ls", "/opt/conda/envs/lab/conda-meta", check=False)
    if versions["python_source"] == "conda":  # conda: Python can never be upgraded by a later install
        assert in_image("cat", "/opt/conda/envs/lab/conda-meta/pinned").stdout.strip() == f"python {pinned_python()}"
        assert in_image("test", "-s", "/opt/lab/image-lock/conda-explicit.txt", check=False).returncode == 0
    else:
        assert conda_meta.returncode != 0, "a system-Python image must not pretend to be a conda environment"


def test_installed_packages_are_exactly_the_lock():
    """Every package of the lock for this platform is installed at its locked version, nothing else but `lab`."""
    code = (
        "import sys; sys.path.insert(0, '/opt/lab/docker'); import export_env as e, subprocess\n"
        "freeze = subprocess.run([sys.executable, '-m', 'pip', 'list', '--format=freeze'], capture_output=True,"
        " text=True).stdout\n"
        "installed = e.parse_freeze(freeze)\n"
        "diff = e.compare(installed, open('/opt/lab/requirements.txt').read())\n"
        "print(diff)\n"
        "assert not any(diff.values()), diff\n"
        "assert 'torch' in installed and 'lab' in installed\n"
    )
    in_image("python", "-c", code)


def test_data_set_is_cached_for_offline_use():
    code = (
        "from sklearn.datasets import fetch_california_housing\n"
        "h = fetch_california_housing(download_if_missing=False)\n"
        "print(h.data.shape, h.target.shape)\n"
    )
    assert in_image("python", "-c", code).stdout.strip() == "(20640, 8) (20640,)"


def test_environment_is_writable_by_the_student_group_not_by_others():
    out = in_image("stat", "-c", "%G %A", "/opt/conda/envs/lab/lib").stdout.split()
    assert out[0] == "users" and out[1][5] == "w" and out[1][8] != "w" and out[1][9] == "x"
    assert "users" in in_image("id", "-nG", "student").stdout.split()


def test_image_labels_and_metadata(built_image):
    config = built_image["Config"]
    assert config["Healthcheck"]["Test"][-1] == "/usr/local/bin/lab-healthcheck"
    assert "8888/tcp" in config["ExposedPorts"]
    assert config["Entrypoint"][0] == "tini"
    assert "NVIDIA_VISIBLE_DEVICES=all" in config["Env"]
    assert "NVIDIA_DRIVER_CAPABILITIES=compute,utility" in config["Env"]
    assert len(config["Labels"]["org.pytorch-lab.lock-sha256"]) == 64


def test_cuda_label_is_the_cuda_the_image_runs(built_image):
    """The doctor and `make lab` check the driver against this label without starting a container: it must be the
    CUDA of the image's own lock, with the major of the torch inside."""
    label = (built_image["Config"]["Labels"] or {}).get("org.pytorch-lab.cuda")
    code = ("from pathlib import Path; import torch; from labtools.policy import cuda_from_lock; "
            "print(cuda_from_lock(Path('/opt/lab/requirements.txt').read_text()), torch.version.cuda)")
    locked, torch_cuda = in_image("python", "-c", code).stdout.split()
    assert label == locked and label.split(".")[0] == torch_cuda.split(".")[0], (label, locked, torch_cuda)


def test_no_package_downloads_are_left_in_the_image():
    """apt's downloaded .debs and caches are build leftovers (123 MB on a debootstrap base without docker-clean)."""
    leftovers = in_image("find", "/var/cache/apt", "/var/lib/apt/lists", "-type", "f",
                         "(", "-name", "*.deb", "-o", "-name", "*.bin", "-o", "-name", "*_Packages*", ")").stdout
    assert leftovers.split() == []
