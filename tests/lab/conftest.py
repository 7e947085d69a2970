"""Lab tests read California housing from a private scikit-learn data home, never from the network.

The home is seeded once per session from the shared raw file (``../shared`` beside the repository, or
``$LAB_SHARED_DIR``) with ``lab.data.seed_cache_from_csv``; ``SCIKIT_LEARN_DATA`` points at it for the tests
and for the notebook kernels they start (``lab.data`` itself knows no checkout layout, only these variables).
Without the shared file (e.g. inside the image), an existing scikit-learn cache is copied instead, and tests that
need the raw file itself are skipped with the reason.
"""

import os
import shutil
from pathlib import Path

import pytest

from lab import data

REPO = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get(data.ENV_SHARED_DIR) or REPO.parent / "shared")
HOUSING_CSV = SHARED_DIR / "data" / "california_housing" / "cal_housing.csv"


@pytest.fixture(scope="session", autouse=True)
def progress_dir(tmp_path_factory) -> Path:
    """Checks called by the tests are recorded (lab.progress) in a private folder, never in ~/work."""
    path = tmp_path_factory.mktemp("progress") / ".progress"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAB_PROGRESS_DIR", str(path))
        yield path


@pytest.fixture(scope="session")
def housing_csv() -> Path:
    if not HOUSING_CSV.is_file():
        pytest.skip(f"raw California housing file not found at {HOUSING_CSV} (set LAB_SHARED_DIR)")
    return HOUSING_CSV


@pytest.fixture(scope="session", autouse=True)
def sklearn_data_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("scikit_learn_data")
    if HOUSING_CSV.is_file():
        data.seed_cache_from_csv(HOUSING_CSV, home)
    elif data.is_cached():
        shutil.copy(data.cache_path(), home / data.cache_path().name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCIKIT_LEARN_DATA", str(home))
        yield home


@pytest.fixture(scope="session")
def housing(sklearn_data_home):
    """scikit-learn's Bunch, loaded from the private cache (skips, with the reason, if there is none)."""
    if not data.is_cached(sklearn_data_home):
        pytest.skip("no California housing: neither the shared raw file nor a scikit-learn cache is available")
    from sklearn.datasets import fetch_california_housing

    return fetch_california_housing(data_home=sklearn_data_home, download_if_missing=False)
