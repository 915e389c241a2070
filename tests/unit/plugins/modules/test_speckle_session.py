# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""speckle_session on the wire: one login, one logout, and the exact messages."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._errors import RequestTimeout
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse
from ansible_collections.speckle.server.plugins.modules import speckle_session

from ..module_utils.fakes import Exchange, json_response
from .token_helpers import (
    GQL,
    REFRESH_TOKEN,
    SESSION_TOKEN,
    URL,
    USER,
    Runner,
    login_exchanges,
    logout_exchange,
    warnings,
)

LOGIN = {"email": USER["email"], "password": "hunter2-password"}
LOGOUT = {"state": "absent", "refresh_token": REFRESH_TOKEN}


@pytest.fixture
def run(monkeypatch, capsys):
    return Runner(speckle_session, monkeypatch, capsys)


def session_user(alive: bool = True, auth: str = SESSION_TOKEN) -> Exchange:
    answer = (
        json_response(200, {"data": {"activeUser": dict(USER)}})
        if alive
        else json_response(403, {"error": "Your token is not valid."})
    )
    return Exchange(GQL, answer, "SpeckleSessionUser", variables={}, auth=auth)


def test_present_logs_in_once_and_returns_the_session(run):
    result = run({}, [*login_exchanges(), session_user()], credentials=LOGIN)
    assert result["changed"] is False
    assert result["token"] == SESSION_TOKEN
    assert result["refresh_token"] == REFRESH_TOKEN
    assert result["user"] == USER
    assert result["server_url"] == URL
    assert "hunter2-password" not in str(result)


def test_present_takes_email_and_password_from_the_environment(run, monkeypatch):
    monkeypatch.setenv("SPECKLE_EMAIL", USER["email"])
    monkeypatch.setenv("SPECKLE_PASSWORD", "hunter2-password")
    result = run({}, [*login_exchanges(), session_user()], credentials={})
    assert result["token"] == SESSION_TOKEN


def test_a_login_whose_user_query_fails_is_logged_out_before_failing(run):
    broken = Exchange(GQL, json_response(500, {"error": "boom"}), "SpeckleSessionUser")
    result = run({"retries": 0}, [*login_exchanges(), broken, logout_exchange()], credentials=LOGIN)
    assert result["failed"] is True
    assert SESSION_TOKEN not in str(result)


def test_present_refused_by_the_login_limit_fails_at_once(run):
    refused = json_response(
        429,
        {"error": {"message": "You have sent too many requests.", "code": "RATE_LIMIT_ERROR"}},
        {"Retry-After": "468.79", "X-RateLimit-Reset": "2026-12-01T22:37:48.790Z"},
    )
    login = login_exchanges()[0]
    login.answer = refused
    result = run({}, [login], credentials=LOGIN)
    assert result["failed"] is True
    assert result["msg"] == (
        "The server refused the login (HTTP 429 at /auth/local/login) and asks to wait 469 s, until "
        "2026-12-01T22:37:48Z. A Speckle server allows 4 logins per 10 minutes, then 10 more per 30 minutes, by "
        "default, from one client address. Run the play again after 2026-12-01T22:37:48Z. Until then, a session that "
        "is still logged in keeps working: pass its token instead of logging in again."
    )
    assert result["retry_at"] == "2026-12-01T22:37:48Z"
    assert run.sleeps == []


def test_absent_logs_out_a_live_session(run):
    result = run(LOGOUT, [session_user(), logout_exchange()], credentials={"token": SESSION_TOKEN}, diff=True)
    assert result["changed"] is True
    assert result["logged_out"] is True
    assert result["user"] == USER
    assert result["diff"] == {
        "before": {"logged_in": True, "user": USER["email"]},
        "after": {"logged_in": False, "user": USER["email"]},
    }


@pytest.mark.parametrize("source", ["option", "env"])
def test_absent_trims_tokens_read_back_from_files(run, monkeypatch, source):
    # slurp + b64decode of a file that kept the session gives a trailing newline; "Bearer " may be pasted too.
    monkeypatch.delenv("SPECKLE_TOKEN", raising=False)
    args = {**LOGOUT, "refresh_token": REFRESH_TOKEN + "\n"}
    if source == "env":
        monkeypatch.setenv("SPECKLE_TOKEN", f"Bearer {SESSION_TOKEN}\r\n")
        credentials = {}
    else:
        credentials = {"token": f"Bearer {SESSION_TOKEN}\n"}
    result = run(args, [session_user(), logout_exchange()], credentials=credentials)
    assert result["changed"] is True
    assert SESSION_TOKEN not in str(result) and REFRESH_TOKEN not in str(result)


def test_absent_on_a_session_already_logged_out_is_ok(run):
    result = run(LOGOUT, [session_user(alive=False)], credentials={"token": SESSION_TOKEN})
    assert result["changed"] is False
    assert result["logged_out"] is True
    assert result["user"] is None
    assert warnings(result) == []


def test_absent_logs_out_in_check_mode_too_so_a_check_run_leaves_no_session(run):
    result = run(LOGOUT, [session_user(), logout_exchange()], credentials={"token": SESSION_TOKEN}, check_mode=True)
    assert result["changed"] is True


def gateway_page(status: int) -> HTTPResponse:
    return HTTPResponse(status=status, headers={"content-type": "text/html"}, text="<html>Bad Gateway</html>")


@pytest.mark.parametrize(
    ("retries", "probe_answers"),
    [
        (2, [gateway_page(500)]),  # not retried: a 500 is no lost answer
        (2, [gateway_page(200)]),  # an HTML page
        (1, [gateway_page(502), gateway_page(502)]),  # retries used up
        (1, [RequestTimeout("The server did not answer within 1.5 s.")] * 2),
    ],
)
def test_a_logout_whose_session_query_fails_logs_out_anyway(run, retries, probe_answers):
    # The query only says whether the session is still logged in; its failure must not leave a live session.
    probes = [Exchange(GQL, answer, "SpeckleSessionUser", variables={}, auth=SESSION_TOKEN) for answer in probe_answers]
    result = run(
        {**LOGOUT, "retries": retries},
        [*probes, logout_exchange()],
        credentials={"token": SESSION_TOKEN},
        diff=True,
    )
    run.transport.assert_done()
    assert result.get("failed") is None, result
    assert result["changed"] is True
    assert result["logged_out"] is True
    assert result["user"] is None
    assert result["diff"] == {"before": {"logged_in": None, "user": None}, "after": {"logged_in": False, "user": None}}
    assert warnings(result) == []


def test_a_logout_whose_session_query_and_logout_fail_says_what_to_do(run):
    probe = Exchange(GQL, gateway_page(500), "SpeckleSessionUser", variables={}, auth=SESSION_TOKEN)
    refused = Exchange(f"{URL}/auth/logout", gateway_page(500))
    still_alive = Exchange(GQL, json_response(200, {"data": {"activeUser": {"id": USER["id"]}}}), "SpeckleActiveUserId")
    result = run(LOGOUT, [probe, refused, still_alive], credentials={"token": SESSION_TOKEN})
    run.transport.assert_done()
    assert result["failed"] is True
    assert result["msg"] == (
        "Logging out failed (HTTP 500 with text/html) and the session token still works. Run the task again; until it "
        "succeeds, treat the token as a live credential."
    )


def test_a_logout_that_leaves_the_session_alive_fails(run):
    refused = Exchange(
        f"{URL}/auth/logout",
        json_response(400, "Something went wrong while trying to logout.", {"content-type": "text/html"}),
    )
    refused.answer.text = "Something went wrong while trying to logout."
    still_alive = Exchange(GQL, json_response(200, {"data": {"activeUser": {"id": USER["id"]}}}), "SpeckleActiveUserId")
    result = run(LOGOUT, [session_user(), refused, still_alive], credentials={"token": SESSION_TOKEN})
    assert result["failed"] is True
    assert result["msg"] == (
        "Logging out failed (HTTP 400 with text/html) and the session token still works. Run the task again; until it "
        "succeeds, treat the token as a live credential."
    )


@pytest.mark.parametrize(
    ("args", "credentials", "message"),
    [
        (
            {},
            {"token": SESSION_TOKEN},
            "state=present logs in with email and password and returns a new session; token and refresh_token are "
            "for state=absent.",
        ),
        ({}, {}, "Logging in needs both email and password; email (or SPECKLE_EMAIL) is not set."),
        (
            {"state": "absent"},
            {"token": SESSION_TOKEN},
            "state=absent needs the session's refresh_token, as returned by state=present.",
        ),
        (
            LOGOUT,
            {},
            "state=absent needs the session's token (the token returned by state=present, or SPECKLE_TOKEN).",
        ),
        (
            {"state": "absent", "refresh_token": "\n"},
            {"token": SESSION_TOKEN},
            "state=absent needs the session's refresh_token, as returned by state=present.",
        ),
        (
            LOGOUT,
            {"token": SESSION_TOKEN[:20] + "\n" + SESSION_TOKEN[20:]},
            "token contains a line break at character 21, and a Speckle token never does. Whitespace around the "
            "token and a leading 'Bearer ' are removed, nothing inside it; check where the value comes from. The "
            "value is not shown.",
        ),
    ],
)
def test_missing_options_fail_before_anything_is_sent(run, monkeypatch, args, credentials, message):
    for name in ("SPECKLE_TOKEN", "SPECKLE_EMAIL", "SPECKLE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    result = run(args, [], credentials=credentials)
    assert result["failed"] is True
    assert result["msg"] == message


def test_a_missing_ca_path_is_a_clear_error_before_anything_is_sent(run):
    result = run({"ca_path": "/nonexistent/ca.pem"}, [], credentials=LOGIN)
    assert result["failed"] is True
    assert result["msg"] == (
        "ca_path /nonexistent/ca.pem is not a readable file. Give the path of a PEM file with the CA certificates "
        "that verify the server, or leave ca_path unset to use the system's store."
    )
