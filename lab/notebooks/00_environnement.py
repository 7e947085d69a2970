# %% [markdown]
# # Module 1 — Partie 0 : l'environnement de travail
#
# Le domaine de l'IA évolue vite, les librairies aussi. Trois règles du cours :
#
# 1. **ne pas utiliser la dernière version de Python** (rester sur une version d'il y a 6 mois / 1 an) ;
# 2. **travailler dans un environnement** (`conda create --name ...` puis `conda activate ...`, ou un venv) ;
# 3. **savoir réinstaller sa machine** (et/ou basculer très vite sur Colab).
#
# Dans ce notebook, vous écrivez de petites fonctions qui vérifient ces règles. Chaque exercice se termine par
# un appel `check_...(...)` : il affiche ✅ si c'est juste, sinon il explique ce qui ne va pas.
# Remplacez les `...` (ou le `raise NotImplementedError`) par votre code.

# %%
import subprocess
import sys
from datetime import date

from lab.exercises.environment import (
    MIN_AGE_DAYS,
    RELEASE_DATES,
    check_differences,
    check_environment_kind,
    check_export_versions,
    check_follows_rule_1,
    check_parse_freeze,
    check_python_version,
    diagnostic,
)

print(sys.version)

# %% [markdown]
# ## Règle 1 : quel Python ?
#
# `sys.version_info` décrit le Python qui exécute ce notebook ; il se compare à un tuple :
# `sys.version_info >= (3, 11)`.
#
# **Exercice 1.** Écrivez `python_version()` qui renvoie le couple d'entiers `(majeur, mineur)`, par exemple
# `(3, 12)`.

# %%
def python_version():
    # BEGIN SOLUTION
    return tuple(sys.version_info[:2])
    # END SOLUTION


check_python_version(python_version)

# %% [markdown]
# **Exercice 2.** `RELEASE_DATES` donne la date de sortie de chaque version de Python. Écrivez
# `follows_rule_1(released, today)` : vrai si la version est sortie depuis au moins `MIN_AGE_DAYS`
# jours (182, soit six mois). Indice : la différence de deux `date` est une durée, qui a un attribut `.days`.

# %%
print("Python 3.12 est sorti le", RELEASE_DATES[(3, 12)], "; aujourd'hui :", date.today(),
      "; âge minimum :", MIN_AGE_DAYS, "jours")


def follows_rule_1(released, today):
    # BEGIN SOLUTION
    return (today - released).days >= MIN_AGE_DAYS
    # END SOLUTION


check_follows_rule_1(follows_rule_1)

# %% [markdown]
# ## Règle 2 : suis-je dans un environnement ?
#
# * Dans un **venv**, `sys.prefix` (le dossier de l'environnement) diffère de `sys.base_prefix` (le Python qui
#   l'a créé).
# * Un **environnement conda** est une installation complète de Python : `sys.prefix == sys.base_prefix`, mais
#   le dossier contient un sous-dossier `conda-meta`.
#
# **Exercice 3.** Écrivez `environment_kind(prefix, base_prefix)` qui renvoie `"venv"`, `"conda"` ou
# `"aucun"`. Utilisez les arguments (la vérification vous donne de faux dossiers), et `pathlib.Path`.

# %%
from pathlib import Path


def environment_kind(prefix, base_prefix):
    # BEGIN SOLUTION
    if prefix != base_prefix:
        return "venv"
    if Path(prefix, "conda-meta").is_dir():
        return "conda"
    return "aucun"
    # END SOLUTION


check_environment_kind(environment_kind)

# %% [markdown]
# Le bilan de cette machine (calculé avec les solutions de référence) :

# %%
diagnostic()

# %% [markdown]
# ## Sauver et recharger un environnement
#
# * `pip freeze > requirements.txt` enregistre les paquets **avec leur version** ;
#   `pip install -r requirements.txt` les réinstalle dans les mêmes versions.
# * `conda env export > environment.yml` enregistre l'environnement conda complet (Python compris) ;
#   `conda env create -f environment.yml` le recrée.
#
# Voici le début du `pip freeze` de ce notebook :

# %%
freeze = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True).stdout
print(f"{len(freeze.splitlines())} lignes, par exemple :")
print("\n".join(line for line in freeze.splitlines() if line.lower().startswith(("torch", "numpy"))))

# %% [markdown]
# **Exercice 4.** Écrivez `parse_freeze(text)` qui renvoie le dictionnaire `{nom: version}` des lignes
# `nom==version`. Un vrai fichier contient aussi des commentaires (`#`), des lignes vides, des paquets installés
# depuis un dossier (`nom @ file:///...`) ou en mode éditable (`-e ...`) : ignorez-les.

# %%
def parse_freeze(text):
    # BEGIN SOLUTION
    packages = {}
    for line in text.splitlines():
        line = line.strip()
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            packages[name.strip()] = version.strip()
    return packages
    # END SOLUTION


check_parse_freeze(parse_freeze)

# %% [markdown]
# **Exercice 5 — à quoi sert un `pip freeze` ?** À comparer deux environnements (« ça marchait sur ma
# machine… »). Écrivez `differences(before, after)` qui prend deux dictionnaires `{nom: version}` et renvoie
# `{nom: (version_avant, version_apres)}` pour chaque paquet ajouté (`(None, v)`), supprimé (`(v, None)`)
# ou changé de version.

# %%
def differences(before, after):
    # BEGIN SOLUTION
    return {
        name: (before.get(name), after.get(name))
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    }
    # END SOLUTION


check_differences(differences)

# %% [markdown]
# **Exercice 6 — lire un `conda env export`.** Un `environment.yml` écrit par `conda env export` liste les
# paquets conda sous `dependencies:` (`- nom=version=build`, ou `- nom=version` avec `--no-builds`), puis ceux
# installés par pip sous `- pip:` (`- nom==version`). Les lignes `name:`, `channels:` et `prefix:` ne sont pas
# des paquets. Écrivez `export_versions(text)` qui renvoie `{nom: version}` pour tous les paquets (conda et
# pip). Par exemple :
#
# ```yaml
# name: cours
# channels:
#   - conda-forge
# dependencies:
#   - python=3.12.7=hc5c86c4_0_cpython
#   - pip=24.2=pyh8b19718_1
#   - pip:
#       - torch==2.5.1
# prefix: /home/etudiant/miniforge3/envs/cours
# ```
#
# donne `{"python": "3.12.7", "pip": "24.2", "torch": "2.5.1"}`.

# %%
def export_versions(text):
    # BEGIN SOLUTION
    versions, section = {}, None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.split(":")[0]  # name, channels, dependencies, prefix
            continue
        item = line.strip().removeprefix("- ").strip()
        if section != "dependencies" or not item or item.endswith(":"):
            continue
        if "==" in item:
            name, version = item.split("==", 1)
        else:
            name, version = item.split("=")[:2]
        versions[name.strip()] = version.strip()
    return versions
    # END SOLUTION


check_export_versions(export_versions)

# %% [markdown]
# ## Règle 3 : pouvoir tout réinstaller
#
# Dans l'image du cours, ce qui est installé est enregistré dans `/opt/lab/image-lock/` (`pip-freeze.txt`,
# et `conda-explicit.txt` si l'image utilise conda). Sur votre machine, gardez votre `requirements.txt` ou votre
# `environment.yml` avec votre code : en cas de problème, un nouvel environnement se recrée en une commande,
# et Colab reste une solution de secours.

# %%
lock = Path("/opt/lab/image-lock/pip-freeze.txt")
print(f"{lock} : {len(lock.read_text().splitlines())} paquets" if lock.exists()
      else "Pas dans l'image du cours : pensez à sauver votre propre pip freeze.")

# %% [markdown]
# ## Dans le terminal du lab
#
# Les commandes du cours se tapent dans un **terminal** : dans JupyterLab, menu *Fichier ▸ Nouveau ▸ Terminal*.
# Le terminal utilise le même Python que ce notebook. Essayez :
#
# ```bash
# which python pip          # /opt/conda/envs/lab/bin/... : l'environnement du lab
# python --version
# pip freeze | head         # les paquets installés, avec leur version
# ```
#
# **Exercice 7.** Dans le terminal, enregistrez l'environnement du lab dans un fichier, à côté de ce notebook :
#
# ```bash
# pip freeze > ~/work/module1/freeze.txt
# ```
#
# puis exécutez la cellule ci-dessous : elle lit le fichier et le compare aux paquets de ce notebook.

# %%
from lab.exercises.environment import check_terminal_freeze

# BEGIN SOLUTION
# STUB: # Dans le terminal (pas ici) : pip freeze > ~/work/module1/freeze.txt
from lab.solutions.environment import terminal_freeze

terminal_freeze("freeze.txt")  # ce que fait la commande du terminal
# END SOLUTION
check_terminal_freeze("freeze.txt")

# %% [markdown]
# ### Recréer un environnement à partir d'un `pip freeze`
#
# Toujours dans le terminal, un petit aller-retour complet (il faut Internet, quelques secondes) :
#
# ```bash
# python -m venv /tmp/essai                  # un environnement neuf (règle 2)
# source /tmp/essai/bin/activate             # le prompt commence par (essai)
# pip install python-dateutil==2.9.0.post0   # un paquet et sa dépendance (six)
# pip freeze > /tmp/essai.txt                # l'environnement, versions comprises
# deactivate
# python -m venv /tmp/copie
# /tmp/copie/bin/pip install -r /tmp/essai.txt
# /tmp/copie/bin/pip freeze                  # exactement les mêmes versions
# ```
#
# Avec conda (image construite avec `PYTHON_SOURCE=conda`, le choix par défaut), les commandes du cours
# fonctionnent telles quelles : `conda env list`, `conda create -n essai python=3.13`, `conda activate essai`,
# `conda env export > environment.yml`, `conda deactivate`. L'environnement `lab` garde son Python (règle 1).
# Dans une image construite sans conda (`PYTHON_SOURCE=system`), `conda` explique pourquoi il n'est pas là et
# propose `python -m venv` et `pip`. Les environnements créés dans le conteneur disparaissent avec `make stop` :
# gardez le `requirements.txt` ou l'`environment.yml` dans `~/work`.

# %% [markdown]
# ## Où en êtes-vous ?
#
# Chaque vérification est enregistrée (dans `~/work/.progress` : le résultat, jamais votre code). Voici ce qui
# est réussi, ce qui reste à faire et le dernier indice reçu. Dans un terminal : `python -m lab.progress`.

# %%
from lab.progress import show

show("environment")
