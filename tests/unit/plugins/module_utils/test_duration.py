# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._duration import (
    format_duration,
    parse_duration,
    parse_optional_duration,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (3600, 3600),
        (0, 0),
        (-5, -5),
        (7200.0, 7200),
        ("3600", 3600),
        (" 42 ", 42),
        ("45s", 45),
        ("30m", 1800),
        ("12h", 43200),
        ("90d", 7776000),
        ("1w", 604800),
        ("1d12h", 129600),
        ("1w2d3h4m5s", 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
        ("1d 12h", 129600),
        ("12H", 43200),
        ("0s", 0),
    ],
)
def test_parse_duration(value, seconds):
    assert parse_duration(value, "lifespan") == seconds


@pytest.mark.parametrize("value", ["", "abc", "1y", "1.5h", "h", "12 hours", "-1d", "1d-2h", True, 1.5, None, [1]])
def test_parse_duration_rejects(value):
    with pytest.raises(ConfigurationError) as caught:
        parse_duration(value, "rotate_before")
    assert caught.value.msg == (
        f"rotate_before must be a number of seconds or a duration such as 90d, 12h, 30m, 45s, 1w or 1d12h; "
        f"got {value!r}."
    )


def test_optional_duration():
    assert parse_optional_duration(None, "unused_for") is None
    assert parse_optional_duration("0s", "unused_for") == 0
    with pytest.raises(ConfigurationError) as caught:
        parse_optional_duration(-1, "unused_for")
    assert caught.value.msg == "unused_for must be at least 0s; got -1."
    with pytest.raises(ConfigurationError) as caught:
        parse_optional_duration(0, "lifespan", minimum=1)
    assert caught.value.msg == "lifespan must be more than 0 seconds; got 0."


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (1800, "30m"), (7776000, "90d"), (129600, "1d12h"), (90061, "1d1h1m1s"), (-60, "-1m")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["90d", "1d12h", "45s", "3h20m"])
def test_round_trip(text):
    assert format_duration(parse_duration(text, "x")) == text


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        ("9" * 5000, 5000, "'" + "9" * 56 + "..."),
        ("1" * 10240 + "d", 10240, "'" + "1" * 56 + "..."),
        ("-" + "9" * 31, 31, "'-" + "9" * 31 + "'"),
        ("0" * 10240 + "1" * 31, 31, "'" + "0" * 56 + "..."),
        ("1d" + "2" * 40 + "h", 40, "'1d" + "2" * 40 + "h'"),
    ],
)
def test_numbers_too_long_for_any_bound_are_refused(value, digits, shown):
    """Found by test_hostile_input.py: a 5000-digit string escaped as Python's own ValueError (4300-digit limit)."""
    with pytest.raises(ConfigurationError) as caught:
        parse_duration(value, "expiring_within")
    assert caught.value.msg == (
        f"expiring_within is far too large ({digits} digits, {shown}); give a number of seconds or a duration such "
        "as 90d, 12h, 30m, 45s, 1w or 1d12h."
    )


def test_thirty_digits_still_parse():
    assert parse_duration("9" * 30, "unused_for") == int("9" * 30)
    assert parse_duration("0" * 100 + "5", "unused_for") == 5
    assert parse_duration("0" * 10240, "unused_for") == 0  # found by test_hostile_input.py: 10 kB of zeros crashed
    assert parse_duration("-0005", "unused_for") == -5
    assert parse_duration("0" * 5000 + "7d", "unused_for") == 7 * 86400


def test_long_values_are_cut_short_in_messages():
    with pytest.raises(ConfigurationError) as caught:
        parse_duration("x" * 10240, "rotate_before")
    assert caught.value.msg == (
        "rotate_before must be a number of seconds or a duration such as 90d, 12h, 30m, 45s, 1w or 1d12h; got '"
        + "x" * 56
        + "...."
    )
