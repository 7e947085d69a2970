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
# Settings come from the environment (the Makefile passes them): IMAGE CONTAINER PORT WORK_DIR GPU SHM_SIZE
# START_TIMEOUT SHARED_DIR CA_BUNDLE PYTHON. Messages are French: students read them.
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
        *) die "GPU doit valoir auto, on ou off, pas « $GPU »." ;;
    esac
    local decision why=""
    decision=$(PYTHONPATH="$ROOT" "$PYTHON" -m labtools.doctor --gpu-decision --image "$IMAGE" 2>&1) ||
        decision="cpu : le diagnostic du GPU a échoué ($decision)"
    [[ "$decision" == gpu ]] || why=${decision#cpu : }
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

    if port_in_use "$PORT"; then
        local holder
        holder=$(docker ps --filter "publish=$PORT" --format '{{.Names}}' | head -n1)
        die "le port $PORT est déjà utilisé${holder:+ par le conteneur $holder} ; le jeton de ce lab y serait refusé." \
            "Correctif : make lab PORT=$((PORT + 1))   (ou arrêtez ce qui utilise $PORT${holder:+ : docker stop $holder})"
    fi
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
    snapshot) packages_now >"$2" ;;
    changes) cmd_changes "$2" ;;
    *) die "usage : lab.sh start|stop|shell|logs|url|gpu|bench|export OUT LOCK|solutions OUT|unit-tests|repair|snapshot FILE|changes FILE" ;;
esac
