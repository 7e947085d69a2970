#!/usr/bin/env bash
# Host-side control of the class hub; the Makefile's hub* targets call it.
#   hub.sh start    check every input, then start (or reuse) the hub container; print the URL (and, the first
#                   time, the passwords). A hub restart never stops a student's server or touches a volume.
#   hub.sh stop     stop the hub and the students' servers (the work volumes and the hub's database stay)
#   hub.sh status   who has a running server, since when, idle for how long
#   hub.sh logs     the hub's logs
#   hub.sh progress the class's progress table (the teacher's page, in the terminal)
#   hub.sh backup   one tarball per student's work volume, and a copy of the progress database, in BACKUP_DIR
#   hub.sh check    check the inputs only (make hub runs it before any build)
# Settings come from the environment (the Makefile passes them): IMAGE HUB_IMAGE HUB_NAME HUB_PORT HUB_BIND
# ROSTER HUB_ADMIN HUB_STATE_DIR HUB_GPU HUB_IDLE_MINUTES HUB_MEM_LIMIT HUB_CPU_LIMIT HUB_PIDS_LIMIT HUB_SHM_SIZE
# HUB_SPAWN_TIMEOUT HUB_RUN_AS HUB_TLS_CERT HUB_TLS_KEY HUB_INSECURE_HTTP BACKUP_DIR PYTHON START_TIMEOUT; their
# defaults are in labtools/defaults.env.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../labtools/defaults.env
source "$HERE/labtools/defaults.env"
IMAGE=${IMAGE:-$DEFAULT_IMAGE}
HUB_IMAGE=${HUB_IMAGE:-$DEFAULT_HUB_IMAGE}
HUB_NAME=${HUB_NAME:-$DEFAULT_HUB_NAME}
HUB_PORT=${HUB_PORT:-$DEFAULT_HUB_PORT}
HUB_BIND=${HUB_BIND:-$DEFAULT_HUB_BIND}
ROSTER=${ROSTER:-$PWD/class.csv}
HUB_ADMIN=${HUB_ADMIN:-$DEFAULT_HUB_ADMIN}
HUB_STATE_DIR=${HUB_STATE_DIR:-$PWD/hub-state}
HUB_GPU=${HUB_GPU:-$DEFAULT_HUB_GPU}
HUB_IDLE_MINUTES=${HUB_IDLE_MINUTES:-$DEFAULT_HUB_IDLE_MINUTES}
HUB_MEM_LIMIT=${HUB_MEM_LIMIT:-$DEFAULT_HUB_MEM_LIMIT}
HUB_CPU_LIMIT=${HUB_CPU_LIMIT:-$DEFAULT_HUB_CPU_LIMIT}
HUB_PIDS_LIMIT=${HUB_PIDS_LIMIT:-$DEFAULT_HUB_PIDS_LIMIT}
HUB_SHM_SIZE=${HUB_SHM_SIZE:-$DEFAULT_HUB_SHM_SIZE}
HUB_SPAWN_TIMEOUT=${HUB_SPAWN_TIMEOUT:-$DEFAULT_HUB_SPAWN_TIMEOUT}
HUB_RUN_AS=${HUB_RUN_AS:-$DEFAULT_HUB_RUN_AS}
HUB_TLS_CERT=${HUB_TLS_CERT:-}
HUB_TLS_KEY=${HUB_TLS_KEY:-}
HUB_INSECURE_HTTP=${HUB_INSECURE_HTTP:-}
BACKUP_DIR=${BACKUP_DIR:-$PWD/hub-backups}
PYTHON=${PYTHON:-python3}
START_TIMEOUT=${START_TIMEOUT:-$DEFAULT_HUB_START_TIMEOUT}

say() { echo "hub: $*"; }
die() {
    echo "hub: error: $1" >&2
    shift
    for line in "$@"; do echo "     $line" >&2; done
    exit 1
}

hub_state() { docker container inspect -f '{{.State.Status}}' "$HUB_NAME" 2>/dev/null || true; }
student_containers() {
    docker ps -a --filter "label=org.pytorch-lab.hub=$HUB_NAME" --filter label=org.pytorch-lab.role=hub-student \
        --format '{{.Names}}'
}
work_volumes() { docker volume ls --format '{{.Name}}' | grep -E "^$HUB_NAME-work-" || true; }
port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_loopback() { [[ "$1" == 127.* || "$1" == ::1 || "$1" == localhost ]]; }
scheme() { if [[ -n "$HUB_TLS_CERT" ]]; then echo https; else echo http; fi; }
url() {
    local host=$HUB_BIND
    if [[ "$host" == 0.0.0.0 || "$host" == :: ]]; then host=$(hostname -f 2>/dev/null || hostname); fi
    [[ "$host" != *:* ]] || host="[$host]"
    echo "$(scheme)://$host:$HUB_PORT/"
}

# --- checks of every input, before anything is started ---------------------------------------------------

check_names() {
    [[ "$HUB_NAME" =~ ^[a-z0-9][a-z0-9_.-]{0,40}$ ]] ||
        die "HUB_NAME='$HUB_NAME' cannot name Docker containers and volumes." "Fix: lowercase letters, digits, . _ -"
    [[ "$HUB_ADMIN" =~ ^[a-z][a-z0-9._-]{0,31}$ ]] ||
        die "HUB_ADMIN='$HUB_ADMIN' is not a usable username." "Fix: a lowercase letter, then letters, digits, . _ -"
}

check_roster() {
    [[ -n "$ROSTER" ]] || die "no roster: ROSTER is empty." "Fix: make hub ROSTER=class.csv (one username per line)"
    local out
    out=$("$PYTHON" "$HERE/hub/classroom.py" roster "$ROSTER" --admin "$HUB_ADMIN" 2>&1) ||
        die "${out#hub: error: }" "Corrigez la liste, puis relancez make hub ; rien n'a été démarré."
    ROSTER=$(cd "$(dirname "$ROSTER")" && pwd -P)/$(basename "$ROSTER")
    STUDENT_COUNT=$(echo "$out" | wc -l)
}

check_images() {
    docker image inspect "$IMAGE" >/dev/null 2>&1 ||
        die "no lab image $IMAGE (the image each student gets)." "Fix: make build IMAGE=$IMAGE (make hub builds it)"
    docker image inspect "$HUB_IMAGE" >/dev/null 2>&1 ||
        die "no hub image $HUB_IMAGE." "Fix: make hub-image HUB_IMAGE=$HUB_IMAGE (make hub builds it)"
}

check_numbers() {
    { [[ "$HUB_PORT" =~ ^[0-9]+$ ]] && ((HUB_PORT >= 1 && HUB_PORT <= 65535)); } ||
        die "HUB_PORT='$HUB_PORT' is not a port number (1-65535)."
    { [[ "$HUB_IDLE_MINUTES" =~ ^[0-9]+([.][0-9]+)?$ ]] && [[ ! "$HUB_IDLE_MINUTES" =~ ^0+([.]0+)?$ ]]; } ||
        die "HUB_IDLE_MINUTES='$HUB_IDLE_MINUTES' must be a positive number of minutes (e.g. 30, or 0.5)."
    [[ "$HUB_MEM_LIMIT" =~ ^[0-9]+[kmgKMG]?$ ]] || die "HUB_MEM_LIMIT='$HUB_MEM_LIMIT' must look like 2g or 512m."
    [[ "$HUB_SHM_SIZE" =~ ^[0-9]+[kmgKMG]?$ ]] || die "HUB_SHM_SIZE='$HUB_SHM_SIZE' must look like 1g or 512m."
    { [[ "$HUB_SPAWN_TIMEOUT" =~ ^[0-9]+$ ]] && ((HUB_SPAWN_TIMEOUT >= 10)); } ||
        die "HUB_SPAWN_TIMEOUT='$HUB_SPAWN_TIMEOUT' must be a number of seconds, at least 10."
    [[ "$HUB_CPU_LIMIT" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "HUB_CPU_LIMIT='$HUB_CPU_LIMIT' must be a number of CPUs, e.g. 1 or 0.5."
    { [[ "$HUB_PIDS_LIMIT" =~ ^[0-9]+$ ]] && ((HUB_PIDS_LIMIT >= 64)); } ||
        die "HUB_PIDS_LIMIT='$HUB_PIDS_LIMIT' must be a number of processes, at least 64."
    [[ "$HUB_RUN_AS" == root || "$HUB_RUN_AS" =~ ^[1-9][0-9]*:[0-9]+$ ]] ||
        die "HUB_RUN_AS='$HUB_RUN_AS' must be root (the start script remaps, then drops root) or uid:gid, e.g. 1000:100."
}

# A hub beyond loopback speaks TLS, or says loudly that it does not.
check_bind_and_tls() {
    local file
    for file in "$HUB_TLS_CERT" "$HUB_TLS_KEY"; do
        [[ -z "$file" ]] && continue
        [[ -f "$file" ]] || die "TLS file $file does not exist." "Fix: HUB_TLS_CERT=/path/fullchain.pem HUB_TLS_KEY=/path/privkey.pem"
        { [[ -r "$file" ]] && grep -q -- '-----BEGIN' "$file" 2>/dev/null; } ||
            die "TLS file $file is not readable as PEM by $(id -un)." "Fix: check its permissions and contents (a PEM file, -----BEGIN ...)"
    done
    if [[ -n "$HUB_TLS_CERT" && -z "$HUB_TLS_KEY" || -z "$HUB_TLS_CERT" && -n "$HUB_TLS_KEY" ]]; then
        die "HUB_TLS_CERT and HUB_TLS_KEY go together (got only one)."
    fi
    if ! is_loopback "$HUB_BIND" && [[ -z "$HUB_TLS_CERT" ]]; then
        [[ "$HUB_INSECURE_HTTP" == 1 ]] ||
            die "HUB_BIND=$HUB_BIND publishes the hub beyond this machine, and passwords would travel in clear text." \
                "Fix: HUB_TLS_CERT=/path/fullchain.pem HUB_TLS_KEY=/path/privkey.pem (or a TLS reverse proxy in front and" \
                "HUB_INSECURE_HTTP=1), or keep the default HUB_BIND=127.0.0.1"
        echo "hub: WARNING: HUB_INSECURE_HTTP=1: the hub is published on $HUB_BIND without TLS; passwords and" \
            "cookies cross the network in clear text. Only behind a TLS reverse proxy or on a trusted network." >&2
    fi
}

check_port() {
    local holder probe=$HUB_BIND
    if [[ "$probe" == 0.0.0.0 || "$probe" == :: ]]; then probe=127.0.0.1; fi
    [[ "$probe" != localhost ]] || probe=127.0.0.1
    if port_in_use "$probe" "$HUB_PORT"; then
        holder=$(docker ps --filter "publish=$HUB_PORT" --format '{{.Names}}' | head -n1)
        die "port $HUB_PORT is already in use${holder:+ by the container $holder}." \
            "Fix: make hub HUB_PORT=$((HUB_PORT + 1))   (or stop what uses $HUB_PORT)"
    fi
}

host_gpus() { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | "$PYTHON" "$HERE/hub/classroom.py" gpus; }

# The doctor's GPU decision (labtools/doctor/gpu.py, the one `make lab` uses: a driver recent enough for the lab
# image's CUDA, and the NVIDIA Container Toolkit): nothing when containers can get the GPU, else why (French).
gpu_unusable_reason() {
    local decision
    decision=$(PYTHONPATH="$HERE" "$PYTHON" -m labtools.doctor --gpu-decision --image "$IMAGE" 2>&1) ||
        decision="cpu : le diagnostic du GPU a échoué ($decision)"
    [[ "$decision" == gpu ]] || echo "${decision#cpu : }"
}

# Sets GPU_MODE (none|shared|per-student) and GPU_DEVICES from HUB_GPU=auto|none|shared|per-student.
check_gpu() {
    local why devices
    GPU_DEVICES=""
    GPU_MODE=none
    case "$HUB_GPU" in
        none) return 0 ;;
        auto | shared | per-student) ;;
        *) die "HUB_GPU=« $HUB_GPU » : les valeurs possibles sont auto, none, shared ou per-student." ;;
    esac
    why=$(gpu_unusable_reason)
    if [[ -n "$why" ]]; then
        [[ "$HUB_GPU" == auto ]] ||
            die "HUB_GPU=$HUB_GPU, mais les conteneurs des élèves ne peuvent pas utiliser le GPU : $why." \
                "Correctif : make doctor dit quoi installer (pilote NVIDIA, NVIDIA Container Toolkit)," \
                "ou une classe sur le CPU : make hub HUB_GPU=none"
        say "HUB_GPU=auto : les élèves travaillent sur le CPU ($why)." >&2
        return 0
    fi
    if [[ "$HUB_GPU" == per-student ]]; then
        devices=$(host_gpus | paste -sd, || true)
        [[ -n "$devices" ]] ||
            die "HUB_GPU=per-student, mais nvidia-smi -L ne liste aucun GPU à répartir entre les élèves." \
                "Correctif : make hub HUB_GPU=shared (tous les GPU pour tous), ou HUB_GPU=none"
        GPU_DEVICES=$devices
        GPU_MODE=per-student
    else
        GPU_MODE=shared
    fi
}

# --- secrets: generated on the first start, mode 0600, printed once -----------------------------------------

random_text() {
    local text
    text=$(head -c 4096 /dev/urandom | LC_ALL=C tr -dc "$1")
    printf '%s' "${text:0:$2}"
}

ensure_secrets() {
    NEW_SECRETS=""
    mkdir -p "$HUB_STATE_DIR"
    chmod 0700 "$HUB_STATE_DIR"
    local name
    for name in class-password admin-password status-token; do
        [[ -s "$HUB_STATE_DIR/$name" ]] && continue
        case "$name" in
            class-password) random_text 'a-hjkmnp-z2-9' 12 ;;   # easy to read aloud and type: no 0/o, 1/l/i
            admin-password) random_text 'A-Za-z0-9' 40 ;;        # JupyterHub wants >= 32 characters
            status-token) random_text 'a-f0-9' 64 ;;
        esac | (umask 077 && cat >"$HUB_STATE_DIR/$name")
        chmod 0600 "$HUB_STATE_DIR/$name"
        NEW_SECRETS+=" $name"
    done
}

# --- the roster is the law: who left it loses their server (the hub's config deletes them and their tokens) ---

leavers() {  # $1: prefix; stdin: Docker names; stdout: the names of users the roster no longer lists
    "$PYTHON" "$HERE/hub/classroom.py" leavers "$ROSTER" --admin "$HUB_ADMIN" --prefix "$1"
}

# Stops the servers of students removed from the roster; their work volumes stay, with one line each on how
# to remove them.
retire_leavers() {
    local container volume user
    for container in $(student_containers | leavers "$HUB_NAME-"); do
        docker stop -t 10 "$container" >/dev/null  # DockerSpawner's containers remove themselves once stopped
        docker rm -f "$container" >/dev/null 2>&1 || true
        STOPPED_LEAVERS+=" ${container#"$HUB_NAME-"}"
    done
    for volume in $(work_volumes | leavers "$HUB_NAME-work-"); do
        user=${volume#"$HUB_NAME-work-"}
        local stopped=""
        [[ " $STOPPED_LEAVERS " != *" $user "* ]] || stopped="son serveur est arrêté, "
        say "$user n'est plus dans la liste de la classe : ${stopped}son travail est gardé dans le volume $volume" \
            "(pour l'effacer : docker volume rm $volume)."
    done
}

# --- start ------------------------------------------------------------------------------------------------

# What the running hub was started with (images, roster, passwords, settings): when it changes, `make hub`
# restarts the hub; the students' servers keep running.
settings_digest() {
    {
        docker image inspect -f '{{.Id}}' "$HUB_IMAGE" "$IMAGE"
        cat "$ROSTER" "$HUB_STATE_DIR/class-password" "$HUB_STATE_DIR/admin-password" "$HUB_STATE_DIR/status-token"
        echo "$HUB_PORT $HUB_BIND $HUB_ADMIN $GPU_MODE $GPU_DEVICES $HUB_IDLE_MINUTES $HUB_MEM_LIMIT $HUB_CPU_LIMIT"
        echo "$HUB_PIDS_LIMIT $HUB_SHM_SIZE $HUB_SPAWN_TIMEOUT $HUB_RUN_AS $HUB_TLS_CERT $HUB_TLS_KEY $HUB_STATE_DIR"
    } | sha256sum | cut -c1-16
}

# True when the hub answers /hub/health through its proxy (the address students use), from inside its container.
hub_answers() {
    docker exec "$HUB_NAME" python -c "
import ssl, sys, urllib.request
context = ssl._create_unverified_context()
try:
    urllib.request.urlopen('$(scheme)://127.0.0.1:8000/hub/health', timeout=5, context=context)
except Exception:
    sys.exit(1)" 2>/dev/null
}

wait_until_answering() {
    local deadline=$((SECONDS + START_TIMEOUT))
    until hub_answers; do
        if [[ "$(hub_state)" != running ]]; then
            docker logs --tail 30 "$HUB_NAME" >&2 || true
            die "the hub container stopped during start-up (its last log lines are above)." "See: make hub-logs"
        fi
        ((SECONDS < deadline)) || die "the hub did not answer within ${START_TIMEOUT}s." "See: make hub-logs"
        sleep 1
    done
}

print_access() {
    say "the hub is ready for $STUDENT_COUNT student(s): $(url)"
    if [[ -n "$NEW_SECRETS" ]]; then
        say "new password(s) generated (kept, mode 0600, in $HUB_STATE_DIR; shown only this once):"
        echo "    students (any roster name):  $(cat "$HUB_STATE_DIR/class-password")"
        echo "    teacher ($HUB_ADMIN, admin): $(cat "$HUB_STATE_DIR/admin-password")"
    else
        say "passwords: $HUB_STATE_DIR/class-password (students), $HUB_STATE_DIR/admin-password (teacher '$HUB_ADMIN')"
    fi
}

cmd_start() {
    STOPPED_LEAVERS=""
    check_names
    check_roster
    check_images
    check_numbers
    check_bind_and_tls
    check_gpu
    local digest state
    ensure_secrets
    digest=$(settings_digest)
    state=$(hub_state)
    if [[ "$state" == running &&
        "$(docker container inspect -f '{{index .Config.Labels "org.pytorch-lab.settings"}}' "$HUB_NAME")" == "$digest" ]]; then
        retire_leavers
        wait_until_answering
        print_access
        return 0
    fi
    if [[ -n "$state" ]]; then
        say "restarting the hub with the new settings or image (students' servers and volumes are kept)."
        docker stop -t 20 "$HUB_NAME" >/dev/null
        docker rm "$HUB_NAME" >/dev/null
    fi
    retire_leavers
    check_port
    docker network inspect "$HUB_NAME-net" >/dev/null 2>&1 ||
        docker network create --label "org.pytorch-lab.hub=$HUB_NAME" "$HUB_NAME-net" >/dev/null
    docker volume inspect "$HUB_NAME-data" >/dev/null 2>&1 ||
        docker volume create --label "org.pytorch-lab.hub=$HUB_NAME" "$HUB_NAME-data" >/dev/null
    local tls=()
    if [[ -n "$HUB_TLS_CERT" ]]; then
        tls=(--volume "$(realpath "$HUB_TLS_CERT"):/srv/jupyterhub/tls/cert.pem:ro"
            --volume "$(realpath "$HUB_TLS_KEY"):/srv/jupyterhub/tls/key.pem:ro")
    fi
    [[ "$GPU_MODE" == none ]] || say "GPUs for students: $GPU_MODE${GPU_DEVICES:+ ($GPU_DEVICES)}"
    docker run -d --name "$HUB_NAME" --hostname "$HUB_NAME" --network "$HUB_NAME-net" \
        --restart unless-stopped \
        --publish "$HUB_BIND:$HUB_PORT:8000" \
        --volume /var/run/docker.sock:/var/run/docker.sock \
        --volume "$HUB_NAME-data:/srv/jupyterhub/data" \
        --volume "$ROSTER:/srv/jupyterhub/roster.csv:ro" \
        --volume "$(cd "$HUB_STATE_DIR" && pwd -P):/srv/jupyterhub/secrets:ro" \
        "${tls[@]}" \
        --env "HUB_NAME=$HUB_NAME" --env "HUB_LAB_IMAGE=$IMAGE" --env "HUB_ADMIN=$HUB_ADMIN" \
        --env "HUB_GPU=$GPU_MODE" --env "HUB_GPU_DEVICES=$GPU_DEVICES" --env "HUB_IDLE_MINUTES=$HUB_IDLE_MINUTES" \
        --env "HUB_MEM_LIMIT=$HUB_MEM_LIMIT" --env "HUB_CPU_LIMIT=$HUB_CPU_LIMIT" --env "HUB_PIDS_LIMIT=$HUB_PIDS_LIMIT" \
        --env "HUB_SHM_SIZE=$HUB_SHM_SIZE" --env "HUB_SPAWN_TIMEOUT=$HUB_SPAWN_TIMEOUT" --env "HUB_RUN_AS=$HUB_RUN_AS" \
        --label org.pytorch-lab.role=hub --label "org.pytorch-lab.hub=$HUB_NAME" \
        --label "org.pytorch-lab.settings=$digest" \
        "$HUB_IMAGE" >/dev/null
    wait_until_answering
    print_access
}

# --- the other commands -----------------------------------------------------------------------------------

cmd_stop() {
    local students
    if [[ -n "$(hub_state)" ]]; then
        docker stop -t 20 "$HUB_NAME" >/dev/null
        docker rm "$HUB_NAME" >/dev/null
        say "stopped the hub $HUB_NAME."
    else
        say "no hub named $HUB_NAME."
    fi
    students=$(student_containers)
    if [[ -n "$students" ]]; then
        # shellcheck disable=SC2086  # one name per word
        docker stop -t 20 $students >/dev/null
        say "stopped $(echo "$students" | wc -w) student server(s)."
    fi
    docker network rm "$HUB_NAME-net" >/dev/null 2>&1 || true
    say "the students' work volumes are kept ($(work_volumes | wc -l)); make hub-backup saves them as tarballs."
}

cmd_status() {
    [[ "$(hub_state)" == running ]] || die "the hub $HUB_NAME is not running." "Fix: make hub"
    docker exec "$HUB_NAME" python /srv/jupyterhub/status.py
    say "work volumes: $(work_volumes | wc -l) (students who have started at least once)"
}

cmd_progress() {
    [[ "$(hub_state)" == running ]] || die "le hub $HUB_NAME ne tourne pas." "Correctif : make hub"
    docker exec "$HUB_NAME" python /srv/jupyterhub/progress_service.py table
}

# The progress database (hub data volume), copied with SQLite's online backup: consistent while the hub runs
# (the volume is mounted read-write only because SQLite's WAL mode needs its shared-memory file to read).
backup_progress() {
    docker volume inspect "$HUB_NAME-data" >/dev/null 2>&1 || return 0
    docker run --rm --network none --entrypoint "" \
        --volume "$HUB_NAME-data:/data" --volume "$BACKUP_DIR:/backup" "$HUB_IMAGE" \
        python -c "
import os, sqlite3, sys
if not os.path.exists('/data/progress.sqlite'):
    sys.exit(0)
source = sqlite3.connect('/data/progress.sqlite')
target = sqlite3.connect('/backup/progress-$1.sqlite')
source.backup(target)
target.close()
os.chown('/backup/progress-$1.sqlite', $(id -u), $(id -g))
print('    /backup/progress-$1.sqlite'.replace('/backup', '$BACKUP_DIR'))"
}

cmd_backup() {
    local volumes volume user stamp
    volumes=$(work_volumes)
    [[ -n "$volumes" ]] || die "no student work volume for the hub $HUB_NAME yet." "Nothing to back up."
    docker image inspect "$HUB_IMAGE" >/dev/null 2>&1 || die "no hub image $HUB_IMAGE." "Fix: make hub-image"
    mkdir -p "$BACKUP_DIR"
    BACKUP_DIR=$(cd "$BACKUP_DIR" && pwd -P)
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    for volume in $volumes; do
        user=${volume#"$HUB_NAME-work-"}
        docker run --rm --network none --entrypoint "" \
            --volume "$volume:/work:ro" --volume "$BACKUP_DIR:/backup" "$HUB_IMAGE" \
            sh -c "tar -czf /backup/$user-$stamp.tar.gz -C /work . && chown $(id -u):$(id -g) /backup/$user-$stamp.tar.gz"
        echo "    $BACKUP_DIR/$user-$stamp.tar.gz"
    done
    backup_progress "$stamp"
    say "$(echo "$volumes" | wc -w) backup(s) written (the volumes are untouched)."
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    logs) exec docker logs "${@:2}" "$HUB_NAME" ;;
    backup) cmd_backup ;;
    progress) cmd_progress ;;
    check)
        check_names && check_roster && check_numbers && check_bind_and_tls && check_gpu
        say "réglages vérifiés (GPU des élèves : $GPU_MODE${GPU_DEVICES:+, $GPU_DEVICES})"
        ;;
    *) die "usage: hub.sh start|stop|status|logs|backup|progress|check" ;;
esac
