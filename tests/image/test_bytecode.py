"""The lab's imports use the bytecode compiled into the image: nothing is recompiled at each start."""

from __future__ import annotations

import json

import pytest
from image_helpers import IMAGE, TEST_UID, in_image

from tests.support.processes import docker

# Run as the student (the start script remaps uid TEST_UID, group `users`), with bytecode writing allowed,
# so that any module Python had to recompile would leave a new .pyc behind.
PROBE = r"""
import json, os, pathlib, sys, sysconfig, time
site = sysconfig.get_path("purelib")
started = time.time() - 1
import torch, sklearn.linear_model, numpy, matplotlib.pyplot
import jupyter_server.serverapp, jupyterlab.labapp, ipykernel.kernelapp, nbformat, jupytext
imported = [m.__spec__ for m in list(sys.modules.values())
            if getattr(m, "__spec__", None) and m.__spec__.cached and (m.__spec__.origin or "").startswith(site)]
print(json.dumps({
    "uid": os.getuid(),
    "dont_write_bytecode": sys.flags.dont_write_bytecode,
    "can_write": os.access(os.path.join(site, "torch", "__pycache__"), os.W_OK),
    "imported": len(imported),
    "written": [str(p) for p in pathlib.Path(site).rglob("*.pyc") if p.stat().st_mtime >= started],
    "rfc3987_syntax_loaded": "rfc3987_syntax" in sys.modules,
}))
"""


@pytest.fixture(scope="module")
def student_probe() -> dict:
    out = docker("run", "--rm", "-e", f"NB_UID={TEST_UID}", "-e", f"NB_GID={TEST_UID}", "-e", "JUPYTER_TOKEN=probe",
                 IMAGE, "env", "-u", "PYTHONDONTWRITEBYTECODE", "python", "-c", PROBE).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_student_imports_the_stack_from_the_image_bytecode_and_writes_none(student_probe):
    probe = student_probe
    assert probe["uid"] == TEST_UID and not probe["dont_write_bytecode"]
    assert probe["can_write"], "the probe is only meaningful if the student could write missing bytecode"
    assert probe["imported"] > 1000, probe["imported"]
    assert probe["written"] == [], f"{len(probe['written'])} .pyc recompiled at import, e.g. {probe['written'][:5]}"


def test_jupyter_start_does_not_build_the_rfc3987_syntax_parsers(student_probe):
    """jsonschema uses rfc3987 when present; rfc3987-syntax builds Lark parsers at import (seconds here)."""
    assert student_probe["rfc3987_syntax_loaded"] is False


def test_every_module_of_torch_and_sklearn_has_its_bytecode_except_their_test_suites():
    code = (
        "import importlib.util, os, pathlib, re, torch, sklearn\n"
        "for package in (torch, sklearn):\n"
        "    root = pathlib.Path(package.__file__).parent\n"
        "    sources = [p for p in root.rglob('*.py') if not re.search('/tests?/', str(p))]\n"
        "    compiled = [p for p in sources if os.path.exists(importlib.util.cache_from_source(str(p)))]\n"
        "    print(package.__name__, len(sources), len(compiled))\n"
    )
    for line in in_image("python", "-c", code).stdout.splitlines():
        name, sources, compiled = line.split()
        assert int(sources) > 100 and compiled == sources, line
