"""hub/classroom.py: the roster and GPU parsing both the host check and the hub's config rely on."""

import pytest

from hub.classroom import RosterError, device_for, docker_escape, leavers, parse_gpus, parse_roster

pytestmark = pytest.mark.pure


def test_roster_names_display_names_comments_and_header():
    students = parse_roster("username,name\n# a comment\nalice,Alice Martin\n\nbob\n", "class.csv")
    assert [(s.name, s.display_name, s.line) for s in students] == [("alice", "Alice Martin", 3), ("bob", "bob", 5)]


@pytest.mark.parametrize("text, message", [
    ("", "aucun élève"),
    ("# only a comment\n\n", "aucun élève"),
    ("alice\nbob\nalice\n", "ligne 3 : « alice » est déjà à la ligne 1"),
    ("alice\nBob\n", "ligne 2 : « Bob » n'est pas un identifiant utilisable (écrivez « bob »)"),
    ("alice\njean dupont\n", "ligne 2 : « jean dupont » n'est pas un identifiant utilisable"),
    ("élodie\n", "ligne 1 : « élodie » n'est pas un identifiant utilisable"),
    ("alice\n../etc\n", "ligne 2 : « ../etc »"),
    ("x" * 40 + "\n", "ligne 1"),
    ("alice\nteacher\n", "ligne 2 : « teacher » est le compte de l'enseignant"),
    ("alice;Alice\nbob,Bob\n", "ligne 2 : « bob,Bob » n'est pas un identifiant utilisable (ce fichier sépare les "
                                 "colonnes par « ; »"),
    ("alice;Martin;Alice\n", "ligne 1 : 3 colonnes"),
])
def test_bad_rosters_name_the_line(text, message):
    with pytest.raises(RosterError) as error:
        parse_roster(text, "class.csv", admin="teacher")
    assert message in str(error.value)
    assert str(error.value).startswith("class.csv")


NVIDIA_SMI_L = """GPU 0: NVIDIA H200 (UUID: GPU-11111111-aaaa)
GPU 1: NVIDIA H200 (UUID: GPU-22222222-bbbb)
  MIG 3g.71gb     Device  0: (UUID: MIG-33333333-cccc)
  MIG 1g.18gb     Device  1: (UUID: MIG-44444444-dddd)
"""


def test_gpus_whole_gpus_and_mig_slices():
    assert parse_gpus(NVIDIA_SMI_L) == ["GPU-11111111-aaaa", "MIG-33333333-cccc", "MIG-44444444-dddd"]
    assert parse_gpus("") == []
    assert parse_gpus("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.") == []


def test_per_student_devices_are_round_robin():
    devices = ["GPU-a", "GPU-b", "MIG-c"]
    assert [device_for(i, devices) for i in range(7)] == ["GPU-a", "GPU-b", "MIG-c"] * 2 + ["GPU-a"]


def test_leavers_are_found_by_dockerspawners_escaped_names():
    assert docker_escape("jean.dupont_x-y") == "jean-2edupont-5fx-2dy"  # DockerSpawner 14's own escape, checked
    names = ["h-work-alice", "h-work-bob", "h-work-jean-2edupont", "h-work-teacher", "other-work-zoe"]
    assert leavers(names, "h-work-", {"alice", "jean.dupont", "teacher"}) == ["h-work-bob"]
