# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dest file: written atomically and owner-only, read back stripped, unreadable files named."""

from __future__ import annotations

import stat

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _secret_file
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError


def test_secret_file_round_trip(tmp_path):
    path = tmp_path / "token"
    assert _secret_file.read_secret(str(path)) is None
    _secret_file.write_secret(str(path), "s" * 42)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _secret_file.read_secret(str(path)) == "s" * 42
    path.write_bytes(b"\xff\xfe")
    assert _secret_file.read_secret(str(path)) == ""


def test_unreadable_dest(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        _secret_file.read_secret(str(tmp_path))
    assert caught.value.msg == f"dest {tmp_path} cannot be read (Is a directory)."


@pytest.mark.parametrize("option", ["owner", "group", "setype"])
def test_file_options_with_a_control_character_are_refused_before_anything_happens(option):
    with pytest.raises(ConfigurationError) as exc:
        _secret_file.validate_file_options({option: "ci\x00"})
    assert exc.value.msg == (
        f"{option} contains a control character (a NUL, a line break or similar), which no user, group, mode or "
        "SELinux name holds. Check the value."
    )


def test_ordinary_file_options_pass():
    _secret_file.validate_file_options({"owner": "ci", "group": "ci", "mode": "0600", "setype": None})
