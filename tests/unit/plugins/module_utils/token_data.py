# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared by the token logic tests: a fixed clock, the user and an ``ApiToken`` as the server lists it."""

from __future__ import annotations

import datetime

NOW = datetime.datetime(2026, 11, 29, 15, 0, 0, tzinfo=datetime.timezone.utc)
USER = {"id": "94e79e7177", "name": "Local Admin", "email": "admin@example.org", "role": "server:admin"}


def tok(token_id, name="ci", scopes=("streams:read",), created="2026-11-01T15:00:00.000Z", lifespan=3154000000000):
    return {
        "id": token_id,
        "name": name,
        "lastChars": "abcdef",
        "scopes": list(scopes),
        "createdAt": created,
        "lifespan": lifespan,
        "lastUsed": created,
    }
