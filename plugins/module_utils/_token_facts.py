# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token metadata as the modules return it: snake_case, lifespan in seconds, expiry computed.

The server gives ``createdAt`` and ``lifespan`` in milliseconds (a JSON number, or a string when
it exceeds a JS number); the expiry is derived here, once, for every module.
"""

from __future__ import annotations

import datetime
import typing as t


def utc_now() -> datetime.datetime:
    """The current time, aware; a function so tests can pin it."""
    return datetime.datetime.now(datetime.timezone.utc)


def parse_timestamp(value: str | None) -> datetime.datetime | None:
    """The server's ISO timestamps (``2026-11-29T14:26:28.549Z``) as aware datetimes."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)


def format_timestamp(moment: datetime.datetime) -> str:
    """UTC, millisecond precision, ``Z`` suffix: the server's own format."""
    utc = moment.astimezone(datetime.timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def lifespan_ms(raw: t.Any) -> int | None:
    """The lifespan as an int of milliseconds, whether the server sent a number or a string."""
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def expires_at(created_at: str | None, lifespan: t.Any) -> datetime.datetime | None:
    """When the token stops working; None when unknown or beyond the calendar (year 9999)."""
    created = parse_timestamp(created_at)
    millis = lifespan_ms(lifespan)
    if created is None or millis is None:
        return None
    try:
        return created + datetime.timedelta(milliseconds=millis)
    except OverflowError:
        return None


def token_metadata(api_token: dict[str, t.Any], now: datetime.datetime | None = None) -> dict[str, t.Any]:
    """One ``ApiToken`` as returned by every module; never holds a secret."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    millis = lifespan_ms(api_token.get("lifespan"))
    expiry = expires_at(api_token.get("createdAt"), api_token.get("lifespan"))
    return {
        "id": api_token.get("id"),
        "name": api_token.get("name"),
        "scopes": list(api_token.get("scopes") or []),
        "last_chars": api_token.get("lastChars"),
        "created_at": api_token.get("createdAt"),
        "lifespan": None if millis is None else millis // 1000,
        "expires_at": format_timestamp(expiry) if expiry else None,
        "expired": bool(expiry and expiry <= now),
        "last_used": api_token.get("lastUsed"),
    }
