# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token requests: list, create, revoke and probe tokens, and turn the server's errors into advice.

The server's refusals name a scope or a code, not what to do about it; every error raised here
says what the caller's own token holds and how to get one that can do the job. The server's
limits on tokens (lengths, lifespans, scopes) are kept here too, next to the requests they bound.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._documents import (
    ACTIVE_USER_ID,
    ACTIVE_USER_TOKENS,
    API_TOKEN_CREATE,
    API_TOKEN_REVOKE,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    GraphQLError,
    InvalidToken,
    MissingScope,
    ServerError,
    error_code,
)
from ansible_collections.speckle.server.plugins.module_utils._sanitize import safe_server_message

# Every scope the server registers; serverInfo.scopes lists only the 7 public ones, so this list is
# used only to name unknown scopes in a hint, never to reject a scope before the server does.
REGISTERED_SCOPES = (
    "apps:read",
    "apps:write",
    "streams:read",
    "streams:write",
    "profile:read",
    "profile:write",
    "profile:email",
    "profile:delete",
    "users:read",
    "server:stats",
    "users:email",
    "server:setup",
    "tokens:read",
    "tokens:write",
    "users:invite",
)
NAME_MAX_LENGTH = 512  # the server's column; longer names fail with SQL text
TOKEN_ID_LENGTH = 10  # a token is its 10-character id followed by a 32-character secret
TOKEN_LENGTH = 42
LAST_CHARS_LENGTH = 6
DEFAULT_LIFESPAN_MS = 3154000000000  # the server's default when lifespan is omitted (about 100 years)
MAX_LIFESPAN_MS = 2**63 - 1  # Postgres bigint
MAX_LIFESPAN_SECONDS = MAX_LIFESPAN_MS // 1000
JS_MAX_SAFE_INTEGER = 2**53 - 1  # larger numbers lose precision in the server's JavaScript; send them as strings
NEEDS_WRITE = "creating and revoking tokens needs"
USE_LOGIN = "Set email and password instead of token (or use a login token)."


# --------------------------------------------------------------------------------------------------
# Listing


@dataclass
class Listing:
    """The authenticated user, their tokens (raw ``ApiToken`` dicts) and the caller's own token if it is a PAT."""

    user: dict[str, t.Any]
    tokens: list[dict[str, t.Any]]
    caller: dict[str, t.Any] | None = None

    def named(self, name: str) -> list[dict[str, t.Any]]:
        return [tok for tok in self.tokens if tok.get("name") == name]

    def by_id(self, token_id: str) -> dict[str, t.Any] | None:
        return next((tok for tok in self.tokens if tok.get("id") == token_id), None)

    def describe_caller(self) -> str:
        """What the caller's own token holds, for error messages about scopes."""
        if self.caller is None:
            return (
                "The caller uses a login token (from email and password, or an app), which holds every scope the "
                "account can grant."
            )
        return (
            f"The caller's token is a personal access token (id {self.caller.get('id')}) holding: "
            f"{joined(distinct(self.caller.get('scopes') or [])) or 'no scopes'}."
        )


def fetch_listing(client: GraphQLClient, *, managing: bool) -> Listing:
    """One ACTIVE_USER_TOKENS request; missing ``tokens:read`` or no login become clear errors."""
    try:
        result = client.execute(ACTIVE_USER_TOKENS)
        result.raise_for_errors()
    except MissingScope as exc:
        scope = exc.scope or "tokens:read"
        if managing:
            msg = (
                f"The token lacks the scope {scope}, which listing the user's tokens needs. Managing tokens needs "
                "tokens:read and tokens:write, and a personal access token can never hold tokens:write on current "
                f"servers. {USE_LOGIN}"
            )
        else:
            msg = (
                f"The token lacks the scope {scope}, which listing the user's tokens needs. Use a token that holds "
                f"{scope}, or set email and password instead of token."
            )
        raise MissingScope(msg, exc.errors, scope=exc.scope, status=exc.status) from None
    user = result.data.get("activeUser")
    if not isinstance(user, dict):
        raise AuthenticationRequired(
            "Listing the user's tokens needs authentication, and the server returned no user: set email and "
            "password (or a token).",
            [],
            status=result.status,
        )
    tokens = [tok for tok in user.get("apiTokens") or [] if isinstance(tok, dict)]
    caller_id = (client.token or "")[:TOKEN_ID_LENGTH]
    caller = next((tok for tok in tokens if caller_id and tok.get("id") == caller_id), None)
    profile = {key: user.get(key) for key in ("id", "name", "email", "role")}
    return Listing(user=profile, tokens=tokens, caller=caller)


def token_authenticates(client: GraphQLClient, secret: str, user_id: t.Any) -> bool:
    """True when ``secret`` still authenticates as ``user_id``: one ACTIVE_USER_ID request sent with it."""
    probe = client.with_token(secret)
    try:
        result = probe.execute(ACTIVE_USER_ID)
        result.raise_for_errors()
    except InvalidToken:
        return False
    except MissingScope:
        # It authenticated, only the scope for activeUser is missing; the id already matched this user's token.
        return True
    user = result.data.get("activeUser")
    return isinstance(user, dict) and user.get("id") == user_id


# --------------------------------------------------------------------------------------------------
# Mutations


def no_write_message(listing: Listing) -> str:
    caller = listing.caller
    if caller is None:
        return f"The token used lacks the scope tokens:write, which {NEEDS_WRITE}. {USE_LOGIN}"
    return (
        f"The token used lacks the scope tokens:write, which {NEEDS_WRITE}: it is a personal access token "
        f"(id {caller.get('id')}) holding {joined(distinct(caller.get('scopes') or [])) or 'no scopes'}, and a "
        f"personal access token can never hold tokens:write on current servers. {USE_LOGIN}"
    )


def ensure_can_write(listing: Listing) -> None:
    """Fail before any mutation when the caller is a PAT without tokens:write (a login token has it)."""
    if listing.caller is not None and "tokens:write" not in (listing.caller.get("scopes") or []):
        raise MissingScope(no_write_message(listing), [], scope="tokens:write")


def scope_hint(scopes: list[str]) -> str:
    unknown = [scope for scope in scopes if scope not in REGISTERED_SCOPES]
    if not unknown:
        return ""
    return (
        f" Not a scope this server registers: {joined(unknown)} (a token can hold {joined(list(REGISTERED_SCOPES))})."
    )


def ensure_caller_holds(listing: Listing, name: str, scopes: list[str]) -> None:
    """A PAT can only grant scopes it holds itself; say so before the server refuses."""
    if listing.caller is None:
        return
    held = set(listing.caller.get("scopes") or [])
    lacking = [scope for scope in scopes if scope not in held]
    if lacking:
        raise MissingScope(
            f"The token {name!r} cannot be created with the scopes {joined(scopes)}: the caller can only grant scopes "
            f"it holds itself, and it lacks {joined(lacking)}.{scope_hint(scopes)} {listing.describe_caller()}",
            [],
            scope=lacking[0],
        )


def lifespan_variable(milliseconds: int) -> int | str:
    """BigInt as a number while JavaScript keeps it exact, else as a string (the server accepts both)."""
    return milliseconds if milliseconds <= JS_MAX_SAFE_INTEGER else str(milliseconds)


def create_token(
    client: GraphQLClient,
    listing: Listing,
    name: str,
    scopes: list[str],
    lifespan: int | None,
    limit_resources: list[dict[str, str]],
) -> str:
    """Send apiTokenCreate once and return the new token; errors name what the caller holds."""
    token_input: dict[str, t.Any] = {"name": name, "scopes": list(scopes)}
    if lifespan:
        token_input["lifespan"] = lifespan_variable(lifespan * 1000)
    if limit_resources:
        token_input["limitResources"] = [{"type": item["type"], "id": item["id"]} for item in limit_resources]
    try:
        result = client.execute(API_TOKEN_CREATE, {"token": token_input})
        result.raise_for_errors()
    except MissingScope as exc:
        if exc.scope == "tokens:write":
            raise MissingScope(no_write_message(listing), exc.errors, scope=exc.scope, status=exc.status) from None
        raise
    except GraphQLError as exc:
        if "TOKEN_CREATE_ERROR" in exc.codes:
            reason = "; ".join(safe_server_message(str(err.get("message") or "")) for err in exc.errors)
            raise GraphQLError(
                f"The server refused to create the token {name!r} with the scopes {joined(scopes)}: {reason}."
                f"{scope_hint(scopes)} {listing.describe_caller()}",
                exc.errors,
                status=exc.status,
            ) from None
        raise GraphQLError(
            f"Creating the token {name!r} failed. {exc.msg} {listing.describe_caller()}", exc.errors, status=exc.status
        ) from None
    secret = result.data.get("apiTokenCreate")
    if not isinstance(secret, str) or len(secret) < TOKEN_LENGTH:
        raise ServerError(f"The server answered apiTokenCreate for {name!r} without a token.", status=result.status)
    return secret


def revoke_token(client: GraphQLClient, listing: Listing, token_id: str) -> bool:
    """Revoke by id; False when it was gone before this call.

    The client repeats a revoke whose answer was lost. When a repeat hears "Did not revoke token", an earlier
    attempt did revoke it, so that counts as revoked here.
    """
    try:
        client.execute(API_TOKEN_REVOKE, {"token": token_id}).raise_for_errors()
    except MissingScope as exc:
        raise MissingScope(no_write_message(listing), exc.errors, scope=exc.scope, status=exc.status) from None
    except GraphQLError as exc:
        if exc.errors and all(_already_gone(err) for err in exc.errors):
            return exc.retried
        raise
    return True


def _already_gone(error: dict[str, t.Any]) -> bool:
    return error_code(error) == "USER_INPUT_ERROR" and "did not revoke" in str(error.get("message") or "").lower()


# --------------------------------------------------------------------------------------------------
# helpers, shared by the token modules' messages


def distinct(items: t.Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def joined(items: t.Iterable[str]) -> str:
    return ", ".join(items)
