"""Rate limiting as the server does it (rate-limiter-flexible's BurstyRateLimiter over fixed windows).

A request first takes a point from the regular window (e.g. 50 per second); when that is empty it takes one
from the burst window (e.g. 200 per minute). X-RateLimit-Remaining reports the regular window only, so it
reads 0 while the burst is being used. A rejected request waits for the sooner of the two windows to reset.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from .jsfmt import number_to_string

GRAPHQL_ACTION = "POST /graphql"
ALL_REQUESTS_ACTION = "all requests"
ALL_REQUESTS_LIMITS = (500, 2000)
RATE_LIMIT_BODY = {
    "error": {
        "message": "You have sent too many requests. You are being rate limited. Please try again later.",
        "code": "RATE_LIMIT_ERROR",
    }
}


@dataclass(frozen=True)
class Decision:
    """Outcome of consuming one point."""

    allowed: bool
    remaining: int
    ms_before_next: int

    def headers(self) -> dict[str, str]:
        """Response headers for this decision."""
        if self.allowed:
            return {"X-RateLimit-Remaining": str(self.remaining)}
        return rejection_headers(number_to_string(self.ms_before_next / 1000), self.ms_before_next / 1000)


def rejection_headers(retry_after: str, reset_in_seconds: float) -> dict[str, str]:
    """Headers of a 429: Retry-After (fractional seconds) and X-RateLimit-Reset (ISO time)."""
    reset = datetime.fromtimestamp(time.time() + reset_in_seconds, tz=UTC)
    return {
        "Retry-After": retry_after,
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z",
        "X-Speckle-Meditation": "https://http.cat/429",
    }


class _Window:
    """Fixed-window counter per key."""

    def __init__(self, points: int, duration_ms: int) -> None:
        self.points = points
        self.duration_ms = duration_ms
        self._state: dict[str, tuple[float, int]] = {}

    def consume(self, key: str, now_ms: float) -> tuple[bool, int, int]:
        """Take a point: (allowed, remaining points, ms until the window resets)."""
        expires, consumed = self._state.get(key, (0.0, 0))
        if expires <= now_ms:
            expires, consumed = now_ms + self.duration_ms, 0
        consumed += 1
        self._state[key] = (expires, consumed)
        if len(self._state) > 10000:
            self._state = {k: v for k, v in self._state.items() if v[0] > now_ms}
        return consumed <= self.points, max(self.points - consumed, 0), round(expires - now_ms)


class RateLimiter:
    """Per-action, per-key bursty limiter; ``enabled=False`` still counts but never rejects."""

    def __init__(self, per_second: int = 50, burst_per_minute: int = 200, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._limits = {GRAPHQL_ACTION: (per_second, burst_per_minute), ALL_REQUESTS_ACTION: ALL_REQUESTS_LIMITS}
        self._windows: dict[str, tuple[_Window, _Window]] = {}

    def consume(self, action: str, key: str) -> Decision:
        """Consume one point for ``key`` (a token or an IP address) under ``action``."""
        now_ms = time.time() * 1000
        with self._lock:
            if action not in self._windows:
                regular, burst = self._limits.get(action, ALL_REQUESTS_LIMITS)
                self._windows[action] = (_Window(regular, 1000), _Window(burst, 60000))
            regular_window, burst_window = self._windows[action]
            allowed, remaining, regular_ms = regular_window.consume(key, now_ms)
            if allowed:
                return Decision(True, remaining, regular_ms)
            burst_allowed, _remaining, burst_ms = burst_window.consume(key, now_ms)
            if burst_allowed or not self.enabled:
                return Decision(True, 0, regular_ms)
            return Decision(False, 0, min(regular_ms, burst_ms))
