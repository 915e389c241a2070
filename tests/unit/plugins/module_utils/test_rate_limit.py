# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A 429 is slept through only when its wait is short; a long one fails at once and says until when."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.speckle.server.plugins.module_utils._rate_limit import (
    MAX_RETRY_AFTER,
    parse_retry_after,
    too_long_to_wait,
    wait_ends_at,
)

NOW = datetime.datetime(2026, 12, 1, 22, 30, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("0.517", 0.517), ("599.32", 599.32), (None, 0.0), ("", 0.0), ("soon", 0.0), ("-3", 0.0), ("nan", 0.0)],
)
def test_retry_after_is_fractional_seconds_or_no_hint(header, seconds):
    assert parse_retry_after(header) == seconds


def test_the_end_of_the_wait_comes_from_x_ratelimit_reset():
    ends = wait_ends_at(468.79, "2026-12-01T22:37:48.790Z", NOW)
    assert ends == datetime.datetime(2026, 12, 1, 22, 37, 48, 790000, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("header", [None, "", "tomorrow", "2026-12-01T22:37:48"])
def test_without_a_usable_reset_time_the_end_is_now_plus_retry_after(header):
    assert wait_ends_at(90.5, header, NOW) == NOW + datetime.timedelta(seconds=90.5)


def test_a_wait_within_the_clamp_is_worth_sleeping_through():
    assert too_long_to_wait("/graphql", MAX_RETRY_AFTER, None, now=lambda: NOW) is None


def test_a_refused_login_points_per_task_logins_at_speckle_session():
    error = too_long_to_wait("/auth/local/login", 468.79, "2026-12-01T22:37:48.790Z", now=lambda: NOW)
    assert error is not None
    assert error.msg == (
        "The server refused the login (HTTP 429 at /auth/local/login) and asks to wait 469 s, until "
        "2026-12-01T22:37:48Z. A Speckle server allows 4 logins per 10 minutes, then 10 more per 30 minutes, by "
        "default, from one client address. Each task that logs in with email and password spends one. Log in once per "
        "play with speckle.server.speckle_session and pass its token to the other tasks."
    )
    assert "retries" not in error.msg
    assert error.status == 429
    assert error.details == {"retry_after": 468.79, "retry_at": "2026-12-01T22:37:48Z"}


def test_a_refused_session_login_says_when_to_run_again_instead():
    error = too_long_to_wait("/auth/local/login", 599.274, None, session_module=True, now=lambda: NOW)
    assert error is not None
    assert error.msg.endswith(
        "Run the play again after 2026-12-01T22:39:59Z. Until then, a session that is still logged in keeps working: "
        "pass its token instead of logging in again."
    )
    assert "speckle_session" not in error.msg
    assert "retries" not in error.msg


def test_a_long_wait_elsewhere_names_the_path_and_the_clamp():
    error = too_long_to_wait("/graphql", 45.0, None, now=lambda: NOW)
    assert error is not None
    assert error.msg == (
        "The server rate-limited this client (HTTP 429 at /graphql) and asks to wait 45 s, until 2026-12-01T22:30:45Z, "
        "longer than a module waits (30 s at most). Run the task again after 2026-12-01T22:30:45Z."
    )
