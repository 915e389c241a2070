"""Token rules of the real server: header parsing, BigInt lifespans, PAT creation checks and revocation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from .constants import (
    DEFAULT_LIFESPAN_MS,
    PG_BIGINT_MAX,
    PG_BIGINT_MIN,
    TOKEN_ID_LENGTH,
    TOKEN_NAME_MAX,
)
from .jsfmt import js_number, number_to_string, to_js_string
from .store import Store, Token

_BIGINT_TEXT = re.compile(r"^\s*(?:[+-]?\d+|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)?\s*$")


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the token's owner, scopes and app (None when no token was sent)."""

    token: Token

    @property
    def user_id(self) -> str:
        """Owner of the token."""
        return self.token.owner

    @property
    def scopes(self) -> list[str]:
        """Scopes the token holds."""
        return self.token.scopes

    @property
    def app_id(self) -> str | None:
        """App of a login (app) token, None for a personal access token."""
        return self.token.app_id


class InvalidTokenError(Exception):
    """An Authorization header was sent but names no live token (the server answers 403)."""


def token_from_header(value: str | None) -> str | None:
    """The token string of an Authorization header (None when absent or empty).

    The server strips the first ``"Bearer "`` only, so ``bearer x`` and ``Basic x`` stay invalid tokens.
    """
    if not value:
        return None
    return value.replace("Bearer ", "", 1)


def authenticate(store: Store, header: str | None) -> Caller | None:
    """Resolve the caller of a request; raise InvalidTokenError for a bad, revoked or expired token."""
    token = token_from_header(header)
    if token is None:
        return None
    found = store.validate_token(token) if token else None
    if found is None:
        raise InvalidTokenError()
    return Caller(found)


def parse_bigint(value: Any) -> int:
    """GraphQL BigInt input coercion as graphql-scalars does it: ``BigInt(value.toString())``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Cannot convert {to_js_string(value)} to a BigInt")
    if isinstance(value, (int, float)):
        text = number_to_string(js_number(value))
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(f"Cannot convert {text} to a BigInt")
        return int(text)
    if not _BIGINT_TEXT.match(value):
        raise ValueError(f"Cannot convert {value} to a BigInt")
    text = value.strip()
    return int(text, 0) if text[:2].lower() in ("0x", "0o", "0b") else int(text or "0")


def serialize_bigint(value: Any) -> int | str:
    """BigInt output: a JSON number when JavaScript can hold it exactly, else a string."""
    number = int(value)
    return number if abs(number) <= 2**53 - 1 else str(number)


def _error(message: str, code: str, status: int | None = None, **extra: Any) -> GraphQLError:
    """A resolver error with Apollo-style extensions."""
    extensions: dict[str, Any] = {"code": code, **extra}
    if status is not None:
        extensions["statusCode"] = status
    return GraphQLError(message, extensions=extensions)


def token_create_error(message: str) -> GraphQLError:
    """TOKEN_CREATE_ERROR (HTTP 200, statusCode 400)."""
    return _error(message, "TOKEN_CREATE_ERROR", 400)


def _insert_error(lifespan: int | None, name: str) -> GraphQLError | None:
    """The Postgres error the real INSERT would raise (lifespan out of bigint range, name > 512 chars)."""
    placeholders = "$1, $2, DEFAULT, $3, $4, $5" if lifespan is None else "$1, $2, $3, $4, $5, $6"
    prefix = (
        'insert into "api_tokens" ("id", "lastChars", "lifespan", "name", "owner", "tokenDigest") '
        f"values ({placeholders}) returning * - "
    )
    if lifespan is not None and not PG_BIGINT_MIN <= lifespan <= PG_BIGINT_MAX:
        return _error(prefix + f'value "{lifespan}" is out of range for type bigint', "INTERNAL_SERVER_ERROR")
    if len(name) > TOKEN_NAME_MAX:
        return _error(prefix + f"value too long for type character varying({TOKEN_NAME_MAX})", "INTERNAL_SERVER_ERROR")
    return None


def create_token_checked(
    store: Store,
    caller: Caller,
    spec: dict[str, Any],
    app_id: str | None = None,
) -> str:
    """Create a PAT (or, with ``app_id``, an app token) applying the server's checks in its order."""
    scopes = list(spec.get("scopes") or [])
    if not all(scope in caller.scopes for scope in scopes):
        raise token_create_error("You can't create a token with scopes that you don't have")
    if app_id is None and "tokens:write" in scopes:
        raise token_create_error("You can't create a personal access token with the tokens:write scope")
    if not scopes:
        raise token_create_error("No scopes provided")
    raw_lifespan = spec.get("lifespan")
    lifespan = raw_lifespan if raw_lifespan else None  # 0 / null / omitted: the column default
    name = spec["name"]
    failure = _insert_error(lifespan, name)
    if failure is not None:
        raise failure
    return store.create_token(
        caller.user_id,
        name,
        scopes,
        lifespan_ms=lifespan or DEFAULT_LIFESPAN_MS,
        app_id=app_id,
        limit_resources=spec.get("limitResources"),
    )


def revoke_checked(store: Store, caller: Caller, argument: str) -> bool:
    """apiTokenRevoke: first 10 chars of the id / token / ``Bearer <token>``; only the caller's own tokens."""
    token = argument.split(" ")[1] if "bearer" in argument.lower() and " " in argument else argument
    token_id = token[:TOKEN_ID_LENGTH]
    if not token_id or not store.revoke_token(token_id, owner=caller.user_id):
        raise _error("Did not revoke token", "USER_INPUT_ERROR", 400)
    return True
