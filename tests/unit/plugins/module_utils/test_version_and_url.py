# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError
from ansible_collections.speckle.server.plugins.module_utils._url import normalize_server_url
from ansible_collections.speckle.server.plugins.module_utils._version import (
    parse_version,
    version_facts,
    version_older_than,
)


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("2.6.3", [2, 6, 3]),
        ("2.6.4-alpha.4711", [2, 6, 4, "alpha", 4711]),
        ("dev", ["dev"]),
        ("2.23.4", [2, 23, 4]),
    ],
)
def test_parse_version_matches_the_sdk(raw, parts):
    assert parse_version(raw) == parts


def test_version_facts():
    assert version_facts("2.6.4-alpha.4711") == {
        "raw": "2.6.4-alpha.4711",
        "parts": [2, 6, 4, "alpha", 4711],
        "major": 2,
        "minor": 6,
        "patch": 4,
    }
    assert version_facts("dev") == {"raw": "dev", "parts": ["dev"], "major": None, "minor": None, "patch": None}


@pytest.mark.parametrize(
    ("actual", "minimum", "older"),
    [
        ("2.23.4", "2.23.0", False),
        ("2.23.4", "2.23.4", False),
        ("2.22.9", "2.23.0", True),
        ("2.6.4-alpha.4711", "2.6.4", True),
        ("2.6.4-alpha.4711", "2.6.3", False),
        ("3.0.0", "2.99.99", False),
        ("dev", "9.0.0", False),
    ],
)
def test_version_older_than(actual, minimum, older):
    assert version_older_than(actual, minimum) is older


def test_min_version_must_be_a_release():
    with pytest.raises(ConfigurationError) as exc:
        version_older_than("2.23.4", "latest")
    assert exc.value.msg == "min_version 'latest' is not a release number such as 2.23.0."


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("0" * 10240, ["0" * 10240]),
        ("2." + "9" * 31, [2, "9" * 31]),
        ("2." + "9" * 30, [2, int("9" * 30)]),
        ("\u00b2.1", ["\u00b2", 1]),
        ("\u0663.1", ["\u0663", 1]),
    ],
)
def test_parse_version_keeps_what_is_no_release_number_as_text(raw, parts):
    """Found by test_hostile_input.py: 10 kB of digits (and a superscript digit) escaped as ValueError."""
    assert parse_version(raw) == parts


def test_min_version_of_ten_kilobytes_is_refused_cut_short():
    with pytest.raises(ConfigurationError) as exc:
        version_older_than("2.23.4", "0" * 10240)
    assert exc.value.msg == "min_version '" + "0" * 56 + "... is not a release number such as 2.23.0."


@pytest.mark.parametrize(
    ("raw", "base"),
    [
        ("https://speckle.example.org", "https://speckle.example.org"),
        ("https://speckle.example.org/", "https://speckle.example.org"),
        ("https://speckle.example.org/graphql", "https://speckle.example.org"),
        ("https://speckle.example.org/graphql/", "https://speckle.example.org"),
        ("HTTP://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("https://example.org/speckle/graphql", "https://example.org/speckle"),
    ],
)
def test_server_url_forms(raw, base):
    assert normalize_server_url(raw) == base


@pytest.mark.parametrize("raw", ["speckle.example.org", "ftp://speckle.example.org", "", "https://"])
def test_server_url_rejects_non_http(raw):
    with pytest.raises(ConfigurationError) as exc:
        normalize_server_url(raw)
    assert exc.value.msg == (
        f"server_url {raw!r} is not an http(s) URL. Give the server's base address, for example "
        "https://speckle.example.org."
    )
