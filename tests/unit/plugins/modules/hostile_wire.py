# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A Speckle server on a fake wire, for the property-based tests: no socket, everything above it real.

The modules keep their real ``RequestsTransport``: ``requests`` prepares each request, its HTTP adapter
picks the connection pool, checks ``ca_path`` and builds the timeout, and maps urllib3's exceptions. Only
urllib3's ``urlopen`` is replaced. Before answering it does what the real one does before the first byte
leaves, so hostile ``timeout``, ``ca_path`` and header values meet the code they would meet: it gives the
socket its timeout, for a verified https URL it loads the CA bundle into a TLS context, and it hands the
request line and headers to an unconnected ``http.client`` connection, which checks and encodes them.

The server answers like the recorded one (``../shared/speckle-api``): the login flow, the token listing,
creation with the server's own refusals (SQL text for a name over 512 characters or a lifespan beyond
bigint, as recorded), revocation. A script of misbehaviours (errors, pages, lost answers, TLS and
connection failures) can come first; once it is used up the server behaves.
"""

from __future__ import annotations

import functools
import http.client
import io
import json
import socket
import ssl
import typing as t
from urllib.parse import parse_qs, urlsplit

from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import HTTPResponse

# Text that only the fake server's database errors contain: it must never reach a module's result.
SQL_MARKER = '"tokenDigest") values ($1'
SQL_NAME_TOO_LONG = (
    'insert into "api_tokens" ("id", "lastChars", "lifespan", "name", "owner", "tokenDigest") values ($1, $2, '
    "DEFAULT, $3, $4, $5) returning * - value too long for type character varying(512)"
)
SQL_BIGINT = (
    'insert into "api_tokens" ("id", "lastChars", "lifespan", "name", "owner", "tokenDigest") values ($1, $2, '
    '$3, $4, $5, $6) returning * - value "99999999999999999999" is out of range for type bigint'
)
BIGINT_MAX = 2**63 - 1
JS_MAX_SAFE = 2**53 - 1

SESSION_TOKEN = "Sess10nTok" + "s" * 32
REFRESH_TOKEN = "Refr3shTok" + "r" * 32
NEW_TOKEN = "NewT0kenId" + "n" * 32
USER = {"id": "94e79e7177", "name": "Local Admin", "email": "admin@example.org", "role": "server:admin"}
KNOWN_SCOPES = [
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
]
SERVER_INFO = {
    "name": "My new Speckle Server",
    "company": "Unknown Company",
    "description": "This a community deployment of a Speckle Server.",
    "adminContact": "n/a",
    "termsOfService": "n/a",
    "inviteOnly": False,
    "guestModeEnabled": False,
    "automateUrl": None,
    "enableNewWebUiMessaging": False,
    "scopes": [{"name": "profile:read", "description": "Read your profile information."}],
    "authStrategies": [{"id": "local", "name": "Local", "icon": "TODO", "color": "accent", "url": "/auth/local"}],
    "serverRoles": [{"id": "server:admin", "title": "Admin"}, {"id": "server:user", "title": "User"}],
    "roles": [{"name": "stream:owner", "description": "Owner", "resourceTarget": "streams"}],
    "migration": None,
    "configuration": {"isEmailEnabled": False, "objectSizeLimitBytes": 104857600},
    "workspaces": {"workspacesEnabled": False},
}
APPS = [
    {
        "id": "spklwebapp",
        "name": "Speckle Web Manager",
        "description": "The Speckle Web Manager is your one-stop place to manage and coordinate your data.",
        "redirectUrl": "https://speckle.example.org",
        "termsAndConditionsLink": None,
        "trustByDefault": True,
        "logo": None,
        "author": {"id": "speckle", "name": "Speckle", "avatar": None},
    }
]

# What the server (or the network) may do instead of answering properly, in the order scripted.
MISBEHAVIOURS = (
    "refused",
    "connect_timeout",
    "read_timeout",
    "dropped",
    "tls",
    "429",
    "429_long",
    "429_garbage",
    "500_sql_text",
    "502",
    "503",
    "504",
    "html_200",
    "json_garbage",
    "json_not_object",
    "graphql_sql_error",
    "graphql_forbidden",
    "bad_token_403",
    "redirect",
    "redirect_latin1",
)


class ScriptedServer:
    """Answers each request: the next scripted misbehaviour, or else what a current Speckle server answers."""

    # Far more requests than any run needs with the script used up: more means a module loops forever.
    MAX_REQUESTS = 400

    def __init__(
        self,
        script: t.Sequence[str] = (),
        *,
        server_version: str = "2.23.4",
        tokens: t.Sequence[dict[str, t.Any]] = (),
        password_accepted: bool = True,
    ) -> None:
        self.script = list(script)
        self.server_version = server_version
        self.tokens = [dict(token) for token in tokens]
        self.password_accepted = password_accepted
        self.requests = 0
        self.issued_codes: set[str] = set()

    def urlopen(
        self, pool: HTTPConnectionPool, method: str, url: str, body: t.Any, headers: t.Any, timeout: t.Any
    ) -> HTTPResponse:
        """What the patched ``HTTPConnectionPool.urlopen`` returns or raises for one request."""
        self.requests += 1
        assert self.requests <= self.MAX_REQUESTS, f"more than {self.MAX_REQUESTS} requests: the module loops"
        _socket_timeout(timeout)
        _load_ca_bundle(pool, url)
        _put_request(pool, method, url, headers or {})
        if self.script:
            misbehaviour = self.script.pop(0)
            answer = _misbehave(misbehaviour, pool, url)
            if answer is not None:
                return answer
        payload = _json_body(body)
        path = urlsplit(url).path
        if path.endswith("/graphql"):
            return self._graphql(payload)
        if path.endswith("/auth/local/login"):
            return self._login(url, payload, pool)
        if path.endswith("/auth/token"):
            return self._exchange(payload)
        if path.endswith("/auth/logout"):
            return _json(200, {"message": "You have logged out."})
        return _html(404, f"<pre>Cannot {method} {path}</pre>")

    # -- the login flow (FACTS-admin.md A) ----------------------------------------------------------------
    def _login(self, url: str, payload: t.Any, pool: HTTPConnectionPool) -> HTTPResponse:
        challenge = (parse_qs(urlsplit(url).query).get("challenge") or [""])[0]
        if not challenge:
            return _json(400, {"err": True, "message": "Invalid request"})
        if not self.password_accepted or not isinstance(payload, dict):
            return _json(401, {"err": True, "message": "Invalid credentials."})
        code = f"code{self.requests}"  # unique: one per request at most
        self.issued_codes.add(code)
        location = f"{pool.scheme}://{pool.host}/?access_code={code}"
        return _response(302, f"Found. Redirecting to {location}".encode(), {"Location": location})

    def _exchange(self, payload: t.Any) -> HTTPResponse:
        if not isinstance(payload, dict) or payload.get("accessCode") not in self.issued_codes:
            return _json(401, {"err": "Access code not found."})
        self.issued_codes.discard(payload["accessCode"])
        return _json(200, {"token": SESSION_TOKEN, "refreshToken": REFRESH_TOKEN})

    # -- GraphQL ----------------------------------------------------------------------------------------------
    def _graphql(self, payload: t.Any) -> HTTPResponse:
        if not isinstance(payload, dict):
            return _json(400, {"errors": [{"message": "POST body missing.", "extensions": {"code": "BAD_REQUEST"}}]})
        query = str(payload.get("query") or "")
        variables = payload.get("variables") or {}
        name = payload.get("operationName")
        if name == "SpeckleServerInfo":
            return _json(200, {"data": self._server_info(query)})
        if name == "SpeckleActiveUserTokens":
            return _json(200, {"data": {"activeUser": {**USER, "apiTokens": self.tokens}}})
        if name == "SpeckleActiveUserId":
            return _json(200, {"data": {"activeUser": {"id": USER["id"]}}})
        if name == "SpeckleSessionUser":
            return _json(200, {"data": {"activeUser": dict(USER)}})
        if name == "SpeckleApiTokenCreate":
            return self._create(variables.get("token") or {})
        if name == "SpeckleApiTokenRevoke":
            return self._revoke(str(variables.get("token") or ""))
        message = f'Unknown operation named "{name}".'
        return _json(400, {"errors": [{"message": message, "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"}}]})

    def _server_info(self, query: str) -> dict[str, t.Any]:
        data: dict[str, t.Any] = {}
        if "serverInfo {" in query:
            full = "canonicalUrl" in query
            info = {**SERVER_INFO, "canonicalUrl": "https://speckle.example.org"} if full else {}
            data["serverInfo"] = {**info, "version": self.server_version}
        if "apps {" in query:
            data["apps"] = APPS
        if "user: activeUser" in query:
            data["user"] = dict(USER)
        if "tokens: activeUser" in query:
            data["tokens"] = {"apiTokens": self.tokens}
        return data

    def _create(self, token: dict[str, t.Any]) -> HTTPResponse:
        name = str(token.get("name") or "")
        scopes = token.get("scopes") or []
        lifespan = token.get("lifespan")
        if isinstance(lifespan, float) or (isinstance(lifespan, str) and not lifespan.lstrip("-").isdigit()):
            message = f'Variable "$token" got invalid value {lifespan} at "token.lifespan"; Expected type "BigInt".'
            return _json(400, {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]})
        if len(name) > 512:
            return _graphql_error("apiTokenCreate", SQL_NAME_TOO_LONG, "INTERNAL_SERVER_ERROR")
        if lifespan is not None and abs(int(lifespan)) > BIGINT_MAX:
            return _graphql_error("apiTokenCreate", SQL_BIGINT, "INTERNAL_SERVER_ERROR")
        if not scopes:
            return _graphql_error("apiTokenCreate", "No scopes provided", "TOKEN_CREATE_ERROR")
        if any(scope not in KNOWN_SCOPES or scope == "tokens:write" for scope in scopes):
            message = "You can't create a token with scopes that you don't have"
            return _graphql_error("apiTokenCreate", message, "TOKEN_CREATE_ERROR")
        self.tokens.append(
            {
                "id": NEW_TOKEN[:10],
                "name": name,
                "lastChars": NEW_TOKEN[-6:],
                "scopes": list(scopes),
                "createdAt": "2026-11-29T15:00:00.000Z",
                "lifespan": int(lifespan) if lifespan else 3154000000000,
                "lastUsed": "2026-11-29T15:00:00.000Z",
            }
        )
        return _json(200, {"data": {"apiTokenCreate": NEW_TOKEN}})

    def _revoke(self, token: str) -> HTTPResponse:
        kept = [existing for existing in self.tokens if existing.get("id") != token[:10]]
        if len(kept) == len(self.tokens):
            return _graphql_error("apiTokenRevoke", "Did not revoke token", "USER_INPUT_ERROR")
        self.tokens = kept
        return _json(200, {"data": {"apiTokenRevoke": True}})


def _socket_timeout(timeout: t.Any) -> None:
    """What urllib3's create_connection does first: give the new socket its timeout (it rejects NaN, inf...)."""
    seconds = getattr(timeout, "connect_timeout", timeout)
    with socket.socket() as unconnected:
        unconnected.settimeout(seconds)


def _put_request(pool: HTTPConnectionPool, method: str, url: str, headers: t.Mapping[str, str]) -> None:
    """What urllib3's connection does with the request line and headers: http.client checks and encodes them.

    The connection is never opened: ``putrequest`` and ``putheader`` only fill its buffer.
    """
    connection = http.client.HTTPConnection(pool.host or "localhost", pool.port)
    try:
        connection.putrequest(method, url, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
    finally:
        connection.close()


def _load_ca_bundle(pool: HTTPConnectionPool, url: str) -> None:
    """What urllib3 does before a verified TLS handshake: load ``ca_path``; its errors become urllib3's SSLError."""
    if pool.scheme != "https" or getattr(pool, "cert_reqs", None) != "CERT_REQUIRED":
        return
    cafile = getattr(pool, "ca_certs", None)
    capath = getattr(pool, "ca_cert_dir", None)
    if not cafile and not capath:
        return
    error = _bundle_error(cafile, capath)
    if error is not None:
        raise MaxRetryError(pool, url, reason=SSLError(error))


@functools.lru_cache(maxsize=None)
def _bundle_error(cafile: str | None, capath: str | None) -> Exception | None:
    """Why a TLS context cannot load this bundle, or None (cached: loading a full bundle takes a while)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as error:
        return error
    return None


def _misbehave(kind: str, pool: HTTPConnectionPool, url: str) -> HTTPResponse | None:
    """Raise what urllib3 raises (with requests' Retry(0, read=False)) or answer the misbehaviour ``kind``."""
    connection = pool.ConnectionCls(host=pool.host, port=pool.port)  # never connected: names the host in messages
    if kind == "refused":
        message = "Failed to establish a new connection: [Errno 111] Connection refused"
        raise MaxRetryError(pool, url, reason=NewConnectionError(connection, message))
    if kind == "connect_timeout":
        message = f"Connection to {pool.host} timed out. (connect timeout=30)"
        raise MaxRetryError(pool, url, reason=ConnectTimeoutError(connection, message))
    if kind == "read_timeout":
        raise ReadTimeoutError(pool, url, "Read timed out. (read timeout=30)")
    if kind == "dropped":
        raise ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    if kind == "tls":
        reason = SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate")
        raise MaxRetryError(pool, url, reason=reason)
    rate_limited = {"error": {"message": "You have sent too many requests.", "code": "RATE_LIMIT_ERROR"}}
    answers: dict[str, t.Callable[[], HTTPResponse]] = {
        "429": lambda: _json(429, rate_limited, {"Retry-After": "0.517"}),
        "429_long": lambda: _json(429, rate_limited, {"Retry-After": "599.274"}),
        "429_garbage": lambda: _json(429, rate_limited, {"Retry-After": "soon", "X-RateLimit-Reset": "never"}),
        "500_sql_text": lambda: _response(500, SQL_NAME_TOO_LONG.encode(), {"Content-Type": "text/plain"}),
        "502": lambda: _html(502, "<h1>502 Bad Gateway</h1>"),
        "503": lambda: _html(503, "<h1>503 Service Unavailable</h1>"),
        "504": lambda: _html(504, "<h1>504 Gateway Time-out</h1>"),
        "html_200": lambda: _html(200, "<!DOCTYPE html><html><body>Speckle</body></html>"),
        "json_garbage": lambda: _response(200, b'{"data": {"serverInfo": ', {"Content-Type": "application/json"}),
        "json_not_object": lambda: _json(200, ["data", None, 3]),
        "graphql_sql_error": lambda: _graphql_error("apiTokenCreate", SQL_BIGINT, "INTERNAL_SERVER_ERROR"),
        "graphql_forbidden": lambda: _graphql_error(
            "activeUser", "Your auth token does not have the required scope: tokens:read.", "FORBIDDEN"
        ),
        "bad_token_403": lambda: _json(403, {"error": "Your token is not valid."}),
        "redirect": lambda: _response(302, b"", {"Location": "https://speckle.example.org/frontend/"}),
        # A proxy that writes a Latin-1 byte into Location (http.client reads header bytes as Latin-1).
        "redirect_latin1": lambda: _response(302, b"", {"Location": "https://speckle.example.org/caf\u00e9"}),
    }
    return answers[kind]()


def _json_body(body: t.Any) -> t.Any:
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return None


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> HTTPResponse:
    return HTTPResponse(
        body=io.BytesIO(body),
        headers=headers or {},
        status=status,
        preload_content=False,
        decode_content=False,
    )


def _json(status: int, value: t.Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    return _response(status, json.dumps(value).encode(), all_headers)


def _html(status: int, text: str) -> HTTPResponse:
    return _response(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _graphql_error(root: str, message: str, code: str) -> HTTPResponse:
    error = {"message": message, "path": [root], "extensions": {"code": code}}
    return _json(200, {"errors": [error], "data": None})


def install(monkeypatch: t.Any, server: ScriptedServer) -> None:
    """Route every urllib3 request of this test through ``server`` (``monkeypatch`` undoes it)."""

    def urlopen(pool: HTTPConnectionPool, method: str, url: str, body: t.Any = None, *_args: t.Any, **kwargs: t.Any):
        return server.urlopen(pool, method, url, body, kwargs.get("headers"), kwargs.get("timeout"))

    monkeypatch.setattr(HTTPConnectionPool, "urlopen", urlopen)
