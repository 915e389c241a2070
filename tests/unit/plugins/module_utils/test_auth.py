# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The local login flow on the wire: retries, the restart after a lost exchange, and a logout that is verified."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _auth
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConnectionFailure,
    LoginFailed,
    LogoutFailed,
    NotGraphQLEndpoint,
    RateLimited,
    ServerError,
)
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse

from .fakes import Exchange, FakeTransport, json_response

URL = "https://speckle.example.org"
CHALLENGE = "fixed-challenge"
EMAIL, PASSWORD = "admin@example.org", "hunter2-password"
SESSION = _auth.LoginSession(token="SessionTok" + "s" * 32, refresh_token="refresh-" + "r" * 32)


@pytest.fixture(autouse=True)
def fixed_challenge(monkeypatch):
    monkeypatch.setattr(_auth.secrets, "token_urlsafe", lambda _n=None: CHALLENGE)


def client_for(exchanges, retries=3):
    sleeps: list[float] = []
    transport = FakeTransport(list(exchanges))
    client = GraphQLClient(URL, transport, retries=retries, sleep=sleeps.append, jitter=lambda: 1.0)
    return client, transport, sleeps


def login_step(answer=None, code="CODE1"):
    found = HTTPResponse(302, {"location": f"{URL}/?access_code={code}"}, "")
    return Exchange(
        f"{URL}/auth/local/login?challenge={CHALLENGE}",
        answer if answer is not None else found,
        body={"email": EMAIL, "password": PASSWORD},
    )


def token_step(answer=None, code="CODE1"):
    issued = json_response(200, {"token": SESSION.token, "refreshToken": SESSION.refresh_token})
    body = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": code, "challenge": CHALLENGE}
    return Exchange(f"{URL}/auth/token", answer if answer is not None else issued, body=body)


def logout_step(answer=None):
    body = {"token": SESSION.token, "refreshToken": SESSION.refresh_token}
    return Exchange(
        f"{URL}/auth/logout",
        answer if answer is not None else json_response(200, {"message": "You have logged out."}),
        body=body,
    )


def probe_step(alive):
    answer = (
        json_response(200, {"data": {"activeUser": {"id": "94e79e7177"}}})
        if alive
        else json_response(403, {"error": "Your token is not valid."})
    )
    return Exchange(f"{URL}/graphql", answer, "SpeckleActiveUserId", auth=SESSION.token)


GATEWAY = HTTPResponse(502, {"content-type": "text/html"}, "<html>Bad Gateway</html>")
LIMITED = json_response(429, {"error": {"code": "RATE_LIMIT_ERROR"}}, {"Retry-After": "0.25"})


def test_login_exchanges_the_access_code_for_a_session():
    client, transport, sleeps = client_for([login_step(), token_step()])
    assert _auth.login(client, EMAIL, PASSWORD) == SESSION
    assert sleeps == []
    transport.assert_done()


def test_a_session_token_with_whitespace_around_it_is_stripped():
    # The server never sends one, but a session token goes into the Authorization header as it is.
    issued = json_response(200, {"token": f" {SESSION.token}\n", "refreshToken": f"{SESSION.refresh_token}\r\n"})
    client, transport, _sleeps = client_for([login_step(), token_step(issued)])
    assert _auth.login(client, EMAIL, PASSWORD) == SESSION
    transport.assert_done()


def test_login_is_tried_again_after_a_gateway_error():
    client, transport, sleeps = client_for([login_step(GATEWAY), login_step(), token_step()])
    assert _auth.login(client, EMAIL, PASSWORD) == SESSION
    assert sleeps == [0.5]
    transport.assert_done()


def test_a_lost_exchange_restarts_from_the_login_because_an_access_code_is_single_use():
    exchanges = [login_step(), token_step(GATEWAY), login_step(code="CODE2"), token_step(code="CODE2")]
    client, transport, sleeps = client_for(exchanges)
    assert _auth.login(client, EMAIL, PASSWORD) == SESSION
    assert sleeps == [0.5]
    transport.assert_done()


def test_login_honours_retry_after_and_reports_a_lasting_rate_limit():
    client, transport, sleeps = client_for([login_step(LIMITED), login_step(LIMITED)], retries=1)
    with pytest.raises(RateLimited) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg == (
        "The server kept rate-limiting the login (HTTP 429 at /auth/local/login) after 1 retry. Wait and run "
        "again, or raise retries."
    )
    assert sleeps == [0.25 + 0.05]  # Retry-After plus a tenth of the (jittered) backoff
    transport.assert_done()


def test_login_reports_a_lasting_server_failure_at_the_exchange():
    exchanges = [login_step(), token_step(GATEWAY), login_step(), token_step(GATEWAY)]
    client, transport, _sleeps = client_for(exchanges, retries=1)
    with pytest.raises(ServerError) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg == (
        "The server failed the login with HTTP 502 at /auth/token (after 1 retry). Check the server's health and "
        "logs, then run again."
    )
    transport.assert_done()


def test_login_passes_on_a_lasting_connection_failure():
    refused = ConnectionFailure("Could not connect to https://speckle.example.org.", sent=False)
    client, transport, sleeps = client_for([login_step(refused), login_step(refused)], retries=1)
    with pytest.raises(ConnectionFailure) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg == "Could not connect to https://speckle.example.org."
    assert sleeps == [0.5]
    transport.assert_done()


def test_wrong_credentials_are_not_retried():
    rejected = json_response(401, {"err": True, "message": "Invalid credentials."})
    client, transport, sleeps = client_for([login_step(rejected)])
    with pytest.raises(LoginFailed) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg.startswith("The server rejected the email and password (HTTP 401 Invalid credentials).")
    assert sleeps == []
    transport.assert_done()


def test_logout_is_repeated_after_a_lost_answer():
    client, transport, sleeps = client_for([logout_step(GATEWAY), logout_step()])
    _auth.logout(client, SESSION)
    assert sleeps == [0.5]
    transport.assert_done()


def test_logout_whose_answers_stay_lost_is_fine_when_the_session_token_is_dead():
    client, transport, _sleeps = client_for([logout_step(GATEWAY), logout_step(GATEWAY), probe_step(alive=False)], 1)
    _auth.logout(client, SESSION)
    transport.assert_done()


def test_logout_that_failed_warns_that_the_session_token_stays_valid():
    client, transport, _sleeps = client_for([logout_step(GATEWAY), logout_step(GATEWAY), probe_step(alive=True)], 1)
    with pytest.raises(LogoutFailed) as exc:
        _auth.logout(client, SESSION)
    assert exc.value.msg == (
        "Logging out at the end of the task failed (HTTP 502 after 1 retry), so this task's session token stays "
        "valid until it expires."
    )
    assert SESSION.token not in exc.value.msg
    transport.assert_done()


def test_logout_refused_outright_is_checked_once():
    refused = HTTPResponse(400, {"content-type": "text/html"}, "Something went wrong while trying to logout.")
    client, transport, sleeps = client_for([logout_step(refused), probe_step(alive=True)])
    with pytest.raises(LogoutFailed) as exc:
        _auth.logout(client, SESSION)
    assert exc.value.msg.startswith("Logging out at the end of the task failed (HTTP 400 with text/html), so")
    assert sleeps == []
    transport.assert_done()


def test_a_200_page_that_is_not_the_servers_answer_is_not_taken_for_a_logout():
    page = HTTPResponse(200, {"content-type": "text/html"}, "<html>proxy says hello</html>")
    client, transport, _sleeps = client_for([logout_step(page), probe_step(alive=True)])
    with pytest.raises(LogoutFailed) as exc:
        _auth.logout(client, SESSION)
    assert exc.value.msg == (
        "Logging out at the end of the task failed (HTTP 200 with text/html), so this task's session token stays "
        "valid until it expires."
    )
    transport.assert_done()


def test_a_server_failure_at_the_login_is_not_blamed_on_the_auth_strategy():
    broken = HTTPResponse(500, {"content-type": "application/json"}, '{"error": "boom"}')
    client, transport, sleeps = client_for([login_step(broken)])
    with pytest.raises(ServerError) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg == (
        "The server failed the login with HTTP 500 at /auth/local/login. Check the server's health and logs, then "
        "run again."
    )
    assert sleeps == []
    transport.assert_done()


def test_an_html_page_at_the_login_points_at_server_url():
    page = HTTPResponse(200, {"content-type": "text/html; charset=utf-8"}, "<!DOCTYPE html>")
    client, transport, _sleeps = client_for([login_step(page)])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg == (
        f"{URL}/auth/local/login does not serve the Speckle API: it answered HTTP 200 with an HTML page instead of the "
        "API's JSON. Check server_url: it must be the Speckle server's base URL (the address whose /graphql serves "
        "the API), not the frontend's, a static site's or a proxy's page."
    )
    transport.assert_done()


def test_a_static_sites_501_at_the_login_points_at_server_url_not_at_the_servers_health():
    page = HTTPResponse(501, {"content-type": "text/html;charset=utf-8"}, "<html>Unsupported method ('POST')</html>")
    client, transport, sleeps = client_for([login_step(page)])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg.startswith(f"{URL}/auth/local/login does not serve the Speckle API: it answered HTTP 501")
    assert sleeps == []
    transport.assert_done()


LOGIN_REFUSED = json_response(
    429,
    {
        "error": {
            "message": "You have sent too many requests. You are being rate limited. Please try again later.",
            "code": "RATE_LIMIT_ERROR",
        }
    },
    {"Retry-After": "599.274", "X-RateLimit-Reset": "2026-12-01T22:40:00.000Z"},
)


def test_a_login_refused_for_minutes_fails_at_once_without_sleeping():
    client, transport, sleeps = client_for([login_step(LOGIN_REFUSED)])
    with pytest.raises(RateLimited) as exc:
        _auth.login(client, EMAIL, PASSWORD)
    assert exc.value.msg.startswith(
        "The server refused the login (HTTP 429 at /auth/local/login) and asks to wait 600 s, until "
        "2026-12-01T22:40:00Z. A Speckle server allows 4 logins per 10 minutes"
    )
    assert "speckle.server.speckle_session" in exc.value.msg
    assert "retries" not in exc.value.msg
    assert sleeps == []
    transport.assert_done()


def test_a_session_login_refused_for_minutes_says_when_to_run_again():
    client, transport, sleeps = client_for([login_step(LOGIN_REFUSED)])
    with pytest.raises(RateLimited) as exc:
        _auth.login(client, EMAIL, PASSWORD, session_module=True)
    assert "Run the play again after 2026-12-01T22:40:00Z." in exc.value.msg
    assert sleeps == []
    transport.assert_done()


def test_a_short_login_refusal_is_still_slept_through():
    client, transport, sleeps = client_for([login_step(LIMITED), login_step(), token_step()])
    assert _auth.login(client, EMAIL, PASSWORD) == SESSION
    assert sleeps == [0.25 + 0.05]
    transport.assert_done()
