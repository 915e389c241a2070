"""A response value shared by the route handlers, so routing and writing to the socket stay separate."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass
class Reply:
    """Status, body and headers of one HTTP response."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    rate_limited: bool = True  # whether the rate-limit header belongs on it (not for body-parse errors)
    express_error: bool = False  # Express's own error pages carry a stricter CSP
    csp: bool = True  # False for answers given before the server's CSP middleware (429, bad token, body errors)


def json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON response (compact, non-ASCII kept, like Express)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Reply(status, body, JSON_TYPE, dict(headers or {}))


def text_reply(status: int, text: str, content_type: str = TEXT_TYPE) -> Reply:
    """A text (or HTML, with ``content_type``) response."""
    return Reply(status, text.encode("utf-8"), content_type)


def html_reply(status: int, text: str) -> Reply:
    """An HTML response."""
    return text_reply(status, text, HTML_TYPE)
