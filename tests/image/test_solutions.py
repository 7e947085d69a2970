"""`make solutions`: the teacher's solved notebooks, written by the image's own `lab` package."""

from __future__ import annotations

import json

from tests.support.processes import make


def test_make_solutions_writes_every_solved_notebook(tmp_path):
    result = make("solutions", f"SOLUTIONS_DIR={tmp_path}", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    notebooks = sorted(tmp_path.glob("*.ipynb"))
    assert [path.name[:2] for path in notebooks] == ["00", "01", "02", "03", "04", "05"]
    for path in notebooks:
        code = "\n".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]
                         if cell["cell_type"] == "code")
        assert "check_" in code
        assert "BEGIN SOLUTION" not in code and 'NotImplementedError("Exercice à compléter")' not in code
