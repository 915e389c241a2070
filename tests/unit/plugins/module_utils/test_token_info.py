# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""speckle_token_info's filters, applied locally to the listed tokens."""

from __future__ import annotations

from ansible_collections.speckle.server.plugins.module_utils import _token_info

from .token_data import NOW, tok


def test_token_matches_counts_never_used_tokens_from_creation():
    never_used = tok("t1", created="2026-11-01T15:00:00.000Z")
    never_used["lastUsed"] = None
    filters = _token_info.InfoFilters(unused_for=7 * 86400)
    assert _token_info.token_matches(never_used, filters, NOW) is True
    assert _token_info.token_matches(tok("t2", created="2026-11-28T15:00:00.000Z"), filters, NOW) is False
