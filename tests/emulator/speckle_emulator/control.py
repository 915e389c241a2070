"""Emulator-only control endpoints under /__emulator__/ (faults, rate limits, token metadata, instance info)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .faults import parse_fault
from .reply import Reply, json_reply

if TYPE_CHECKING:
    from .app import Emulator


def handle(emulator: Emulator, method: str, path: str, body: Any, body_error: str | None) -> Reply:
    """Route a control request (never rate limited, never needs a token)."""
    reply = _route(emulator, method, path, body, body_error)
    reply.rate_limited = False
    return reply


def _route(emulator: Emulator, method: str, path: str, body: Any, body_error: str | None) -> Reply:
    """The control routes."""
    if path == "/__emulator__/faults":
        if method == "POST":
            if body_error is not None or body is None:
                return json_reply(400, {"error": "send a JSON object (Content-Type: application/json)"})
            try:
                fault = parse_fault(body)
            except ValueError as error:
                return json_reply(400, {"error": str(error)})
            emulator.faults.add(fault)
            return json_reply(200, {"armed": fault.as_dict(), "faults": emulator.faults.snapshot()})
        if method == "DELETE":
            emulator.faults.clear()
            return json_reply(200, {"faults": []})
        if method == "GET":
            return json_reply(200, {"faults": emulator.faults.snapshot()})
        return json_reply(405, {"error": "use GET, POST or DELETE"})
    if path == "/__emulator__/ratelimit":
        return _ratelimit(emulator, method, body, body_error)
    if path == "/__emulator__/tokens" and method == "GET":
        return json_reply(200, {"tokens": [token.as_dict() for token in emulator.store.list_tokens()]})
    if path == "/__emulator__/info" and method == "GET":
        return json_reply(200, emulator.info())
    return json_reply(404, {"error": f"no control endpoint {method} {path}"})


def _ratelimit(emulator: Emulator, method: str, body: Any, body_error: str | None) -> Reply:
    """GET the limits in force, DELETE every count (like deleting the server's Redis keys), POST new limits."""
    limiter = emulator.limiter
    if method == "DELETE":
        limiter.reset()
    elif method == "POST":
        if body_error is not None or not isinstance(body, dict):
            return json_reply(
                400, {"error": "send a JSON object of RATELIMIT_* names to counts, and optionally enabled"}
            )
        settings = dict(body)
        enabled = settings.pop("enabled", None)
        if enabled is not None and not isinstance(enabled, bool):
            return json_reply(400, {"error": f"enabled must be true or false, got {json.dumps(enabled)}"})
        try:
            limiter.configure(settings, enabled)
        except ValueError as error:
            return json_reply(400, {"error": str(error)})
    elif method != "GET":
        return json_reply(405, {"error": "use GET, POST or DELETE"})
    return json_reply(200, limiter.describe())
