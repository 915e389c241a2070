# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run lock: a per-user directory that is safe to use, a hashed file name, and a wait bounded by the timeout."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _run_lock
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError, LockTimeout
from ansible_collections.speckle.server.plugins.module_utils._run_lock import (
    held_lock,
    lock_path,
    prepare_lock_dir,
)

HOLDER = "Another run managing the token 'ci' on https://speckle.example.org"


@pytest.fixture
def temp_root(tmp_path, monkeypatch):
    """The system's temporary directory, for the default lock directory."""
    monkeypatch.setattr(_run_lock.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


def test_default_directory_is_per_user_and_created_0700(temp_root):
    path = prepare_lock_dir(None)
    assert path == str(temp_root / f"speckle-locks-{os.getuid()}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_default_directory_is_used_again(temp_root):
    assert prepare_lock_dir(None) == prepare_lock_dir(None)


def unsafe(path: str, problem: str) -> str:
    return (
        f"The lock directory {path} is not safe to use: {problem}. Remove it, or set lock_dir to a directory only "
        "this user can write to."
    )


def test_default_directory_that_is_a_symlink_is_refused(temp_root):
    target = temp_root / "elsewhere"
    target.mkdir(mode=0o700)
    link = temp_root / f"speckle-locks-{os.getuid()}"
    link.symlink_to(target)
    with pytest.raises(ConfigurationError) as caught:
        prepare_lock_dir(None)
    assert caught.value.msg == unsafe(str(link), "it is a symbolic link")


def test_default_directory_that_is_a_file_is_refused(temp_root):
    path = temp_root / f"speckle-locks-{os.getuid()}"
    path.write_text("")
    with pytest.raises(ConfigurationError) as caught:
        prepare_lock_dir(None)
    assert caught.value.msg == unsafe(str(path), "it is not a directory")


def test_default_directory_others_can_write_to_is_refused(temp_root):
    path = temp_root / f"speckle-locks-{os.getuid()}"
    path.mkdir()
    path.chmod(0o777)
    with pytest.raises(ConfigurationError) as caught:
        prepare_lock_dir(None)
    assert caught.value.msg == unsafe(str(path), "other users can write to it (mode 0777)")


def test_default_directory_of_another_user_is_refused(temp_root, monkeypatch):
    mine = os.getuid()
    path = temp_root / "speckle-locks-shared"
    path.mkdir(mode=0o700)
    monkeypatch.setattr(_run_lock, "default_lock_dir", lambda: str(path))
    monkeypatch.setattr(_run_lock.os, "getuid", lambda: mine + 1)
    with pytest.raises(ConfigurationError) as caught:
        prepare_lock_dir(None)
    assert caught.value.msg == unsafe(
        str(path), f"it belongs to the user with id {mine}, not to this user (id {mine + 1})"
    )


def test_lock_dir_option_is_created_0700_and_used_as_it_is(tmp_path):
    made = tmp_path / "locks"
    assert prepare_lock_dir(str(made)) == str(made)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o770)  # a group's shared directory: the user's choice
    assert prepare_lock_dir(str(shared)) == str(shared)


def test_lock_dir_option_whose_parent_is_missing(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        prepare_lock_dir(str(tmp_path / "missing" / "locks"))
    assert caught.value.msg == (
        f"The lock directory {tmp_path / 'missing' / 'locks'} cannot be created (No such file or directory). Set "
        "lock_dir to a directory this user can create files in."
    )


def test_lock_file_name_is_a_hash_of_the_key(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci-secret-name"))
    digest = hashlib.sha256(json.dumps(["https://speckle.example.org", "ci-secret-name"]).encode()).hexdigest()
    assert path == str(tmp_path / f"{digest}.lock")
    assert "ci-secret-name" not in path
    assert lock_path(str(tmp_path), ("https://other.example.org", "ci-secret-name")) != path


def hold(path: str, operation: int) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, operation)
    return descriptor


def test_lock_file_is_empty_and_0600(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci"))
    with held_lock(path, shared=False, timeout=1, sleep=pytest.fail, holder=HOLDER):
        assert os.path.getsize(path) == 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.path.exists(path)  # left in place: removing it could let two runs lock two different files


def test_wait_is_bounded_by_the_timeout(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci"))
    other = hold(path, fcntl.LOCK_EX)
    slept: list[float] = []
    try:
        with pytest.raises(LockTimeout) as caught, held_lock(
            path, shared=False, timeout=0.5, sleep=slept.append, holder=HOLDER
        ):
            pytest.fail("the lock was taken while another run held it")
    finally:
        os.close(other)
    assert slept == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.2])
    assert caught.value.msg == (
        f"{HOLDER} held the lock {path} for more than timeout (0.5 seconds), so this run did not list or change any "
        "token. Run the task again, or raise timeout."
    )


def test_waiting_run_gets_the_lock_once_it_is_freed(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci"))
    other = hold(path, fcntl.LOCK_EX)
    slept: list[float] = []

    def free(seconds: float) -> None:
        slept.append(seconds)
        os.close(other)

    with held_lock(path, shared=False, timeout=30, sleep=free, holder=HOLDER):
        probe = os.open(path, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        finally:
            os.close(probe)
    assert slept == [0.02]


def test_shared_locks_do_not_wait_for_each_other_but_for_an_exclusive_one(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci"))
    reader = hold(path, fcntl.LOCK_SH)
    try:
        with held_lock(path, shared=True, timeout=1, sleep=pytest.fail, holder=HOLDER):
            pass
        with pytest.raises(LockTimeout), held_lock(
            path, shared=False, timeout=0.02, sleep=lambda _s: None, holder=HOLDER
        ):
            pass
    finally:
        os.close(reader)


def test_symlink_in_place_of_the_lock_file_is_not_followed(tmp_path):
    path = lock_path(str(tmp_path), ("https://speckle.example.org", "ci"))
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(victim, path)
    with pytest.raises(ConfigurationError) as caught, held_lock(
        path, shared=False, timeout=1, sleep=pytest.fail, holder=HOLDER
    ):
        pass
    assert caught.value.msg == (
        f"The lock file {path} cannot be opened (Too many levels of symbolic links). Set lock_dir to a directory "
        "this user can create files in."
    )
    assert victim.read_text() == "keep"
