# shellcheck shell=bash
# What scripts/lab.sh and scripts/hub.sh share: French messages with the tool's prefix, and the doctor's GPU
# decision. The sourcing script sets TOOL (lab, hub) and REPO_ROOT first; defines functions only.

say() { echo "$TOOL : $*"; }
die() {
    echo "$TOOL : erreur : $1" >&2
    shift
    for line in "$@"; do echo "      $line" >&2; done
    exit 1
}

# Why containers cannot get the GPU (labtools/doctor/gpu.py: a driver recent enough for the image's CUDA, and the
# NVIDIA Container Toolkit), or nothing when they can. The same rule for `make lab` and `make hub`.
gpu_unusable_reason() {
    local why
    why=$(PYTHONPATH="$REPO_ROOT" "$PYTHON" -m labtools.doctor --gpu-problem --image "$IMAGE" 2>&1) ||
        why="le diagnostic du GPU a échoué ($why)"
    echo "$why"
}
