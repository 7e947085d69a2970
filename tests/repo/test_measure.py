"""The pure parts of `make measure` (scripts/measure_image.py): summaries, the old-vs-new table, the kernel
messages (tests/support/kernel.py) and the record of previous figures. The measuring itself prints numbers and is
not a test."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import measure_image as m  # noqa: E402

from tests.support import kernel  # noqa: E402


def test_summary_is_the_median_with_its_spread_and_runs():
    summary = m.summarize([3.0, 1.0, 2.0, 10.0])
    assert summary == {"median": 2.5, "min": 1.0, "max": 10.0, "runs": [3.0, 1.0, 2.0, 10.0]}
    assert m.describe(m.summarize([4.0, 2.0, 3.0])) == "3.00 (2.00–4.00, n=3)"
    assert m.describe(m.summarize([1.234])) == "1.23"
    assert m.describe(6.384) == "6.38" and m.describe(None) == "—"


def test_table_puts_previous_and_new_figures_side_by_side_in_a_fixed_order():
    text = m.table({"previous": {"start": {"median": 9.9, "min": 9, "max": 11, "runs": [9, 9.9, 11]},
                                 "image_size_gb": 6.38},
                    "now": {"image_size_gb": 6.58, "start": m.summarize([3.0]), "rebuild": m.summarize([8.0, 9.0])}})
    lines = text.splitlines()
    assert lines[0].split() == ["previous", "now"]
    assert lines[1].startswith(m.LABELS["image_size_gb"]) and lines[1].split()[-2:] == ["6.38", "6.58"]
    assert lines[2].startswith(m.LABELS["start"]) and "9.90 (9.00–11.00, n=3)" in lines[2] and lines[2].endswith("3.00")
    assert lines[3].startswith(m.LABELS["rebuild"]) and "—" in lines[3] and "8.50 (8.00–9.00, n=2)" in lines[3]
    assert len(lines) == 4  # figures nobody measured are left out


def test_execute_request_and_its_reply_are_matched_by_message_id():
    request = kernel.execute_request("import torch", "session-1")
    assert request["channel"] == "shell" and request["header"]["msg_type"] == "execute_request"
    assert request["content"]["code"] == "import torch" and request["header"]["session"] == "session-1"
    msg_id = request["header"]["msg_id"]
    assert kernel.execute_request("x", "s")["header"]["msg_id"] != msg_id
    json.dumps(request)  # what goes over the websocket

    def message(kind, parent, **content):
        return {"msg_type": kind, "header": {"msg_type": kind}, "parent_header": {"msg_id": parent},
                "content": content}

    assert kernel.reply_to(message("execute_reply", msg_id, status="ok"), msg_id) == "reply"
    assert kernel.reply_to(message("stream", msg_id, name="stdout", text="1.5\n"), msg_id) == "stdout"
    assert kernel.reply_to(message("stream", msg_id, name="stderr", text="warning"), msg_id) == "stderr"
    assert kernel.reply_to(message("error", msg_id, ename="NameError", evalue="x"), msg_id) == "error"
    assert kernel.reply_to(message("status", msg_id, execution_state="idle"), msg_id) == "idle"
    assert kernel.reply_to(message("execute_reply", "another", status="ok"), msg_id) is None
    assert kernel.reply_to(message("status", msg_id, execution_state="busy"), msg_id) is None


def test_previous_figures_come_from_the_committed_record(tmp_path):
    assert m.load_previous(tmp_path / "missing.json") == {}
    record = json.loads(m.RESULTS.read_text())
    assert m.RESULTS.parent.name == "docs" and (m.RESULTS.parent / "measurements.md").exists()
    assert {"date", "load", "figures"} <= set(record) and "image_size_gb" in record["figures"]
    assert all(name in m.LABELS for name in record["figures"]), "every recorded figure has a label"


def test_unknown_figures_and_a_comparison_without_its_repo_are_refused(capsys):
    with pytest.raises(SystemExit):
        m.main(["--only", "start,nope"])
    assert "unknown figure(s) nope" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        m.main(["--compare", "old:tag"])
    assert "--compare-repo" in capsys.readouterr().err
