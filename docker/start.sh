#!/usr/bin/env bash
# Container entry (behind tini). Started as root, it maps the `student` user onto the host user's
# UID/GID (NB_UID/NB_GID), so that files written in the bind-mounted work directory belong to that
# host user, then drops privileges and re-runs itself as `student`. As `student`, it makes sure a
# Jupyter token exists, copies any missing student notebook into the work directory (never overwriting
# one), and execs the command (JupyterLab by default).
set -euo pipefail

NB_USER=student
HOME_DIR=/home/$NB_USER
WORK_DIR=$HOME_DIR/work

if [[ "$(id -u)" == 0 ]]; then
    uid=${NB_UID:-$(id -u "$NB_USER")}
    gid=${NB_GID:-$(id -g "$NB_USER")}
    [[ "$uid" =~ ^[0-9]+$ && "$gid" =~ ^[0-9]+$ ]] || { echo "start : NB_UID et NB_GID doivent être des nombres" >&2; exit 64; }
    [[ "$uid" != 0 ]] || { echo "start : le lab ne tourne jamais en root (NB_UID=0) ; donnez l'UID de l'utilisateur de l'hôte" >&2; exit 64; }
    if [[ "$gid" != "$(id -g "$NB_USER")" ]]; then
        groupmod --non-unique --gid "$gid" "$NB_USER"
    fi
    # Not `usermod -u/-g`: they also re-own files in the home directory, the bind-mounted work directory
    # included, i.e. files on the host. Edit the entry, then re-own the home without the work directory.
    sed -i -E "s/^$NB_USER:([^:]*):[0-9]+:[0-9]+:/$NB_USER:\1:$uid:$gid:/" /etc/passwd
    find "$HOME_DIR" -xdev -path "$WORK_DIR" -prune -o -exec chown -h "$uid:$gid" {} +
    # The image's own (unmounted) work directory is the student's too; a mounted one belongs to the host: untouched.
    if [[ ! -d "$WORK_DIR" ]]; then
        install -d -o "$uid" -g "$gid" "$WORK_DIR"
    elif ! mountpoint -q "$WORK_DIR"; then
        chown "$uid:$gid" "$WORK_DIR"
    fi
    exec setpriv --reuid="$uid" --regid="$gid" --init-groups \
        env HOME="$HOME_DIR" USER="$NB_USER" LOGNAME="$NB_USER" "$0" "$@"
fi

# From here on: the unprivileged student (also where KubeSpawner starts the image: uid 1000, gid 100, no root).
# Under JupyterHub (jupyterhub-singleuser) the hub authenticates every request: no token of our own.
if [[ -z "${JUPYTERHUB_API_TOKEN:-}" ]]; then
    if [[ -z "${JUPYTER_TOKEN:-}" ]]; then
        JUPYTER_TOKEN=$(python -c 'import secrets; print(secrets.token_hex(24))')
        echo "start : pas de JUPYTER_TOKEN donné ; jeton généré (aussi dans $HOME_DIR/.jupyter-token)"
    fi
    export JUPYTER_TOKEN
    (umask 077 && printf '%s\n' "$JUPYTER_TOKEN" >"$HOME_DIR/.jupyter-token")
fi

# A work directory the student cannot write would give a lab with an empty file browser where nothing can be saved:
# refuse to start (make lab checks it on the host first; this is the second guard, e.g. for docker run by hand).
if [[ ! -w "$WORK_DIR" || ! -x "$WORK_DIR" ]]; then
    echo "start : erreur : $NB_USER (uid $(id -u)) ne peut pas écrire dans son dossier de travail ($WORK_DIR, monté" \
        "depuis l'hôte) : le lab serait vide. Sur l'hôte, donnez ce dossier à l'uid $(id -u) (sudo chown -R" \
        "$(id -u):$(id -g) DOSSIER) ou choisissez-en un autre : make lab WORK_DIR=~/cours" >&2
    exit 73
fi
python -m lab.notebook_builder student "$WORK_DIR/module1" ||
    echo "start : attention : impossible de copier les notebooks dans $WORK_DIR/module1" >&2

if [[ $# -eq 0 ]]; then set -- jupyter lab; fi
exec "$@"
