# shellcheck shell=bash
# What every part of lab.sh shares: the settings (defaults from labtools/defaults.env), French messages, and what
# Docker says about the lab's container. Sourced by scripts/lab.sh; defines functions and settings only.

# shellcheck source=../../labtools/defaults.env
source "$LAB_ROOT/labtools/defaults.env"
IMAGE=${IMAGE:-$DEFAULT_IMAGE}
CONTAINER=${CONTAINER:-$DEFAULT_CONTAINER}
PORT=${PORT:-$DEFAULT_PORT}
WORK_DIR=${WORK_DIR:-$PWD/work}
GPU=${GPU:-$DEFAULT_GPU}
SHM_SIZE=${SHM_SIZE:-$DEFAULT_SHM_SIZE}
DOCKER_BUILD=${DOCKER_BUILD:-docker build}
START_TIMEOUT=${START_TIMEOUT:-$DEFAULT_START_TIMEOUT}
SHARED_DIR=${SHARED_DIR:-$LAB_ROOT/../shared}
CA_BUNDLE=${CA_BUNDLE:-}
PYTHON=${PYTHON:-python3}

TOOL=lab
REPO_ROOT=$LAB_ROOT
# shellcheck source=../host-common.sh
source "$LAB_ROOT/scripts/host-common.sh"

container_state() { docker container inspect -f '{{.State.Status}}' "$CONTAINER" 2>/dev/null || true; }
container_env() {
    docker container inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$CONTAINER" 2>/dev/null |
        sed -n "s/^$1=//p"
}
container_port() {
    docker container inspect -f '{{range $p, $b := .HostConfig.PortBindings}}{{range $b}}{{.HostPort}}{{end}}{{end}}' \
        "$CONTAINER" 2>/dev/null
}
lab_url() { echo "http://127.0.0.1:$(container_port)/lab?token=$(container_env JUPYTER_TOKEN)"; }

# The lab's token outlives its container, so an open tab or a bookmark keeps working after make stop / make lab /
# make rebuild: one file per work directory (16 hex digits of its real path's sha256), mode 0600, under TOKEN_DIR,
# away from the students' files. NEW_TOKEN=1 replaces it (open tabs are then logged out).
TOKEN_DIR=${TOKEN_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/pytorch-gpu-lab/tokens}
sha256_hex() { if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi | cut -d' ' -f1; }
token_file() {
    local dir="$WORK_DIR"
    if [[ -d "$dir" ]]; then dir=$(cd "$dir" && pwd -P); fi
    echo "$TOKEN_DIR/$(printf '%s' "$dir" | sha256_hex | cut -c1-16)"
}
saved_token() {
    local file
    file=$(token_file)
    if [[ -r "$file" ]]; then tr -dc '0-9a-f' <"$file"; fi
}
new_token() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }
# Prints the token of this work directory: the saved one, or (none yet, or NEW_TOKEN=1) a new one, saved first.
lab_token() {
    local file token=""
    file=$(token_file)
    if [[ "${NEW_TOKEN:-}" != 1 ]]; then token=$(saved_token); fi
    if ((${#token} < 32)); then
        token=$(new_token)
        (umask 077 && mkdir -p "$TOKEN_DIR" && printf '%s\n' "$token" >"$file.new" && mv -f "$file.new" "$file") ||
            die "impossible d'enregistrer le jeton du lab dans $TOKEN_DIR." \
                "Correctif : rendez ce dossier accessible en écriture, ou choisissez-en un autre : make lab TOKEN_DIR=~/.lab-jetons"
    fi
    echo "$token"
}
need_image() { docker image inspect "$IMAGE" >/dev/null 2>&1 || die "l'image $IMAGE n'existe pas." "Correctif : make build"; }
need_running() { [[ "$(container_state)" == running ]] || die "le lab ne tourne pas." "Correctif : make lab"; }

# The GPU decision, the build client check and the start-up probe are Python (labtools), standard library only.
python_problem() {
    local fix="installez python3 (Ubuntu : sudo apt install python3), ou indiquez-le : make lab PYTHON=/chemin/python3."
    if ! command -v "$PYTHON" >/dev/null; then
        echo "$PYTHON est introuvable : le lab en a besoin sur l'hôte ($HOST_PYTHON_MIN ou plus récent) ; $fix"
    elif ! "$PYTHON" -S -c "import sys; sys.exit(sys.version_info[:2] < tuple(map(int, '$HOST_PYTHON_MIN'.split('.'))))"; then
        echo "$PYTHON est trop ancien ($("$PYTHON" -S -c 'import platform; print(platform.python_version())' 2>&1)) :" \
            "le lab a besoin sur l'hôte de Python $HOST_PYTHON_MIN ou plus récent ; $fix"
    fi
}
# Checked once per lab.sh run (each check starts the interpreter: about 0.1 s on a small machine).
need_python() {
    [[ -z "${PYTHON_CHECKED:-}" ]] || return 0
    local problem
    problem=$(python_problem)
    [[ -z "$problem" ]] || die "$problem"
    PYTHON_CHECKED=1
}
labtools() { PYTHONPATH="$LAB_ROOT" "$PYTHON" -S -m "$@"; }

# True when something accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Sets LAB_UID/LAB_GID, who the lab runs as and who owns what it writes on the host: labtools.policy.lab_user's rule
# (the host user, or the image's student for a root host user).
lab_user() {
    need_python
    # shellcheck disable=SC2034  # LAB_UID and LAB_GID are what lab_user sets
    read -r LAB_UID LAB_GID < <(labtools labtools.policy lab-user)
    [[ -n "$LAB_GID" ]] || die "labtools.policy lab-user n'a rien répondu ($PYTHON)."
}
