"""Rate limiting as the server does it: one action per request, each a regular bucket with a burst bucket behind it.

A request maps to one action: ``"<METHOD> <path>"`` when the table has it, else ``"<path>"``, else
``ALL_REQUESTS`` (so a login counts against the login action only, never against ALL_REQUESTS). A point is
taken from the regular bucket; when that is empty, from the burst bucket. X-RateLimit-Remaining reports the
regular bucket only, so it reads 0 while the burst is in use (as recorded: 3, 2, 1, 0, 0, ... for logins; newer
versions of the server's rate-limiter library add the burst's remaining points, the recorded server did not).

Each bucket is a fixed window per key (it starts with the key's first point). The first point a bucket refuses
also blocks that key in the bucket for one whole duration (the server's in-memory block): refused requests
neither count nor shorten the wait, and Retry-After is the sooner of the two buckets' waits. The recorded
Retry-After values (599.274 s after 14 logins, 0.517 s in the low-limit probe) are measured from that first
refusal, not from the window's start.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .jsfmt import number_to_string

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
WEEK_MS = 7 * 24 * HOUR_MS

ALL_REQUESTS_ACTION = "ALL_REQUESTS"
GRAPHQL_ACTION = "POST /graphql"
LOGIN_ACTION = "/auth/local/login"
# Consumed by the registration route itself (not by path), keyed by client source, after the password check.
USER_CREATE_ACTION = "USER_CREATE"

RATE_LIMIT_BODY = {
    "error": {
        "message": "You have sent too many requests. You are being rate limited. Please try again later.",
        "code": "RATE_LIMIT_ERROR",
    }
}
# Clients behind these prefixes have no usable address: the server counts them all as "unknown".
_PRIVATE_PREFIXES = ("192.168.", "10.", "127.", "172.1", "172.2", "172.3", "::")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_SOURCE_HEADERS = ("cf-connecting-ip", "true-client-ip", "x-real-ip", "x-forwarded-for", "x-original-forwarded-for")


@dataclass(frozen=True)
class ActionLimit:
    """One action's buckets: ``setting`` names the RATELIMIT_<setting> and RATELIMIT_BURST_<setting> variables."""

    action: str
    setting: str
    regular: int
    regular_ms: int
    burst: int
    burst_ms: int

    @property
    def regular_name(self) -> str:
        """Environment variable for the regular count."""
        return f"RATELIMIT_{self.setting}"

    @property
    def burst_name(self) -> str:
        """Environment variable for the burst count."""
        return f"RATELIMIT_BURST_{self.setting}"


# The server's defaults for the actions the emulator can see (FACTS.md "Login rate limit"). One variable may set
# several actions: RATELIMIT_GET_AUTH is the login's and the password reset's.
LIMITS = (
    ActionLimit(ALL_REQUESTS_ACTION, "ALL_REQUESTS", 500, SECOND_MS, 2000, MINUTE_MS),
    ActionLimit(GRAPHQL_ACTION, "POST_GRAPHQL", 50, SECOND_MS, 200, MINUTE_MS),
    ActionLimit(LOGIN_ACTION, "GET_AUTH", 4, 10 * MINUTE_MS, 10, 30 * MINUTE_MS),
    ActionLimit("POST /auth/pwdreset/request", "GET_AUTH", 4, 10 * MINUTE_MS, 10, 30 * MINUTE_MS),
    ActionLimit(USER_CREATE_ACTION, "USER_CREATE", 6, HOUR_MS, 1000, WEEK_MS),
)
DEFAULT_SETTINGS: dict[str, int] = {}
for _limit in LIMITS:
    DEFAULT_SETTINGS[_limit.regular_name] = _limit.regular
    DEFAULT_SETTINGS[_limit.burst_name] = _limit.burst
SETTING_NAMES = tuple(DEFAULT_SETTINGS)


def check_settings(values: Mapping[str, Any], origin: str = "") -> dict[str, int]:
    """Validate RATELIMIT_* names and counts (whole numbers, 0 or more); ``origin`` says where they came from."""
    prefix = f"{origin}: " if origin else ""
    checked: dict[str, int] = {}
    for name, value in values.items():
        if name not in DEFAULT_SETTINGS:
            raise ValueError(f"{prefix}unknown rate limit {name!r}; the known names are {', '.join(SETTING_NAMES)}")
        count = value
        if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
            count = int(value.strip())
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{prefix}{name} must be a whole number, 0 or more; got {value!r}")
        checked[name] = count
    return checked


def settings_from_environment(environ: Mapping[str, str]) -> dict[str, int]:
    """The RATELIMIT_* variables the emulator knows, from an environment (others are ignored, as the server does)."""
    return check_settings({name: environ[name] for name in SETTING_NAMES if name in environ}, "environment")


def client_source(headers: Mapping[str, str], peer: str | None) -> str:
    """The client address the server keys anonymous requests by; "unknown" for private and loopback clients."""
    address = next((headers[name] for name in _SOURCE_HEADERS if headers.get(name)), None) or peer or ""
    if not address or address.startswith(_PRIVATE_PREFIXES):
        return "unknown"
    return address


@dataclass(frozen=True)
class Decision:
    """Outcome of consuming one point at ``now`` (epoch seconds)."""

    allowed: bool
    remaining: int
    ms_before_next: int
    now: float

    def headers(self) -> dict[str, str]:
        """Response headers: X-RateLimit-Remaining when allowed, the 429 headers (and no Remaining) otherwise."""
        if self.allowed:
            return {"X-RateLimit-Remaining": str(self.remaining)}
        seconds = self.ms_before_next / 1000
        return rejection_headers(number_to_string(seconds), seconds, self.now)


def rejection_headers(retry_after: str, reset_in_seconds: float, now: float | None = None) -> dict[str, str]:
    """Headers of a 429: Retry-After (fractional seconds) and X-RateLimit-Reset (ISO time)."""
    reset = datetime.fromtimestamp((time.time() if now is None else now) + reset_in_seconds, tz=UTC)
    return {
        "Retry-After": retry_after,
        "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z",
        "X-Speckle-Meditation": "https://http.cat/429",
    }


class _Bucket:
    """Fixed windows per key, plus the block a key gets on its first refused point."""

    def __init__(self, points: int, duration_ms: int) -> None:
        self.points = points
        self.duration_ms = duration_ms
        self._windows: dict[str, tuple[float, int]] = {}
        self._blocked: dict[str, float] = {}

    def consume(self, key: str, now_ms: float) -> tuple[bool, int, int]:
        """Take a point: (allowed, remaining points, ms until the key may try again)."""
        blocked_until = self._blocked.get(key, 0.0)
        if blocked_until > now_ms:
            return False, 0, round(blocked_until - now_ms)
        ends, consumed = self._windows.get(key, (0.0, 0))
        if ends <= now_ms:
            ends, consumed = now_ms + self.duration_ms, 0
        consumed += 1
        self._windows[key] = (ends, consumed)
        self._prune(now_ms)
        if consumed <= self.points:
            return True, self.points - consumed, round(ends - now_ms)
        if self.points == 0:  # the server sets no block for a zero limit; the window's end is the wait
            return False, 0, round(ends - now_ms)
        self._blocked[key] = now_ms + self.duration_ms
        return False, 0, self.duration_ms

    def consumed(self, key: str, now_ms: float) -> int:
        """Points taken in the key's running window (what the server's Redis key holds)."""
        ends, consumed = self._windows.get(key, (0.0, 0))
        return consumed if ends > now_ms else 0

    def unblock(self) -> None:
        """Forget the blocks (they were set under the old limits); counts stay."""
        self._blocked.clear()

    def _prune(self, now_ms: float) -> None:
        """Drop finished windows and blocks once there are many keys."""
        if len(self._windows) > 10000:
            self._windows = {key: value for key, value in self._windows.items() if value[0] > now_ms}
            self._blocked = {key: until for key, until in self._blocked.items() if until > now_ms}


class RateLimiter:
    """The server's per-action, per-key bursty limiter; ``enabled=False`` still counts but never rejects.

    ``settings`` maps RATELIMIT_* names to counts over the server's defaults. ``clock`` returns epoch seconds
    (tests pass a fake one and move it instead of sleeping).
    """

    def __init__(
        self,
        settings: Mapping[str, int] | None = None,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.enabled = enabled
        self.clock = clock
        self._lock = threading.Lock()
        self._settings = dict(DEFAULT_SETTINGS)
        self._settings.update(check_settings(settings or {}))
        self._buckets = {limit.action: self._new_buckets(limit) for limit in LIMITS}

    def _new_buckets(self, limit: ActionLimit) -> tuple[_Bucket, _Bucket]:
        """Fresh regular and burst buckets for an action under the current settings."""
        return (
            _Bucket(self._settings[limit.regular_name], limit.regular_ms),
            _Bucket(self._settings[limit.burst_name], limit.burst_ms),
        )

    @staticmethod
    def action_for(method: str, path: str) -> str:
        """The action a request counts against: method and path, else path alone, else ALL_REQUESTS."""
        actions = {limit.action for limit in LIMITS}
        for candidate in (f"{method} {path}", path):
            if candidate in actions and candidate != USER_CREATE_ACTION:
                return candidate
        return ALL_REQUESTS_ACTION

    def consume(self, action: str, key: str) -> Decision:
        """Consume one point for ``key`` (a token or a client source) under ``action``."""
        now = self.clock()
        now_ms = now * 1000
        with self._lock:
            regular, burst = self._buckets[action]
            allowed, remaining, regular_ms = regular.consume(key, now_ms)
            if allowed:
                return Decision(True, remaining, regular_ms, now)
            burst_allowed, _burst_remaining, burst_ms = burst.consume(key, now_ms)
            if burst_allowed:
                return Decision(True, 0, regular_ms, now)
            return Decision(not self.enabled, 0, min(regular_ms, burst_ms), now)

    def consumed(self, action: str, key: str) -> tuple[int, int]:
        """Points taken by ``key`` in the running regular and burst windows of ``action`` (for tests)."""
        now_ms = self.clock() * 1000
        with self._lock:
            regular, burst = self._buckets[action]
            return regular.consumed(key, now_ms), burst.consumed(key, now_ms)

    def settings(self) -> dict[str, int]:
        """The RATELIMIT_* counts in force."""
        with self._lock:
            return dict(self._settings)

    def configure(self, settings: Mapping[str, Any], enabled: bool | None = None) -> None:
        """Change counts (validated first, all or nothing) and optionally ``enabled``; counts so far are kept.

        Like a server restarted with new RATELIMIT_* values and the same Redis: the blocks set under the old
        limits are gone, the points already taken in the running windows still count.
        """
        checked = check_settings(settings)
        with self._lock:
            self._settings.update(checked)
            for limit in LIMITS:
                regular, burst = self._buckets[limit.action]
                regular.points = self._settings[limit.regular_name]
                burst.points = self._settings[limit.burst_name]
                regular.unblock()
                burst.unblock()
            if enabled is not None:
                self.enabled = enabled

    def reset(self) -> None:
        """Forget every count and block (like deleting the server's Redis keys and restarting it)."""
        with self._lock:
            self._buckets = {limit.action: self._new_buckets(limit) for limit in LIMITS}

    def describe(self) -> dict[str, Any]:
        """Limits in force, for the control endpoint."""
        with self._lock:
            actions = {
                limit.action: {
                    "regular": {
                        "name": limit.regular_name,
                        "points": self._settings[limit.regular_name],
                        "seconds": limit.regular_ms // SECOND_MS,
                    },
                    "burst": {
                        "name": limit.burst_name,
                        "points": self._settings[limit.burst_name],
                        "seconds": limit.burst_ms // SECOND_MS,
                    },
                }
                for limit in LIMITS
            }
            return {"enabled": self.enabled, "limits": dict(self._settings), "actions": actions}
