"""HTTP layer: request parsing, the middleware order of the real server, routing and response writing.

Order, as observed: body parsing (a JSON error has no rate-limit header) -> [emulator faults] -> rate limit ->
token check (403 for a bad token, even on public queries) -> Content-Security-Policy header -> routes (Apollo:
CSRF, parse, validate, execute). So a 429, a bad-token 403 and a body error carry no CSP header, as recorded.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from . import auth_routes, control, gql, pages, tls
from .faults import AFTER_MUTATION_KINDS, FAULT_PATHS, STATUS_KINDS, Fault
from .jsfmt import json_syntax_error
from .ratelimit import RATE_LIMIT_BODY, client_source, rejection_headers
from .reply import JSON_TYPE, Reply, html_reply, json_reply, text_reply
from .resolvers import Context
from .tokens import Caller, InvalidTokenError, authenticate, token_from_header

if TYPE_CHECKING:
    from .app import Emulator

SIMPLE_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class RequestState:
    """What is known about the request being handled (also the source of its request-log line)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    json: Any = None
    json_error: str | None = None
    operation_name: str | None = None
    operation_type: str | None = None
    status: int | None = None
    fault: str | None = None
    rate_headers: dict[str, str] = field(default_factory=dict)
    logged: bool = False

    def log_entry(self) -> dict[str, Any]:
        """The request-log line (no token, password or body)."""
        return {
            "method": self.method,
            "path": self.path,
            "operationName": self.operation_name,
            "operationType": self.operation_type,
            "status": self.status,
            "auth": "authorization" in self.headers,
            "fault": self.fault,
        }


def _media_type(headers: dict[str, str]) -> str:
    """Lower-case media type of the Content-Type header ("" when absent)."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def csrf_blocked(headers: dict[str, str]) -> bool:
    """Apollo's CSRF prevention: a preflight header or a non-simple Content-Type is required."""
    if headers.get("x-apollo-operation-name") or headers.get("apollo-require-preflight"):
        return False
    media = _media_type(headers)
    return not media or media in SIMPLE_CONTENT_TYPES


def prefers_html(headers: dict[str, str]) -> bool:
    """Whether a GET /graphql gets Apollo's landing page (HTML accepted ahead of JSON)."""
    accept = headers.get("accept", "").lower()
    if "text/html" not in accept:
        return False
    return "application/json" not in accept or accept.index("text/html") < accept.index("application/json")


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threading HTTP server that knows its emulator."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of concurrent clients (the default 5 makes the kernel drop SYNs)

    def __init__(self, address: tuple[str, int], emulator: Emulator, tls_context: ssl.SSLContext | None = None) -> None:
        super().__init__(address, Handler)
        self.emulator = emulator
        self.tls_context = tls_context

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection; with TLS, wrap it without handshaking (that happens in the request's thread)."""
        connection, address = super().get_request()
        if self.tls_context is None:
            return connection, address
        return self.tls_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection; a TLS client that refuses the certificate (or hangs up) gets nothing more."""
        if isinstance(request, ssl.SSLSocket) and not tls.handshake(request):
            return
        super().finish_request(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """One HTTP request (connections are closed after each response, like the recorded server)."""

    protocol_version = "HTTP/1.1"
    server: EmulatorHTTPServer

    def version_string(self) -> str:
        """Value of the Server header."""
        return "SpeckleEmulator/1.0"

    def log_message(self, *_args: Any) -> None:
        """Silence the default per-request stderr line (see --request-log instead)."""

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        """GET."""
        self._handle()

    def do_HEAD(self) -> None:  # pylint: disable=invalid-name
        """HEAD."""
        self._handle()

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        """POST."""
        self._handle()

    def do_PUT(self) -> None:  # pylint: disable=invalid-name
        """PUT."""
        self._handle()

    def do_PATCH(self) -> None:  # pylint: disable=invalid-name
        """PATCH."""
        self._handle()

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        """DELETE."""
        self._handle()

    def do_OPTIONS(self) -> None:  # pylint: disable=invalid-name
        """OPTIONS (CORS preflight)."""
        self._handle()

    # -- plumbing ---------------------------------------------------------------------------------------------
    @property
    def emulator(self) -> Emulator:
        """The emulator this server belongs to."""
        return self.server.emulator

    def _handle(self) -> None:
        """Read, route and answer one request; never let an exception kill the connection silently."""
        self.close_connection = True
        url = urlsplit(self.path)
        state = RequestState(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={key.lower(): value for key, value in self.headers.items()},
        )
        try:
            self._read_body(state)
            reply = self._route(state)
            if reply is not None:
                self._write(state, reply)
        except Exception:  # pylint: disable=broad-exception-caught  # top of the handler: answer 500
            sys.stderr.write(traceback.format_exc())
            if state.status is None:
                body = {"error": {"message": "Internal emulator error", "code": "INTERNAL_SERVER_ERROR"}}
                self._write(state, json_reply(500, body))
        finally:
            self._log(state)

    def _log(self, state: RequestState) -> None:
        """Write the request's log line once; before the answer goes out, so a client that has its answer
        always finds the line (tests count requests right after a task)."""
        if state.logged or self.emulator.request_log is None:
            return
        state.logged = True
        self.emulator.request_log.write(state.log_entry())

    def _read_body(self, state: RequestState) -> None:
        """Read the body; parse it as JSON when declared so (strict: an object or array)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            state.body = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            state.body = self.rfile.read(length) if length > 0 else b""
        media = _media_type(state.headers)
        if not state.body or not (media == "application/json" or media.endswith("+json")):
            return
        text = state.body.decode("utf-8", errors="replace")
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, (dict, list)):
            state.json_error = json_syntax_error(text)
            return
        state.json = value

    def _write(self, state: RequestState, reply: Reply) -> None:
        """Send a reply with the server's common headers."""
        headers = {"x-request-id": str(uuid.uuid4()), "Access-Control-Allow-Origin": "*"}
        if reply.rate_limited:
            headers.update(state.rate_headers)
        if reply.express_error:
            headers.update({"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff"})
        elif reply.csp:
            headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        headers.update(reply.headers)
        if reply.content_type:
            headers["Content-Type"] = reply.content_type
        headers["Content-Length"] = str(len(reply.body))
        headers["Connection"] = "close"
        state.status = reply.status
        self._log(state)
        try:
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout during a delay fault)

    def _drop(self, state: RequestState) -> None:
        """Close the connection without answering."""
        state.status = None
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- routing ----------------------------------------------------------------------------------------------
    def _route(self, state: RequestState) -> Reply | None:
        """Apply the middleware chain; None means the connection was dropped on purpose."""
        if state.path.startswith("/__emulator__/"):
            return control.handle(self.emulator, state.method, state.path, state.json, state.json_error)
        if state.path == "/frontend" or state.path.startswith("/frontend/"):
            reply = html_reply(200, pages.FRONTEND_PAGE)
            reply.rate_limited = False
            return reply
        if state.path == "/readiness" and state.method in ("GET", "HEAD"):
            body = {
                "status": "ok",
                "details": {"postgres": {"main": {"percentageFreeConnections": "97"}}, "redis": True},
            }
            reply = json_reply(200, body)
            reply.content_type, reply.rate_limited, reply.csp = "application/json", False, False
            return reply
        if state.json_error is not None:
            body = {"error": {"message": f"Invalid request body: {state.json_error}", "code": "USER_INPUT_ERROR"}}
            reply = json_reply(400, body)
            reply.rate_limited, reply.csp = False, False
            return reply
        fault = None
        if state.method == "POST" and state.path in FAULT_PATHS:
            if state.path == "/graphql" and isinstance(state.json, dict):
                state.operation_name, state.operation_type = gql.describe(
                    state.json.get("query"), state.json.get("operationName")
                )
            fault = self.emulator.faults.take(state.path, state.operation_name, state.operation_type)
            if fault is not None:
                state.fault = fault.kind
                early = self._early_fault(state, fault)
                if early is not None or fault.kind == "drop":
                    return early
        header = state.headers.get("authorization")
        state.rate_headers, allowed = self._rate_limit(state, header)
        if not allowed:
            reply = json_reply(429, RATE_LIMIT_BODY)
            reply.csp = False
            return reply
        try:
            caller = authenticate(self.emulator.store, header)
        except InvalidTokenError:
            reply = json_reply(403, {"error": "Your token is not valid."})
            reply.csp = False
            return reply
        reply = self._route_app(state, caller)
        if fault is not None and fault.kind in AFTER_MUTATION_KINDS:
            if fault.kind == "after_mutation:drop":
                self._drop(state)
                return None
            gateway = html_reply(502, pages.gateway_error(502))
            gateway.rate_limited = False
            return gateway
        return reply

    def _rate_limit(self, state: RequestState, header: str | None) -> tuple[dict[str, str], bool]:
        """Take a point from the request's action, keyed by its token or else its client source."""
        limiter = self.emulator.limiter
        action = limiter.action_for(state.method, state.path)
        token = token_from_header(header)
        peer = self.client_address[0] if self.client_address else None
        key = f"token:{token}" if token else client_source(state.headers, peer)
        decision = limiter.consume(action, key)
        return decision.headers(), decision.allowed

    def _early_fault(self, state: RequestState, fault: Fault) -> Reply | None:
        """Faults that answer instead of the server (None: go on, or dropped for ``drop``)."""
        if fault.kind == "delay":
            time.sleep(fault.delay)
            return None
        if fault.kind == "drop":
            self._drop(state)
            return None
        if fault.kind == "html":
            reply = html_reply(200, pages.FRONTEND_PAGE)
        elif fault.kind == "status:429":
            try:
                seconds = float(fault.retry_after)
            except ValueError:
                seconds = 1.0
            reply = json_reply(429, RATE_LIMIT_BODY, rejection_headers(fault.retry_after, seconds))
            reply.csp = False
        elif fault.kind in STATUS_KINDS:
            reply = html_reply(STATUS_KINDS[fault.kind], pages.gateway_error(STATUS_KINDS[fault.kind]))
        else:
            return None  # after_mutation faults act after the request ran
        reply.rate_limited = False
        return reply

    def _route_app(self, state: RequestState, caller: Caller | None) -> Reply:
        """The server's routes, after rate limiting and token checking."""
        path, method = state.path, state.method
        if path == "/graphql":
            return self._graphql(state, caller)
        if method == "OPTIONS":
            reply = Reply(204)
            reply.headers.update(
                {
                    "Access-Control-Allow-Methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
                    "Access-Control-Allow-Headers": state.headers.get("access-control-request-headers", "*"),
                }
            )
            return reply
        store = self.emulator.store
        if method in ("GET", "HEAD"):
            if path == "/api/ping":
                return text_reply(200, "pong")
            if path == "/liveness":
                details = {"postgres": {"main": {"isAlive": True, "percentageFreeConnections": "99"}}, "redis": True}
                return json_reply(200, {"status": "ok", "details": details})
            if path == "/metrics":
                return text_reply(200, pages.METRICS, METRICS_TYPE)
            if path.startswith("/objects/"):
                return Reply(401 if caller is None else 404)
        if method == "POST":
            if path == "/auth/local/login":
                challenge = (state.query.get("challenge") or [None])[0]
                return auth_routes.local_login(store, self.emulator.canonical_url, challenge, state.json)
            if path == "/auth/token":
                return auth_routes.exchange_token(store, state.json)
            if path == "/auth/logout":
                return auth_routes.logout(store, state.json)
        reply = html_reply(404, pages.express_not_found(method, path))
        reply.express_error = True
        return reply

    def _graphql(self, state: RequestState, caller: Caller | None) -> Reply:
        """/graphql: Apollo's landing page, CSRF check, single or batched operations."""
        method = state.method
        if method in ("GET", "HEAD") and prefers_html(state.headers):
            return html_reply(200, pages.LANDING_PAGE)
        if method not in ("GET", "HEAD", "POST"):
            reply = text_reply(405, "Apollo Server supports only GET/POST requests.")
            reply.headers["Allow"] = "GET, POST"
            return reply
        if csrf_blocked(state.headers):
            return json_reply(400, {"errors": [{"message": pages.CSRF_MESSAGE, "extensions": {"code": "BAD_REQUEST"}}]})
        emulator = self.emulator
        context = Context(emulator.store, caller, emulator.config.server_version, emulator.canonical_url)
        headers = {"cache-control": "no-store"}
        if method == "POST":
            payload = state.json if state.json is not None else {}
            if isinstance(payload, list):
                if not payload:
                    return json_reply(400, {"errors": [{"message": "No operations found in request."}]}, headers)
                outcomes = [gql.run(emulator.schema, item, context) for item in payload]
                return json_reply(200, [outcome.body for outcome in outcomes], headers)
        else:
            payload = self._query_string_payload(state)
            if isinstance(payload, Reply):
                return payload
            state.operation_name, state.operation_type = gql.describe(
                payload.get("query"), payload.get("operationName")
            )
        outcome = gql.run(emulator.schema, payload, context, method="GET" if method != "POST" else "POST")
        if outcome.operation_type:
            state.operation_type = outcome.operation_type
        reply = json_reply(outcome.status, outcome.body, headers)
        reply.content_type = JSON_TYPE
        return reply

    @staticmethod
    def _query_string_payload(state: RequestState) -> dict[str, Any] | Reply:
        """A GET request's operation from its query string."""
        payload: dict[str, Any] = {key: values[0] for key, values in state.query.items() if values}
        if "variables" in payload:
            try:
                payload["variables"] = json.loads(payload["variables"])
            except ValueError:
                message = "`variables` in a GET request must be a JSON-encoded object."
                return json_reply(400, {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]})
        return payload
