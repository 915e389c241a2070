# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Server version parsing with the Python SDK's semantics, plus ordering for ``min_version``."""

from __future__ import annotations

import re
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError
from ansible_collections.speckle.server.plugins.module_utils._sanitize import shown

VersionPart = t.Union[int, str]

_SEPARATORS = re.compile(r"[.\-]")
# Longer digit groups stay text: no release has them, and Python will not turn more than 4300 digits into an int.
_MAX_NUMBER_DIGITS = 30


def parse_version(raw: str) -> list[VersionPart]:
    """Split on ``.`` and ``-`` and turn digit groups into ints, as the SDK does.

    ``2.6.4-alpha.4711`` -> ``[2, 6, 4, 'alpha', 4711]``; ``dev`` -> ``['dev']``. Only ASCII digits count
    (``int`` refuses ``²``, which ``isdigit`` accepts), and only up to 30 of them.
    """
    return [_number_or_text(part) for part in _SEPARATORS.split(raw.strip())]


def _number_or_text(part: str) -> VersionPart:
    if part.isascii() and part.isdigit() and len(part) <= _MAX_NUMBER_DIGITS:
        return int(part)
    return part


def is_development(parts: list[VersionPart]) -> bool:
    """A server built from source reports ``dev`` and has no comparable release number."""
    return not parts or not isinstance(parts[0], int)


def version_facts(raw: str) -> dict[str, t.Any]:
    """The ``version`` fact: raw text, SDK parts and the numeric triple (None where absent)."""
    parts = parse_version(raw)
    numbers = [part if isinstance(part, int) else None for part in parts[:3]]
    numbers += [None] * (3 - len(numbers))
    if is_development(parts):
        numbers = [None, None, None]
    return {"raw": raw, "parts": parts, "major": numbers[0], "minor": numbers[1], "patch": numbers[2]}


def _release_key(parts: list[VersionPart]) -> tuple[tuple[int, ...], int, tuple[t.Any, ...]]:
    """Order releases: numbers first, then a pre-release (``-alpha.N``) sorts before the release."""
    numbers: list[int] = []
    rest: list[VersionPart] = []
    for part in parts:
        if isinstance(part, int) and not rest:
            numbers.append(part)
        else:
            rest.append(part)
    numbers += [0] * (3 - len(numbers))
    is_release = 1 if not rest else 0
    comparable_rest = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in rest)
    return tuple(numbers), is_release, comparable_rest


def version_older_than(actual: str, minimum: str) -> bool:
    """True when ``actual`` is a release older than ``minimum``; a ``dev`` server never is."""
    actual_parts = parse_version(actual)
    minimum_parts = parse_version(minimum)
    if is_development(minimum_parts):
        raise ConfigurationError(f"min_version {shown(minimum)} is not a release number such as 2.23.0.")
    if is_development(actual_parts):
        return False
    return _release_key(actual_parts) < _release_key(minimum_parts)
