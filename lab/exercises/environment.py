"""Checks, part 00 (environment): the course's rules as checks a student can run.

Rule 1: not the newest Python. Rule 2: work in an environment. Saving an environment: ``pip freeze`` and
``conda env export``.
"""

from __future__ import annotations

import random
import re
import secrets
import string
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from lab.checks import CheckFailed, NotDone, call, ok, register_checks, require
from lab.solutions import environment as ref
from labtools.policy import PYTHON_RELEASE_DATES as RELEASE_DATES
from labtools.policy import RULE1_MIN_AGE_DAYS as MIN_AGE_DAYS

__all__ = [
    "RELEASE_DATES", "MIN_AGE_DAYS", "diagnostic",
    "check_python_version", "check_follows_rule_1", "check_environment_kind",
    "check_parse_freeze", "check_differences", "check_export_versions",
    "TERMINAL_FREEZE", "check_terminal_freeze",
]


def _rng() -> random.Random:
    return random.Random(secrets.randbits(64))


def diagnostic() -> None:
    """Print this machine's answers to rules 1 and 2 (computed with the reference solutions)."""
    version = ref.python_version()
    released = RELEASE_DATES.get(version)
    print(f"Python {sys.version.split()[0]} ({sys.executable})")
    if released is None:
        print("Date de sortie inconnue de ce cours : vérifiez sur python.org.")
    else:
        age = (date.today() - released).days
        verdict = "respectée" if ref.follows_rule_1(released, date.today()) else "NON respectée (version trop récente)"
        print(f"Python {version[0]}.{version[1]} est sorti le {released} (il y a {age} jours) : règle 1 {verdict}.")
        releases = [v for v, d in RELEASE_DATES.items() if d <= date.today()]
        latest = max(releases)
        print(f"La dernière version sortie est {latest[0]}.{latest[1]}"
              + (" : c'est celle-ci." if version == latest else " : ce n'est pas celle-ci."))
    kind = ref.environment_kind(sys.prefix, sys.base_prefix)
    print({"venv": f"Environnement virtuel (venv) : {sys.prefix} — règle 2 respectée.",
           "conda": f"Environnement conda : {sys.prefix} — règle 2 respectée.",
           "aucun": f"Aucun environnement ({sys.prefix}) : installez vos paquets dans un environnement "
                    "(règle 2), sauf sur une machine jetable comme Colab (règle 3)."}[kind])


def check_python_version(python_version) -> None:
    got = call(python_version, name="python_version")
    expected = ref.python_version()
    if isinstance(got, str):
        raise CheckFailed(f"Vous renvoyez le texte {got!r} ; attendu un tuple d'entiers comme {expected}.\n"
                          "👉 Utilisez sys.version_info, qui se compare facilement : sys.version_info >= (3, 11).",
                          mistake="python_version_text")
    if not isinstance(got, tuple) or tuple(got) != expected:
        hint = ("Gardez seulement (majeur, mineur) : sys.version_info[:2]."
                if isinstance(got, tuple) and len(got) > 2 else "Utilisez sys.version_info[:2].")
        raise CheckFailed(f"Vous renvoyez {got!r} ; attendu {expected} (la version de CE Python).\n👉 {hint}",
                          mistake="python_version_wrong")
    if not all(type(v) is int for v in got):
        raise CheckFailed(f"Les éléments de {got!r} doivent être des entiers.", mistake="python_version_not_integers")
    if _reads_nothing(python_version):
        raise CheckFailed(f"python_version renvoie {got!r} sans rien lire : la version est écrite en dur, et la "
                          "réponse sera fausse sur un autre Python.\n👉 Lisez-la au moment de l'appel : "
                          "sys.version_info[:2].", mistake="python_version_hard_coded")
    ok(f"Ce notebook tourne avec Python {got[0]}.{got[1]}.")


def _reads_nothing(fn) -> bool:
    """A function whose code names nothing but a few builtins (``return (3, 14)``): its answer is a constant."""
    code = getattr(fn, "__code__", None)
    if code is None or getattr(fn, "__closure__", None):
        return False
    codes, names = [code], set()
    while codes:
        current = codes.pop()
        names |= set(current.co_names)
        codes += [c for c in current.co_consts if hasattr(c, "co_names")]
    return names <= {"tuple", "int", "list"}


def check_follows_rule_1(follows_rule_1) -> None:
    rng = _rng()
    cases = []
    for _ in range(40):
        released = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
        delta = rng.choice([rng.randrange(-400, 900), MIN_AGE_DAYS + rng.choice([-1, 0, 1])])
        cases.append((released, released + timedelta(days=delta)))
    for delta in (MIN_AGE_DAYS - 1, MIN_AGE_DAYS, 400):  # the limit, and a date in the next year
        released = date(2018, 6 + rng.randrange(6), 1 + rng.randrange(28)) + timedelta(days=365 * rng.randrange(6))
        cases.append((released, released + timedelta(days=delta)))
    rng.shuffle(cases)
    results = []
    for released, today in cases:
        got = call(follows_rule_1, released, today, name="follows_rule_1")
        if not isinstance(got, bool):
            raise CheckFailed(f"follows_rule_1 doit renvoyer True ou False, pas {got!r}.", mistake="rule1_not_bool")
        results.append((released, today, got, ref.follows_rule_1(released, today)))
    wrong = [r for r in results if r[2] != r[3]]
    if wrong:
        ages = {(s, a): (a - s).days for s, a, _, _ in results}
        if all(got == (-ages[s, a] >= MIN_AGE_DAYS) for s, a, got, _ in results):
            hint = "Vous avez inversé la soustraction : l'âge est today - released."
        elif all(got == ((date.today() - s).days >= MIN_AGE_DAYS) for s, _, got, _ in results):
            hint = ("Utilisez l'argument today (la vérification choisit la date), pas date.today() : "
                    "(today - released).days.")
        elif all(ages[s, a] == MIN_AGE_DAYS for s, a, _, _ in wrong):
            hint = f"Attention à la limite : une version d'exactement {MIN_AGE_DAYS} jours respecte la règle (>=)."
        else:
            hint = ("Comparez une durée en jours, (today - released).days, à "
                    f"MIN_AGE_DAYS = {MIN_AGE_DAYS} (pas des numéros de mois ou d'année).")
        released, today, got, expected = wrong[0]
        raise CheckFailed(f"Pour une version sortie le {released} et aujourd'hui = {today} "
                          f"({ages[released, today]} jours), attendu {expected}, obtenu {got}.\n👉 {hint}",
                          mistake="rule1_wrong")
    ok(f"follows_rule_1 est juste sur {len(cases)} dates tirées au hasard.")


def _fake_prefixes(root: Path, rng: random.Random) -> list[tuple[str, str, str]]:
    """(prefix, base_prefix, expected) triples on real folders, named like real installs and like decoys.

    Real conda layouts do not always say "conda" (``~/miniforge3``, ``~/micromamba/envs/cours``, a base install),
    and a folder called ``envs`` or ``conda-...`` proves nothing: only ``conda-meta`` does.
    """
    def folder(*parts: str) -> Path:
        path = root.joinpath(*parts)
        path.mkdir(parents=True)
        return path

    def word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=6))

    base = folder(f"python-{word()}")
    venv = folder(word(), rng.choice([".venv", "env", word()]))
    conda_env = folder(word(), rng.choice(["micromamba", "miniforge3", "mambaforge", word()]), "envs", word())
    conda_base = folder(word(), rng.choice(["miniforge3", "mambaforge", "opt-" + word()]))
    for prefix in (conda_env, conda_base):
        (prefix / "conda-meta").mkdir()
        (prefix / "conda-meta" / "history").write_text("==> 2025-01-01 00:00:00 <==\n")
    (venv / "pyvenv.cfg").write_text(f"home = {base / 'bin'}\ninclude-system-site-packages = false\n")
    decoy = folder(word(), rng.choice(["conda-" + word(), "envs"]), word())  # a plain Python, conda-sounding folder
    bare = folder(f"usr-{word()}")
    cases = [(str(venv), str(base), "venv"), (str(conda_env), str(conda_env), "conda"),
             (str(conda_base), str(conda_base), "conda"), (str(decoy), str(decoy), "aucun"),
             (str(bare), str(bare), "aucun")]
    rng.shuffle(cases)
    return cases


def check_environment_kind(environment_kind) -> None:
    rng = _rng()
    with tempfile.TemporaryDirectory(prefix="lab-env-") as tmp:
        for prefix, base_prefix, expected in _fake_prefixes(Path(tmp), rng):
            got = call(environment_kind, prefix, base_prefix, name="environment_kind")
            if got == expected:
                continue
            if got in ("conda", "aucun") and expected in ("conda", "aucun"):
                raise CheckFailed(
                    f"environment_kind({prefix!r}, {base_prefix!r}) renvoie {got!r}, attendu {expected!r}.\n👉 "
                    + ("Ce préfixe contient un dossier conda-meta : c'est un environnement conda (une installation "
                       "complète : prefix == base_prefix). " if got == "aucun" else "") + "Le nom "
                    "des dossiers ne prouve rien : miniforge3 ou micromamba/envs/... ne contiennent pas toujours "
                    "« conda », et un dossier « envs » ou « conda-... » peut abriter un Python ordinaire. Seul le "
                    "dossier conda-meta dans le préfixe signe un environnement conda : "
                    "Path(prefix, 'conda-meta').is_dir().", mistake="environment_kind_wrong")
            hints = {
                "conda": "Un environnement conda ne change pas sys.base_prefix : reconnaissez-le au dossier "
                         "conda-meta dans le préfixe (Path(prefix, 'conda-meta').is_dir()).",
                "venv": "Un venv se reconnaît à prefix != base_prefix (sys.prefix est le venv, "
                        "sys.base_prefix le Python qui l'a créé).",
                "aucun": "Sans venv (prefix == base_prefix) ni dossier conda-meta, il n'y a pas d'environnement.",
            }
            raise CheckFailed(
                f"environment_kind({prefix!r}, {base_prefix!r}) renvoie {got!r}, attendu {expected!r}.\n"
                f"👉 {hints[expected]} Utilisez les arguments, pas sys.prefix ni les variables d'environnement.",
                mistake="environment_kind_wrong")
    here = ref.environment_kind(sys.prefix, sys.base_prefix)
    ok(f"environment_kind reconnaît venv, conda et « aucun ». Ici : {here} ({sys.prefix}).")


def _fake_freeze(rng: random.Random) -> tuple[str, dict[str, str]]:
    names = rng.sample(["torch", "numpy", "scikit-learn", "matplotlib", "tqdm", "jupyterlab", "pandas",
                        "scipy", "ipykernel", "nvidia-ml-py", "typing_extensions", "Jinja2"], k=7)
    pinned = {name: f"{rng.randrange(0, 30)}.{rng.randrange(0, 20)}.{rng.randrange(0, 9)}" for name in names}
    if "torch" in pinned and rng.random() < 0.5:
        pinned["torch"] += "+cu130"  # a local version, as the CUDA wheels have
    lines = [f"{name}=={version}" for name, version in pinned.items()]
    lines[rng.randrange(len(lines))] += "  "  # trailing spaces happen when files are edited by hand
    lines.insert(rng.randrange(len(lines)), "mon-paquet @ file:///home/etudiant/mon-paquet")
    editable = rng.randrange(len(lines))  # what pip freeze writes for an editable install without git
    lines[editable:editable] = ["# Editable install with no version control (brouillon==0.1)", "-e /home/etudiant/brouillon"]
    lines.insert(rng.randrange(len(lines)), "-e git+https://example.org/projet.git@abc123#egg=projet")
    lines.insert(0, "# pip freeze du " + str(date.today()))
    lines.insert(rng.randrange(len(lines)), "")
    return "\n".join(lines) + "\n", pinned


def check_parse_freeze(parse_freeze) -> None:
    rng = _rng()
    text, expected = _fake_freeze(rng)

    def explain(exc: BaseException) -> str | None:
        if isinstance(exc, ValueError):
            return ("Certaines lignes n'ont pas de == (commentaires, lignes vides, paquets installés depuis un "
                    "chemin avec @ ou en mode -e) : ignorez-les.")
        return None

    got = call(parse_freeze, text, name="parse_freeze", on_error=explain)
    if not isinstance(got, dict):
        raise CheckFailed(f"parse_freeze doit renvoyer un dictionnaire {{nom: version}}, pas {type(got).__name__}.",
                          mistake="parse_freeze_not_dict")
    if all(isinstance(k, str) for k in got) and len({canonical_name(k) for k in got}) == len(got) and \
            {canonical_name(k): v for k, v in got.items()} == {canonical_name(k): v for k, v in expected.items()}:
        got = expected  # names written as pip prints them, or normalised (PEP 503: Jinja2 -> jinja2): both right
    if got != expected:
        extra = sorted(set(got) - set(expected))
        wrong = sorted(n for n in expected if n in got and got[n] != expected[n])
        if any(k != k.strip() or (isinstance(v, str) and v != v.strip()) for k, v in got.items()):
            hint = "Enlevez les espaces autour des noms et des versions (.strip())."
        elif extra:
            hint = f"Seules les lignes nom==version sont des paquets épinglés ; {extra} n'en sont pas."
        elif wrong:
            hint = f"Versions incorrectes pour {wrong} : coupez chaque ligne sur « == »."
        else:
            hint = f"Il manque {sorted(set(expected) - set(got))}."
        raise CheckFailed(f"parse_freeze sur ce texte :\n{text}\nrenvoie {got}\nattendu {expected}.\n👉 {hint}",
                          mistake="parse_freeze_wrong")
    ok(f"parse_freeze lit les {len(expected)} paquets épinglés et ignore le reste.")


def canonical_name(name: str) -> str:
    """A package name as PEP 503 compares them: case, and runs of - _ . do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def check_differences(differences) -> None:
    rng = _rng()
    names = [f"paquet{i}" for i in rng.sample(range(100), 12)]
    before = {n: f"1.{rng.randrange(9)}" for n in names[:9]}
    after = {n: f"1.{rng.randrange(9)}" for n in names[3:]}  # 0-2 removed, 9-11 added
    after[names[3]] = before[names[3]]  # at least one unchanged
    after[names[4]] = before[names[4]] + ".post1"  # at least one changed
    expected = ref.differences(before, after)
    given_before, given_after = dict(before), dict(after)
    got = call(differences, given_before, given_after, name="differences")
    if given_before != before or given_after != after:
        raise CheckFailed("differences a modifié un de ses dictionnaires (pop, del, update…) : l'appelant perd ses "
                          "données.\n👉 Lisez before et after sans les changer (before.get(nom), after.keys()...).",
                          mistake="differences_mutates")
    if not isinstance(got, dict):
        raise CheckFailed(f"differences doit renvoyer un dictionnaire, pas {type(got).__name__}.",
                          mistake="differences_not_dict")
    got = {k: tuple(v) if isinstance(v, list) else v for k, v in got.items()}
    if got != expected:
        missing = sorted(set(expected) - set(got))
        added = [n for n in missing if n not in before]
        removed = [n for n in missing if n not in after]
        if added:
            hint = f"Les paquets ajoutés ({added}) manquent : ils ont (None, version)."
        elif removed:
            hint = f"Les paquets supprimés ({removed}) manquent : ils ont (version, None)."
        elif set(got) - set(expected):
            hint = f"{sorted(set(got) - set(expected))} ont la même version des deux côtés : ne les listez pas."
        else:
            hint = "Chaque valeur est le couple (version avant, version après)."
        raise CheckFailed(f"before = {before}\nafter = {after}\nattendu {expected}\nobtenu  {got}\n👉 {hint}",
                          mistake="differences_wrong")
    ok("differences trouve les paquets ajoutés, supprimés et changés.")


# ------------------------------------------------------------------------------------ in the lab's terminal
TERMINAL_FREEZE = "~/work/module1/freeze.txt"  # where the notebook asks the student to save `pip freeze`


def check_terminal_freeze(freeze="freeze.txt") -> None:
    """Read the file the student wrote with `pip freeze > ...` in the lab's terminal: it must list exactly the
    packages of this notebook's Python, which proves the terminal's pip is the lab's. ``freeze`` is the file's
    path, or a function that writes it and returns its path (the reference solution, ``terminal_freeze``)."""
    if callable(freeze):
        freeze = call(freeze, name="terminal_freeze")
    path = Path(require(freeze, "pip freeze dans le terminal")).expanduser()
    if not path.exists():
        elsewhere = [p for p in (Path.cwd().parent / path.name, Path.home() / path.name) if p.exists()]
        if elsewhere:
            raise CheckFailed(f"Le fichier est dans {elsewhere[0]}, pas dans {path.resolve()}.\n"
                              f"👉 Dans le terminal : pip freeze > {TERMINAL_FREEZE} (chemin complet), "
                              "ou déplacez-le avec mv.", mistake="freeze_elsewhere")
        raise NotDone(f"⏳ Exercice « pip freeze dans le terminal » pas encore fait : ouvrez un terminal "
                      f"(Fichier ▸ Nouveau ▸ Terminal), tapez pip freeze > {TERMINAL_FREEZE}, "
                      f"puis relancez cette cellule (fichier attendu : {path.resolve()}).")
    text = path.read_text(encoding="utf-8", errors="replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        raise CheckFailed(f"{path} est vide : la commande a échoué dans le terminal (lisez son message, par exemple "
                          "« pip: command not found »).\n👉 Vérifiez avec which pip, puis recommencez.",
                          mistake="freeze_empty")
    if first.split()[:2] == ["Package", "Version"]:
        raise CheckFailed(f"{path} contient la sortie de pip list (un tableau).\n👉 Utilisez pip freeze : il écrit "
                          "nom==version, le format que pip install -r sait relire.", mistake="freeze_pip_list")
    if first.startswith("# packages in environment"):
        raise CheckFailed(f"{path} contient la sortie de conda list.\n👉 Utilisez pip freeze (nom==version).",
                          mistake="freeze_conda_list")
    if first.startswith(("name:", "channels:", "dependencies:")) or "\ndependencies:" in text:
        raise CheckFailed(f"{path} contient un export d'environnement conda (du YAML : name:, dependencies:), pas la "
                          "liste de pip.\n👉 C'est la commande pip freeze qu'on demande ici, dans le terminal du lab.",
                          mistake="freeze_conda_export")
    got = ref.parse_freeze(text)
    if not got:
        raise CheckFailed(f"{path} ne contient aucune ligne nom==version (première ligne : {first!r}).\n"
                          f"👉 Tapez exactement : pip freeze > {TERMINAL_FREEZE}", mistake="freeze_no_pinned_line")
    expected = ref.parse_freeze(_lab_freeze())
    changes = ref.differences(expected, got)
    if changes:
        missing = sorted(name for name, (_, after) in changes.items() if after is None)
        lab_pip = Path(sys.executable).parent / "pip"
        read = list(got)
        head = read[:-1]  # the last line may be cut in the middle
        if missing and head and list(expected)[:len(head)] == head and all(got[n] == expected[n] for n in head):
            raise CheckFailed(f"{path} s'arrête en cours de route : {len(read)} paquets sur {len(expected)}, tous "
                              f"justes, le dernier est {read[-1]}, puis plus rien (commande interrompue, ou fichier "
                              f"copié en partie ?).\n👉 Refaites pip freeze > {TERMINAL_FREEZE} et laissez-la finir.",
                              mistake="freeze_truncated")
        if len(missing) > len(expected) / 2:
            raise CheckFailed(
                f"{path} ne liste pas les paquets de ce notebook ({len(missing)} manquent, par exemple "
                f"{', '.join(missing[:3])}) : le pip du terminal n'est pas celui du lab.\n"
                f"👉 Tapez which pip : attendu {lab_pip}. Si un environnement est activé, tapez deactivate, "
                f"puis recommencez pip freeze > {TERMINAL_FREEZE}.", mistake="freeze_other_pip")
        shown = ", ".join(f"{name} {before or '—'} → {after or '—'}" for name, (before, after) in list(changes.items())[:5])
        raise CheckFailed(f"{path} diffère des paquets de ce notebook : {shown}.\n👉 Avez-vous installé ou "
                          f"supprimé des paquets depuis ? Refaites pip freeze > {TERMINAL_FREEZE}.",
                          mistake="freeze_changed")
    torch_version = got.get("torch")
    ok(f"{path.name} : {len(got)} paquets épinglés, exactement ceux de ce notebook"
       + (f" (torch {torch_version})" if torch_version else "") + " : le terminal utilise bien le Python du lab.")


def _lab_freeze() -> str:
    """``pip freeze`` of this notebook's Python, or a French failure when that Python has no pip."""
    try:
        return ref.pip_freeze()
    except (subprocess.CalledProcessError, OSError) as exc:
        said = (getattr(exc, "stderr", "") or "").strip().splitlines()
        raise CheckFailed(f"Impossible de comparer : le Python de ce notebook ({sys.executable}) n'a pas pip, "
                          f"« python -m pip freeze » échoue" + (f" ({said[-1]})" if said else "") + ".\n👉 "
                          "Installez pip dans cet environnement (python -m ensurepip --upgrade), ou recréez-le avec "
                          "pip (un venv fait avec --without-pip n'en a pas).", mistake="freeze_no_pip") from None


def _fake_conda_export(rng: random.Random, builds: bool) -> tuple[str, dict[str, str]]:
    """A ``conda env export`` as conda writes it (``builds=False``: with --no-builds), and its {name: version}."""
    conda = {"python": f"3.{rng.randrange(10, 14)}.{rng.randrange(0, 12)}",
             "pip": f"2{rng.randrange(3, 6)}.{rng.randrange(0, 3)}",
             "numpy": f"2.{rng.randrange(0, 4)}.{rng.randrange(0, 6)}", "libzlib": f"1.3.{rng.randrange(0, 3)}",
             "ca-certificates": f"2025.{rng.randrange(1, 12)}.{rng.randrange(1, 28)}",
             "_openmp_mutex": "4.5"}
    pip = {"torch": f"2.{rng.randrange(5, 12)}.{rng.randrange(0, 3)}",
           "tqdm": f"4.{rng.randrange(60, 68)}.{rng.randrange(0, 3)}",
           "scikit-learn": f"1.{rng.randrange(4, 8)}.{rng.randrange(0, 3)}"}
    names = list(conda)
    rng.shuffle(names)
    lines = [f"name: {rng.choice(['cours', 'lab', 'tp-pytorch'])}", "channels:", "  - conda-forge",
             "  - nodefaults", "dependencies:"]
    for name in names:
        build = f"={rng.choice(['h', 'py_', 'pyh'])}{secrets.token_hex(4)}_{rng.randrange(0, 3)}" if builds else ""
        lines.append(f"  - {name}={conda[name]}{build}")
    lines.append("  - pip:")
    lines += [f"      - {name}=={version}" for name, version in pip.items()]
    lines.append(f"prefix: /home/etudiant/miniforge3/envs/{rng.choice(['cours', 'lab'])}")
    return "\n".join(lines) + "\n", {**conda, **pip}


def check_export_versions(export_versions) -> None:
    rng = _rng()
    for builds in rng.sample([True, False, rng.random() < 0.5], 3):
        text, expected = _fake_conda_export(rng, builds)
        got = call(export_versions, text, name="export_versions")
        if not isinstance(got, dict):
            raise CheckFailed(f"export_versions doit renvoyer un dictionnaire {{nom: version}}, pas {type(got).__name__}.",
                              mistake="export_not_dict")
        if got == expected:
            continue
        missing = sorted(set(expected) - set(got))
        extra = sorted(set(got) - set(expected))
        wrong = sorted(n for n in expected if n in got and got[n] != expected[n])
        pip_missing = any(n in missing for n in ("torch", "tqdm", "scikit-learn"))
        padded = [n for n in extra if isinstance(n, str) and n.strip(" -\t") in expected]
        if padded:
            hint = (f"{padded[0]!r} garde l'indentation (ou le tiret) de la ligne : pour Python, ce n'est pas le nom "
                    f"{padded[0].strip(' -')!r}.\n👉 Nettoyez chaque ligne avant de la découper (.strip(), puis "
                    "retirez « - »).")
            mistake = "export_padded_names"
        elif any(got.get(n) in ("", "=") or str(got.get(n, "")).startswith("=") for n in wrong) \
                and any(n in wrong for n in ("torch", "tqdm", "scikit-learn")):
            hint = ("Les lignes de pip s'écrivent nom==version, avec DEUX « = » : découpées sur un seul « = », il reste "
                    "un morceau vide entre les deux.\n👉 Découpez les lignes de pip sur « == », et seulement celles "
                    "de conda sur « = ».")
            mistake = "export_pip_single_equal"
        elif pip_missing and not any(n in missing for n in ("python", "numpy")):
            hint = ("Les paquets installés par pip sont listés à part, sous « - pip: » (nom==version) : lisez-les "
                    "aussi.")
            mistake = "export_pip_section_missed"
        elif wrong and all(isinstance(got[n], str) and got[n].startswith(expected[n] + "=") for n in wrong):
            hint = "Une dépendance conda s'écrit nom=version=build : la version est entre le premier et le second « = »."
            mistake = "export_build_kept"
        elif wrong:
            hint = ("Une dépendance conda s'écrit nom=version=build (le build manque avec --no-builds) : avec ou "
                    "sans build, la version est toujours le deuxième morceau, pas le dernier.")
            mistake = "export_last_field"
        elif extra:
            hint = (f"{extra} ne sont pas des paquets : seules les lignes sous dependencies: en sont (les canaux "
                    "sous channels:, le nom et le prefix de l'environnement n'en sont pas).")
            mistake = "export_not_packages"
        elif missing:
            hint = f"Il manque {missing} : toutes les lignes « - nom=version » sous dependencies: sont des paquets."
            mistake = "export_missing"
        else:
            hint = "Attendu {nom: version}, sans espaces autour."
            mistake = None
        raise CheckFailed(f"export_versions sur ce fichier :\n{text}\nrenvoie {got}\nattendu  {expected}\n👉 {hint}",
                          mistake=mistake)
    ok("export_versions lit les paquets conda (nom=version=build) et ceux de pip, sous « - pip: ».")


register_checks(globals())  # every check_* call is reported to lab.checks' listeners
