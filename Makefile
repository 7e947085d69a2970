# PyTorch GPU Lab — `make` alone lists the targets. Every variable below can be overridden:
#   make lab PORT=8889 WORK_DIR=~/cours GPU=off
.DEFAULT_GOAL := help
SHELL := /bin/bash
# Lasting overrides (e.g. PORT = 8899) can go in local.mk, ignored by git.
-include local.mk

# The defaults of the settings below (DEFAULT_IMAGE...) live in labtools/defaults.env, which bash and Python read too.
include labtools/defaults.env
IMAGE         ?= $(DEFAULT_IMAGE)## image name:tag
CONTAINER     ?= $(DEFAULT_CONTAINER)## name of the lab container
PORT          ?= $(DEFAULT_PORT)## host port, published on 127.0.0.1 only
WORK_DIR      ?= $(CURDIR)/work## host directory mounted as the student's work directory
GPU           ?= $(DEFAULT_GPU)## auto | on | off
SHM_SIZE      ?= $(DEFAULT_SHM_SIZE)## shared memory for DataLoader workers
NEW_TOKEN     ?=## 1: make lab gives the lab a new token (the old URL stops working); else the token is kept across restarts
TOKEN_DIR     ?=## where each work directory's token is kept, mode 0600 (default: ~/.local/state/pytorch-gpu-lab/tokens)
BASE_IMAGE    ?=## base image (default: the Dockerfile's pinned ubuntu:24.04)
PLATFORM      ?=## platform to build for, e.g. linux/arm64 (default: this machine's, native)
CROSS_BASE_IMAGE ?= $(BASE_IMAGE)## for another PLATFORM: a base for this machine's platform, whose Python stage installs the pip packages natively (default: BASE_IMAGE)
PYTHON_SOURCE ?= conda## conda (micromamba + conda-forge) | system (python3.14 of the base image)
CA_BUNDLE     ?=## extra CA bundle (PEM) for TLS-intercepting proxies, handed to the build as a secret
DATA_OFFLINE  ?=## 1: the build does not try to download the data set (local copy or nothing)
HOUSING_CSV   ?= $(firstword $(wildcard $(CURDIR)/../shared/data/california_housing/cal_housing.csv))## local raw data file, used when the download host is unreachable
PYTHON        ?= python3## host Python (tests, lock, doctor)
DOCKER_BUILD  ?= docker build## build command (BuildKit); e.g. /usr/bin/docker build for an engine-bundled client without buildx
BENCH_ARGS    ?=## extra options for the benchmark, e.g. --quick
MEASURE_ARGS  ?=## options for make measure, e.g. --runs 3 --compare OLD_IMAGE --compare-repo DIR --save
PYTEST_ARGS   ?=## extra options for pytest in `make test`
ARM64_IMAGE   ?= $(IMAGE)-arm64## the linux/arm64 image `make test-arm64` builds and tries
ARM64_BASE_IMAGE ?=## its base (default: the Dockerfile's pin, whose index has an arm64 entry)
DOCTOR_ARGS   ?=## check names and options for the doctor, e.g. "port disk", --json, -v, --list-checks
SOLUTIONS_DIR ?= $(CURDIR)/solutions## where `make solutions` writes the solved notebooks (keep it away from students)
LOCK_ARGS     ?=## extra options for uv pip compile in `make lock`, e.g. --upgrade or --upgrade-package torch
LOCK_OUTPUT   ?= requirements.txt## where `make lock` writes the hashed lock
# The class hub (make hub): JupyterHub + DockerSpawner, one lab container per student.
HUB_IMAGE     ?= $(DEFAULT_HUB_IMAGE)## hub image name:tag
HUB_NAME      ?= $(DEFAULT_HUB_NAME)## hub container; prefix of its network, students' containers and volumes
HUB_PORT      ?= $(DEFAULT_HUB_PORT)## the hub's host port
HUB_BIND      ?= $(DEFAULT_HUB_BIND)## host address the hub is published on (beyond loopback: TLS, or HUB_INSECURE_HTTP=1)
ROSTER        ?= $(CURDIR)/class.csv## the class: one username per line, optional display name (alice,Alice Martin)
HUB_ADMIN     ?= $(DEFAULT_HUB_ADMIN)## the teacher's (admin) username
HUB_COURSE    ?= $(DEFAULT_HUB_COURSE)## the course's name, on every hub page
HUB_STATE_DIR ?= $(CURDIR)/hub-state## the generated passwords and tokens (mode 0600)
HUB_GPU       ?= $(DEFAULT_HUB_GPU)## auto | none | shared (every student sees every GPU) | per-student (one GPU or MIG slice each)
HUB_IDLE_MINUTES ?= $(DEFAULT_HUB_IDLE_MINUTES)## idle servers are stopped after this many minutes (their work stays)
HUB_MEM_LIMIT ?= $(DEFAULT_HUB_MEM_LIMIT)## memory limit per student
HUB_CPU_LIMIT ?= $(DEFAULT_HUB_CPU_LIMIT)## CPUs per student
HUB_PIDS_LIMIT ?= $(DEFAULT_HUB_PIDS_LIMIT)## processes per student
HUB_SHM_SIZE  ?= $(DEFAULT_HUB_SHM_SIZE)## shared memory per student (DataLoader workers)
HUB_SPAWN_TIMEOUT ?= $(DEFAULT_HUB_SPAWN_TIMEOUT)## seconds a student's server may take to start (the start queue's longest wait is added to it)
HUB_CONCURRENT_STARTS ?= $(DEFAULT_HUB_CONCURRENT_STARTS)## student servers booting at once, the others queue in order: a number, or auto (two per CPU)
HUB_RUN_AS    ?= $(DEFAULT_HUB_RUN_AS)## root: the start script remaps the student, then drops root | uid:gid: start as that user (like KubeSpawner)
HUB_TLS_CERT  ?=## PEM certificate (chain) for HTTPS
HUB_TLS_KEY   ?=## PEM private key for HTTPS
HUB_INSECURE_HTTP ?=## 1: allow plain HTTP beyond loopback (behind a TLS reverse proxy)
BACKUP_DIR    ?= $(CURDIR)/hub-backups## where make hub-backup writes one tarball per student

HELP_VARS := IMAGE CONTAINER PORT WORK_DIR GPU SHM_SIZE NEW_TOKEN TOKEN_DIR BASE_IMAGE PLATFORM CROSS_BASE_IMAGE PYTHON_SOURCE CA_BUNDLE DATA_OFFLINE HOUSING_CSV PYTHON DOCKER_BUILD \
             BENCH_ARGS MEASURE_ARGS PYTEST_ARGS ARM64_IMAGE ARM64_BASE_IMAGE DOCTOR_ARGS SOLUTIONS_DIR LOCK_ARGS LOCK_OUTPUT \
             HUB_IMAGE HUB_NAME HUB_PORT HUB_BIND ROSTER HUB_ADMIN HUB_COURSE HUB_STATE_DIR HUB_GPU HUB_IDLE_MINUTES HUB_MEM_LIMIT \
             HUB_CPU_LIMIT HUB_PIDS_LIMIT HUB_SHM_SIZE HUB_SPAWN_TIMEOUT HUB_CONCURRENT_STARTS HUB_RUN_AS HUB_TLS_CERT HUB_TLS_KEY HUB_INSECURE_HTTP BACKUP_DIR

export IMAGE CONTAINER PORT WORK_DIR GPU SHM_SIZE NEW_TOKEN TOKEN_DIR DOCKER_BUILD PYTHON CA_BUNDLE SHARED_DIR
export HUB_IMAGE HUB_NAME HUB_PORT HUB_BIND ROSTER HUB_ADMIN HUB_COURSE HUB_STATE_DIR HUB_GPU HUB_IDLE_MINUTES HUB_MEM_LIMIT \
       HUB_CPU_LIMIT HUB_PIDS_LIMIT HUB_SHM_SIZE HUB_SPAWN_TIMEOUT HUB_CONCURRENT_STARTS HUB_RUN_AS HUB_TLS_CERT HUB_TLS_KEY HUB_INSECURE_HTTP BACKUP_DIR
export DOCKER_BUILDKIT := 1

comma        := ,
VENV         := .venv
HOST_PY      := $(VENV)/bin/python
# LOCK_SHA256, LOCK_CUDA and PYTHON_PIN, read from requirements.txt and environment.yml by labtools.policy
LOCK_BUILD_ARGS = $$($(PYTHON) -m labtools.policy build-args)
PYTHON_PIN    = $$($(PYTHON) -m labtools.policy python-pin)## the hub image's Python stage needs only this one
CA_SECRET     = $(if $(CA_BUNDLE),--secret id=ca_bundle$(comma)src=$(CA_BUNDLE))
# PLATFORM when it is not this machine's (e.g. linux/arm64 on an amd64 host): the build runs under emulation, and
# the pip packages are installed by this machine's Python stage instead (docker/Dockerfile: PACKAGES=cross).
# (the Docker engine's architecture, which on a Mac is its Linux VM's; uname's when the engine does not answer).
NATIVE_PLATFORM = linux/$(subst x86_64,amd64,$(subst aarch64,arm64,$(shell docker version --format '{{.Server.Arch}}' 2>/dev/null || uname -m)))
CROSS         = $(if $(PLATFORM),$(filter-out $(NATIVE_PLATFORM),$(PLATFORM)))
CROSS_PYTHON_IMAGE = $(IMAGE)-cross-python
BUILD_FLAGS   = --file docker/Dockerfile --tag $(IMAGE) \
                --build-arg PYTHON_SOURCE=$(PYTHON_SOURCE) $(LOCK_BUILD_ARGS) \
                --build-arg DATA_OFFLINE=$(DATA_OFFLINE) \
                $(if $(PLATFORM),--platform $(PLATFORM)) \
                $(if $(CROSS),--build-arg PACKAGES=cross --build-arg CROSS_PYTHON_IMAGE=$(CROSS_PYTHON_IMAGE)) \
                $(if $(BASE_IMAGE),--build-arg BASE_IMAGE=$(BASE_IMAGE)) $(CA_SECRET)
# The Python stage alone, for this machine: $(call python_stage,TAG,BASE[,FLAGS]). The hub image's base; a cross build's installer.
python_stage  = $(DOCKER_BUILD) $(3) --file docker/Dockerfile --target python-$(PYTHON_SOURCE) --tag $(1) \
                --build-arg PYTHON_PIN=$(PYTHON_PIN) $(if $(2),--build-arg BASE_IMAGE=$(2)) $(CA_SECRET) .
SHARED_DIR   ?= $(abspath $(CURDIR)/../shared)
LAB          := scripts/lab.sh
# Bold target names only on a terminal, and never with NO_COLOR (https://no-color.org).
SET_BOLD      = if [ -t 1 ] && [ -z "$${NO_COLOR:-}" ]; then bold=$$'\033[1m' plain=$$'\033[0m'; else bold= plain=; fi

.PHONY: help preflight build rebuild lab stop shell logs url lock export test test-unit test-arm64 lint \
        bench doctor repair measure solutions clean-venv stage-data \
        hub hub-preflight hub-image hub-stop hub-status hub-logs hub-backup hub-progress hub-lock measure-hub measure-progress

help: ## show this help
	@echo "PyTorch GPU Lab — usage: make <target> [VARIABLE=value ...]"
	@echo
	@$(SET_BOLD); grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk -F':.*## ' -v b="$$bold" -v p="$$plain" '{printf "  %s%-10s%s %s\n", b, $$1, p, $$2}'
	@echo
	@echo "Variables (override on the command line, e.g. make lab PORT=8889):"
	@$(foreach v,$(HELP_VARS),printf "  %-14s %-40s %s\n" "$(v)" "= $($(v))" "$$(grep -m1 -E '^$(v) +\?=' $(firstword $(MAKEFILE_LIST)) | sed 's/.*## *//')";)

stage-data:
	@if [ -n "$(HOUSING_CSV)" ]; then cmp -s "$(HOUSING_CSV)" docker/seed-data/cal_housing.csv \
	  || cp "$(HOUSING_CSV)" docker/seed-data/cal_housing.csv; \
	elif [ -e docker/seed-data/cal_housing.csv ]; then rm -f docker/seed-data/cal_housing.csv; fi

# Each target checks its inputs once, before anything slow (scripts/lab/preflight.sh): `make lab` all of them before
# the build, which then skips its own check; any other build checks the build client and IMAGE.
CHECKED_BY_LAB := $(filter lab,$(MAKECMDGOALS))
preflight:
	@$(LAB) preflight lab

build: $(if $(CHECKED_BY_LAB),preflight) stage-data ## build the image (cached: seconds when only lab/ changed)
	@$(if $(CHECKED_BY_LAB),true,$(LAB) preflight build)
	$(if $(CROSS),$(call python_stage,$(CROSS_PYTHON_IMAGE),$(CROSS_BASE_IMAGE),--platform $(NATIVE_PLATFORM)))
	$(DOCKER_BUILD) $(BUILD_FLAGS) .

rebuild: stage-data ## rebuild the image from scratch (no layer cache), say what changed; the work directory is not touched
	@$(LAB) preflight build
	$(if $(CROSS),$(call python_stage,$(CROSS_PYTHON_IMAGE),$(CROSS_BASE_IMAGE),--platform $(NATIVE_PLATFORM) --no-cache))
	@before=$$(mktemp) && trap 'rm -f "$$before"' EXIT && $(LAB) snapshot "$$before" \
	  && $(DOCKER_BUILD) --no-cache $(BUILD_FLAGS) . && $(LAB) changes "$$before"

lab: preflight build ## start JupyterLab (inputs checked first, builds if needed, reuses a running lab with the same settings), print its URL
	@$(LAB) start --checked

stop: ## stop the lab (the work directory stays)
	@$(LAB) stop

shell: ## open a shell in the running lab, as the student
	@$(LAB) shell

logs: ## show the lab's logs
	@$(LAB) logs

url: ## print the lab's URL with its token (kept across make stop / make lab; NEW_TOKEN=1 for a new one)
	@$(LAB) url

$(HOST_PY): tests/requirements-host.txt
	$(PYTHON) -m venv $(VENV)
	$(HOST_PY) -m pip install --quiet --require-hashes --no-deps -r tests/requirements-host.txt
	@touch $(HOST_PY)

lock: $(HOST_PY) ## regenerate requirements.txt (hashed, Python 3.14, all platforms) from requirements.in
	$(HOST_PY) -m uv pip compile --universal --python-version 3.14 --generate-hashes $(LOCK_ARGS) \
	  --output-file $(LOCK_OUTPUT) requirements.in
	@echo "lock: $(LOCK_OUTPUT) updated; rebuild with 'make build' (or 'make rebuild')."
	@if [ -n "$(CONDA_LOCK)" ]; then scripts/conda_lock.sh; fi

export: build ## run the course's export commands in the image; write exports/ and compare with the locks
	@$(LAB) export exports requirements.txt

solutions: build ## write the solved notebooks (for the teacher) into SOLUTIONS_DIR (FORCE=1 overwrites)
	@$(LAB) solutions "$(SOLUTIONS_DIR)" $(if $(FORCE),--force)

test: build hub-image $(HOST_PY) ## build if needed, then run every test: image and hub tests from the host, unit tests in the image
	$(HOST_PY) -m pytest tests/image tests/repo $(PYTEST_ARGS)
	$(HOST_PY) -m pytest tests/hub $(PYTEST_ARGS)
	$(LAB) unit-tests $(PYTEST_ARGS)

# Not part of `make test`: on an amd64 host the arm64 build runs under QEMU (see docs/measurements.md for how long).
test-arm64: ## build the linux/arm64 (Apple Silicon) image and smoke-test it: Jupyter over HTTP, torch on CPU, solved parts 1 and 3
	$(MAKE) --no-print-directory build PLATFORM=linux/arm64 IMAGE=$(ARM64_IMAGE) CROSS_BASE_IMAGE=$(CROSS_BASE_IMAGE) \
	  $(if $(ARM64_BASE_IMAGE),BASE_IMAGE=$(ARM64_BASE_IMAGE))
	ARM64_IMAGE=$(ARM64_IMAGE) scripts/arm64_smoke.sh

test-unit: ## run the unit tests with a host Python that has torch (no Docker)
	$(PYTHON) -m pytest -p no:cacheprovider tests/lab tests/bench tests/doctor $(PYTEST_ARGS)

lint: $(HOST_PY) ## ruff the Python code, hadolint the Dockerfiles, shellcheck the shell scripts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/hadolint docker/Dockerfile hub/Dockerfile
	$(VENV)/bin/shellcheck docker/*.sh scripts/*.sh scripts/lab/*.sh .ci/run .ci/*.sh

bench: build ## measure host<->GPU copies vs compute in the lab container (results in WORK_DIR/bench)
	@$(LAB) bench $(BENCH_ARGS)

doctor: ## check host, Docker, GPU, port, disk and the lab's environment; says how to fix (DOCTOR_ARGS="port disk")
	@$(PYTHON) scripts/doctor.py --image $(IMAGE) --container $(CONTAINER) --port $(PORT) $(DOCTOR_ARGS)

repair: ## put the running lab's packages back to exactly the lock (no rebuild; needs PyPI)
	@$(LAB) repair

measure: build $(HOST_PY) ## time what a student waits for, beside the previous figures (MEASURE_ARGS: --help)
	$(HOST_PY) scripts/measure_image.py --image $(IMAGE) $(MEASURE_ARGS)

# --- the class hub (hub/, scripts/hub.sh) ---
hub-image: ## build the hub image (the lab's base and Python; JupyterHub, DockerSpawner, culler, proxy)
	$(call python_stage,$(HUB_IMAGE)-python,$(BASE_IMAGE))
	$(DOCKER_BUILD) --file hub/Dockerfile --tag $(HUB_IMAGE) --build-arg HUB_BASE=$(HUB_IMAGE)-python $(CA_SECRET) .

hub-preflight:
	@scripts/hub.sh check

hub: hub-preflight build hub-image ## start the class hub (ROSTER=class.csv; inputs checked before any build); print its URL and, the first time, the passwords
	@scripts/hub.sh start

hub-stop: ## stop the hub and the students' servers (their work volumes stay)
	@scripts/hub.sh stop

hub-status: ## who has a running server, since when, idle for how long
	@scripts/hub.sh status

hub-logs: ## show the hub's logs
	@scripts/hub.sh logs

hub-backup: ## one tarball per student's work volume, and the progress database, in BACKUP_DIR
	@scripts/hub.sh backup

hub-progress: ## the class's progress (the teacher's page /services/progress/, in the terminal)
	@scripts/hub.sh progress

hub-lock: $(HOST_PY) ## regenerate the hub's locks: hub/requirements.txt (hashed) and hub/proxy/package-lock.json
	$(HOST_PY) -m uv pip compile --universal --python-version 3.14 --generate-hashes $(LOCK_ARGS) \
	  --output-file hub/requirements.txt hub/requirements.in
	cd hub/proxy && npm install --package-lock-only --ignore-scripts --no-audit --no-fund

measure-hub: build hub-image $(HOST_PY) ## spawn time for 1, 5, 10, 20, 30 students at once, memory, students per GB (MEASURE_HUB_ARGS=--save writes docs/)
	$(HOST_PY) scripts/measure_hub.py $(MEASURE_HUB_ARGS)

measure-progress: build hub-image $(HOST_PY) ## 30 students x 60 check events at once to the progress page: lost, duplicated, post latency, page TTFB and render (MEASURE_PROGRESS_ARGS: --help)
	$(HOST_PY) scripts/measure_progress.py $(MEASURE_PROGRESS_ARGS)

clean-venv: ## remove the host test environment (.venv)
	rm -rf $(VENV)
