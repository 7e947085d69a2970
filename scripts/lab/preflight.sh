# shellcheck shell=bash disable=SC2153  # the settings (PORT...) come from common.sh
# lab.sh preflight build|start|lab: check the inputs before anything slow runs. Each *_problem function prints one
# French line (what is wrong, then what to type) when its input is bad, and nothing when it is fine; they only look:
# nothing is built, created or started. cmd_preflight prints every problem found and exits 1.

# The build client (DOCKER_BUILD): the doctor's rule (labtools/doctor/docker.py).
build_client_problem() {
    local python=""
    [[ -n "${PYTHON_CHECKED:-}" ]] || python=$(python_problem)
    if [[ -n "$python" ]]; then echo "$python"; else labtools labtools.doctor.docker build-client-problem; fi
}

# The Docker daemon answers (the build and the lab both need it).
daemon_problem() {
    local answer
    answer=$(docker version --format '{{.Server.Version}}' 2>&1 >/dev/null) && return 0
    answer=${answer%%$'\n'*}
    if [[ "$answer" == *"permission denied"* ]]; then
        echo "Docker refuse l'accès à l'utilisateur $(id -un) ($answer) : ajoutez-vous au groupe docker" \
            "(sudo usermod -aG docker $(id -un)), puis fermez et rouvrez votre session."
    else
        echo "Docker ne répond pas ($answer) : démarrez-le (sudo systemctl start docker, ou lancez Docker Desktop) ;" \
            "make doctor en dit plus."
    fi
}

port_value_problem() {
    [[ "$PORT" =~ ^[0-9]{1,5}$ ]] && ((10#$PORT >= 1 && 10#$PORT <= 65535)) && return 0
    echo "PORT=« $PORT » n'est pas un port : il faut un nombre entre 1 et 65535, par exemple make lab PORT=8889."
}

gpu_value_problem() {
    [[ "$GPU" =~ ^(auto|on|off)$ ]] && return 0
    echo "GPU=« $GPU » : les valeurs possibles sont auto (le GPU s'il est utilisable), on ou off, par exemple make lab GPU=off."
}

# GPU=on asks for a GPU: refuse before the build when containers cannot get one (auto falls back to the CPU).
gpu_on_problem() {
    [[ "$GPU" == on ]] || return 0
    command -v "$PYTHON" >/dev/null || return 0  # python_problem says it
    local why
    why=$(gpu_unusable_reason)
    [[ -z "$why" ]] || echo "GPU=on, mais le GPU est inutilisable : $why ; make doctor dit quoi installer," \
        "ou lancez le lab sur le CPU : make lab GPU=off."
}

# Docker's reference grammar, simplified: [host[:port]/]path[:tag][@sha256:digest], path in lower case.
image_name_problem() {
    local component='[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*'
    local pattern="^([A-Za-z0-9.-]+(:[0-9]+)?/)?$component(/$component)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$"
    [[ "$IMAGE" =~ $pattern ]] && return 0
    echo "IMAGE=« $IMAGE » n'est pas un nom d'image Docker (minuscules, chiffres, . _ - et /, puis :étiquette)," \
        "par exemple make lab IMAGE=$DEFAULT_IMAGE."
}

container_name_problem() {
    [[ "$CONTAINER" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ ]] && return 0
    echo "CONTAINER=« $CONTAINER » n'est pas un nom de conteneur Docker (au moins 2 caractères parmi lettres," \
        "chiffres, _ . -, sans espace), par exemple make lab CONTAINER=$DEFAULT_CONTAINER."
}

shm_size_problem() {
    [[ "$SHM_SIZE" =~ ^[0-9]+[bkmgBKMG]?$ ]] && return 0
    echo "SHM_SIZE=« $SHM_SIZE » n'est pas une taille (un nombre suivi de b, k, m ou g), par exemple make lab SHM_SIZE=2g."
}

# WORK_DIR exists and is writable, or can be created (its nearest existing parent is a writable directory).
work_dir_problem() {
    local dir="$WORK_DIR" fix="ou choisissez-en un autre : make lab WORK_DIR=~/cours"
    if [[ -z "$dir" ]]; then
        echo "WORK_DIR est vide : indiquez le dossier de travail de l'étudiant, par exemple make lab WORK_DIR=~/cours."
        return
    fi
    if [[ "$dir" == *:* || "$dir" == *,* ]]; then
        echo "WORK_DIR=« $dir » contient « : » ou « , », que Docker ne sait pas monter ; $fix."
        return
    fi
    while [[ ! -e "$dir" && ! -L "$dir" ]]; do dir=$(dirname "$dir"); done
    if [[ ! -d "$dir" ]]; then
        echo "WORK_DIR=« $WORK_DIR » : $dir existe mais n'est pas un dossier ; $fix."
    elif [[ "$(id -u)" == 0 && "$dir" -ef "$WORK_DIR" ]]; then
        root_work_dir_problem "$fix"
    elif [[ ! -w "$dir" || ! -x "$dir" ]]; then
        local who
        who="l'utilisateur $(id -un) (uid $(id -u))"
        if [[ "$dir" -ef "$WORK_DIR" ]]; then
            echo "WORK_DIR=« $WORK_DIR » n'est pas accessible en écriture pour $who ;" \
                "donnez-le-vous (sudo chown -R $(id -u):$(id -g) $WORK_DIR) $fix."
        else
            echo "WORK_DIR=« $WORK_DIR » n'existe pas et ne peut pas être créé : $dir n'est pas accessible en" \
                "écriture pour $who ; créez-le (sudo mkdir -p $WORK_DIR && sudo chown $(id -u):$(id -g) $WORK_DIR) $fix."
        fi
    fi
}

# Root on the host: the lab runs as another uid (labtools.policy.lab_user), which must be able to write an existing
# WORK_DIR (root can write anything, so `test -w` as root proves nothing): its owner, group and mode, as the mounted
# folder shows them (labtools.policy.writable_by; its parents do not matter). Without this, JupyterLab would start
# with an empty file browser and no notebook.
root_work_dir_problem() {
    [[ -n "${PYTHON_CHECKED:-}" ]] || return 0  # no usable Python: build_client_problem says so
    local who uid gid
    who=$(labtools labtools.policy writable-by "$WORK_DIR") && return 0
    read -r uid gid <<<"$who"
    echo "WORK_DIR=« $WORK_DIR » n'est pas accessible en écriture pour l'uid $uid, sous lequel tourne le lab (vous" \
        "êtes root, et le lab ne tourne jamais en root) : le lab serait vide ; donnez-le-lui (sudo chown -R $uid:$gid" \
        "$WORK_DIR) $1."
}

# The port is free, or held by this very lab (which `make lab` then reuses).
busy_port_problem() {
    port_in_use "$PORT" || return 0
    [[ "$(container_state)" == running && "$(container_port)" == "$PORT" ]] && return 0
    local holder
    holder=$(docker ps --filter "publish=$PORT" --format '{{.Names}}' 2>/dev/null | head -n1)
    echo "le port $PORT est déjà utilisé${holder:+ par le conteneur $holder} : le jeton de ce lab y serait refusé ;" \
        "prenez-en un autre, make lab PORT=$((10#$PORT % 65535 + 1)) (ou arrêtez ce qui l'utilise${holder:+ : docker stop $holder})."
}

# A running lab started with another PORT, WORK_DIR or GPU is never reused silently.
running_lab_problem() {
    [[ "$(container_state)" == running ]] || return 0
    local port mounted wanted gpu differs=() new=() old=() target=""
    port=$(container_port)
    mounted=$(docker container inspect -f \
        '{{range .Mounts}}{{if eq .Destination "/home/student/work"}}{{.Source}}{{end}}{{end}}' "$CONTAINER")
    wanted=$WORK_DIR
    if [[ -d "$WORK_DIR" ]]; then wanted=$(cd "$WORK_DIR" && pwd -P); fi
    gpu=$(docker container inspect -f '{{index .Config.Labels "org.pytorch-lab.gpu"}}' "$CONTAINER" 2>/dev/null || true)
    if [[ "$port" != "$PORT" ]]; then
        differs+=("PORT=$port (demandé : $PORT)") new+=("PORT=$PORT") old+=("PORT=$port")
    fi
    if [[ "$mounted" != "$wanted" ]]; then
        differs+=("WORK_DIR=$mounted (demandé : $WORK_DIR)") new+=("WORK_DIR=$WORK_DIR") old+=("WORK_DIR=$mounted")
    fi
    if [[ -n "$gpu" && "$gpu" != "$GPU" ]]; then
        differs+=("GPU=$gpu (demandé : $GPU)") new+=("GPU=$GPU") old+=("GPU=$gpu")
    fi
    ((${#differs[@]})) || return 0
    if [[ "$CONTAINER" != "$DEFAULT_CONTAINER" ]]; then target=" CONTAINER=$CONTAINER"; fi
    local IFS=" "
    echo "le lab $CONTAINER tourne déjà avec d'autres réglages : $(printf '%s, ' "${differs[@]}" | sed 's/, $//') ;" \
        "pour le relancer avec les nouveaux : make stop$target puis make lab ${new[*]}$target" \
        "(votre travail reste dans le dossier de travail), ou gardez-le : make lab ${old[*]}$target."
}

# build = the build client and IMAGE; start = PORT, GPU, CONTAINER, SHM_SIZE, WORK_DIR, then (names and port being
# valid) a running lab with other settings, the port's holder and GPU=on; lab = both (`make lab`, before the build).
# Each also asks whether the Docker daemon answers. Silent when all is well.
cmd_preflight() {
    local problems=() checks=() check line
    local build=(build_client_problem image_name_problem)
    local start=(port_value_problem gpu_value_problem container_name_problem shm_size_problem work_dir_problem)
    case "$1" in
        build) checks=("${build[@]}" daemon_problem) ;;
        start) checks=("${start[@]}" daemon_problem) ;;
        lab) checks=("${build[@]}" "${start[@]}" daemon_problem) ;;
        *) usage ;;
    esac
    [[ -n "$(python_problem)" ]] || PYTHON_CHECKED=1  # once here, not in each check's subshell
    for check in "${checks[@]}"; do
        line=$("$check")
        if [[ -n "$line" ]]; then problems+=("$line"); fi
    done
    if [[ "$1" != build && ${#problems[@]} -eq 0 ]]; then
        for check in running_lab_problem busy_port_problem gpu_on_problem; do
            line=$("$check")
            if [[ -n "$line" ]]; then problems+=("$line"); fi
        done
    fi
    ((${#problems[@]})) || return 0
    for line in "${problems[@]}"; do echo "lab : erreur : $line" >&2; done
    exit 1
}
