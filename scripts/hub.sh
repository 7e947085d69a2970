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
# ROSTER HUB_ADMIN HUB_COURSE HUB_STATE_DIR HUB_GPU HUB_IDLE_MINUTES HUB_MEM_LIMIT HUB_CPU_LIMIT HUB_PIDS_LIMIT HUB_SHM_SIZE
# HUB_SPAWN_TIMEOUT HUB_CONCURRENT_STARTS HUB_RUN_AS HUB_TLS_CERT HUB_TLS_KEY HUB_INSECURE_HTTP BACKUP_DIR PYTHON START_TIMEOUT; their
# defaults are in labtools/defaults.env.
#
# Why a script and not Docker Compose: the hub's life is more than `up`/`down`. Every input is checked before
# anything starts (roster, GPU decision, TLS, port), passwords are generated once, the hub is restarted only when
# its settings digest changes (students' servers stay up), students removed from the roster have their servers
# stopped and volumes listed, and stop/backup act on containers and volumes DockerSpawner creates, which Compose
# does not know. A compose file would only replace the single `docker run` below and still need this script.
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
HUB_COURSE=${HUB_COURSE:-$DEFAULT_HUB_COURSE}
HUB_STATE_DIR=${HUB_STATE_DIR:-$PWD/hub-state}
HUB_GPU=${HUB_GPU:-$DEFAULT_HUB_GPU}
HUB_IDLE_MINUTES=${HUB_IDLE_MINUTES:-$DEFAULT_HUB_IDLE_MINUTES}
HUB_MEM_LIMIT=${HUB_MEM_LIMIT:-$DEFAULT_HUB_MEM_LIMIT}
HUB_CPU_LIMIT=${HUB_CPU_LIMIT:-$DEFAULT_HUB_CPU_LIMIT}
HUB_PIDS_LIMIT=${HUB_PIDS_LIMIT:-$DEFAULT_HUB_PIDS_LIMIT}
HUB_SHM_SIZE=${HUB_SHM_SIZE:-$DEFAULT_HUB_SHM_SIZE}
HUB_SPAWN_TIMEOUT=${HUB_SPAWN_TIMEOUT:-$DEFAULT_HUB_SPAWN_TIMEOUT}
HUB_CONCURRENT_STARTS=${HUB_CONCURRENT_STARTS:-$DEFAULT_HUB_CONCURRENT_STARTS}
HUB_RUN_AS=${HUB_RUN_AS:-$DEFAULT_HUB_RUN_AS}
HUB_TLS_CERT=${HUB_TLS_CERT:-}
HUB_TLS_KEY=${HUB_TLS_KEY:-}
HUB_INSECURE_HTTP=${HUB_INSECURE_HTTP:-}
BACKUP_DIR=${BACKUP_DIR:-$PWD/hub-backups}
PYTHON=${PYTHON:-python3}
START_TIMEOUT=${START_TIMEOUT:-$DEFAULT_HUB_START_TIMEOUT}

TOOL=hub
REPO_ROOT=$HERE
# shellcheck source=host-common.sh
source "$HERE/scripts/host-common.sh"

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
        die "HUB_NAME=« $HUB_NAME » ne peut pas nommer des conteneurs et volumes Docker." \
            "Correctif : des minuscules, chiffres, . _ - (par exemple HUB_NAME=cours-pytorch)"
    [[ "$HUB_ADMIN" =~ ^[a-z][a-z0-9._-]{0,31}$ ]] ||
        die "HUB_ADMIN=« $HUB_ADMIN » n'est pas un identifiant utilisable." \
            "Correctif : une lettre minuscule, puis des minuscules, chiffres, . _ - (par exemple HUB_ADMIN=prof)"
}

check_roster() {
    [[ -n "$ROSTER" ]] || die "pas de liste de classe : ROSTER est vide." "Correctif : make hub ROSTER=class.csv (un identifiant par ligne)"
    local out
    out=$("$PYTHON" "$HERE/hub/classroom.py" roster "$ROSTER" --admin "$HUB_ADMIN" 2>&1) ||
        die "${out#hub: error: }" "Corrigez la liste, puis relancez make hub ; rien n'a été démarré."
    ROSTER=$(cd "$(dirname "$ROSTER")" && pwd -P)/$(basename "$ROSTER")
    STUDENT_COUNT=$(echo "$out" | wc -l)
}

check_images() {
    docker image inspect "$IMAGE" >/dev/null 2>&1 ||
        die "l'image du lab $IMAGE n'existe pas (celle que reçoit chaque élève)." \
            "Correctif : make build IMAGE=$IMAGE (make hub la construit)"
    docker image inspect "$HUB_IMAGE" >/dev/null 2>&1 ||
        die "l'image du hub $HUB_IMAGE n'existe pas." "Correctif : make hub-image HUB_IMAGE=$HUB_IMAGE (make hub la construit)"
}

check_numbers() {
    { [[ "$HUB_PORT" =~ ^[0-9]+$ ]] && ((HUB_PORT >= 1 && HUB_PORT <= 65535)); } ||
        die "HUB_PORT=« $HUB_PORT » n'est pas un numéro de port (1 à 65535)."
    { [[ "$HUB_IDLE_MINUTES" =~ ^[0-9]+([.][0-9]+)?$ ]] && [[ ! "$HUB_IDLE_MINUTES" =~ ^0+([.]0+)?$ ]]; } ||
        die "HUB_IDLE_MINUTES=« $HUB_IDLE_MINUTES » doit être un nombre de minutes positif (par exemple 30, ou 0.5)."
    [[ "$HUB_MEM_LIMIT" =~ ^[0-9]+[kmgKMG]?$ ]] || die "HUB_MEM_LIMIT=« $HUB_MEM_LIMIT » doit s'écrire comme 2g ou 512m."
    [[ "$HUB_SHM_SIZE" =~ ^[0-9]+[kmgKMG]?$ ]] || die "HUB_SHM_SIZE=« $HUB_SHM_SIZE » doit s'écrire comme 1g ou 512m."
    { [[ "$HUB_SPAWN_TIMEOUT" =~ ^[0-9]+$ ]] && ((HUB_SPAWN_TIMEOUT >= 10)); } ||
        die "HUB_SPAWN_TIMEOUT=« $HUB_SPAWN_TIMEOUT » doit être un nombre de secondes, 10 au moins."
    [[ "$HUB_CONCURRENT_STARTS" == auto || "$HUB_CONCURRENT_STARTS" =~ ^[1-9][0-9]*$ ]] ||
        die "HUB_CONCURRENT_STARTS=« $HUB_CONCURRENT_STARTS » : auto (deux démarrages par CPU) ou un nombre, 1 au moins."
    [[ "$HUB_CPU_LIMIT" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "HUB_CPU_LIMIT=« $HUB_CPU_LIMIT » doit être un nombre de CPU, par exemple 1 ou 0.5."
    { [[ "$HUB_PIDS_LIMIT" =~ ^[0-9]+$ ]] && ((HUB_PIDS_LIMIT >= 64)); } ||
        die "HUB_PIDS_LIMIT=« $HUB_PIDS_LIMIT » doit être un nombre de processus, 64 au moins."
    [[ "$HUB_RUN_AS" == root || "$HUB_RUN_AS" =~ ^[1-9][0-9]*:[0-9]+$ ]] ||
        die "HUB_RUN_AS=« $HUB_RUN_AS » : root (le script de démarrage adapte l'utilisateur, puis quitte root) ou uid:gid, par exemple 1000:100."
}

# A hub beyond loopback speaks TLS, or says loudly that it does not.
check_bind_and_tls() {
    local file
    for file in "$HUB_TLS_CERT" "$HUB_TLS_KEY"; do
        [[ -z "$file" ]] && continue
        [[ -f "$file" ]] || die "le fichier TLS $file n'existe pas." "Correctif : HUB_TLS_CERT=/chemin/fullchain.pem HUB_TLS_KEY=/chemin/privkey.pem"
        { [[ -r "$file" ]] && grep -q -- '-----BEGIN' "$file" 2>/dev/null; } ||
            die "le fichier TLS $file n'est pas lisible comme PEM par $(id -un)." \
                "Correctif : vérifiez ses droits et son contenu (un fichier PEM, -----BEGIN ...)"
    done
    if [[ -n "$HUB_TLS_CERT" && -z "$HUB_TLS_KEY" || -z "$HUB_TLS_CERT" && -n "$HUB_TLS_KEY" ]]; then
        die "HUB_TLS_CERT et HUB_TLS_KEY vont ensemble (un seul des deux est donné)."
    fi
    if ! is_loopback "$HUB_BIND" && [[ -z "$HUB_TLS_CERT" ]]; then
        [[ "$HUB_INSECURE_HTTP" == 1 ]] ||
            die "HUB_BIND=$HUB_BIND publie le hub au-delà de cette machine, et les mots de passe circuleraient en clair." \
                "Correctif : HUB_TLS_CERT=/chemin/fullchain.pem HUB_TLS_KEY=/chemin/privkey.pem (ou un proxy inverse TLS" \
                "devant et HUB_INSECURE_HTTP=1), ou gardez HUB_BIND=127.0.0.1"
        echo "hub : ATTENTION : HUB_INSECURE_HTTP=1 : le hub est publié sur $HUB_BIND sans TLS ; mots de passe et" \
            "cookies traversent le réseau en clair. Seulement derrière un proxy inverse TLS ou sur un réseau de confiance." >&2
    fi
}

check_port() {
    local holder probe=$HUB_BIND
    if [[ "$probe" == 0.0.0.0 || "$probe" == :: ]]; then probe=127.0.0.1; fi
    [[ "$probe" != localhost ]] || probe=127.0.0.1
    if port_in_use "$probe" "$HUB_PORT"; then
        holder=$(docker ps --filter "publish=$HUB_PORT" --format '{{.Names}}' | head -n1)
        die "le port $HUB_PORT est déjà pris${holder:+ par le conteneur $holder}." \
            "Correctif : make hub HUB_PORT=$((HUB_PORT + 1))   (ou arrêtez ce qui utilise $HUB_PORT)"
    fi
}

host_gpus() { command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | "$PYTHON" "$HERE/hub/classroom.py" gpus; }

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
        echo "$HUB_COURSE $HUB_CONCURRENT_STARTS"
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
            die "le conteneur du hub s'est arrêté pendant le démarrage (ses dernières lignes de journal sont ci-dessus)." "Voir : make hub-logs"
        fi
        ((SECONDS < deadline)) || die "le hub n'a pas répondu en ${START_TIMEOUT} s." "Voir : make hub-logs"
        sleep 1
    done
}

print_access() {
    say "le hub est prêt pour $STUDENT_COUNT élève(s) : $(url)"
    if [[ -n "$NEW_SECRETS" ]]; then
        say "nouveau(x) mot(s) de passe (gardés en mode 0600 dans $HUB_STATE_DIR ; affichés cette fois seulement) :"
        echo "    élèves (tout nom de la liste) :  $(cat "$HUB_STATE_DIR/class-password")"
        echo "    enseignant ($HUB_ADMIN, admin) : $(cat "$HUB_STATE_DIR/admin-password")"
    else
        say "mots de passe : $HUB_STATE_DIR/class-password (élèves), $HUB_STATE_DIR/admin-password (enseignant $HUB_ADMIN)"
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
        say "redémarrage du hub avec les nouveaux réglages ou la nouvelle image (serveurs et volumes des élèves gardés)."
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
    [[ "$GPU_MODE" == none ]] || say "GPU des élèves : $GPU_MODE${GPU_DEVICES:+ ($GPU_DEVICES)}"
    docker run -d --name "$HUB_NAME" --hostname "$HUB_NAME" --network "$HUB_NAME-net" \
        --restart unless-stopped \
        --publish "$HUB_BIND:$HUB_PORT:8000" \
        --volume /var/run/docker.sock:/var/run/docker.sock \
        --volume "$HUB_NAME-data:/srv/jupyterhub/data" \
        --volume "$ROSTER:/srv/jupyterhub/roster.csv:ro" \
        --volume "$(cd "$HUB_STATE_DIR" && pwd -P):/srv/jupyterhub/secrets:ro" \
        "${tls[@]}" \
        --env "HUB_NAME=$HUB_NAME" --env "HUB_LAB_IMAGE=$IMAGE" --env "HUB_ADMIN=$HUB_ADMIN" --env "HUB_COURSE=$HUB_COURSE" \
        --env "HUB_GPU=$GPU_MODE" --env "HUB_GPU_DEVICES=$GPU_DEVICES" --env "HUB_IDLE_MINUTES=$HUB_IDLE_MINUTES" \
        --env "HUB_MEM_LIMIT=$HUB_MEM_LIMIT" --env "HUB_CPU_LIMIT=$HUB_CPU_LIMIT" --env "HUB_PIDS_LIMIT=$HUB_PIDS_LIMIT" \
        --env "HUB_SHM_SIZE=$HUB_SHM_SIZE" --env "HUB_SPAWN_TIMEOUT=$HUB_SPAWN_TIMEOUT" --env "HUB_RUN_AS=$HUB_RUN_AS" \
        --env "HUB_CONCURRENT_STARTS=$HUB_CONCURRENT_STARTS" \
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
        say "hub $HUB_NAME arrêté."
    else
        say "aucun hub nommé $HUB_NAME."
    fi
    students=$(student_containers)
    if [[ -n "$students" ]]; then
        # shellcheck disable=SC2086  # one name per word
        docker stop -t 20 $students >/dev/null
        say "$(echo "$students" | wc -w) serveur(s) d'élève arrêté(s)."
    fi
    docker network rm "$HUB_NAME-net" >/dev/null 2>&1 || true
    say "les volumes de travail des élèves sont gardés ($(work_volumes | wc -l)) ; make hub-backup les sauvegarde en archives."
}

cmd_status() {
    [[ "$(hub_state)" == running ]] || die "le hub $HUB_NAME ne tourne pas." "Correctif : make hub"
    docker exec "$HUB_NAME" python /srv/jupyterhub/status.py
    say "volumes de travail : $(work_volumes | wc -l) (élèves qui ont démarré au moins une fois)"
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
    [[ -n "$volumes" ]] || die "aucun volume de travail d'élève pour le hub $HUB_NAME." "Rien à sauvegarder."
    docker image inspect "$HUB_IMAGE" >/dev/null 2>&1 || die "l'image du hub $HUB_IMAGE n'existe pas." "Correctif : make hub-image"
    mkdir -p "$BACKUP_DIR"
    BACKUP_DIR=$(cd "$BACKUP_DIR" && pwd -P)
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    for volume in $volumes; do
        user=${volume#"$HUB_NAME-work-"}
        docker run --rm --network none --entrypoint "" \
            --volume "$volume:/work:ro" --volume "$BACKUP_DIR:/backup" "$HUB_IMAGE" \
            sh -c 'tar -czf "/backup/$1" -C /work . && chown "$2" "/backup/$1"' sh "$user-$stamp.tar.gz" "$(id -u):$(id -g)"
        echo "    $BACKUP_DIR/$user-$stamp.tar.gz"
    done
    backup_progress "$stamp"
    say "$(echo "$volumes" | wc -w) sauvegarde(s) écrite(s) (les volumes ne sont pas touchés)."
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
    *) die "usage : hub.sh start|stop|status|logs|backup|progress|check" ;;
esac
