# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""speckle_token_info through main(): one request, filters applied locally, exact messages."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.modules import speckle_token_info
from ansible_collections.speckle.server.tests.unit.plugins.module_utils.fakes import Exchange, json_response

from .token_helpers import (
    GQL,
    SESSION_TOKEN,
    USER,
    Runner,
    api_token,
    forbidden,
    listing,
    login_exchanges,
    logout_exchange,
)

DAY_MS = 86400 * 1000
# NOW is 2026-11-29T15:00:00Z
FRESH = api_token("fresh00001", "ci", ["streams:read"], created="2026-11-28T15:00:00.000Z", lifespan=30 * DAY_MS)
SOON = api_token(
    "soon000001",
    "deploy",
    ["streams:read"],
    created="2026-11-01T15:00:00.000Z",
    lifespan=30 * DAY_MS,
    last_used="2026-11-29T14:00:00.000Z",
)
DEAD = api_token("dead000001", "old", ["profile:read"], created="2026-10-01T15:00:00.000Z", lifespan=DAY_MS)
FOREVER = api_token(
    "forever001",
    "ci",
    ["profile:read"],
    created="2026-01-01T00:00:00.000Z",
    lifespan="9223372036854775807",
    last_used="2026-11-20T00:00:00.000Z",
)
ALL = [FRESH, SOON, DEAD, FOREVER]


@pytest.fixture
def run(monkeypatch, capsys):
    return Runner(speckle_token_info, monkeypatch, capsys)


def ids(result) -> list[str]:
    return [tok["id"] for tok in result["tokens"]]


def test_lists_every_token_in_one_request(run):
    result = run({}, [listing(*ALL)])
    assert result["changed"] is False
    assert result["user"] == USER
    assert ids(result) == ["fresh00001", "soon000001", "dead000001", "forever001"]
    assert result["tokens"][0] == {
        "id": "fresh00001",
        "name": "ci",
        "scopes": ["streams:read"],
        "last_chars": "h00001",
        "created_at": "2026-11-28T15:00:00.000Z",
        "lifespan": 2592000,
        "expires_at": "2026-12-28T15:00:00.000Z",
        "expired": False,
        "last_used": "2026-11-28T15:00:00.000Z",
    }
    assert result["tokens"][3]["expires_at"] is None
    assert result["tokens"][3]["lifespan"] == 9223372036854775
    assert len(run.sent) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"name": "ci"}, ["fresh00001", "forever001"]),
        ({"name": "nope"}, []),
        ({"expired": True}, ["dead000001"]),
        ({"expired": False}, ["fresh00001", "soon000001", "forever001"]),
        ({"expiring_within": "7d"}, ["soon000001", "dead000001"]),
        ({"expiring_within": "7d", "expired": False}, ["soon000001"]),
        ({"expiring_within": 0}, ["dead000001"]),
        ({"unused_for": "2d"}, ["dead000001", "forever001"]),
        ({"unused_for": "2d", "name": "ci"}, ["forever001"]),
        ({"unused_for": "1d"}, ["fresh00001", "dead000001", "forever001"]),  # exactly one day: included
        ({"unused_for": "30d"}, ["dead000001"]),
        ({"unused_for": "0s"}, ["fresh00001", "soon000001", "dead000001", "forever001"]),
    ],
)
def test_filters(run, args, expected):
    assert ids(run(args, [listing(*ALL)])) == expected


def test_check_mode_is_the_same_single_read(run):
    result = run({"expired": True}, [listing(*ALL)], check_mode=True)
    assert ids(result) == ["dead000001"]
    assert len(run.sent) == 1


def test_email_and_password(run):
    credentials = {"email": USER["email"], "password": "hunter2-password"}
    result = run(
        {}, [*login_exchanges(), listing(FRESH, auth=SESSION_TOKEN), logout_exchange()], credentials=credentials
    )
    assert ids(result) == ["fresh00001"]


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        (
            {"expiring_within": "soon"},
            "expiring_within must be a number of seconds or a duration such as 90d, 12h, "
            "30m, 45s, 1w or 1d12h; got 'soon'.",
        ),
        ({"unused_for": -1}, "unused_for must be at least 0s; got -1."),
    ],
)
def test_bad_durations_fail_before_any_request(run, args, msg):
    credentials = {"email": USER["email"], "password": "hunter2-password"}
    result = run(args, [], credentials=credentials)
    assert result["msg"] == msg
    assert run.sent == []


def test_missing_tokens_read(run):
    result = run(
        {}, [forbidden("SpeckleActiveUserTokens", ["activeUser", "apiTokens"], "tokens:read", {"activeUser": None})]
    )
    assert result["failed"] is True
    assert result["msg"] == (
        "The token lacks the scope tokens:read, which listing the user's tokens needs. Use a token that holds "
        "tokens:read, or set email and password instead of token."
    )


def test_no_credentials(run):
    answer = Exchange(GQL, json_response(200, {"data": {"activeUser": None}}), "SpeckleActiveUserTokens", auth=None)
    result = run({}, [answer], credentials={})
    assert result["msg"] == (
        "Listing the user's tokens needs authentication, and the server returned no user: set email and password "
        "(or a token)."
    )


def test_revoked_token(run):
    answer = Exchange(GQL, json_response(403, {"error": "Your token is not valid."}), "SpeckleActiveUserTokens")
    result = run({}, [answer])
    assert result["msg"] == (
        "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 'Your token is not "
        "valid.'). Check token or SPECKLE_TOKEN, or create a new token."
    )
