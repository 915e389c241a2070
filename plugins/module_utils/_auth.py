# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's local login flow, for token management with email and password.

A personal token can never hold ``tokens:write`` on current servers, so creating tokens needs a
login (app) token. This logs in as the web app does, and logs out again so the short-lived
session token dies with the module run.

Both ends are retried like queries (connection failures, 429, 502/503/504). An access code is
single-use, so a lost ``/auth/token`` answer restarts the flow from the login; logging out twice
is harmless, and when its answers stay lost the session token itself says whether it is dead.
"""

from __future__ import annotations

import json
import secrets
import typing as t
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ansible_collections.speckle.server.plugins.module_utils._client import (
    RETRYABLE_STATUSES,
    GraphQLClient,
    not_the_api,
    retries_text,
)
from ansible_collections.speckle.server.plugins.module_utils._documents import ACTIVE_USER_ID
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    InvalidToken,
    LoginFailed,
    LogoutFailed,
    RateLimited,
    ServerError,
    SpeckleError,
    TransportError,
)
from ansible_collections.speckle.server.plugins.module_utils._rate_limit import (
    MAX_RETRY_AFTER,
    parse_retry_after,
    too_long_to_wait,
)
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse

WEB_APP_ID = "spklwebapp"
WEB_APP_SECRET = "spklwebapp"
_T = t.TypeVar("_T")


@dataclass
class LoginSession:
    token: str
    refresh_token: str


def login(client: GraphQLClient, email: str, password: str, *, session_module: bool = False) -> LoginSession:
    """Run ``/auth/local/login`` then ``/auth/token``, from the start again while answers are lost.

    ``session_module`` says the caller is ``speckle_session``, which changes the advice when logins are refused.
    """
    try:
        return _retrying(client, lambda: _login_once(client, email, password))
    except (_Busy, TransportError) as exc:
        raise _final(exc, client.retries, "the login", session_module) from None


def logout(client: GraphQLClient, session: LoginSession) -> None:
    """End the session so its token stops working; raise ``LogoutFailed`` if it may still work."""
    body = {"token": session.token, "refreshToken": session.refresh_token}
    try:
        answer = _retrying(client, lambda: _post(client, "/auth/logout", body))
    except (_Busy, TransportError) as exc:
        if isinstance(exc, TransportError):
            reason = exc.msg
        else:
            reason = f"HTTP {exc.status} after {retries_text(client.retries)}"
    else:
        is_json = isinstance(_json(answer.text), dict)
        if answer.status == 200 and is_json:
            return
        kind = "" if is_json else f" with {answer.header('content-type') or 'no JSON'}"
        reason = f"HTTP {answer.status}{kind}"
    # An earlier attempt may have logged out before its answer was lost: ask the session token itself.
    if _session_is_dead(client, session):
        return
    raise LogoutFailed(
        f"Logging out at the end of the task failed ({reason}), so this task's session token stays valid until it "
        "expires.",
        reason=reason,
    )


def _retrying(client: GraphQLClient, attempt_once: t.Callable[[], _T]) -> _T:
    """Call ``attempt_once`` again after busy answers and connection failures, ``client.retries`` times at most."""
    attempt = 0
    while True:
        try:
            return attempt_once()
        except (_Busy, TransportError) as exc:
            if attempt >= client.retries or (isinstance(exc, _Busy) and exc.retry_after > MAX_RETRY_AFTER):
                raise
            client.backoff(attempt, exc.retry_after if isinstance(exc, _Busy) else None)
            attempt += 1


def _login_once(client: GraphQLClient, email: str, password: str) -> LoginSession:
    challenge = secrets.token_urlsafe(24)
    answer = _post(client, f"/auth/local/login?challenge={challenge}", {"email": email, "password": password})
    if answer.status == 401:
        raise LoginFailed(
            "The server rejected the email and password (HTTP 401 Invalid credentials). Check email and password, "
            "or SPECKLE_EMAIL and SPECKLE_PASSWORD."
        )
    access_code = _access_code(answer.header("location")) if answer.status in (301, 302, 303) else None
    if not access_code:
        raise _unexpected("/auth/local/login", answer, client)
    answer = _post(
        client,
        "/auth/token",
        {"appId": WEB_APP_ID, "appSecret": WEB_APP_SECRET, "accessCode": access_code, "challenge": challenge},
    )
    body = _json(answer.text)
    if answer.status != 200 or not isinstance(body, dict) or not body.get("token"):
        raise _unexpected("/auth/token", answer, client)
    # Stripped like every token this collection sends: whitespace around it would break the Authorization header.
    return LoginSession(token=str(body["token"]).strip(), refresh_token=str(body.get("refreshToken") or "").strip())


class _Busy(Exception):
    """A 429 or 502/503/504 from an auth endpoint: worth another try."""

    def __init__(self, path: str, status: int, retry_after: float, reset: str | None) -> None:
        super().__init__(path)
        self.path = path
        self.status = status
        self.retry_after = retry_after
        self.reset = reset


def _post(client: GraphQLClient, path: str, body: dict[str, t.Any]) -> HTTPResponse:
    answer = client.post_rest(path, body)
    if answer.status == 429 or answer.status in RETRYABLE_STATUSES:
        retry_after = parse_retry_after(answer.header("retry-after"))
        raise _Busy(path.split("?", 1)[0], answer.status, retry_after, answer.header("x-ratelimit-reset"))
    return answer


def _final(exc: _Busy | TransportError, retries: int, what: str, session_module: bool) -> SpeckleError:
    """The error to report once the retries are used up, or at once for a 429 whose wait is too long."""
    if isinstance(exc, TransportError):
        return exc
    if exc.status == 429:
        refused = too_long_to_wait(exc.path, exc.retry_after, exc.reset, session_module=session_module)
        if refused is not None:
            return refused
        return RateLimited(
            f"The server kept rate-limiting {what} (HTTP 429 at {exc.path}) after {retries_text(retries)}. Wait "
            "and run again, or raise retries.",
            status=429,
        )
    return ServerError(
        f"The server failed {what} with HTTP {exc.status} at {exc.path} (after {retries_text(retries)}). Check the "
        "server's health and logs, then run again.",
        status=exc.status,
    )


def _session_is_dead(client: GraphQLClient, session: LoginSession) -> bool:
    probe = client.with_token(session.token)
    try:
        probe.execute(ACTIVE_USER_ID)
    except InvalidToken:
        return True
    except SpeckleError:
        pass  # no answer either way: assume the worst
    return False


def _access_code(location: str | None) -> str | None:
    if not location:
        return None
    codes = parse_qs(urlsplit(location).query).get("access_code")
    return codes[0] if codes else None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _unexpected(path: str, answer: HTTPResponse, client: GraphQLClient) -> Exception:
    status = answer.status
    if status not in (301, 302, 303) and not isinstance(_json(answer.text), dict):
        return not_the_api(f"{client.server_url}{path}", answer)
    if status >= 500:
        return ServerError(
            f"The server failed the login with HTTP {status} at {path}. Check the server's health and logs, then run "
            "again.",
            status=status,
        )
    return LoginFailed(
        f"The local login flow failed at {path} (HTTP {status}). Check that the server has the local (email and "
        "password) auth strategy enabled, and check email and password."
    )
