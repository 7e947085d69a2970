# shellcheck shell=bash
# The lab container itself: lab.sh start (reuse or start it, wait until Jupyter answers, print the URL), stop, and
# the GPU flags GPU=auto|on|off resolves to.

# True when Jupyter answers /api/status on 127.0.0.1:$1 with token $2 (labtools/jupyter.py, as the doctor asks).
jupyter_answers() { JUPYTER_TOKEN="$2" labtools labtools.jupyter "$1" 5 2>/dev/null; }

# Sets GPU_FLAGS from GPU=auto|on|off. The decision is the doctor's (labtools/doctor/gpu.py): a driver recent
# enough for the image's CUDA and the NVIDIA Container Toolkit; otherwise CPU mode, said in one line. With
# CHECKED=1 (`make lab`, whose preflight already refused an unusable GPU=on), GPU=on is not asked again.
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
    if [[ "$GPU" == on && "${CHECKED:-}" == 1 ]]; then
        GPU_FLAGS=(--gpus all)
        return 0
    fi
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

# lab.sh start [--checked]: --checked when `lab.sh preflight lab` has just run (make lab), else the start's own.
cmd_start() {
    if [[ "${1:-}" == --checked ]]; then CHECKED=1; else cmd_preflight start; fi
    need_image
    local state token image_id
    state=$(container_state)
    image_id=$(docker image inspect -f '{{.Id}}' "$IMAGE")
    if [[ -n "$state" ]]; then
        if [[ "$state" == running && "${NEW_TOKEN:-}" == 1 ]]; then
            say "NEW_TOKEN=1 : redémarrage de $CONTAINER avec un nouveau jeton (les onglets ouverts devront prendre la nouvelle adresse)."
        elif [[ "$state" == running && "$(docker container inspect -f '{{.Image}}' "$CONTAINER")" == "$image_id" ]]; then
            PORT=$(container_port)
            wait_until_answering "$(container_env JUPYTER_TOKEN)"
            say "JupyterLab tourne déjà (conteneur $CONTAINER) :"
            echo "    $(lab_url)"
            return 0
        elif [[ "$state" == running ]]; then
            say "l'image a été reconstruite : redémarrage de $CONTAINER sur la nouvelle image (le dossier de travail est conservé)."
        fi
        docker rm -f "$CONTAINER" >/dev/null
    fi

    local busy
    busy=$(busy_port_problem)
    if [[ -n "$busy" ]]; then die "$busy"; fi
    resolve_gpu
    prepare_work_dir
    token=$(lab_token)
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

# make url: the running lab's URL; a stopped lab's too (the token is kept), with how to start it.
cmd_url() {
    if [[ "$(container_state)" == running ]]; then
        lab_url
        return 0
    fi
    local token
    token=$(saved_token)
    [[ -n "$token" ]] || die "le lab ne tourne pas (et n'a jamais été lancé avec WORK_DIR=$WORK_DIR)." "Correctif : make lab"
    say "le lab est arrêté ; « make lab » le relance à cette adresse (onglets ouverts et favoris compris) :" >&2
    echo "http://127.0.0.1:$PORT/lab?token=$token"
}

cmd_stop() {
    if [[ -n "$(container_state)" ]]; then
        docker rm -f "$CONTAINER" >/dev/null
        say "$CONTAINER arrêté (votre travail reste dans le dossier de travail)."
    else
        say "aucun conteneur du lab nommé $CONTAINER."
    fi
}
