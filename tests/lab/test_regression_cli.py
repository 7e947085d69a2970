"""``python -m lab.regression``: the table, --json, and bad options (exit 2)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lab import data
from lab import regression as ref
from lab.regression import __main__ as cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """main() sets PyTorch's thread count for its process; give the rest of the session its own back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_json_output_meets_the_target(housing, capsys):
    assert cli.main(["--test-size", "0.2", "--seed", "42", "--device", "cpu", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    gd, cf = out["gradient_descent"], out["closed_form"]
    assert out["device"] == "cpu" and (out["n_train"], out["n_test"]) == (16512, 4128)
    assert cf["test_r2"] == pytest.approx(0.5757877060, abs=1e-9)
    assert cf["test_mse"] == pytest.approx(0.5558915987, abs=1e-9)
    assert out["r2_gap"] == pytest.approx(abs(gd["test_r2"] - cf["test_r2"])) and out["r2_gap"] < 1e-3
    assert gd["stop_reason"] == "converged" and 0 < gd["iterations"] < gd["max_iter"]
    assert gd["seconds"] > 0 and out["threads"] == 1


def test_table_output(housing, capsys):
    assert cli.main(["--seed", "3", "--test-size", "0.3"]) == 0
    text = capsys.readouterr().out
    for needle in ("descente de gradient", "solution exacte", "R² test", "MSE test", "itérations", "temps (s)",
                   "converged", "test_size=0.3, seed=3", "Écart de R²"):
        assert needle in text


def test_divergence_is_reported(housing, capsys):
    assert cli.main(["--lr", "5", "--json"]) == 0
    gd = json.loads(capsys.readouterr().out)["gradient_descent"]
    assert gd["stop_reason"] == "diverged" and "DIVERGENCE" in gd["message"]


@pytest.mark.parametrize("argv, message", [
    (["--test-size", "0"], "strictement entre 0 et 1"),
    (["--test-size", "1"], "strictement entre 0 et 1"),
    (["--test-size", "1.5"], "strictement entre 0 et 1"),
    (["--test-size", "abc"], "nombre attendu"),
    (["--device", "tpu"], "invalid choice|choix invalide"),
    (["--seed", "x"], "invalid int|entier"),
    (["--lr", "-1"], "strictement positif"),
    (["--max-iter", "0"], "au moins 1"),
    (["--threads", "-2"], "positif ou nul"),
    (["--data-csv", "/nonexistent/cal_housing.csv"], "n'existe pas"),
])
def test_bad_options_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_cuda_without_gpu_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit) as info:
        cli.main(["--device", "cuda"])
    assert info.value.code == 2
    assert "aucun GPU CUDA" in capsys.readouterr().err


def test_data_unavailable_exits_1(monkeypatch, capsys):
    def unavailable(**kwargs):
        raise data.DataUnavailable("Impossible de charger California housing : test")

    monkeypatch.setattr(data, "load_california_housing", unavailable)
    assert cli.main(["--device", "cpu"]) == 1
    assert "Impossible de charger" in capsys.readouterr().err


def test_data_csv_is_passed_through(monkeypatch, housing, housing_csv, capsys):
    seen = {}

    def load(data_csv=None, data_home=None):
        seen["data_csv"] = data_csv
        return housing

    monkeypatch.setattr(data, "load_california_housing", load)
    assert cli.main(["--data-csv", str(housing_csv), "--json"]) == 0
    assert seen["data_csv"] == str(housing_csv)
    assert json.loads(capsys.readouterr().out)["r2_gap"] < 1e-3


@pytest.mark.slow
def test_module_entry_point(sklearn_data_home, housing):
    env = dict(os.environ, SCIKIT_LEARN_DATA=str(sklearn_data_home),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "lab.regression", "--json", "--device", "cpu"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gradient_descent"]["stop_reason"] == ref.CONVERGED
