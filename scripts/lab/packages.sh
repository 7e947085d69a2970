# shellcheck shell=bash
# Around `make rebuild`: lab.sh snapshot FILE saves the lab's packages, lab.sh changes FILE says what the new image
# changes.

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
