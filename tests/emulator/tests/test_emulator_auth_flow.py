"""Local login flow: /auth/local/login -> /auth/token (code or refresh) -> use -> /auth/logout, as recorded."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulator_testlib import ACTIVE_USER, CREATE_TOKEN, graphql, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import ALL_SCOPES, DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD

CHALLENGE = "test-challenge-123"
WEBAPP = {"appId": "spklwebapp", "appSecret": "spklwebapp"}


def _login(url: str, email: str = DEFAULT_ADMIN_EMAIL, password: str = DEFAULT_ADMIN_PASSWORD) -> Any:
    """POST /auth/local/login with a challenge."""
    return post_json(url, f"/auth/local/login?challenge={CHALLENGE}", {"email": email, "password": password})


def _tokens(url: str) -> dict[str, str]:
    """Log in and exchange the access code; returns {token, refreshToken}."""
    login = _login(url)
    assert login.status == 302
    location = login.header("Location") or ""
    code = parse_qs(urlsplit(location).query)["access_code"][0]
    exchanged = post_json(url, "/auth/token", {**WEBAPP, "accessCode": code, "challenge": CHALLENGE})
    assert exchanged.status == 200, exchanged.text
    tokens = exchanged.json()
    assert set(tokens) == {"token", "refreshToken"}
    return dict(tokens)


def test_login_token_has_every_scope_and_logout_kills_it(running: Any) -> None:
    """The web-app token can create PATs (tokens:write); after logout it gets 403."""
    url = running.url
    tokens = _tokens(url)
    token = tokens["token"]
    assert len(token) == 42 and len(tokens["refreshToken"]) == 42
    app = graphql(url, "{ authenticatedAsApp { id name } }", token=token).json()["data"]["authenticatedAsApp"]
    assert app == {"id": "spklwebapp", "name": "Speckle Web Manager"}
    stored = running.emulator.store.get_token(token[:10])
    assert stored.app_id == "spklwebapp" and stored.scopes == ALL_SCOPES
    created = graphql(url, CREATE_TOKEN, {"token": {"name": "from login", "scopes": ["profile:read"]}}, token)
    assert len(created.json()["data"]["apiTokenCreate"]) == 42
    listed = graphql(url, "{ activeUser { apiTokens { id } } }", token=token).json()["data"]["activeUser"]["apiTokens"]
    assert token[:10] not in {t["id"] for t in listed}, "apiTokens lists personal access tokens only"
    logout = post_json(url, "/auth/logout", tokens)
    assert (logout.status, logout.json()) == (200, {"message": "You have logged out."})
    dead = graphql(url, ACTIVE_USER, token=token)
    assert (dead.status, dead.json()) == (403, {"error": "Your token is not valid."})


def test_login_answer_carries_the_login_limiter(running: Any) -> None:
    """The 302 has a text body, a Location with the access code, and the login limiter's Remaining (3)."""
    answer = _login(running.url)
    location = answer.header("Location") or ""
    assert answer.status == 302 and "access_code=" in location
    assert answer.text == f"Found. Redirecting to {location}"
    assert answer.header("Content-Type") == "text/plain; charset=utf-8"
    assert answer.header("X-RateLimit-Remaining") == "3"
    assert answer.header("Set-Cookie") is None


def test_bad_credentials_and_missing_fields(running: Any) -> None:
    """401 bodies as recorded, and per missing field as the server words them."""
    url = running.url
    bad = _login(url, password="wrong")
    assert (bad.status, bad.json()) == (401, {"err": True, "message": "Invalid credentials."})
    unknown = _login(url, email="nobody@example.org")
    assert unknown.status == 401
    steps = [
        ({}, "App Id"),
        ({"appId": "spklwebapp"}, "App Secret"),
        (WEBAPP, "Access Code"),
        ({**WEBAPP, "accessCode": "x"}, "Challenge"),
        ({**WEBAPP, "refreshToken": ""}, "A valid refresh token"),
    ]
    for body, missing in steps:
        answer = post_json(url, "/auth/token", body)
        expected = {"err": f"Invalid request, insufficient information provided. {missing} is required."}
        assert (answer.status, answer.json()) == (401, expected)
    no_challenge = post_json(url, "/auth/local/login", {"email": DEFAULT_ADMIN_EMAIL, "password": "x"})
    assert no_challenge.status == 400
    assert request(url, "GET", "/auth/local").status == 404


def _code(url: str) -> str:
    """A fresh access code for CHALLENGE."""
    location = _login(url).header("Location") or ""
    return parse_qs(urlsplit(location).query)["access_code"][0]


def _exchange(url: str, **fields: str) -> Any:
    """POST /auth/token with the web app's credentials and ``fields``."""
    return post_json(url, "/auth/token", {**WEBAPP, **fields})


def test_access_code_is_single_use_and_bound_to_challenge(running: Any) -> None:
    """A code works once, with its own challenge and app only; a wrong challenge or secret uses it up."""
    url = running.url
    code = _code(url)
    mismatch = _exchange(url, accessCode=code, challenge="other")
    expected = "Code challenge mismatch. Ensure the same challenge is used for authentication and token exchange."
    assert (mismatch.status, mismatch.json()) == (401, {"err": expected})
    assert _exchange(url, accessCode=code, challenge=CHALLENGE).json() == {"err": "Access code not found."}
    code = _code(url)
    other_app = _exchange(url, accessCode=code, challenge=CHALLENGE, appId="sdm")
    assert other_app.json() == {"err": "Invalid request: application id does not match."}
    assert _exchange(url, accessCode=code, challenge=CHALLENGE).status == 200, "a wrong app id leaves the code"
    assert _exchange(url, accessCode=code, challenge=CHALLENGE).json() == {"err": "Access code not found."}
    code = _code(url)
    wrong_secret = _exchange(url, accessCode=code, challenge=CHALLENGE, appSecret="nope")
    assert wrong_secret.json() == {"err": "Invalid app secret. Ensure the app secret is correct."}
    assert _exchange(url, accessCode=code, challenge=CHALLENGE).json() == {"err": "Access code not found."}


def test_refresh_gives_a_new_pair_and_keeps_the_old_one(running: Any) -> None:
    """As recorded: a new token and refresh token, no-cache headers; the old token and refresh token still work."""
    url = running.url
    tokens = _tokens(url)
    refreshed = _exchange(url, refreshToken=tokens["refreshToken"])
    assert refreshed.status == 200
    assert refreshed.header("Cache-Control") == "no-cache, no-store"
    assert (refreshed.header("Expires"), refreshed.header("Pragma")) == ("0", "no-cache")
    new = refreshed.json()
    assert set(new) == {"token", "refreshToken"} and len(new["token"]) == len(new["refreshToken"]) == 42
    assert new["token"] != tokens["token"] and new["refreshToken"] != tokens["refreshToken"]
    assert graphql(url, ACTIVE_USER, token=new["token"]).status == 200
    assert graphql(url, ACTIVE_USER, token=tokens["token"]).status == 200, "the old token keeps working"
    again = _exchange(url, refreshToken=tokens["refreshToken"])
    assert again.status == 200 and again.json()["token"] not in (tokens["token"], new["token"])
    assert _exchange(url, refreshToken=new["refreshToken"]).status == 200


def test_refresh_refusals(running: Any) -> None:
    """Unknown, other app's, wrong-secret and logged-out refresh tokens get 401 with the server's words."""
    url = running.url
    tokens = _tokens(url)
    refresh = tokens["refreshToken"]
    assert _exchange(url, refreshToken="0123456789" + "0" * 32).json() == {"err": "Invalid request"}
    assert _exchange(url, refreshToken=refresh, appId="sdm").json() == {"err": "Invalid request"}
    assert _exchange(url, refreshToken=refresh, appSecret="nope").json() == {"err": "Invalid request"}
    assert _exchange(url, refreshToken=refresh[:10] + "0" * 32).json() == {"err": "Invalid token"}
    assert post_json(url, "/auth/logout", tokens).status == 200
    after = _exchange(url, refreshToken=refresh)
    assert (after.status, after.json()) == (401, {"err": "Invalid request"})


def _assert_logout_failed(answer: Any) -> None:
    """The recorded failed logout: 400, text/html, one sentence."""
    assert answer.status == 400
    assert answer.header("Content-Type") == "text/html; charset=utf-8"
    assert answer.text == "Something went wrong while trying to logout."


def test_logout_answers(running: Any) -> None:
    """200 for a live session; 400 text/html again, for a bogus token, without a token or with 'Bearer '."""
    url = running.url
    tokens = _tokens(url)
    first = post_json(url, "/auth/logout", tokens)
    assert (first.status, first.json()) == (200, {"message": "You have logged out."})
    _assert_logout_failed(post_json(url, "/auth/logout", tokens))
    _assert_logout_failed(post_json(url, "/auth/logout", {"token": "bogustoken" + "0" * 32, "refreshToken": "x"}))
    _assert_logout_failed(post_json(url, "/auth/logout", {"refreshToken": tokens["refreshToken"]}))
    _assert_logout_failed(post_json(url, "/auth/logout", {}))
    live = _tokens(url)
    _assert_logout_failed(post_json(url, "/auth/logout", {"token": f"Bearer {live['token']}"}))
    assert graphql(url, ACTIVE_USER, token=live["token"]).status == 200


def test_failed_logout_keeps_the_refresh_token(running: Any) -> None:
    """The server revokes the refresh token only after the token: a dead token's logout leaves it working."""
    url = running.url
    tokens = _tokens(url)
    _assert_logout_failed(post_json(url, "/auth/logout", {**tokens, "token": "0123456789" + "0" * 32}))
    assert _exchange(url, refreshToken=tokens["refreshToken"]).status == 200


def test_custom_admin_credentials() -> None:
    """--admin-email/--admin-password drive the login; the admin is 'Local Admin', server:admin."""
    with Emulator(admin_email="me@example.com", admin_password="s3cret") as emulator:
        url = emulator.start()
        assert _login(url).status == 401
        good = post_json(
            url, f"/auth/local/login?challenge={CHALLENGE}", {"email": "me@example.com", "password": "s3cret"}
        )
        assert good.status == 302 and "access_code=" in (good.header("Location") or "")
        assert emulator.admin.name == "Local Admin" and emulator.admin.role == "server:admin"
        assert len(emulator.admin.id) == 10
        assert json.loads(request(url, "GET", "/__emulator__/info").text)["adminEmail"] == "me@example.com"
