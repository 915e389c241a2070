# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a ``speckle_token`` task asks for, and how an existing token measures up to it.

Everything here works without a server: the options are checked and converted before any
request (login included), an existing token is compared with the task, and the metadata of a
token just created (or, in check mode, about to be) is built locally instead of fetched.
"""

from __future__ import annotations

import datetime
import os
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._duration import (
    format_duration,
    parse_duration,
    parse_optional_duration,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError
from ansible_collections.speckle.server.plugins.module_utils._token_api import (
    DEFAULT_LIFESPAN_MS,
    LAST_CHARS_LENGTH,
    MAX_LIFESPAN_SECONDS,
    NAME_MAX_LENGTH,
    TOKEN_ID_LENGTH,
    distinct,
    joined,
)
from ansible_collections.speckle.server.plugins.module_utils._token_facts import (
    expires_at,
    format_timestamp,
    lifespan_ms,
    token_metadata,
)

# --------------------------------------------------------------------------------------------------
# Options


@dataclass
class TokenSpec:
    """``speckle_token``'s options, validated and converted (durations in seconds)."""

    name: str
    state: str = "present"
    scopes: list[str] | None = None
    lifespan: int | None = None
    limit_resources: list[dict[str, str]] = field(default_factory=list)
    recreate: str = "never"
    rotate_before: int | None = None
    dest: str | None = None
    token_id: str | None = None
    lock_dir: str | None = None


def validate_name(name: t.Any) -> str:
    """1 to 512 characters: the server accepts an empty name and fails with SQL text beyond 512."""
    text = "" if name is None else str(name)
    if not 1 <= len(text) <= NAME_MAX_LENGTH:
        raise ConfigurationError(f"name must be 1 to {NAME_MAX_LENGTH} characters long; got {len(text)}.")
    return text


def validate_scopes(scopes: list[str] | None) -> list[str] | None:
    """Scope names without duplicates (the server would store them twice), in the order given."""
    if scopes is None:
        return None
    cleaned = [str(scope).strip() for scope in scopes]
    if any(not scope for scope in cleaned):
        raise ConfigurationError("scopes must not contain empty names.")
    if not cleaned:
        raise ConfigurationError("scopes must list at least one scope.")
    return distinct(cleaned)


def validate_lifespan(value: t.Any) -> int | None:
    """Seconds, more than 0 and small enough that the milliseconds fit the server's 64-bit column."""
    if value is None:
        return None
    seconds = parse_duration(value, "lifespan")
    if not 0 < seconds <= MAX_LIFESPAN_SECONDS:
        raise ConfigurationError(
            f"lifespan must be more than 0 seconds and at most {MAX_LIFESPAN_SECONDS} seconds (the server keeps it "
            f"in milliseconds in a 64-bit integer); got {value!r}."
        )
    return seconds


def parse_token_spec(params: dict[str, t.Any]) -> TokenSpec:
    """Every check that needs no server, so a bad option fails before any request (login included)."""
    spec = TokenSpec(
        name=validate_name(params.get("name")),
        state=params.get("state") or "present",
        recreate=params.get("recreate") or "never",
        dest=params.get("dest"),
        token_id=params.get("token_id"),
        lock_dir=params.get("lock_dir"),
    )
    if spec.token_id is not None:
        if spec.state != "absent":
            raise ConfigurationError(
                "token_id selects a token to revoke and needs state=absent; with state=present the token is found "
                "by name."
            )
        if len(spec.token_id) != TOKEN_ID_LENGTH:
            raise ConfigurationError(
                f"token_id must be a token's id: its first {TOKEN_ID_LENGTH} characters, as speckle_token_info "
                f"returns it; got {len(spec.token_id)} characters."
            )
    if spec.dest is not None:
        _check_dest(spec.dest)
    if spec.state == "absent":
        return spec
    spec.scopes = validate_scopes(params.get("scopes"))
    spec.lifespan = validate_lifespan(params.get("lifespan"))
    spec.rotate_before = parse_optional_duration(params.get("rotate_before"), "rotate_before")
    spec.limit_resources = [
        {"type": str(item["type"]), "id": str(item["id"])} for item in params.get("limit_resources") or []
    ]
    if spec.rotate_before is not None and spec.lifespan is not None and spec.rotate_before >= spec.lifespan:
        raise ConfigurationError(
            f"rotate_before ({format_duration(spec.rotate_before)}) must be shorter than lifespan "
            f"({format_duration(spec.lifespan)}); otherwise every run would replace the token."
        )
    return spec


def _check_dest(dest: str) -> None:
    """``dest`` must be creatable, checked before anything is created whose secret it would hold."""
    if os.path.isdir(dest):
        raise ConfigurationError(f"dest {dest} is a directory; give the path of the file to hold the token.")
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        raise ConfigurationError(f"The directory of dest ({directory}) does not exist; create it first.")


# --------------------------------------------------------------------------------------------------
# Comparing


def differences(existing: dict[str, t.Any], spec: TokenSpec) -> list[str]:
    """What differs between a token and the task, as phrases; only options the task sets are compared."""
    found = []
    if spec.scopes is not None and set(existing.get("scopes") or []) != set(spec.scopes):
        found.append(
            f"scopes are [{joined(distinct(existing.get('scopes') or []))}] but the task wants [{joined(spec.scopes)}]"
        )
    if spec.lifespan is not None and lifespan_ms(existing.get("lifespan")) != spec.lifespan * 1000:
        found.append(
            f"lifespan is {_format_ms(lifespan_ms(existing.get('lifespan')))} but the task wants "
            f"{format_duration(spec.lifespan)}"
        )
    return found


def rotation_due(existing: dict[str, t.Any], rotate_before: int | None, now: datetime.datetime) -> str | None:
    """Why the token must be rotated (it expires within ``rotate_before``), or None."""
    if rotate_before is None:
        return None
    expiry = expires_at(existing.get("createdAt"), existing.get("lifespan"))
    if expiry is None:
        return None
    if (expiry - now).total_seconds() < rotate_before:
        return f"it expires at {format_timestamp(expiry)}, within rotate_before ({format_duration(rotate_before)})"
    return None


def _format_ms(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "unknown"
    if milliseconds == DEFAULT_LIFESPAN_MS:
        return "the server default (about 100 years)"
    if milliseconds % 1000:
        return f"{milliseconds} ms"
    return format_duration(milliseconds // 1000)


# --------------------------------------------------------------------------------------------------
# Metadata built locally


def new_token_metadata(
    secret: str, name: str, scopes: list[str], lifespan: int | None, now: datetime.datetime
) -> dict[str, t.Any]:
    """The new token's metadata, built locally so creating costs no extra request."""
    created = format_timestamp(now)
    api_token = {
        "id": secret[:TOKEN_ID_LENGTH],
        "name": name,
        "scopes": list(scopes),
        "lastChars": secret[-LAST_CHARS_LENGTH:],
        "createdAt": created,
        "lifespan": lifespan * 1000 if lifespan else DEFAULT_LIFESPAN_MS,
        "lastUsed": created,
    }
    return token_metadata(api_token, now)


def predicted_metadata(name: str, scopes: list[str], lifespan: int | None) -> dict[str, t.Any]:
    """What check mode can say about a token it did not create: no id, no times."""
    return {
        "id": None,
        "name": name,
        "scopes": list(scopes),
        "last_chars": None,
        "created_at": None,
        "lifespan": lifespan if lifespan else DEFAULT_LIFESPAN_MS // 1000,
        "expires_at": None,
        "expired": False,
        "last_used": None,
    }
