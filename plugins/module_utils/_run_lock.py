# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A lock that makes runs on one machine take turns: an ``flock`` on a file named by a hash of the key.

The server keeps no name unique and the module lists before it creates, so two runs that list at
the same moment would both create. Runs on one machine can rule that out by holding a lock from the
listing through the last change. The lock file's name is a SHA-256 hash of the key, so no name (nor
anything else the key holds) shows in it, and the file stays empty. Lock files are never removed:
a run that removed one while another waits on it would let a third run lock a new file beside it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError, LockTimeout

LOCK_DIR_MODE = 0o700
LOCK_FILE_MODE = 0o600
FIRST_POLL = 0.02  # seconds; the polls double up to MAX_POLL, so a freed lock is taken within a fifth of a second
MAX_POLL = 0.2


def default_lock_dir() -> str:
    """``speckle-locks-<uid>`` in the temporary directory: one directory per user, so no other user can enter."""
    return os.path.join(tempfile.gettempdir(), f"speckle-locks-{os.getuid()}")


def prepare_lock_dir(lock_dir: str | None) -> str:
    """The directory to lock in, created with mode 0700 when missing.

    The default lives in a directory everybody can write to, so another user could have created it
    first: it is used only when it is a real directory of this user's that nobody else can write to.
    A directory the user names is theirs to choose, and is used as it is.
    """
    path = lock_dir or default_lock_dir()
    try:
        os.mkdir(path, LOCK_DIR_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ConfigurationError(
            f"The lock directory {path} cannot be created ({exc.strerror}). Set lock_dir to a directory this user "
            "can create files in."
        ) from None
    info = os.lstat(path)
    problem = None
    if stat.S_ISLNK(info.st_mode):
        problem = "it is a symbolic link"
    elif not stat.S_ISDIR(info.st_mode):
        problem = "it is not a directory"
    elif lock_dir is None and info.st_uid != os.getuid():
        problem = f"it belongs to the user with id {info.st_uid}, not to this user (id {os.getuid()})"
    elif lock_dir is None and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = f"other users can write to it (mode {stat.S_IMODE(info.st_mode):04o})"
    if problem is not None:
        raise ConfigurationError(
            f"The lock directory {path} is not safe to use: {problem}. Remove it, or set lock_dir to a directory "
            "only this user can write to."
        )
    return path


def lock_path(directory: str, key: t.Sequence[str]) -> str:
    """The lock file for ``key``: a hash of it, so the file name shows nothing of what it locks."""
    digest = hashlib.sha256(json.dumps(list(key)).encode("utf-8")).hexdigest()
    return os.path.join(directory, f"{digest}.lock")


@contextlib.contextmanager
def held_lock(
    path: str, *, shared: bool, timeout: float, sleep: t.Callable[[float], None], holder: str
) -> t.Iterator[None]:
    """Hold an exclusive (or shared) ``flock`` on ``path``, waiting at most ``timeout`` seconds for it.

    The wait polls instead of blocking, so it can give up; the time waited is the sum of the pauses.
    ``holder`` says in the timeout message what the other run was doing.
    """
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, LOCK_FILE_MODE)
    except OSError as exc:
        raise ConfigurationError(
            f"The lock file {path} cannot be opened ({exc.strerror}). Set lock_dir to a directory this user can "
            "create files in."
        ) from None
    try:
        _acquire(descriptor, path, shared=shared, timeout=timeout, sleep=sleep, holder=holder)
        yield
    finally:
        os.close(descriptor)  # closing the last descriptor releases the lock


def _acquire(
    descriptor: int, path: str, *, shared: bool, timeout: float, sleep: t.Callable[[float], None], holder: str
) -> None:
    operation = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    waited, pause = 0.0, FIRST_POLL
    while True:
        try:
            fcntl.flock(descriptor, operation)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise ConfigurationError(
                    f"The lock file {path} cannot be locked ({exc.strerror}). Set lock_dir to a directory on a "
                    "local file system."
                ) from None
        if waited >= timeout:
            raise LockTimeout(
                f"{holder} held the lock {path} for more than timeout ({timeout:g} seconds), so this run did not "
                "list or change any token. Run the task again, or raise timeout."
            )
        step = min(pause, timeout - waited)
        sleep(step)
        waited += step
        pause = min(pause * 2, MAX_POLL)
