# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One exception hierarchy for the collection.

Everything below module level raises these; the shared module base converts them to
``fail_json`` exactly once. No message ever contains a secret: callers build messages from
server answers and option names, never from credentials.
"""

from __future__ import annotations

import typing as t


class SpeckleError(Exception):
    """Base class: ``msg`` is what the user reads, ``details`` go into the result as extra keys."""

    def __init__(self, msg: str, **details: t.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.details = details


class ConfigurationError(SpeckleError):
    """The module's options are wrong before anything was sent."""


class TransportError(SpeckleError):
    """No usable HTTP answer: connection refused, DNS, TLS or timeout.

    ``sent`` says whether the request may have reached the server; only when it did not is it
    safe to repeat a mutation.
    """

    def __init__(self, msg: str, *, sent: bool = True) -> None:
        super().__init__(msg)
        self.sent = sent


class ConnectionFailure(TransportError):
    """The server could not be reached."""


class TLSFailure(TransportError):
    """The TLS handshake or certificate verification failed."""


class RequestTimeout(TransportError):
    """The server did not answer within ``timeout`` seconds."""


class OutcomeUnknown(TransportError):
    """A mutation was sent but its answer was lost, so it may or may not have happened.

    ``pending`` says the answer timed out (the client's timeout, or a gateway's 504): the server may still be
    working on the mutation, so it may happen later.
    """

    def __init__(self, msg: str, *, sent: bool = True, pending: bool = False) -> None:
        super().__init__(msg, sent=sent)
        self.pending = pending


class ServerError(SpeckleError):
    """The server answered, but not with a usable GraphQL result."""

    def __init__(self, msg: str, status: int | None = None, **details: t.Any) -> None:
        super().__init__(msg, **details)
        self.status = status


class NotGraphQLEndpoint(ServerError):
    """The URL answers with HTML or other non-JSON: usually the frontend's address."""


class RateLimited(ServerError):
    """HTTP 429 even after the allowed retries."""


class InvalidToken(ServerError):
    """HTTP 403 ``Your token is not valid.``: bad, expired or revoked token."""


class GraphQLError(ServerError):
    """The server answered with GraphQL ``errors``.

    ``retried`` says the request was sent again after an earlier attempt's answer was lost (so that
    attempt may have been applied).
    """

    def __init__(self, msg: str, errors: list[dict[str, t.Any]], status: int | None = None) -> None:
        super().__init__(msg, status=status)
        self.errors = errors
        self.retried = False

    @property
    def codes(self) -> list[str]:
        return [error_code(err) for err in self.errors]


class AuthenticationRequired(GraphQLError):
    """``UNAUTHORIZED``: the call needs a token and none was given."""


class MissingScope(GraphQLError):
    """``FORBIDDEN``: the token lacks ``scope``."""

    def __init__(self, msg: str, errors: list[dict[str, t.Any]], scope: str | None, status: int | None = None) -> None:
        super().__init__(msg, errors, status=status)
        self.scope = scope


class LockTimeout(SpeckleError):
    """Another run held the lock of the same token for longer than the task's ``timeout``."""


class LoginFailed(SpeckleError):
    """The email and password login flow did not yield a session token."""


class LogoutFailed(SpeckleError):
    """Logging out failed and the session token still works; ``reason`` says what the server answered."""

    def __init__(self, msg: str, reason: str) -> None:
        super().__init__(msg)
        self.reason = reason


def error_code(error: dict[str, t.Any]) -> str:
    """The ``extensions.code`` of one GraphQL error, or an empty string."""
    extensions = error.get("extensions")
    if isinstance(extensions, dict):
        return str(extensions.get("code") or "")
    return ""
