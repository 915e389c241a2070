# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``speckle_token``'s ``dest`` file: the one place a new token's secret is kept after the run.

The secret is shown once, so the file is written atomically (a reader never sees half a token,
a failed write never leaves a partial file) and readable by its owner only unless told otherwise.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

SECRET_FILE_MODE = 0o600
FILE_OPTIONS = ("owner", "group", "mode", "seuser", "serole", "setype", "selevel", "attributes")


def read_secret(path: str) -> str | None:
    """The token kept in ``path``, stripped; None when there is no such file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(4096).strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""
    except OSError as exc:
        raise ConfigurationError(f"dest {path} cannot be read ({exc.strerror}).") from None


def write_secret(path: str, secret: str) -> None:
    """Write atomically: a 0600 temporary file in the same directory, then a rename over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    handle_fd, temp_path = tempfile.mkstemp(prefix=".speckle-token-", dir=directory)
    done = False
    try:
        with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temp_path)


def apply_file_attributes(module: SpeckleModule, path: str) -> bool:
    """owner, group, mode (0600 unless given) and SELinux context; True when something changed."""
    file_args = module.ansible.load_file_common_arguments(module.params, path=path)
    if file_args.get("mode") is None:
        file_args["mode"] = SECRET_FILE_MODE
    return bool(module.ansible.set_fs_attributes_if_different(file_args, False))


def validate_file_options(params: dict[str, t.Any]) -> None:
    """Refuse file options that no file system call can take, before a token is created for ``dest``.

    A NUL or another control character in owner or group makes the user lookup raise deep inside
    AnsibleModule (ValueError on some Pythons), after the new token exists.
    """
    for option in FILE_OPTIONS:
        value = params.get(option)
        if isinstance(value, str) and any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ConfigurationError(
                f"{option} contains a control character (a NUL, a line break or similar), which no user, group, "
                "mode or SELinux name holds. Check the value."
            )
