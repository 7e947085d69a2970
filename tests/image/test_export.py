"""`make export`: the course's own save commands, run in the image, written where a teacher can commit them."""

from __future__ import annotations

import hashlib
import shutil

from tests.support.processes import REPO, make


def test_make_export_writes_the_environment_and_leaves_the_lock_alone():
    lock = REPO / "requirements.txt"
    before = hashlib.sha256(lock.read_bytes()).hexdigest()
    exports = REPO / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    result = make("export")
    assert result.returncode == 0, result.stderr[-2000:]
    freeze = (exports / "requirements.freeze.txt").read_text()
    assert "@ file://" not in freeze
    assert any(line.startswith("torch==") for line in freeze.splitlines())
    exported = (exports / "environment.export.yml").read_text()
    assert "python=3.14." in exported and "torch==" in exported
    assert "correspond exactement au verrou" in result.stdout
    assert hashlib.sha256(lock.read_bytes()).hexdigest() == before
    shutil.rmtree(exports)
