"""Where scikit-learn caches California housing, written once: the course package (lab.data) loads and seeds it,
the doctor checks it is there. Standard library only (the doctor imports it without scikit-learn); the cache
file's name is asked of the installed scikit-learn when there is one."""

from __future__ import annotations

import os
from pathlib import Path

# The name every scikit-learn since 0.20 gives the cache (sklearn.datasets._base._pkl_filepath("cal_housing.pkz")).
CALIFORNIA_CACHE_NAME = "cal_housing_py3.pkz"


def sklearn_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """scikit-learn's data home (the rule of sklearn.datasets.get_data_home: the argument, else $SCIKIT_LEARN_DATA,
    else ~/scikit_learn_data), without creating it."""
    if data_home is None:
        data_home = os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))
    return Path(os.path.expanduser(os.fspath(data_home)))


def california_cache_name() -> str:
    """The file name the installed scikit-learn reads; CALIFORNIA_CACHE_NAME without scikit-learn (or if its
    private helper moved)."""
    try:
        from sklearn.datasets._base import _pkl_filepath
    except ImportError:
        return CALIFORNIA_CACHE_NAME
    return os.path.basename(_pkl_filepath("cal_housing.pkz"))


def california_cache(data_home: str | os.PathLike | None = None) -> Path:
    """Where scikit-learn keeps (or would keep) California housing."""
    return sklearn_data_home(data_home) / california_cache_name()
