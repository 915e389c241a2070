"""Helpers shared by the emulator tests: a raw HTTP client, emulator fixtures and paths to the recordings."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_API = REPO_ROOT.parent / "shared" / "speckle-api"
RECORDED = SHARED_API / "recorded"
INTROSPECTION = SHARED_API / "introspection.json"
SHARED_MISSING = f"{SHARED_API} is absent (it only exists in the lead's workspace, not in a clone)"


@dataclass
class Response:
    """What came back from one request."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.text)

    def header(self, name: str) -> str | None:
        """A header, case-insensitively."""
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


def request(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    tls: ssl.SSLContext | None = None,
) -> Response:
    """Send one request without following redirects (http.client, so tests need nothing beyond the stdlib).

    An ``https`` base URL is verified with ``tls`` (default: the system's trust store).
    """
    url = urlsplit(base_url)
    connection: http.client.HTTPConnection
    if url.scheme == "https":
        connection = http.client.HTTPSConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout, context=tls)
    else:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", errors="replace")
        return Response(answer.status, dict(answer.getheaders()), text)
    finally:
        connection.close()


def post_json(base_url: str, path: str, payload: Any, token: str | None = None, **kwargs: Any) -> Response:
    """POST a JSON body (with ``Authorization: Bearer`` when a token is given)."""
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return request(base_url, "POST", path, json.dumps(payload).encode("utf-8"), headers, **kwargs)


def graphql(base_url: str, query: str, variables: Any = None, token: str | None = None, **kwargs: Any) -> Response:
    """POST /graphql."""
    payload: dict[str, Any] = {"query": query, "variables": variables}
    if "operation_name" in kwargs:
        payload["operationName"] = kwargs.pop("operation_name")
    return post_json(base_url, "/graphql", payload, token, **kwargs)


CREATE_TOKEN = "mutation ApiTokenCreate($token: ApiTokenCreateInput!) {\n  apiTokenCreate(token: $token)\n}"
REVOKE_TOKEN = "mutation ApiTokenRevoke($token: String!) {\n  apiTokenRevoke(token: $token)\n}"
ACTIVE_USER = "query ActiveUserBasic { activeUser { id name email role } }"


class FakeClock:
    """Epoch seconds that move only when a test moves them (the rate limiter's clock), so no test sleeps."""

    def __init__(self, start: float = 1_796_160_891.71) -> None:
        self.now = start

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def login(base_url: str, email: str, password: str, challenge: str = "CH1", **kwargs: Any) -> Response:
    """POST /auth/local/login?challenge=... with {email, password}."""
    return post_json(
        base_url, f"/auth/local/login?challenge={challenge}", {"email": email, "password": password}, **kwargs
    )
