# shellcheck shell=bash
# The course's tools in throwaway containers of the image (bench, export, solutions, unit tests) and the repair of
# the running lab.

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
