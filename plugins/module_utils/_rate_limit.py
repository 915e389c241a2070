# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a 429 asks for, and when waiting for it is pointless.

The server's limiter answers 429 with ``Retry-After`` in fractional seconds and ``X-RateLimit-Reset`` as an
ISO time. A wait of a second is worth sleeping through; the login limiter's wait is minutes (4 logins per
10 minutes, then 10 more per 30 minutes), and sleeping through it only makes the task fail later. So a wait
longer than the module's clamp fails at once, saying how long and until when, and never suggests retries.
"""

from __future__ import annotations

import datetime
import math
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._errors import RateLimited

MAX_RETRY_AFTER = 30.0  # the longest server-requested wait a module sleeps through
LOGIN_PATH = "/auth/local/login"
LOGIN_LIMIT_TEXT = (
    "A Speckle server allows 4 logins per 10 minutes, then 10 more per 30 minutes, by default, from one client address"
)


def parse_retry_after(value: str | None) -> float:
    """Retry-After in (fractional) seconds; an HTTP date or garbage counts as no hint."""
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        return 0.0
    if math.isnan(seconds) or seconds < 0:
        return 0.0
    return seconds


def wait_ends_at(retry_after: float, reset_header: str | None, now: datetime.datetime) -> datetime.datetime:
    """The server's ``X-RateLimit-Reset`` when it reads as a time, else now plus Retry-After."""
    if reset_header:
        try:
            reset = datetime.datetime.fromisoformat(reset_header.strip().replace("Z", "+00:00"))
        except ValueError:
            reset = None
        if reset is not None and reset.tzinfo is not None:
            return reset.astimezone(datetime.timezone.utc)
    return now + datetime.timedelta(seconds=retry_after)


def too_long_to_wait(
    path: str,
    retry_after: float,
    reset_header: str | None,
    *,
    session_module: bool = False,
    now: t.Callable[[], datetime.datetime] | None = None,
) -> RateLimited | None:
    """The error for a 429 whose wait is beyond ``MAX_RETRY_AFTER``, or None when it is worth sleeping through.

    ``session_module`` says the login comes from ``speckle_session`` itself, so pointing there would not help.
    """
    if retry_after <= MAX_RETRY_AFTER:
        return None
    moment = (now or _utc_now)()
    ends = wait_ends_at(retry_after, reset_header, moment).strftime("%Y-%m-%dT%H:%M:%SZ")
    seconds = math.ceil(retry_after)
    if path == LOGIN_PATH:
        if session_module:
            advice = (
                f"Run the play again after {ends}. Until then, a session that is still logged in keeps working: pass "
                "its token instead of logging in again."
            )
        else:
            advice = (
                "Each task that logs in with email and password spends one. Log in once per play with "
                "speckle.server.speckle_session and pass its token to the other tasks."
            )
        msg = (
            f"The server refused the login (HTTP 429 at {LOGIN_PATH}) and asks to wait {seconds} s, until {ends}. "
            f"{LOGIN_LIMIT_TEXT}. {advice}"
        )
    else:
        msg = (
            f"The server rate-limited this client (HTTP 429 at {path}) and asks to wait {seconds} s, until {ends}, "
            f"longer than a module waits ({MAX_RETRY_AFTER:.0f} s at most). Run the task again after {ends}."
        )
    return RateLimited(msg, status=429, retry_after=retry_after, retry_at=ends)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)
