# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Durations as users write them in playbooks: seconds, or ``90d``, ``12h``, ``30m``, ``45s``, ``1w``, ``1d12h``.

Token lifespans and rotation windows are days or weeks long; nobody should have to multiply by
86400 in a playbook. Everything is converted to whole seconds here, once.
"""

from __future__ import annotations

import re
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError
from ansible_collections.speckle.server.plugins.module_utils._sanitize import shown

UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_NUMBER = re.compile(r"[+-]?\d+")
_COMBINED = re.compile(r"(?:\d+[wdhms])+")
_PART = re.compile(r"(\d+)([wdhms])")
DURATION_FORMS = "a number of seconds or a duration such as 90d, 12h, 30m, 45s, 1w or 1d12h"
# 10**30 seconds is beyond every bound an option has, so a longer number is refused as such; Python would not even
# turn a string of more than 4300 digits into an int (it raises ValueError).
MAX_DIGITS = 30


def parse_duration(value: t.Any, option: str) -> int:
    """Whole seconds from an int, a digit string or a unit string; ``option`` names it in the error.

    The sign is kept for plain numbers so callers can say "must be more than 0" instead of "not a duration".
    """
    if isinstance(value, bool):
        raise _invalid(value, option)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _invalid(value, option)
    if isinstance(value, str):
        text = re.sub(r"\s+", "", value).lower()
        if _NUMBER.fullmatch(text):
            return _whole(text, value, option)
        if _COMBINED.fullmatch(text):
            return sum(_whole(amount, value, option) * UNIT_SECONDS[unit] for amount, unit in _PART.findall(text))
    raise _invalid(value, option)


def parse_optional_duration(value: t.Any, option: str, minimum: int = 0) -> int | None:
    """``parse_duration`` for an option that may be unset, with a lower bound checked before any call."""
    if value is None:
        return None
    seconds = parse_duration(value, option)
    if seconds < minimum:
        bound = "more than 0 seconds" if minimum == 1 else f"at least {format_duration(minimum)}"
        raise ConfigurationError(f"{option} must be {bound}; got {shown(value)}.")
    return seconds


def format_duration(seconds: int) -> str:
    """``129600`` -> ``1d12h``: the readable form used in messages (days, not weeks, so 90d stays 90d)."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds == 0:
        return "0s"
    parts = []
    remaining = seconds
    for unit in ("d", "h", "m", "s"):
        amount, remaining = divmod(remaining, UNIT_SECONDS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


def _whole(digits: str, value: t.Any, option: str) -> int:
    """``int(digits)``, refusing numbers too long for any bound before Python's own digit limit trips.

    Leading zeros go first: Python's limit counts them too, and they change nothing.
    """
    sign = digits[0] if digits[:1] in ("+", "-") else ""
    significant = digits[len(sign) :].lstrip("0") or "0"
    if len(significant) > MAX_DIGITS:
        raise ConfigurationError(
            f"{option} is far too large ({len(significant)} digits, {shown(value)}); give {DURATION_FORMS}."
        )
    return int(sign + significant)


def _invalid(value: t.Any, option: str) -> ConfigurationError:
    return ConfigurationError(f"{option} must be {DURATION_FORMS}; got {shown(value)}.")
