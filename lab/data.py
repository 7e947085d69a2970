"""California housing through scikit-learn's real ``fetch_california_housing()``.

Online, scikit-learn downloads and caches the data set as usual.  Offline and
without a cache, the raw StatLib table (``cal_housing.csv``, the archive's
``cal_housing.data`` with a header line) can seed scikit-learn's cache exactly
as scikit-learn itself would have written it; the data is then loaded through
``fetch_california_housing()`` again, so students always get scikit-learn's
own Bunch.  When neither works, :class:`DataUnavailable` says what failed and
how to fix it (in French, the course's language).

Where a local copy is looked for, in order (first existing file wins):
the ``data_csv`` argument if given, otherwise ``$LAB_HOUSING_CSV``, then
``DEFAULT_CSV_LOCATIONS``: ``./cal_housing.csv``, ``~/cal_housing.csv``,
``~/work/cal_housing.csv``, ``<data home>/cal_housing.csv`` and, when
``$LAB_SHARED_DIR`` names a shared data folder (the tests set it; so can a
class), ``$LAB_SHARED_DIR/data/california_housing/cal_housing.csv``.
Nothing here knows where a checkout or an image keeps files: configuration
(these variables, scikit-learn's ``SCIKIT_LEARN_DATA``) says it.

Command line (used by the image build)::

    python -m lab.data [--csv PATH] [--data-home DIR] [--allow-missing]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import numpy as np

from labtools.datasets import california_cache, california_cache_name, sklearn_data_home

__all__ = [
    "CSV_SHA256",
    "DataUnavailable",
    "cache_path",
    "candidate_csv_paths",
    "ensure_cached",
    "is_cached",
    "load_california_housing",
    "seed_cache_from_csv",
]

#: sha256 of the raw table with its header line (see data/california_housing/README.md in the shared data folder).
CSV_SHA256 = "534365b6c3c9b07c2b7d88e0ff9f1b41725d8b799748f5c0b80e1067f51c8ab3"
CSV_ROWS, CSV_COLUMNS = 20640, 9
#: scikit-learn's column order for its cached raw array (value, income, age, ..., latitude, longitude).
SKLEARN_COLUMN_ORDER = [8, 7, 2, 3, 4, 5, 6, 1, 0]
ENV_CSV = "LAB_HOUSING_CSV"
#: A shared data folder (read-only is fine) holding data/california_housing/cal_housing.csv.
ENV_SHARED_DIR = "LAB_SHARED_DIR"
SHARED_CSV = Path("data", "california_housing", "cal_housing.csv")
#: Seconds before a silent network gives up (urlretrieve has no timeout of its own).
DOWNLOAD_TIMEOUT_S = 15.0
#: Passed to fetch_california_housing (scikit-learn's defaults); tests shorten them.
DOWNLOAD_RETRIES = 3
DOWNLOAD_DELAY_S = 1.0



def _default_locations(data_home: str | os.PathLike | None) -> list[Path]:
    locations = [
        Path.cwd() / "cal_housing.csv",
        Path.home() / "cal_housing.csv",
        Path.home() / "work" / "cal_housing.csv",
        sklearn_data_home(data_home) / "cal_housing.csv",
    ]
    if os.environ.get(ENV_SHARED_DIR):
        locations.append(Path(os.environ[ENV_SHARED_DIR]).expanduser() / SHARED_CSV)
    return locations


DEFAULT_CSV_LOCATIONS = ("./cal_housing.csv, ~/cal_housing.csv, ~/work/cal_housing.csv, <data home>/cal_housing.csv, "
                         f"${ENV_SHARED_DIR}/{SHARED_CSV.as_posix()}")

HOW_TO_FIX = (
    "Pour corriger, au choix :\n"
    "  1. connectez-vous à Internet et relancez (scikit-learn télécharge les données une fois, puis les garde en cache) ;\n"
    "  2. récupérez le fichier cal_housing.csv (auprès de l'enseignant) et passez son chemin : "
    "load_california_housing(data_csv='chemin/cal_housing.csv') ou `python -m lab.data --csv chemin/cal_housing.csv` ;\n"
    f"  3. ou indiquez-le par la variable d'environnement {ENV_CSV}=chemin/cal_housing.csv."
)


class DataUnavailable(RuntimeError):
    """California housing could not be loaded: no cache, no network, no usable local copy."""


def cache_path(data_home: str | os.PathLike | None = None) -> Path:
    """Where scikit-learn keeps (or would keep) California housing (labtools.datasets' rule)."""
    return california_cache(data_home)


def is_cached(data_home: str | os.PathLike | None = None) -> bool:
    """True when ``fetch_california_housing`` will load from disk without the network."""
    return cache_path(data_home).is_file()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def seed_cache_from_csv(csv_path: str | os.PathLike, data_home: str | os.PathLike | None = None) -> Path:
    """Write scikit-learn's cache file from the raw csv, as ``fetch_california_housing`` would have.

    Verifies the csv's sha256 first; raises DataUnavailable if the file is not the expected copy.
    """
    import joblib
    from sklearn.datasets import get_data_home

    csv_path = Path(csv_path).expanduser()
    if not csv_path.is_file():
        raise DataUnavailable(f"Le fichier {csv_path} n'existe pas.\n{HOW_TO_FIX}")
    checksum = _sha256(csv_path)
    if checksum != CSV_SHA256:
        raise DataUnavailable(
            f"Le fichier {csv_path} n'est pas la copie attendue de cal_housing.csv "
            f"(sha256 {checksum}, attendu {CSV_SHA256}). Il a peut-être été modifié "
            "(ouvert et réenregistré dans un tableur ?) : récupérez une copie intacte.\n" + HOW_TO_FIX
        )
    raw = np.loadtxt(csv_path, delimiter=",", skiprows=1)
    if raw.shape != (CSV_ROWS, CSV_COLUMNS):  # cannot happen with the right checksum; cheap to say clearly
        raise DataUnavailable(f"{csv_path} a la forme {raw.shape}, attendu {(CSV_ROWS, CSV_COLUMNS)}.")
    home = Path(get_data_home(data_home))  # creates the folder, like scikit-learn does
    target = home / california_cache_name()
    tmp = target.with_name(target.name + f".part-{os.getpid()}")
    try:
        joblib.dump(raw[:, SKLEARN_COLUMN_ORDER], tmp, compress=6)
        os.replace(tmp, target)  # atomic: a reader never sees a half-written cache
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _download_host() -> str | None:
    """Host name of the URL scikit-learn downloads from (None if it cannot be read)."""
    try:
        from sklearn.datasets._california_housing import ARCHIVE
    except ImportError:
        return None
    return urllib.parse.urlsplit(ARCHIVE.url).hostname


def _host_resolves(host: str | None) -> bool:
    """False when DNS cannot resolve the download host: we are offline, no point retrying."""
    if host is None or urllib.request.getproxies().get("https"):
        return True  # unknown host, or a proxy resolves names for us: let scikit-learn try
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


def _download(data_home):
    """scikit-learn's real download, bounded in time, with its retry warnings kept quiet."""
    from sklearn.datasets import fetch_california_housing

    host = _download_host()
    if not _host_resolves(host):
        # Offline: fail at once instead of letting scikit-learn retry (and sleep) three times.
        raise urllib.error.URLError(f"le nom d'hôte {host} ne se résout pas (pas de réseau ?)")
    previous = socket.getdefaulttimeout()
    if previous is None:
        socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        retry = {}
        if "n_retries" in inspect.signature(fetch_california_housing).parameters:  # scikit-learn >= 1.5
            retry = {"n_retries": DOWNLOAD_RETRIES, "delay": DOWNLOAD_DELAY_S}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fetch_california_housing(data_home=data_home, **retry)
    finally:
        socket.setdefaulttimeout(previous)


def candidate_csv_paths(data_csv=None, data_home=None) -> list[Path]:
    """Local copies to try, in order: the argument alone if given, else $LAB_HOUSING_CSV then the defaults."""
    if data_csv is not None:
        return [Path(data_csv).expanduser()]
    paths = []
    if os.environ.get(ENV_CSV):
        paths.append(Path(os.environ[ENV_CSV]).expanduser())
    paths.extend(_default_locations(data_home))
    return paths


def load_california_housing(data_csv: str | os.PathLike | None = None, data_home: str | os.PathLike | None = None,
                            download: bool = True):
    """Return ``sklearn.datasets.fetch_california_housing()``'s Bunch, offline-capable.

    Order: scikit-learn's cache, then scikit-learn's download (unless ``download=False``: known to be
    offline), then seeding the cache from a local copy of the raw csv (``data_csv``, ``$LAB_HOUSING_CSV``,
    known locations).
    Raises DataUnavailable (French message: what failed, how to fix) when all three fail.
    """
    from sklearn.datasets import fetch_california_housing

    if data_csv is not None and not Path(data_csv).expanduser().is_file():
        raise DataUnavailable(f"Le fichier de données indiqué n'existe pas : {data_csv}\n{HOW_TO_FIX}")
    if is_cached(data_home):
        return fetch_california_housing(data_home=data_home, download_if_missing=False)
    download_error = None
    if download:
        try:
            return _download(data_home)
        except OSError as exc:  # URLError, HTTPError, socket timeouts, DNS errors, bad checksum
            download_error = exc

    problems = []
    for path in candidate_csv_paths(data_csv, data_home):
        if not path.is_file():
            continue
        try:
            seed_cache_from_csv(path, data_home)
        except DataUnavailable as exc:
            problems.append(str(exc).split("\n")[0])
            continue
        return fetch_california_housing(data_home=data_home, download_if_missing=False)

    searched = [str(p) for p in candidate_csv_paths(data_csv, data_home)]
    lines = [
        "Impossible de charger California housing :",
        f"  - pas de cache scikit-learn dans {cache_path(data_home)} ;",
        f"  - le téléchargement a échoué ({type(download_error).__name__}: {download_error}) — êtes-vous hors ligne ?"
        if download_error is not None else "  - téléchargement non tenté (mode hors ligne demandé) ;",
    ]
    if problems:
        lines += [f"  - copie locale refusée : {p}" for p in problems]
    else:
        lines.append("  - aucune copie locale de cal_housing.csv trouvée (cherchée dans : " + ", ".join(searched) + ").")
    error = DataUnavailable("\n".join(lines) + "\n" + HOW_TO_FIX)
    error.download_error = download_error  # kept for the curious; the message already says what failed
    raise error from None  # no network traceback above the explanation


def ensure_cached(data_csv=None, data_home=None, download: bool = True) -> Path:
    """Make sure scikit-learn's cache holds the data set; return the cache file."""
    load_california_housing(data_csv=data_csv, data_home=data_home, download=download)
    return cache_path(data_home)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.data",
        description="Met California housing dans le cache de scikit-learn (téléchargement, ou copie locale hors ligne).",
    )
    parser.add_argument("--csv", help="copie locale de cal_housing.csv (utilisée si le téléchargement échoue)")
    parser.add_argument("--data-home",
                        help="dossier de données scikit-learn (défaut : $SCIKIT_LEARN_DATA ou ~/scikit_learn_data)")
    parser.add_argument(
        "--allow-missing", action="store_true",
        help="si les données sont introuvables : avertir et sortir avec le code 0 (construction d'image)",
    )
    parser.add_argument("--no-download", action="store_true",
                        help="ne pas tenter le téléchargement (hors ligne connu) : cache ou copie locale seulement")
    args = parser.parse_args(argv)
    csv = args.csv
    if csv is not None and not Path(csv).expanduser().is_file():
        if not args.allow_missing:
            print(f"Erreur : le fichier {csv} n'existe pas.\n{HOW_TO_FIX}", file=sys.stderr)
            return 1
        csv = None  # fall back to the download and the usual locations
    try:
        path = ensure_cached(csv, args.data_home, download=not args.no_download)
    except DataUnavailable as exc:
        if args.allow_missing:
            print(f"Avertissement : {exc}\n(--allow-missing : on continue sans les données)", file=sys.stderr)
            return 0
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    print(f"✅ California housing est dans le cache de scikit-learn : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
