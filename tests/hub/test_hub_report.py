"""scripts/hub_report.py: the plot and the numbers block `make measure-hub --save` writes."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from hub_report import BEGIN, END, save  # noqa: E402  (scripts/ is put on the path just above)

pytestmark = pytest.mark.pure

RESULTS = {
    "conditions": {"cpus": 2, "memory_gib": 23.5, "kernel": "6.1", "image": "lab:x", "repeat": 1,
                   "date": "2026-12-03 09:00 UTC", "load_average_at_start": (4.2, 4, 4),
                   "load_average_at_end": (9.5, 8, 7)},
    "spawn": {1: {"succeeded": 1, "tried": 1, "failed": 0, "median_s": 1.5, "max_s": 1.5},
              30: {"succeeded": 29, "tried": 30, "failed": 1, "median_s": 35.8, "max_s": 41.7}},
    "first_start": {"students": 30, "succeeded": 30, "median_s": 40.1, "max_s": 50.2},
}


def test_save_writes_a_plot_and_replaces_only_its_block(tmp_path):
    page = tmp_path / "measurements.md"
    page.write_text(f"# Measurements\n\nbefore\n\n{BEGIN}\nold numbers\n{END}\n\nafter\n")
    save(RESULTS, tmp_path)
    svg = ET.parse(tmp_path / "hub-spawn.svg").getroot()
    circles = svg.findall("{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 4  # median and max at 1 and 30 students
    # the 30-student max (41.7 s) is drawn higher (smaller y) than the 1-student median (1.5 s)
    assert min(float(c.get("cy")) for c in circles) < max(float(c.get("cy")) for c in circles)
    assert "1 failed" in (tmp_path / "hub-spawn.svg").read_text()
    text = page.read_text()
    assert "old numbers" not in text and text.startswith("# Measurements\n\nbefore") and text.endswith("after\n")
    assert "| 30 | 35.8 s | 41.7 s | 1/30 |" in text and "load average 4.2 → 9.5" in text
    assert "| 30, first start (notebooks seeded into new volumes) | 40.1 s | 50.2 s | 0/30 |" in text
    save(RESULTS, tmp_path)
    assert page.read_text() == text  # idempotent: one block, replaced in place
