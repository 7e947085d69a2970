"""`make bench` runs the transfer benchmark in a lab container and leaves its results in the work directory."""

from __future__ import annotations

import json
import pwd


def test_make_bench_quick_writes_results_owned_by_the_user(idle_lab):
    result = idle_lab.make("bench", BENCH_ARGS="--quick", timeout=600)
    bench = idle_lab.work / "bench"
    report = json.loads((bench / "bench_transfer.json").read_text())
    assert report["environment"]["torch"].startswith("2.")
    assert (bench / "bench_time.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (bench / "bench_transfer.csv").stat().st_size > 0
    uid = pwd.getpwnam(idle_lab.user).pw_uid
    assert {path.stat().st_uid for path in bench.iterdir()} == {uid}
    assert "GPU" in result.stdout + result.stderr  # says whether a GPU was used (here: none)
    assert f"résultats dans {idle_lab.work}" in result.stdout
