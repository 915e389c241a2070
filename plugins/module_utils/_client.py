# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared GraphQL client: one place that sends documents, retries and reads answers.

Every answer is processed here and nowhere else: HTTP status, the non-GraphQL bodies the server
uses for bad tokens and rate limits, HTML from a frontend, and GraphQL ``errors``. Queries are
retried on connection failures, 429 and 502/503/504. A mutation is retried only when the server
cannot have run it (the connection was never made, or the rate limiter refused it with 429), or
when it is retry-safe (a revoke: a repeat changes nothing and says so).
"""

from __future__ import annotations

import json
import random
import time
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._documents import Operation
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    GraphQLError,
    InvalidToken,
    MissingScope,
    NotGraphQLEndpoint,
    OutcomeUnknown,
    RateLimited,
    RequestTimeout,
    ServerError,
    TransportError,
    error_code,
)
from ansible_collections.speckle.server.plugins.module_utils._rate_limit import (
    MAX_RETRY_AFTER,
    parse_retry_after,
    too_long_to_wait,
)
from ansible_collections.speckle.server.plugins.module_utils._sanitize import safe_location, safe_server_message
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse, Transport

COLLECTION_VERSION = "0.1.0"
USER_AGENT = f"ansible-collection-speckle.server/{COLLECTION_VERSION}"

RETRYABLE_STATUSES = frozenset({502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0


@dataclass
class GraphQLResult:
    """``data`` plus any resolver ``errors`` that came with it (HTTP 200, partly null data)."""

    data: dict[str, t.Any]
    errors: list[dict[str, t.Any]] = field(default_factory=list)
    status: int = 200

    def raise_for_errors(self) -> None:
        if self.errors:
            raise classify_errors(self.errors, self.status)

    def errors_at(self, root_field: str) -> list[dict[str, t.Any]]:
        """The errors whose path starts at ``root_field`` (a root field or its alias)."""
        return [err for err in self.errors if (err.get("path") or [None])[0] == root_field]


class GraphQLClient:
    """POSTs GraphQL documents to ``{server}/graphql`` with values always passed as variables."""

    def __init__(
        self,
        server_url: str,
        transport: Transport,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        sleep: t.Callable[[float], None] = time.sleep,
        jitter: t.Callable[[], float] = random.random,
    ) -> None:
        self.server_url = server_url
        self.endpoint = f"{server_url}/graphql"
        self.transport = transport
        self.token = token
        self.timeout = timeout
        self.retries = max(0, retries)
        self.sleep = sleep
        self.jitter = jitter

    def with_token(self, token: str | None) -> GraphQLClient:
        """The same server and settings, authenticated with ``token``: to ask a token itself whether it works."""
        return GraphQLClient(
            self.server_url,
            self.transport,
            token=token,
            timeout=self.timeout,
            retries=self.retries,
            sleep=self.sleep,
            jitter=self.jitter,
        )

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def execute(self, operation: Operation, variables: dict[str, t.Any] | None = None) -> GraphQLResult:
        """Send one operation; return data (maybe with partial errors) or raise a ``SpeckleError``."""
        body = {"query": operation.document, "variables": variables or {}, "operationName": operation.name}
        attempt = 0
        answer_lost = False  # an earlier attempt may have been applied: its answer never came back
        while True:
            try:
                response = self._post(body)
            except TransportError as exc:
                if attempt < self.retries and (_repeatable(operation) or not exc.sent):
                    answer_lost = answer_lost or exc.sent
                    self.backoff(attempt, None)
                    attempt += 1
                    continue
                if not _repeatable(operation) and exc.sent:
                    raise OutcomeUnknown(
                        f"{exc.msg} The {operation.name} mutation may or may not have been applied; "
                        "it was not retried so nothing is done twice.",
                        sent=True,
                        pending=isinstance(exc, RequestTimeout),
                    ) from None
                raise
            retry_after = self._retry_delay(operation, response)
            if response.status == 429 and retry_after is not None:
                refused = too_long_to_wait("/graphql", retry_after, response.header("x-ratelimit-reset"))
                if refused is not None:
                    raise refused
            if retry_after is not None and attempt < self.retries:
                answer_lost = answer_lost or response.status != 429  # a 429 was refused before it ran
                self.backoff(attempt, retry_after)
                attempt += 1
                continue
            try:
                return self._process(operation, response)
            except GraphQLError as exc:
                # "Not found" after a lost answer may be this client's own earlier attempt's doing.
                exc.retried = answer_lost
                raise

    def post_rest(self, path: str, body: dict[str, t.Any], follow_redirects: bool = False) -> HTTPResponse:
        """POST a JSON body to a non-GraphQL endpoint (the auth flow); never retried."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}
        return self.transport.post_json(
            f"{self.server_url}{path}", body, headers, self.timeout, follow_redirects=follow_redirects
        )

    def _post(self, body: dict[str, t.Any]) -> HTTPResponse:
        return self.transport.post_json(self.endpoint, body, self.headers(), self.timeout)

    def _retry_delay(self, operation: Operation, response: HTTPResponse) -> float | None:
        """Seconds the server asked us to wait (0 when it gave none), or None when not retryable."""
        if response.status == 429:
            return parse_retry_after(response.header("retry-after"))
        if response.status in RETRYABLE_STATUSES and _repeatable(operation):
            return parse_retry_after(response.header("retry-after"))
        return None

    def backoff(self, attempt: int, retry_after: float | None) -> None:
        """Exponential backoff with full jitter; a server's Retry-After is honoured, clamped."""
        exponential = min(BACKOFF_CAP, BACKOFF_BASE * (2**attempt)) * self.jitter()
        # A server hint wins over our own schedule; the jitter stays so clients don't retry in lockstep.
        self.sleep(min(MAX_RETRY_AFTER, retry_after) + exponential * 0.1 if retry_after else exponential)

    def _process(self, operation: Operation, response: HTTPResponse) -> GraphQLResult:
        status = response.status
        if 300 <= status < 400:
            location = safe_location(response.header("location") or "") or "another address"
            raise NotGraphQLEndpoint(
                f"{self.endpoint} redirects (HTTP {status}) to {location}. Set server_url to the address that "
                "serves the Speckle API itself.",
                status=status,
            )
        if status == 429:
            raise RateLimited(
                f"The server kept rate-limiting requests (HTTP 429) after {retries_text(self.retries)}. Wait and run "
                "again, or raise retries.",
                status=status,
            )
        if status in RETRYABLE_STATUSES and not _repeatable(operation):
            raise OutcomeUnknown(
                f"The server answered HTTP {status} to the {operation.name} mutation, so it may or may not have been "
                "applied; it was not retried so nothing is done twice.",
                sent=True,
                pending=status == 504,
            )
        payload = _decode_json(response)
        # 502/503/504 were retried; to a mutation that is not retry-safe they raised OutcomeUnknown above.
        retried = f" (after {retries_text(self.retries)})" if status in RETRYABLE_STATUSES else ""
        if payload is None:
            if status in RETRYABLE_STATUSES:  # a gateway's page while the server is down, after the retries
                raise ServerError(
                    f"The server failed with HTTP {status}{retried}. Check the server's health and logs, then run "
                    "again.",
                    status=status,
                )
            raise not_the_api(self.endpoint, response)
        text = _plain_error_text(payload)
        if status == 403 and text is not None:
            raise InvalidToken(
                "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 "
                f"{safe_server_message(text)!r}). Check token or SPECKLE_TOKEN, or create a new token.",
                status=status,
            )
        if not isinstance(payload, dict) or ("data" not in payload and "errors" not in payload):
            if text is not None:
                raise ServerError(
                    f"The server refused the request (HTTP {status}): {safe_server_message(text)}", status=status
                )
            if status >= 500:
                raise ServerError(
                    f"The server failed with HTTP {status}{retried}. Check the server's health and logs, then run "
                    "again.",
                    status=status,
                )
            raise NotGraphQLEndpoint(
                f"{self.endpoint} answered HTTP {status} with JSON that is not a GraphQL response. Is server_url the "
                "Speckle server's API address?",
                status=status,
            )
        errors = payload.get("errors") or []
        data = payload.get("data")
        if not isinstance(data, dict):
            if errors:
                raise classify_errors(errors, status)
            raise ServerError(f"The server's answer (HTTP {status}) had no data and no errors.", status=status)
        return GraphQLResult(data=data, errors=errors, status=status)


def not_the_api(url: str, response: HTTPResponse) -> NotGraphQLEndpoint:
    """A body that is not the server's JSON, at any status: server_url points at something else.

    A static site, the frontend and a proxy's 404/405 page are far more common than a Speckle server
    that answers without JSON, so the advice is about the address, whatever the status.
    """
    content_type = (response.header("content-type") or "").split(";", 1)[0].strip().lower()
    if "html" in content_type:
        kind = "an HTML page"
    elif content_type == "text/plain":
        kind = "plain text"
    else:
        kind = content_type or "a body of no declared type"
    return NotGraphQLEndpoint(
        f"{url} does not serve the Speckle API: it answered HTTP {response.status} with {kind} instead of the API's "
        "JSON. Check server_url: it must be the Speckle server's base URL (the address whose /graphql serves the "
        "API), not the frontend's, a static site's or a proxy's page.",
        status=response.status,
    )


def retries_text(retries: int) -> str:
    return "1 retry" if retries == 1 else f"{retries} retries"


def _repeatable(operation: Operation) -> bool:
    """Whether a request whose answer was lost may be sent again."""
    return not operation.is_mutation or operation.retry_safe


def classify_errors(errors: list[dict[str, t.Any]], status: int | None = None) -> GraphQLError:
    """Turn GraphQL ``errors`` into the most specific exception, with one readable message."""
    codes = [error_code(err) for err in errors]
    if "FORBIDDEN" in codes:
        forbidden = errors[codes.index("FORBIDDEN")]
        scope = (forbidden.get("extensions") or {}).get("scope")
        where = _path_text(forbidden)
        if scope:
            msg = (
                f"The token lacks the scope {scope!r}, which {where or 'this call'} needs. Use a token that holds "
                f"{scope}."
            )
        else:
            msg = f"The server refused access: {render_errors([forbidden])}"
        return MissingScope(msg, errors, scope=scope, status=status)
    if "UNAUTHORIZED" in codes:
        return AuthenticationRequired(
            "This call needs authentication: set token (or email and password), or SPECKLE_TOKEN.",
            errors,
            status=status,
        )
    return GraphQLError(f"The server returned an error: {render_errors(errors)}", errors, status=status)


def render_errors(errors: list[dict[str, t.Any]]) -> str:
    """``message (path: a.b, code: X)`` for each error, SQL and secrets scrubbed."""
    rendered = []
    for err in errors:
        bits = []
        path = _path_text(err)
        if path:
            bits.append(f"path: {path}")
        code = error_code(err)
        if code:
            bits.append(f"code: {code}")
        message = safe_server_message(str(err.get("message") or "unknown error"))
        rendered.append(f"{message} ({', '.join(bits)})" if bits else message)
    return "; ".join(rendered)


def _path_text(err: dict[str, t.Any]) -> str:
    return ".".join(str(part) for part in err.get("path") or [])


def _decode_json(response: HTTPResponse) -> t.Any:
    try:
        return json.loads(response.text)
    except ValueError:
        return None


def _plain_error_text(payload: t.Any) -> str | None:
    """The message of the server's non-GraphQL error bodies: ``{"error": "..."}`` or ``{"error": {"message"}}``."""
    if not isinstance(payload, dict) or "error" not in payload:
        return None
    error = payload["error"]
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    return str(error)
