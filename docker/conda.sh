#!/usr/bin/env bash
# `conda` in the lab image, as the course writes it (installed as /usr/local/bin/conda).
#   conda builds   the commands run micromamba (the image's conda), with the lab environment as the default
#                  target: conda env export | list | install ... act on `lab` unless -n/-p names another one;
#                  `conda create -n NAME python=X.Y`, `conda env list`, `conda env remove -n NAME` pass through.
#                  Course rule 1: an explicit python spec other than the pin is refused for the lab env.
#                  `conda activate NAME` changes the calling shell, so it is the shell function of
#                  /etc/profile.d/lab-env.sh; run as a command, this script says so.
#   system builds  no conda at all: one French sentence says why and what to use instead, exit status 1.
set -euo pipefail

ENV_PREFIX=${ENV_PREFIX:-/opt/conda/envs/lab}
MICROMAMBA=micromamba

if ! command -v "$MICROMAMBA" >/dev/null 2>&1 || [[ ! -d "$ENV_PREFIX/conda-meta" ]]; then
    echo "conda : cette image du lab a été construite sans conda (PYTHON_SOURCE=system, Python vient du système) ;" \
        "utilisez un venv et pip : python -m venv mon-env, source mon-env/bin/activate," \
        "pip freeze > requirements.txt, pip install -r requirements.txt." >&2
    exit 1
fi
export MAMBA_ROOT_PREFIX=${MAMBA_ROOT_PREFIX:-/opt/conda}

# The prefix of the environment the arguments name (-n NAME, -p PATH), or nothing.
named_prefix() {
    while (($#)); do
        case "$1" in
            -n | --name) echo "$MAMBA_ROOT_PREFIX/envs/${2:-}"; return ;;
            --name=*) echo "$MAMBA_ROOT_PREFIX/envs/${1#--name=}"; return ;;
            -p | --prefix) echo "${2:-}"; return ;;
            --prefix=*) echo "${1#--prefix=}"; return ;;
        esac
        shift
    done
}

# Refuse, for the lab environment, an explicit python spec other than its pin (conda-meta/pinned).
guard_python_pin() {
    local target pin spec
    target=$(named_prefix "$@")
    [[ "${target:-${CONDA_PREFIX:-$ENV_PREFIX}}" -ef "$ENV_PREFIX" && -f "$ENV_PREFIX/conda-meta/pinned" ]] || return 0
    pin=$(sed -nE 's/^python[[:space:]]+([0-9.]+).*/\1/p' "$ENV_PREFIX/conda-meta/pinned" | head -n1)
    [[ -n "$pin" ]] || return 0
    for spec in "$@"; do
        if [[ "$spec" =~ ^python([=\<\>!~\ ]|$) && "$spec" != "python=$pin" && "$spec" != "python==$pin" ]]; then
            echo "conda : l'environnement lab garde Python $pin (règle 1 du cours : pas la toute dernière version) ;" \
                "pour essayer un autre Python, créez un environnement : conda create -n essai ${spec}." >&2
            exit 1
        fi
    done
}

# Run micromamba WORDS... ARGS..., with -p of the active (else the lab) environment after the WORDS when ARGS
# name no environment. $1 is how many words form the subcommand (list: 1, env export: 2).
with_default_target() {
    local words=$1
    shift
    if [[ -n "$(named_prefix "${@:words+1}")" ]]; then
        exec "$MICROMAMBA" "$@"
    fi
    exec "$MICROMAMBA" "${@:1:words}" -p "${CONDA_PREFIX:-$ENV_PREFIX}" "${@:words+1}"
}

command=${1:-}
case "$command" in
    activate | deactivate | reactivate)
        echo "conda : « conda $command » change le shell courant : tapez-le dans le terminal du lab (bash)." \
            "Dans un script, utilisez plutôt : conda run -n NOM commande." >&2
        exit 1
        ;;
    init)
        echo "conda : rien à faire, les shells du lab sont déjà prêts (conda activate NOM fonctionne)."
        ;;
    install | update | upgrade)
        guard_python_pin "${@:2}"
        with_default_target 1 "$@"
        ;;
    list | remove | uninstall | run)
        with_default_target 1 "$@"
        ;;
    env)
        case "${2:-}" in
            export) with_default_target 2 "$@" ;;
            *) exec "$MICROMAMBA" "$@" ;;
        esac
        ;;
    *) exec "$MICROMAMBA" "$@" ;;
esac
