"""`make lab` inputs that need a real lab or a real non-root user: a running lab started with other settings is
named with what differs and never reused silently; a work directory the user (or, for root, the lab's uid) cannot
write is named, and the start script refuses one as a second guard. In every
case the build command is a recorder that must never run, and the running lab stays exactly as it was.
(Bad values that need neither are in tests/docker/test_make_lab_inputs.py.)"""

from __future__ import annotations

import os

import pytest
from image_helpers import IMAGE, Lab

from tests.support.processes import docker, free_port


@pytest.fixture
def recorder(shared_tmp):
    """A build command the test user can run, which only records that it ran."""
    folder = shared_tmp / f"recorder-{free_port()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    script = folder / "record-build"
    script.write_text(f'#!/bin/sh\ntouch "{folder}/called"\n')
    script.chmod(0o755)
    return script, folder / "called"


def container_id(lab) -> str:
    return docker("container", "inspect", "-f", "{{.Id}} {{json .HostConfig.PortBindings}}", lab.container).stdout


def refused(result) -> str:
    assert result.returncode != 0, result.stdout
    first = result.stderr.splitlines()[0]
    assert first.startswith("lab : erreur : "), result.stderr
    return first


def test_running_lab_with_another_port_is_named_not_reused(lab, recorder):
    script, called = recorder
    before = container_id(lab)
    other = lab.port + 7
    line = refused(lab.make("lab", f"PORT={other}", check=False, DOCKER_BUILD=str(script)))
    assert f"le lab {lab.container} tourne déjà avec d'autres réglages : PORT={lab.port} (demandé : {other})" in line
    assert f"make stop CONTAINER={lab.container} puis make lab PORT={other} CONTAINER={lab.container}" in line
    assert f"gardez-le : make lab PORT={lab.port}" in line
    assert not called.exists() and container_id(lab) == before


def test_running_lab_with_another_work_dir_and_gpu_names_both(lab, recorder):
    script, called = recorder
    before = container_id(lab)
    elsewhere = lab.work.parent / "ailleurs"  # a folder the test user could create
    line = refused(lab.make("lab", f"WORK_DIR={elsewhere}", "GPU=off", check=False, DOCKER_BUILD=str(script)))
    assert f"WORK_DIR={lab.work} (demandé : {elsewhere})" in line and "GPU=auto (demandé : off)" in line
    assert f"puis make lab WORK_DIR={elsewhere} GPU=off" in line
    assert not called.exists() and container_id(lab) == before and not elsewhere.exists()


def test_running_lab_with_the_same_settings_is_still_reused(lab):
    again = lab.make("lab")
    assert "tourne déjà" in again.stdout


@pytest.mark.parametrize("exists", [True, False], ids=["existing", "to-create"])
def test_unwritable_work_dir_is_named(idle_lab, recorder, exists):
    """As the (non-root) test user: a work directory it cannot write, or cannot create."""
    script, called = recorder
    locked = idle_lab.work.parent / "verrouille"
    locked.mkdir()
    locked.chmod(0o555)
    work = locked if exists else locked / "travail"
    idle_lab.work = work
    line = refused(idle_lab.make("lab", check=False, DOCKER_BUILD=str(script)))
    if exists:
        assert f"WORK_DIR=« {work} » n'est pas accessible en écriture pour l'utilisateur {idle_lab.user}" in line
    else:
        assert f"WORK_DIR=« {work} » n'existe pas et ne peut pas être créé : {locked} n'est pas accessible" in line
    assert "make lab WORK_DIR=" in line
    assert not called.exists() and idle_lab.state() == "" and not (locked / "travail").exists()


def test_root_host_user_with_a_work_dir_the_lab_user_cannot_write_is_refused(idle_lab, recorder):
    """Root can write anything, but the lab runs as uid 1000: a root-owned WORK_DIR is refused before the build,
    instead of a lab that says it is ready with an empty file browser."""
    if os.getuid() != 0:
        pytest.skip("make lab as root needs root (CI runs as root)")
    script, called = recorder
    idle_lab.work.mkdir(mode=0o755)  # root's, as `sudo mkdir` leaves it
    root_lab = Lab(idle_lab.repo, "root", idle_lab.work, idle_lab.port, idle_lab.container)
    line = refused(root_lab.make("lab", check=False, DOCKER_BUILD=str(script)))
    assert f"WORK_DIR=« {idle_lab.work} » n'est pas accessible en écriture pour l'uid 1000" in line
    assert f"sudo chown -R 1000:1000 {idle_lab.work}" in line and "make lab WORK_DIR=" in line
    assert not called.exists() and idle_lab.state() == ""


def test_root_host_user_with_a_work_dir_under_a_private_parent_gets_a_working_lab(idle_lab):
    """A root user's checkout under /root (mode 0700): uid 1000 cannot reach WORK_DIR through its parents, but Docker
    mounts the folder itself, so once the folder is uid 1000's the lab starts and copies the notebooks in."""
    if os.getuid() != 0:
        pytest.skip("make lab as root needs root (CI runs as root)")
    private = idle_lab.work.parent / "root-home"
    work = private / "travail"
    work.mkdir(parents=True)
    private.chmod(0o700)
    os.chown(work, 1000, 1000)
    root_lab = Lab(idle_lab.repo, "root", work, idle_lab.port, idle_lab.container)
    try:
        output = root_lab.make("lab").stdout
        assert f"http://127.0.0.1:{idle_lab.port}/" in output
        assert root_lab.wait_healthy() == "healthy"
        notebooks = sorted(path.name for path in (work / "module1").glob("*.ipynb"))
        assert "01_tenseurs.ipynb" in notebooks and all((work / "module1" / n).stat().st_uid == 1000 for n in notebooks)
    finally:
        docker("rm", "-f", idle_lab.container, check=False)


def test_start_script_refuses_a_work_dir_the_student_cannot_write(shared_tmp):
    """The second guard, for a container started without make lab: exit 73 and the French reason, no Jupyter."""
    locked = shared_tmp / f"verrou-{free_port()}"
    locked.mkdir(mode=0o755)
    locked.chmod(0o555)
    result = docker("run", "--rm", "--env", "NB_UID=4321", "--env", "NB_GID=4321",
                    "--volume", f"{locked}:/home/student/work", IMAGE, check=False)
    assert result.returncode == 73, result.stdout + result.stderr
    assert "ne peut pas écrire dans son dossier de travail" in result.stderr and "make lab WORK_DIR=" in result.stderr
    assert "Jupyter" not in result.stdout + result.stderr
