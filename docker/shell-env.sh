# shellcheck shell=sh
# The lab's environment in every shell of the image: login shells (the JupyterLab terminal runs `bash -l`,
# `make shell` and `docker exec ... bash -l` too) and interactive ones. A base image's /etc/profile may reset
# PATH (Debian's does), which would hide the lab's python, pip and jupyter; this file puts them back.
# Installed as /etc/profile.d/lab-env.sh and also sourced at the end of /etc/profile and from
# /etc/bash.bashrc, so it runs whatever the base's startup files do; it is idempotent. POSIX sh (dash reads
# /etc/profile too).
ENV_PREFIX=${ENV_PREFIX:-/opt/conda/envs/lab}
export ENV_PREFIX

# Prepend the lab's bin unless it is already on PATH: an activated venv or conda env (earlier on PATH)
# stays in front in a nested shell.
case ":${PATH:-}:" in
    *":$ENV_PREFIX/bin:"*) ;;
    *) PATH="$ENV_PREFIX/bin${PATH:+:$PATH}" ;;
esac
# Last on PATH: stand-ins that explain a missing tool (nvidia-smi without a GPU); the real one, if any, comes first.
case ":$PATH:" in
    *":/usr/local/lib/lab/fallback-bin:"*) ;;
    *) PATH="$PATH:/usr/local/lib/lab/fallback-bin" ;;
esac
export PATH

# Conda builds: the lab environment is the active conda environment, and `conda activate|deactivate`
# change this shell, as conda's own shell function does. Other `conda ...` commands run
# /usr/local/bin/conda (backed by micromamba; in builds without conda it explains what to use instead).
if command -v micromamba >/dev/null 2>&1 && [ -d "$ENV_PREFIX/conda-meta" ]; then
    MAMBA_ROOT_PREFIX=${MAMBA_ROOT_PREFIX:-/opt/conda}
    export MAMBA_ROOT_PREFIX
    if [ -z "${CONDA_PREFIX:-}" ]; then
        CONDA_PREFIX=$ENV_PREFIX CONDA_DEFAULT_ENV=lab CONDA_SHLVL=1 CONDA_PROMPT_MODIFIER="(lab) "
        export CONDA_PREFIX CONDA_DEFAULT_ENV CONDA_SHLVL CONDA_PROMPT_MODIFIER
    fi
    conda() {
        case "${1:-}" in
            activate | deactivate | reactivate)
                if [ "$1" = activate ] && [ $# -eq 1 ]; then set -- activate lab; fi
                __lab_shell=posix
                if [ -n "${BASH_VERSION:-}" ]; then __lab_shell=bash; fi
                __lab_script=$(PS1="${PS1:-}" micromamba shell "$@" --shell "$__lab_shell") || {
                    unset __lab_shell __lab_script
                    return 1
                }
                eval "$__lab_script"
                unset __lab_shell __lab_script
                hash -r
                ;;
            *) command conda "$@" ;;
        esac
    }
fi
