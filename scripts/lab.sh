#!/usr/bin/env bash
# The one host-side runner of the lab's containers; every Makefile target that starts a container calls it.
#   lab.sh start        start JupyterLab (or reuse the running container), wait until it answers, print the URL
#   lab.sh stop         stop and remove the container (the work directory stays on the host, untouched)
#   lab.sh shell        a bash shell in the running container, as the student
#   lab.sh logs [ARGS]  the container's logs
#   lab.sh url          print the URL of the running lab
#   lab.sh gpu          print the docker flags GPU=auto|on|off resolves to (and why)
#   lab.sh bench [ARGS]       the transfer benchmark in a throwaway lab container, results in WORK_DIR/bench
#   lab.sh export OUT LOCK    the course's export commands in the image, files in OUT, compared with LOCK
#   lab.sh solutions OUT [--force]  the solved notebooks (for the teacher) into OUT
#   lab.sh unit-tests [ARGS]  the unit tests (tests/lab, tests/bench, tests/doctor) inside the image
#   lab.sh repair       put the running lab's packages back to exactly the lock (docker/repair.sh in the image)
#   lab.sh snapshot FILE / changes FILE   around a rebuild: save the lab's packages, then say what changed
#   lab.sh preflight [lab|build|start]  check the inputs before anything slow runs (`make lab` runs `lab`
#                  before the build): build = the build client (buildx) and IMAGE; start = PORT, GPU, WORK_DIR,
#                  CONTAINER, SHM_SIZE, the port's holder and a running lab started with other settings; lab =
#                  both; each also asks whether the Docker daemon answers. One French line per problem, exit
#                  status 1; silent when all is well.
# Settings come from the environment (the Makefile passes them): IMAGE CONTAINER PORT WORK_DIR GPU SHM_SIZE
# DOCKER_BUILD START_TIMEOUT SHARED_DIR CA_BUNDLE PYTHON. Messages are French: students read them.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The default names live in labtools/policy.py (the doctor and the tests read them there too).
policy_default() { sed -n "s/^$1 = \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$ROOT/labtools/policy.py"; }
IMAGE=${IMAGE:-$(policy_default DEFAULT_IMAGE)}
CONTAINER=${CONTAINER:-$(policy_default DEFAULT_CONTAINER)}
PORT=${PORT:-$(policy_default DEFAULT_PORT)}
WORK_DIR=${WORK_DIR:-$PWD/work}
GPU=${GPU:-auto}
SHM_SIZE=${SHM_SIZE:-2g}
DOCKER_BUILD=${DOCKER_BUILD:-docker build}
START_TIMEOUT=${START_TIMEOUT:-90}
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}
CA_BUNDLE=${CA_BUNDLE:-}
PYTHON=${PYTHON:-python3}

say() { echo "lab : $*"; }
die() {
    echo "lab : erreur : $1" >&2
    shift
    for line in "$@"; do echo "      $line" >&2; done
    exit 1
}

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
need_image() { docker image inspect "$IMAGE" >/dev/null 2>&1 || die "l'image $IMAGE n'existe pas." "Correctif : make build"; }
need_running() { [[ "$(container_state)" == running ]] || die "le lab ne tourne pas." "Correctif : make lab"; }

# The GPU decision and the start-up probe are Python (labtools), standard library only.
need_python() {
    command -v "$PYTHON" >/dev/null || die "$PYTHON est introuvable : le lab en a besoin sur l'hôte (3.10 ou plus récent)." \
        "Correctif : installez python3 (Ubuntu : sudo apt install python3), ou indiquez-le : make lab PYTHON=/chemin/python3"
}

# True when something accepts connections on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True when Jupyter answers /api/status on 127.0.0.1:$1 with token $2 (labtools/jupyter.py, as the doctor asks).
jupyter_answers() { JUPYTER_TOKEN="$2" PYTHONPATH="$ROOT" "$PYTHON" -m labtools.jupyter "$1" 5 2>/dev/null; }

# Why containers cannot get the GPU (the doctor's rule), or nothing when they can.
gpu_unusable_reason() {
    local decision
    decision=$(PYTHONPATH="$ROOT" "$PYTHON" -m labtools.doctor --gpu-decision --image "$IMAGE" 2>&1) ||
        decision="cpu : le diagnostic du GPU a échoué ($decision)"
    [[ "$decision" == gpu ]] || echo "${decision#cpu : }"
}

# Sets GPU_FLAGS from GPU=auto|on|off. The decision is the doctor's (labtools/doctor/gpu.py): a driver recent
# enough for the image's CUDA and the NVIDIA Container Toolkit; otherwise CPU mode, said in one line.
resolve_gpu() {
    GPU_FLAGS=()
    case "$GPU" in
        off)
            say "GPU=off : mode CPU" >&2
            return 0
            ;;
        on | auto) need_python ;;
        *) die "$(gpu_value_problem)" ;;
    esac
    local why
    why=$(gpu_unusable_reason)
    if [[ -z "$why" ]]; then
        GPU_FLAGS=(--gpus all)
    elif [[ "$GPU" == on ]]; then
        die "GPU=on, mais le GPU est inutilisable : $why." \
            "Correctif : make doctor dit quoi installer (pilote NVIDIA, NVIDIA Container Toolkit)." \
            "Ou lancez le lab sur le CPU : make lab GPU=off"
    else
        say "note : mode CPU, $why (make doctor en dit plus)." >&2
    fi
}

# Sets LAB_UID/LAB_GID, who the lab runs as and who owns what it writes on the host: the host user, or the image's
# default student (1000) for a root host user, since the lab never runs as root. The one place for this rule.
lab_user() {
    LAB_UID=$(id -u) LAB_GID=$(id -g)
    if [[ "$LAB_UID" == 0 ]]; then LAB_UID=1000 LAB_GID=1000; fi
}

# Creates WORK_DIR if needed, owned by the lab's user.
prepare_work_dir() {
    lab_user
    if [[ ! -d "$WORK_DIR" ]]; then
        mkdir -p "$WORK_DIR"
        if [[ "$(id -u)" == 0 ]]; then chown "$LAB_UID:$LAB_GID" "$WORK_DIR"; fi
    fi
    if [[ "$(id -u)" == 0 ]]; then
        say "note : vous êtes root sur cet hôte ; le lab tourne sous l'uid $LAB_UID, propriétaire de ce qu'il écrit dans $WORK_DIR." >&2
    fi
    WORK_DIR=$(cd "$WORK_DIR" && pwd -P)
}

new_token() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

wait_until_answering() {
    local token="$1" deadline=$((SECONDS + START_TIMEOUT))
    need_python
    until jupyter_answers "$PORT" "$token"; do
        if [[ "$(container_state)" != running ]]; then
            docker logs --tail 30 "$CONTAINER" >&2 || true
            die "le conteneur du lab s'est arrêté pendant le démarrage (ses dernières lignes de journal sont ci-dessus)." \
                "Correctif : make doctor ; make logs"
        fi
        ((SECONDS < deadline)) || die "JupyterLab n'a pas répondu sur le port $PORT en ${START_TIMEOUT} s." "Voir : make logs"
        sleep 0.2
    done
}

cmd_start() {
    cmd_preflight start
    need_image
    local state token="" image_id
    state=$(container_state)
    image_id=$(docker image inspect -f '{{.Id}}' "$IMAGE")
    if [[ -n "$state" ]]; then
        token=$(container_env JUPYTER_TOKEN)
        if [[ "$state" == running && "$(docker container inspect -f '{{.Image}}' "$CONTAINER")" == "$image_id" ]]; then
            PORT=$(container_port)
            wait_until_answering "$token"
            say "JupyterLab tourne déjà (conteneur $CONTAINER) :"
            echo "    $(lab_url)"
            return 0
        fi
        if [[ "$state" == running ]]; then
            say "l'image a été reconstruite : redémarrage de $CONTAINER sur la nouvelle image (le dossier de travail est conservé)."
        fi
        docker rm -f "$CONTAINER" >/dev/null
    fi

    local busy
    busy=$(busy_port_problem)
    if [[ -n "$busy" ]]; then die "$busy"; fi
    resolve_gpu
    prepare_work_dir
    token=${token:-$(new_token)}
    docker run -d --name "$CONTAINER" \
        --publish "127.0.0.1:$PORT:8888" \
        --volume "$WORK_DIR:/home/student/work" \
        --env "NB_UID=$LAB_UID" --env "NB_GID=$LAB_GID" --env "JUPYTER_TOKEN=$token" \
        --shm-size "$SHM_SIZE" \
        --label org.pytorch-lab.role=lab --label "org.pytorch-lab.gpu=$GPU" \
        "${GPU_FLAGS[@]}" "$IMAGE" >/dev/null
    wait_until_answering "$token"
    say "JupyterLab est prêt (dossier de travail : $WORK_DIR) :"
    echo "    $(lab_url)"
}

# ------------------------------------------------------------------------------------------------ preflight
# Each *_problem function prints one French line (what is wrong, then what to type) when its input is bad,
# and nothing when it is fine. They only look: nothing is built, created or started.

# The build client: `docker build` of Docker CLI 23+ is buildx, which the docker-buildx-plugin provides; older
# clients (e.g. Debian's docker.io 20.10) have BuildKit built in. Other clients (podman...) are not judged.
docker_builds_with_buildkit() {
    local client="$1" version
    "$client" buildx version >/dev/null 2>&1 && return 0
    [[ "${2:-}" != buildx ]] || return 1
    version=$("$client" version --format '{{.Client.Version}}' 2>/dev/null || true)
    [[ "${version%%.*}" =~ ^[0-9]+$ ]] && ((${version%%.*} < 23))
}
build_client_problem() {
    local words client other alternative=""
    read -r -a words <<<"$DOCKER_BUILD"
    client=${words[0]:-docker}
    [[ "$(basename "$client")" == docker ]] || return 0
    if ! command -v "$client" >/dev/null; then
        echo "DOCKER_BUILD=« $DOCKER_BUILD » : la commande $client est introuvable ; installez Docker (https://docs.docker.com/engine/install/)."
        return
    fi
    docker_builds_with_buildkit "$client" "${words[1]:-}" && return 0
    for other in $(type -ap docker) /usr/bin/docker; do
        if [[ -x "$other" && ! "$other" -ef "$(command -v "$client")" ]] && docker_builds_with_buildkit "$other"; then
            alternative=" ; ou, sans rien installer : make lab DOCKER_BUILD=\"$other build\""
            break
        fi
    done
    echo "le client Docker $(command -v "$client") n'a pas le plugin buildx, dont « $DOCKER_BUILD » a besoin pour" \
        "construire l'image : installez-le (sudo apt-get install docker-buildx-plugin)${alternative}."
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
    command -v "$PYTHON" >/dev/null || return 0  # need_python says it at start, in its own words
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
        "par exemple make lab IMAGE=pytorch-gpu-lab:latest."
}

container_name_problem() {
    [[ "$CONTAINER" =~ ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ ]] && return 0
    echo "CONTAINER=« $CONTAINER » n'est pas un nom de conteneur Docker (au moins 2 caractères parmi lettres," \
        "chiffres, _ . -, sans espace), par exemple make lab CONTAINER=pytorch-lab."
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
    if [[ "$CONTAINER" != "$(policy_default DEFAULT_CONTAINER)" ]]; then target=" CONTAINER=$CONTAINER"; fi
    local IFS=" "
    echo "le lab $CONTAINER tourne déjà avec d'autres réglages : $(printf '%s, ' "${differs[@]}" | sed 's/, $//') ;" \
        "pour le relancer avec les nouveaux : make stop$target puis make lab ${new[*]}$target" \
        "(votre travail reste dans le dossier de travail), ou gardez-le : make lab ${old[*]}$target."
}

# lab.sh preflight build|start|lab: the build's inputs, the container's, or both (`make lab`, before the build).
cmd_preflight() {
    local problems=() checks=() check line
    local build=(build_client_problem image_name_problem)
    local start=(port_value_problem gpu_value_problem container_name_problem shm_size_problem work_dir_problem)
    case "${1:-lab}" in
        build) checks=("${build[@]}" daemon_problem) ;;
        start) checks=("${start[@]}" daemon_problem) ;;
        lab) checks=("${build[@]}" "${start[@]}" daemon_problem) ;;
        *) die "usage : lab.sh preflight build|start|lab" ;;
    esac
    for check in "${checks[@]}"; do
        line=$("$check")
        if [[ -n "$line" ]]; then problems+=("$line"); fi
    done
    # Only with valid names and port: these ask Docker about the container and the port.
    if [[ "${1:-lab}" != build && ${#problems[@]} -eq 0 ]]; then
        for check in running_lab_problem busy_port_problem gpu_on_problem; do
            line=$("$check")
            if [[ -n "$line" ]]; then problems+=("$line"); fi
        done
    fi
    ((${#problems[@]})) || return 0
    for line in "${problems[@]}"; do echo "lab : erreur : $line" >&2; done
    exit 1
}

# A throwaway container of the image, through its start script (the student, remapped to the lab's user).
run_as_student() {
    lab_user
    docker run --rm --shm-size "$SHM_SIZE" --env "NB_UID=$LAB_UID" --env "NB_GID=$LAB_GID" "$@"
}

# A throwaway container of the image as the host user, past the start script: for tools that write host files.
run_as_host_user() { docker run --rm --entrypoint "" -u "$(id -u):$(id -g)" "$@"; }

cmd_bench() {
    need_image
    resolve_gpu
    prepare_work_dir
    run_as_student --volume "$WORK_DIR:/home/student/work" "${GPU_FLAGS[@]}" "$IMAGE" \
        python -m labtools.bench --out /home/student/work/bench "$@"
    say "résultats dans $WORK_DIR/bench"
}

cmd_export() {
    local out="$1" lock="$2"
    need_image
    mkdir -p "$out"
    run_as_host_user -v "$(cd "$out" && pwd -P):/out" -v "$(realpath "$lock"):/tmp/repo-lock.txt:ro" "$IMAGE" \
        python /opt/lab/docker/export_env.py --out /out --lock /tmp/repo-lock.txt
}

cmd_solutions() {
    local out="$1"
    need_image
    mkdir -p "$out"
    run_as_host_user -v "$(cd "$out" && pwd -P):/out" "$IMAGE" python -m lab.notebook_builder solutions /out "${@:2}"
}

cmd_unit_tests() {
    need_image
    local shared=()
    if [[ -d "$SHARED_DIR" ]]; then shared=(-v "$(cd "$SHARED_DIR" && pwd -P):/opt/shared:ro" -e LAB_SHARED_DIR=/opt/shared); fi
    run_as_student "${shared[@]}" -w /opt/lab "$IMAGE" \
        python -m pytest -p no:cacheprovider tests/lab tests/bench tests/doctor "$@"
}

# `make repair`: lab-repair (docker/repair.sh) as root in the running lab. The build's extra CA, if any, is handed
# over in /dev/shm (memory) for the downloads and removed afterwards. The work directory is never touched.
cmd_repair() {
    [[ "$(container_state)" == running ]] || die "le conteneur du lab « $CONTAINER » ne tourne pas." \
        "Correctif : make lab, puis make repair (ou make rebuild pour repartir d'une image neuve)."
    local env_args=() status=0
    if [[ -n "$CA_BUNDLE" ]]; then
        docker exec -i -u root "$CONTAINER" sh -c "cat >/dev/shm/lab-ca.pem" <"$CA_BUNDLE"
        env_args=(--env SSL_CERT_FILE=/dev/shm/lab-ca.pem)
    fi
    docker exec -u root "${env_args[@]}" "$CONTAINER" lab-repair || status=$?
    if [[ -n "$CA_BUNDLE" ]]; then docker exec -u root "$CONTAINER" rm -f /dev/shm/lab-ca.pem; fi
    if [[ $status != 0 ]]; then
        echo "lab : la réparation a échoué (code $status). Sans accès à PyPI, reconstruisez plutôt : make rebuild" >&2
    fi
    return $status
}

# The packages of the running lab (or, without one, of the image) as `name==version` lines, sorted.
packages_now() {
    if [[ "$(container_state)" == running ]]; then
        docker exec "$CONTAINER" python -m pip list --format=freeze --disable-pip-version-check
    elif docker image inspect "$IMAGE" >/dev/null 2>&1; then
        docker run --rm --entrypoint cat "$IMAGE" /opt/lab/image-lock/pip-freeze.txt
    fi | sort
}

# After a rebuild: what the new image changes compared with the packages saved in $1 by `lab.sh snapshot`.
cmd_changes() {
    local before="$1" after changes
    after=$(docker run --rm --entrypoint cat "$IMAGE" /opt/lab/image-lock/pip-freeze.txt | sort)
    changes=$(diff <(cat "$before") <(echo "$after") | sed -nE 's/^< (.*)/  retiré    \1/p; s/^> (.*)/  installé  \1/p' || true)
    if [[ ! -s "$before" ]]; then
        say "rebuild : nouvelle image de $(echo "$after" | grep -c '==') paquets (il n'y avait ni image ni lab avant)."
    elif [[ -n "$changes" ]]; then
        say "rebuild : par rapport au lab précédent, la nouvelle image change :"
        echo "$changes"
    else
        say "rebuild : la nouvelle image a exactement les mêmes paquets qu'avant."
    fi
    if [[ "$(container_state)" == running ]]; then
        say "le lab lancé utilise encore l'ancienne image ; « make lab » le redémarre sur la nouvelle (dossier de travail conservé)."
    fi
}

cmd_stop() {
    if [[ -n "$(container_state)" ]]; then
        docker rm -f "$CONTAINER" >/dev/null
        say "$CONTAINER arrêté (votre travail reste dans le dossier de travail)."
    else
        say "aucun conteneur du lab nommé $CONTAINER."
    fi
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    shell) need_running && exec docker exec -it -u student "$CONTAINER" bash -l ;;
    logs) exec docker logs "${@:2}" "$CONTAINER" ;;
    url) need_running && lab_url ;;
    gpu) resolve_gpu && echo "${GPU_FLAGS[*]:-}" ;;
    bench) cmd_bench "${@:2}" ;;
    export) cmd_export "$2" "$3" ;;
    solutions) cmd_solutions "${@:2}" ;;
    unit-tests) cmd_unit_tests "${@:2}" ;;
    repair) cmd_repair ;;
    preflight) cmd_preflight "${2:-lab}" ;;
    snapshot) packages_now >"$2" ;;
    changes) cmd_changes "$2" ;;
    *) die "usage : lab.sh start|stop|shell|logs|url|gpu|preflight [lab|build|start]|bench|export OUT LOCK|solutions OUT|unit-tests|repair|snapshot FILE|changes FILE" ;;
esac
