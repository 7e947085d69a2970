#!/usr/bin/env bash
# `make test-arm64`'s second half: start the linux/arm64 image (natively on an arm64 host, under QEMU on an
# amd64 one) and check what a student on an Apple Silicon Mac gets: Jupyter answers over HTTP, torch imports
# and computes on the CPU, the solved part 1 (tensors) and part 3 (autograd) notebooks pass every check.
# Prints the figures docs/measurements.md records: image size, the CUDA libraries' share, times.
# Usage: ARM64_IMAGE=pytorch-gpu-lab:latest-arm64 [ARM64_PORT=...] [CONTAINER=...] scripts/arm64_smoke.sh
# (defaults: labtools/defaults.env)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../labtools/defaults.env
source labtools/defaults.env

image=${ARM64_IMAGE:?ARM64_IMAGE: the arm64 image to try}
port=${ARM64_PORT:-$DEFAULT_ARM64_PORT}
name=${CONTAINER:-$DEFAULT_CONTAINER}-arm64-smoke
start_timeout=${ARM64_START_TIMEOUT:-$DEFAULT_ARM64_START_TIMEOUT}
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
python=${PYTHON:-python3}

say() { printf 'arm64-smoke: %s\n' "$*"; }
die() { printf 'arm64-smoke: ÉCHEC : %s\n' "$*" >&2; exit 1; }
in_lab() { docker exec -u student -w /home/student/work "$name" "$@"; }

arch=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$image" 2>/dev/null) ||
    die "image $image introuvable : make test-arm64 la construit (make build PLATFORM=linux/arm64 IMAGE=$image)"
[[ $arch == linux/arm64 ]] || die "$image est $arch, pas linux/arm64"
if ! docker run --rm --platform linux/arm64 --entrypoint /bin/true "$image" 2>/dev/null; then
    die "ce Docker ne sait pas exécuter linux/arm64 ; sur un hôte amd64, enregistrez QEMU (binfmt, drapeau F) : sudo .ci/arm64-emulation.sh"
fi

docker rm -f "$name" >/dev/null 2>&1 || true
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
size=$(docker image inspect --format '{{.Size}}' "$image")
say "image $image ($arch), $(awk -v b="$size" 'BEGIN {printf "%.2f GB", b / 1e9}')"

# 1. Jupyter answers over HTTP (the same /api/status probe as make lab and the image's HEALTHCHECK).
t0=$SECONDS
docker run -d --name "$name" --platform linux/arm64 --publish "127.0.0.1:$port:8888" \
    --env "JUPYTER_TOKEN=$token" --shm-size 1g "$image" >/dev/null
until JUPYTER_TOKEN=$token "$python" -m labtools.jupyter "$port" 5; do
    [[ $(docker inspect --format '{{.State.Running}}' "$name") == true ]] ||
        { docker logs --tail 30 "$name" >&2; die "le conteneur s'est arrêté au démarrage"; }
    ((SECONDS - t0 < start_timeout)) || die "Jupyter n'a pas répondu en ${start_timeout} s"
    sleep 2
done
say "ok Jupyter répond sur /api/status après $((SECONDS - t0)) s"

# 2. torch on the CPU: imports, computes, knows it has no GPU here.
t0=$SECONDS
torch_line=$(in_lab python -c '
import platform, torch
x = torch.arange(12.0).reshape(3, 4)
y = (x @ x.T).sum().item()
assert y == 1134.0, y
print(platform.machine(), torch.__version__, "cuda.is_available", torch.cuda.is_available())') ||
    die "import torch / calcul sur CPU"
[[ $torch_line == aarch64\ * ]] || die "python ne tourne pas en aarch64 : $torch_line"
say "ok torch sur CPU ($torch_line) en $((SECONDS - t0)) s"

# 3. The bytecode compiled on the build machine (a cross build) came through the copy with its source stamps: else
# Python would recompile torch at every start, and under emulation that takes minutes.
bytecode_line=$(in_lab python -c '
import importlib.util, pathlib, re, sysconfig
site = pathlib.Path(sysconfig.get_path("purelib"))
sources = [p for p in (site / "torch").rglob("*.py") if not re.search("/tests?/", str(p))]
stale = 0
for source in sources:
    try:
        head = pathlib.Path(importlib.util.cache_from_source(str(source))).read_bytes()[:16]
    except FileNotFoundError:
        stale += 1
        continue
    stat = source.stat()
    stamp = (int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)
    stale += (int.from_bytes(head[8:12], "little"), int.from_bytes(head[12:16], "little")) != stamp
print(len(sources), stale)') || die "lecture du bytecode de torch"
read -r sources stale <<<"$bytecode_line"
((sources > 1000 && stale == 0)) || die "bytecode de torch absent ou périmé : $stale fichiers sur $sources"
say "ok bytecode de torch à jour ($sources modules)"

# 4. The packages are exactly the lock's for aarch64, each installed once (a cross build copies them over the
# environment's own: one left behind would mix two versions' files).
packages_line=$(in_lab python -c '
import collections, importlib.metadata, re, subprocess, sys
sys.path.insert(0, "/opt/lab/docker")
import export_env
names = collections.Counter(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower()
                            for d in importlib.metadata.distributions())
twice = sorted(name for name, count in names.items() if count > 1)
freeze = subprocess.run([sys.executable, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
                        check=True).stdout
diff = export_env.compare(export_env.parse_freeze(freeze), open("/opt/lab/requirements.txt").read())
problems = {key: value for key, value in diff.items() if value}
print(len(names), "ok" if not twice and not problems else f"twice={twice} {problems}")') ||
    die "lecture des paquets installés"
[[ $packages_line == *" ok" ]] || die "paquets différents du verrou : $packages_line"
say "ok paquets : exactement le verrou, chacun une fois (${packages_line% ok} distributions)"

# 5. The solved notebooks of part 1 and part 3: every check prints its success line (tests/lab/test_notebooks.py).
t0=$SECONDS
in_lab bash -c 'cd /opt/lab && python -m pytest -p no:cacheprovider -q tests/lab/test_notebooks.py \
    -k "test_solved_notebook_runs_and_every_check_passes and (01_tenseurs or 03_autograd)"' ||
    die "notebooks résolus des parties 1 et 3"
say "ok notebooks résolus des parties 1 et 3 : toutes les vérifications passent ($((SECONDS - t0)) s)"

# Figures: how much of the image the CUDA libraries of PyPI's aarch64 torch are (unused on a Mac).
site=$(in_lab python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
cuda_kb=$(in_lab du -sk "$site/nvidia" | cut -f1)
say "bibliothèques CUDA (site-packages/nvidia) : $(awk -v k="$cuda_kb" -v b="$size" \
    'BEGIN {printf "%.2f GB, %.0f %% de l'"'"'image", k * 1024 / 1e9, 100 * k * 1024 / b}')"
say "tout est bon"
