"""The image's data step runs `python -m lab.data` with only the files it bind-mounts (so that editing the rest of
lab/ keeps the data layer cached): every module of this repository that lab.data imports must be among them."""

from __future__ import annotations

import ast
import re

from tests.support.processes import REPO


def repo_modules_imported_by(path) -> set[str]:
    """The lab.* / labtools.* modules a file imports at top level, as repository paths."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {"lab", "labtools"}:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] in {"lab", "labtools"})
    return {module.replace(".", "/") + ".py" for module in found}


def test_every_repository_module_lab_data_imports_is_mounted_in_the_data_step():
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    mounted = set(re.findall(r"--mount=type=bind,source=([\w/]+\.py),target=/tmp/labdata/\1", dockerfile))
    needed, todo = {"lab/__init__.py", "lab/data.py"}, ["lab/data.py"]
    while todo:
        for module in repo_modules_imported_by(REPO / todo.pop()):
            package = module.split("/")[0] + "/__init__.py"
            for path in (module, package):
                if path not in needed:
                    needed.add(path)
                    todo.append(path)
    assert needed <= mounted, f"not mounted in the data step: {sorted(needed - mounted)}"
    assert "labtools/datasets.py" in needed  # the scikit-learn cache rule lab.data takes from labtools
