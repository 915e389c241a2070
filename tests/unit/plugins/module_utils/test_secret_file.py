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
