#!/usr/bin/env bash
# The host-side runner of the lab's containers, for the Makefile's lab targets (make lab, stop, shell, logs, url,
# bench, export, solutions, repair, rebuild, and the unit tests of make test). Each part lives in scripts/lab/:
# common.sh (settings, messages), preflight.sh (input checks), runner.sh (the lab container), tools.sh (throwaway
# containers, repair), packages.sh (what a rebuild changed).
#   lab.sh start [--checked]  start JupyterLab (or reuse the running container), wait until it answers, print the
#                       URL; --checked: `lab.sh preflight lab` has just run (make lab), so the inputs are not
#                       checked again
#   lab.sh stop         stop and remove the container (the work directory stays on the host, untouched)
#   lab.sh shell        a bash shell in the running container, as the student
#   lab.sh logs [ARGS]  the container's logs
#   lab.sh url          print the lab's URL (with its token, kept across restarts; a stopped lab's too)
#   lab.sh gpu          print the docker flags GPU=auto|on|off resolves to (and why)
#   lab.sh bench [ARGS]       the transfer benchmark in a throwaway lab container, results in WORK_DIR/bench
#   lab.sh export OUT LOCK    the course's export commands in the image, files in OUT, compared with LOCK
#   lab.sh solutions OUT [--force]  the solved notebooks (for the teacher) into OUT
#   lab.sh unit-tests [ARGS]  the unit tests (tests/lab, tests/bench, tests/doctor) inside the image
#   lab.sh repair       put the running lab's packages back to exactly the lock (docker/repair.sh in the image)
#   lab.sh snapshot FILE / changes FILE   around a rebuild: save the lab's packages, then say what changed
#   lab.sh preflight lab|build|start  check the inputs before anything slow runs, once per make target (make lab:
#                  `lab` before the build; make build alone: `build`); one French line per problem, exit status 1;
#                  silent when all is well.
# Settings come from the environment (the Makefile passes them), defaults from labtools/defaults.env: IMAGE
# CONTAINER PORT WORK_DIR GPU SHM_SIZE DOCKER_BUILD START_TIMEOUT SHARED_DIR CA_BUNDLE PYTHON TOKEN_DIR NEW_TOKEN.
# Messages are French:
# students read them.
set -euo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lab/common.sh
source "$LAB_ROOT/scripts/lab/common.sh"
# shellcheck source=lab/preflight.sh
source "$LAB_ROOT/scripts/lab/preflight.sh"
# shellcheck source=lab/runner.sh
source "$LAB_ROOT/scripts/lab/runner.sh"
# shellcheck source=lab/tools.sh
source "$LAB_ROOT/scripts/lab/tools.sh"
# shellcheck source=lab/packages.sh
source "$LAB_ROOT/scripts/lab/packages.sh"

usage() {
    echo "usage : lab.sh start [--checked]|stop|shell|logs|url|gpu|preflight lab|build|start|bench|export OUT LOCK|" \
        "solutions OUT [--force]|unit-tests|repair|snapshot FILE|changes FILE" >&2
    exit 2
}

# The number of arguments a command takes: exactly $1 (after the command), else usage.
wants() { [[ "$1" == "$2" ]] || usage; }

command=${1:-}
(($#)) && shift
case "$command" in
    start) cmd_start "$@" ;;
    stop) cmd_stop ;;
    shell) need_running && exec docker exec -it -u student "$CONTAINER" bash -l ;;
    logs) exec docker logs "$@" "$CONTAINER" ;;
    url) cmd_url ;;
    gpu) resolve_gpu && echo "${GPU_FLAGS[*]:-}" ;;
    bench) cmd_bench "$@" ;;
    export) wants 2 $# && cmd_export "$@" ;;
    solutions) (($# >= 1)) || usage; cmd_solutions "$@" ;;
    unit-tests) cmd_unit_tests "$@" ;;
    repair) cmd_repair ;;
    preflight) wants 1 $# && cmd_preflight "$1" ;;
    snapshot) wants 1 $# && packages_now >"$1" ;;
    changes) wants 1 $# && cmd_changes "$1" ;;
    *) usage ;;
esac
