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


@pytest.mark.parametrize(
    ("raw", "base"),
    [
        ("http://[::1]:3000/graphql", "http://[::1]:3000"),
        ("http://[::1]", "http://[::1]"),
        ("https://speckle.example.org:8443/", "https://speckle.example.org:8443"),
        ("https://speckle.example.org./graphql", "https://speckle.example.org."),
        ("http://speckle_server:3000", "http://speckle_server:3000"),
        ("https://bücher.example/graphql", "https://bücher.example"),
        ("https://speckle.example.org/graphql?ignored=1#too", "https://speckle.example.org"),
        ("  https://speckle.example.org\n", "https://speckle.example.org"),
    ],
)
def test_server_url_accepted_forms(raw, base):
    assert normalize_server_url(raw) == base


def invalid(shown: str, problem: str) -> str:
    return (
        f"server_url {shown!r} is not a valid URL: {problem}. Give the server's base address, for example "
        "https://speckle.example.org."
    )


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        (
            "http://[::1",
            invalid("http://[::1", "an IPv6 address must be written whole in [ and ], as in http://[::1]:3000"),
        ),
        (
            "http://::1]:3000",
            invalid("http://::1]:3000", "an IPv6 address must be written whole in [ and ], as in http://[::1]:3000"),
        ),
        (
            "http://[::1]x/",
            invalid("http://[::1]x/", "an IPv6 address must be written whole in [ and ], as in http://[::1]:3000"),
        ),
        ("http://[::g]/", invalid("http://[::g]/", "the host in [ and ] is not an IPv6 address")),
        ("http://[127.0.0.1]/", invalid("http://[127.0.0.1]/", "the host in [ and ] is not an IPv6 address")),
        ("http://h:99999", invalid("http://h:99999", "the port must be a number from 1 to 65535")),
        ("http://h:abc/graphql", invalid("http://h:abc/graphql", "the port must be a number from 1 to 65535")),
        ("http://h:0", invalid("http://h:0", "the port must be a number from 1 to 65535")),
        ("http://[::1]:65536", invalid("http://[::1]:65536", "the port must be a number from 1 to 65535")),
        ("http://a..b/", invalid("http://a..b/", "'a..b' is not a valid host name")),
        ("http://.a/", invalid("http://.a/", "'.a' is not a valid host name")),
        ("http://a%20b/", invalid("http://a%20b/", "'a%20b' is not a valid host name")),
        ("http://a b/", invalid("http://a b/", "it contains whitespace or a control character")),
        ("http://ho\nst/", invalid("http://ho\nst/", "it contains whitespace or a control character")),
        ("http://host/\0", invalid("http://host/\0", "it contains whitespace or a control character")),
        # The query and fragment are never shown: tokens sometimes travel there.
        ("http://a..b/?token=S3cr3t", invalid("http://a..b/", "'a..b' is not a valid host name")),
        (
            "ftp://speckle.example.org/x?token=S3cr3t#frag",
            "server_url 'ftp://speckle.example.org/x' is not an http(s) URL. Give the server's base address, for "
            "example https://speckle.example.org.",
        ),
    ],
)
def test_malformed_server_url_is_refused_cleanly(raw, msg):
    with pytest.raises(ConfigurationError) as exc:
        normalize_server_url(raw)
    assert exc.value.msg == msg
    assert "S3cr3t" not in exc.value.msg


CREDENTIALS_MESSAGE = (
    "server_url must not contain credentials (they are not shown); use the token or email and password options instead."
)


@pytest.mark.parametrize(
    "raw",
    [
        "https://admin:S3cr3tPw@speckle.example.org",
        "https://S3cr3tToken@speckle.example.org/graphql",
        "ftp://admin:S3cr3tPw@speckle.example.org",
        "admin:S3cr3tPw@speckle.example.org",
        "//admin:S3cr3tPw@speckle.example.org",
        "http://admin:S3cr3tPw@[::1",
        "http://admin:S3cr3tPw@h:99999",
        "http://admin:S3cr3t\nPw@h",
        "https://admin:S3cr3t@Pw@speckle.example.org",
    ],
)
def test_credentials_in_server_url_are_never_echoed(raw):
    with pytest.raises(ConfigurationError) as exc:
        normalize_server_url(raw)
    assert exc.value.msg == CREDENTIALS_MESSAGE
    assert "S3cr3t" not in exc.value.msg and "admin" not in exc.value.msg


def test_a_long_server_url_is_shown_shortened():
    raw = "ftp://" + "a" * 300
    with pytest.raises(ConfigurationError) as exc:
        normalize_server_url(raw)
    assert exc.value.msg == (
        f"server_url {raw[:197] + '...'!r} is not an http(s) URL. Give the server's base address, for example "
        "https://speckle.example.org."
    )
