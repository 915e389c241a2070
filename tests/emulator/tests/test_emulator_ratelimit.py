"""Rate limiting: 429 shape, per-token buckets, headers everywhere, and --no-rate-limit."""

from __future__ import annotations

import re
import time

from emulator_testlib import graphql, request
from speckle_emulator import Emulator

QUERY = "{ serverInfo { version } }"
TOO_MANY = "You have sent too many requests. You are being rate limited. Please try again later."


def test_429_shape_and_recovery() -> None:
    """Past regular + burst points: 429 JSON body, fractional Retry-After, ISO X-RateLimit-Reset; then recovers."""
    with Emulator(rate_limit_per_second=2, rate_limit_burst=1) as emulator:
        url = emulator.start()
        answers = [graphql(url, QUERY) for _request in range(4)]
        assert [a.status for a in answers] == [200, 200, 200, 429]
        assert [a.header("X-RateLimit-Remaining") for a in answers[:3]] == ["1", "0", "0"]
        limited = answers[3]
        assert limited.json() == {"error": {"message": TOO_MANY, "code": "RATE_LIMIT_ERROR"}}
        retry_after = limited.header("Retry-After") or ""
        assert re.fullmatch(r"\d+(\.\d+)?", retry_after) and 0 < float(retry_after) <= 1
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", limited.header("X-RateLimit-Reset") or "")
        time.sleep(float(retry_after) + 0.05)
        assert graphql(url, QUERY).status == 200


def test_buckets_are_per_token_or_ip() -> None:
    """A token has its own bucket, separate from anonymous (per-IP) requests."""
    with Emulator(rate_limit_per_second=1, rate_limit_burst=0) as emulator:
        url = emulator.start()
        token = emulator.create_personal_token(["profile:read"])
        assert graphql(url, QUERY).status == 200
        assert graphql(url, QUERY).status == 429
        assert graphql(url, QUERY, token=token).status == 200
        assert graphql(url, QUERY, token=token).status == 429


def test_no_rate_limit_never_rejects() -> None:
    """--no-rate-limit: still reports X-RateLimit-Remaining, never answers 429."""
    with Emulator(rate_limit=False, rate_limit_per_second=1, rate_limit_burst=0) as emulator:
        url = emulator.start()
        answers = [graphql(url, QUERY) for _request in range(5)]
        assert {a.status for a in answers} == {200}
        assert all(a.header("X-RateLimit-Remaining") is not None for a in answers)


def test_remaining_header_on_other_routes(running: object) -> None:
    """Non-GraphQL routes count in their own (larger) bucket and carry the header too."""
    url = running.url  # type: ignore[attr-defined]
    for path in ("/api/ping", "/liveness", "/", "/graphql"):
        assert request(url, "GET", path).header("X-RateLimit-Remaining") is not None
