"""labtools.policy: the rules the course, the doctor and `make lab` share, on the real lock and known dates."""
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labtools import policy

REPO = Path(__file__).resolve().parents[2]
LOCK_TEXT = (REPO / "requirements.txt").read_text()
LINUX_X86 = dict(sys_platform="linux", platform_machine="x86_64", os_name="posix", python_full_version="3.14.8",
                 python_version="3.14", implementation_name="cpython")
MAC = dict(LINUX_X86, sys_platform="darwin", platform_machine="arm64")
WINDOWS = dict(LINUX_X86, sys_platform="win32", platform_machine="AMD64", os_name="nt")


def test_real_lock_is_fully_parsed():
    pins, unparsed = policy.parse_lock(LOCK_TEXT)
    top_level = [ln for ln in LOCK_TEXT.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert unparsed == [] and len(pins) == len(top_level)
    by_name = {p.name: p for p in pins}
    assert by_name["torch"].version == "2.15.0" and by_name["torch"].marker is None
    assert by_name["scikit-learn"].version and by_name["numpy"].version
    assert by_name["colorama"].marker == "sys_platform == 'win32'"
    assert all(p.name == policy.normalize_name(p.name) for p in pins)


def test_unreadable_lines_are_returned_not_dropped():
    pins, unparsed = policy.parse_lock("numpy==2.5.5\nsome garbage line\n-e ./local\n")
    assert [p.name for p in pins] == ["numpy"] and unparsed == ["some garbage line"]


def test_markers_of_the_real_lock_per_platform():
    pytest.importorskip("packaging")
    by_name = {p.name: p for p in policy.parse_lock(LOCK_TEXT)[0]}
    cuda = by_name["nvidia-cuda-runtime"]
    assert cuda.applies(LINUX_X86) and cuda.applies(dict(LINUX_X86, platform_machine="aarch64"))
    assert not cuda.applies(MAC) and not cuda.applies(WINDOWS)
    assert by_name["colorama"].applies(WINDOWS) and not by_name["colorama"].applies(LINUX_X86)
    assert by_name["torch"].applies(MAC)  # no marker: everywhere


@pytest.mark.parametrize("installed,pinned,expected", [
    ("2.15.0", "2.15.0", True), ("2.15.0+cu130", "2.15.0", True), ("2.15.0+cpu", "2.15.0+cu130", False),
    ("2.15", "2.15.0", True), ("2.14.1", "2.15.0", False), ("2026.10.19.post1", "2026.10.19.post1", True),
    ("2026.10.19", "2026.10.19.post1", False), ("1.0rc1", "1.0", False), ("1.0.0", "1.0", True),
])
def test_version_matches_pin(installed, pinned, expected):
    pytest.importorskip("packaging")
    assert policy.version_matches_pin(installed, pinned) is expected


def test_names_are_pep503_normalized():
    assert policy.normalize_name("Send2Trash") == "send2trash"
    assert policy.normalize_name("typing_extensions") == policy.normalize_name("Typing.Extensions") == \
        "typing-extensions"


def test_cuda_of_the_real_lock_and_the_cli_the_makefile_calls():
    cuda = policy.cuda_from_lock(LOCK_TEXT)
    assert cuda is not None and cuda.startswith("13.")
    assert policy.cuda_from_lock("nvidia-cuda-runtime-cu12==12.8.90 ; sys_platform == 'linux'") == "12.8"
    out = subprocess.run([sys.executable, "-m", "labtools.policy", "cuda", str(REPO / "requirements.txt")],
                         capture_output=True, text=True, cwd=REPO, check=True).stdout
    assert out.strip() == cuda


def test_driver_table():
    assert policy.min_driver_for_cuda("13.2") == 580 and policy.min_driver_for_cuda("12.8") == 525
    assert policy.min_driver_for_cuda("14.0") is None and policy.min_driver_for_cuda("x") is None
    assert policy.driver_branch("575.57.08") == 575 and policy.driver_branch("garbage") is None


def test_rule_1_window_moves_with_today():
    assert policy.recommended_pythons(dt.date(2026, 11, 27)) == ["3.14"]  # 3.15 is two months old
    assert policy.recommended_pythons(dt.date(2026, 5, 1)) == ["3.13", "3.14"]
    assert policy.PYTHON_RELEASE_DATES[(3, 14)] == dt.date(2025, 10, 7)


def test_the_course_and_the_doctor_draw_rule_1_on_the_same_day():
    """Part 00's reference answer and the doctor's recommendation flip on the same day for every release (they used
    to disagree: 182 vs 183 days)."""
    pytest.importorskip("torch")  # lab.solutions imports the course's packages
    from lab.solutions.environment import follows_rule_1

    for (major, minor), released in policy.PYTHON_RELEASE_DATES.items():
        for age in (policy.RULE1_MIN_AGE_DAYS - 1, policy.RULE1_MIN_AGE_DAYS):
            today = released + dt.timedelta(days=age)
            if today >= policy.PYTHON_RELEASES[(major, minor)][1]:
                continue  # past end of life the doctor recommends nothing, whatever the age
            course = follows_rule_1(released, today)
            doctor = f"{major}.{minor}" in policy.recommended_pythons(today)
            assert course == doctor == (age >= policy.RULE1_MIN_AGE_DAYS), (major, minor, age)


def test_writable_by_reads_the_folder_as_mounted_not_its_parents(tmp_path):
    """make lab's WORK_DIR rule for a root host user: the lab's uid:gid against the folder's own owner, group and
    mode; a private parent (a root user's /root) does not matter, since Docker mounts the folder itself."""
    parent = tmp_path / "prive"
    work = parent / "travail"
    work.mkdir(parents=True)
    me, my_group = os.getuid(), os.getgid()
    if me == 0:  # root may write anything: the folder is given to the image's student, as `chown` would
        me, my_group = 1000, 1000
        os.chown(work, me, my_group)
    other, other_group = me + 1, my_group + 1
    parent.chmod(0o700)
    cases = [  # (mode of the folder, uid, gid, writable)
        (0o700, me, my_group, True), (0o500, me, my_group, False), (0o070, me, my_group, False),
        (0o770, other, my_group, True), (0o750, other, my_group, False),
        (0o777, other, other_group, True), (0o775, other, other_group, False),
        (0o777, 0, 0, True), (0o000, 0, 0, True),
    ]
    for mode, uid, gid, expected in cases:
        work.chmod(mode)
        assert policy.writable_by(work, uid, gid) is expected, (oct(mode), uid, gid)
        if uid == other and gid == other_group:  # the folder's group as a supplementary group of the lab's user
            assert policy.writable_by(work, uid, gid, groups=(my_group,)) is bool(mode & 0o030 == 0o030)
        command = [sys.executable, "-m", "labtools.policy", "writable-by", str(work), str(uid), str(gid)]
        assert subprocess.run(command, cwd=REPO).returncode == (0 if expected else 1)
    work.chmod(0o000)  # no uid given: the lab's user (make lab's question), named when it cannot write
    lab_uid, lab_gid = policy.lab_user(os.getuid(), os.getgid())
    refused = subprocess.run([sys.executable, "-m", "labtools.policy", "writable-by", str(work)], cwd=REPO,
                             capture_output=True, text=True)
    assert (refused.returncode, refused.stdout.split()) == (1, [str(lab_uid), str(lab_gid)])
    if os.getuid() == 0:  # make lab as root: a root:users folder with group write serves the student, in `users`
        os.chown(work, 0, policy.IMAGE_USERS_GID)
        work.chmod(0o775)
        command = [sys.executable, "-m", "labtools.policy", "writable-by", str(work)]
        assert subprocess.run(command, cwd=REPO).returncode == 0
        work.chmod(0o755)
        assert subprocess.run(command, cwd=REPO, capture_output=True).returncode == 1
    work.chmod(0o700)
