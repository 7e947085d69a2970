"""The hashed lock is complete and up to date with its human-edited input (`make lock`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support.processes import make

REPO = Path(__file__).resolve().parents[2]


def requirement_blocks(text: str) -> list[str]:
    """One string per requirement of a pip lock, its continuation lines (hashes) joined."""
    return [block for block in re.split(r"\n(?=\S)", text.replace("\\\n", " ")) if block and block[0] not in "# "]


def test_every_locked_requirement_is_pinned_exactly_with_hashes():
    blocks = requirement_blocks((REPO / "requirements.txt").read_text())
    names = {re.split(r"[=;\s]", block, maxsplit=1)[0].lower() for block in blocks}
    for wanted in ("torch", "scikit-learn", "jupyterlab", "nvidia-ml-py", "pytest", "uv"):
        assert wanted in names
    for block in blocks:
        assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==\S+", block), block
        assert "--hash=sha256:" in block, f"no hash for {block[:60]}"


def test_lock_covers_linux_x86_64_and_aarch64():
    """CUDA wheels are linux-only: their markers name both machines, so the lock installs on either."""
    text = (REPO / "requirements.txt").read_text()
    assert "platform_machine == 'aarch64'" in text and "platform_machine == 'x86_64'" in text


@pytest.mark.slow
def test_make_lock_reproduces_the_committed_lock(tmp_path):
    """uv keeps the pins of an existing output file: recompiling a copy changes nothing if the lock is fresh."""
    copy = tmp_path / "requirements.txt"
    shutil.copy(REPO / "requirements.txt", copy)
    result = make("lock", f"LOCK_OUTPUT={copy}", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert requirement_blocks(copy.read_text()) == requirement_blocks((REPO / "requirements.txt").read_text())
