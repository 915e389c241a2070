# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keep text that reaches users readable: server text free of SQL and token material, long values cut short."""

from __future__ import annotations

import re
import typing as t
from urllib.parse import urlsplit, urlunsplit

# The server leaks its SQL when Postgres rejects a value (a name over 512 characters, a lifespan
# beyond bigint). That text helps nobody running a playbook and may echo input back.
_SQL_HINTS = re.compile(
    r"\b(insert\s+into|select\s.+\sfrom|update\s+\S+\s+set|delete\s+from|values\s*\(|violates|"
    r"out of range for type|value too long for type|returning\s)",
    re.IGNORECASE | re.DOTALL,
)
# A 42-character Speckle token (10-character id + 32-character secret), alone or after "Bearer ".
_TOKEN_LIKE = re.compile(r"\b[0-9a-zA-Z]{42,}\b")
_MAX_LENGTH = 400
_SHOWN_LENGTH = 60


def safe_server_message(message: str) -> str:
    """The server's message, unless it carries SQL; long text is trimmed and token-like runs masked."""
    if _SQL_HINTS.search(message):
        return "the server failed with a database error (details withheld: they contain SQL)"
    message = _TOKEN_LIKE.sub("<redacted>", message)
    if len(message) > _MAX_LENGTH:
        message = message[: _MAX_LENGTH - 3] + "..."
    return message


def safe_location(location: str) -> str:
    """A URL from the server (a redirect's Location) without user info, query or fragment.

    Those parts can carry credentials, access codes or tokens; where it redirects to is all a
    message needs.
    """
    try:
        parts = urlsplit(location.strip())
    except ValueError:
        return "an address that is not a valid URL"
    host = parts.netloc.rpartition("@")[2]
    return safe_server_message(urlunsplit((parts.scheme, host, parts.path, "", "")))


def shown(value: t.Any) -> str:
    """``repr(value)`` for a message about an option, cut short: a templated value can be kilobytes long."""
    text = repr(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."
