"""lab.data: scikit-learn's real fetch, its cache seeded offline from the raw file, clear errors otherwise.

The network is never used: the download fails deterministically at scikit-learn's own boundary
(``urlretrieve`` in ``sklearn.datasets._base``) or at the DNS probe.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.error import URLError

import joblib
import numpy as np
import pytest
import sklearn.datasets._base as sk_base
from sklearn.datasets import fetch_california_housing

from lab import data

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network and no copy found by accident: scikit-learn's download raises URLError, quickly."""
    calls = []

    def fail(url, *args, **kwargs):
        calls.append(url)
        raise URLError("network disabled in tests")

    monkeypatch.setattr(sk_base, "urlretrieve", fail)
    monkeypatch.setattr(data, "_host_resolves", lambda host: True)  # exercise scikit-learn's own download path
    monkeypatch.setattr(data, "DOWNLOAD_RETRIES", 1)
    monkeypatch.setattr(data, "DOWNLOAD_DELAY_S", 0.01)
    monkeypatch.delenv(data.ENV_CSV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(data.ENV_SHARED_DIR, raising=False)
    return calls


def _expected_from_csv(csv):
    """scikit-learn's transformation written out independently, from the README's description."""
    raw = np.loadtxt(csv, delimiter=",", skiprows=1)
    lon, lat, age, rooms, bedrooms, population, households, income, value = raw.T
    x = np.column_stack([income, age, rooms / households, bedrooms / households, population,
                         population / households, lat, lon])
    return x, value / 100000.0


def test_cache_file_name_is_the_one_installed_sklearn_reads(tmp_path):
    assert data.cache_path(tmp_path) == tmp_path / "cal_housing_py3.pkz"
    assert sk_base._pkl_filepath(str(tmp_path), "cal_housing.pkz") == str(data.cache_path(tmp_path))
    assert not data.is_cached(tmp_path / "empty")
    assert not (tmp_path / "empty").exists()  # asking does not create the folder


def test_download_failure_seeds_cache_from_copy_and_loads_through_sklearn(offline, housing_csv, tmp_path):
    home = tmp_path / "sk"
    bunch = data.load_california_housing(data_csv=housing_csv, data_home=home)

    assert offline, "the real scikit-learn download must be attempted first"
    assert data.is_cached(home)
    assert sorted(p.name for p in home.iterdir()) == ["cal_housing_py3.pkz"]  # no partial downloads left behind
    x, y = _expected_from_csv(housing_csv)
    assert bunch.data.shape == (20640, 8) and bunch.target.shape == (20640,)
    assert bunch.feature_names[:2] == ["MedInc", "HouseAge"]
    np.testing.assert_allclose(bunch.data, x, rtol=1e-12)
    np.testing.assert_allclose(bunch.target, y, rtol=1e-12)

    # The cache is what scikit-learn itself writes: the reordered raw float64 array, joblib-compressed.
    cached = joblib.load(data.cache_path(home))
    raw = np.loadtxt(housing_csv, delimiter=",", skiprows=1)
    assert cached.dtype == np.float64
    np.testing.assert_array_equal(cached, raw[:, [8, 7, 2, 3, 4, 5, 6, 1, 0]])

    # Now cached: scikit-learn loads it without any download, and so do we.
    offline.clear()
    again = fetch_california_housing(data_home=home, download_if_missing=False)
    np.testing.assert_array_equal(again.data, bunch.data)
    np.testing.assert_array_equal(data.load_california_housing(data_home=home).target, bunch.target)
    assert offline == []


def test_unresolvable_host_skips_the_retries(monkeypatch, housing_csv, tmp_path):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    def no_download(*args, **kwargs):
        raise AssertionError("must not try to download when DNS fails")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sk_base, "urlretrieve", no_download)
    bunch = data.load_california_housing(data_csv=housing_csv, data_home=tmp_path)
    assert bunch.data.shape == (20640, 8)


def test_env_variable_points_at_the_copy(offline, housing_csv, tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_CSV, str(housing_csv))
    assert data.load_california_housing(data_home=tmp_path / "sk").data.shape == (20640, 8)


def test_copy_in_the_working_directory_is_found(offline, housing_csv, tmp_path):
    shutil.copy(housing_csv, tmp_path / "cal_housing.csv")  # offline chdir'ed into tmp_path
    assert data.load_california_housing(data_home=tmp_path / "sk").target.shape == (20640,)


def test_no_network_and_no_copy_gives_a_clear_french_error(offline, tmp_path):
    home = tmp_path / "sk"
    with pytest.raises(data.DataUnavailable) as info:
        data.load_california_housing(data_home=home)
    message = str(info.value)
    assert "téléchargement a échoué" in message and "URLError" in message
    assert "aucune copie locale" in message and "LAB_HOUSING_CSV" in message and "--csv" in message
    assert isinstance(info.value.download_error, URLError)
    assert info.value.__suppress_context__  # no bare network traceback above the explanation
    assert offline and not data.is_cached(home)


def test_modified_copy_is_refused_with_its_checksum(offline, housing_csv, tmp_path):
    bad = tmp_path / "cal_housing.csv"
    bad.write_bytes(housing_csv.read_bytes().replace(b"\n", b"\r\n"))  # re-saved by a spreadsheet
    with pytest.raises(data.DataUnavailable, match="sha256") as info:
        data.load_california_housing(data_csv=bad, data_home=tmp_path / "sk")
    assert "copie locale refusée" in str(info.value)
    assert not data.is_cached(tmp_path / "sk")


def test_missing_explicit_file_is_reported_at_once(offline, tmp_path):
    with pytest.raises(data.DataUnavailable, match="n'existe pas"):
        data.load_california_housing(data_csv=tmp_path / "nope.csv", data_home=tmp_path / "sk")
    assert offline == []  # no download attempted for a typo


def test_cli_seeds_the_cache(offline, housing_csv, tmp_path, capsys):
    home = tmp_path / "sk"
    assert data.main(["--csv", str(housing_csv), "--data-home", str(home)]) == 0
    assert "✅" in capsys.readouterr().out
    assert data.is_cached(home)


def test_cli_without_data_fails_or_warns(offline, tmp_path, capsys):
    home = str(tmp_path / "sk")
    assert data.main(["--data-home", home]) == 1
    assert "Impossible de charger California housing" in capsys.readouterr().err
    assert data.main(["--data-home", home, "--allow-missing"]) == 0
    assert "Avertissement" in capsys.readouterr().err
    assert data.main(["--csv", str(tmp_path / "absent.csv"), "--data-home", home]) == 1
    assert "n'existe pas" in capsys.readouterr().err
    # the image build: a seed file that may be absent must not break the build
    assert data.main(["--csv", str(tmp_path / "absent.csv"), "--data-home", home, "--allow-missing"]) == 0


def test_cli_no_download_never_touches_the_network(offline, housing_csv, tmp_path, capsys):
    home = str(tmp_path / "sk")
    assert data.main(["--data-home", home, "--no-download"]) == 1
    assert "téléchargement non tenté" in capsys.readouterr().err
    assert data.main(["--data-home", home, "--no-download", "--csv", str(housing_csv)]) == 0
    assert data.is_cached(home)
    assert offline == []  # scikit-learn's downloader was never called


def test_module_entry_point_with_a_cached_home(sklearn_data_home):
    if not data.is_cached(sklearn_data_home):
        pytest.skip("no seeded cache in this environment")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "lab.data", "--data-home", str(sklearn_data_home)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(data.cache_path(sklearn_data_home)) in done.stdout
