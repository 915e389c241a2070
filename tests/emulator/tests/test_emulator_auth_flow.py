"""Local login flow: /auth/local/login -> /auth/token -> use -> /auth/logout (token dead afterwards)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from emulator_testlib import ACTIVE_USER, CREATE_TOKEN, graphql, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import ALL_SCOPES, DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD

CHALLENGE = "test-challenge-123"


def _login(url: str, email: str = DEFAULT_ADMIN_EMAIL, password: str = DEFAULT_ADMIN_PASSWORD) -> Any:
    """POST /auth/local/login with a challenge."""
    return post_json(url, f"/auth/local/login?challenge={CHALLENGE}", {"email": email, "password": password})


def _tokens(url: str) -> dict[str, str]:
    """Log in and exchange the access code; returns {token, refreshToken}."""
    login = _login(url)
    assert login.status == 302
    location = login.header("Location") or ""
    code = parse_qs(urlsplit(location).query)["access_code"][0]
    body = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": code, "challenge": CHALLENGE}
    exchanged = post_json(url, "/auth/token", body)
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


def test_bad_credentials_and_missing_fields(running: Any) -> None:
    """401 bodies as recorded / documented."""
    url = running.url
    bad = _login(url, password="wrong")
    assert (bad.status, bad.json()) == (401, {"err": True, "message": "Invalid credentials."})
    unknown = _login(url, email="nobody@example.org")
    assert unknown.status == 401
    missing = post_json(url, "/auth/token", {})
    assert missing.status == 401
    assert missing.json() == {"err": "Invalid request, insufficient information provided. App Id is required."}
    no_challenge = post_json(url, "/auth/local/login", {"email": DEFAULT_ADMIN_EMAIL, "password": "x"})
    assert no_challenge.status == 400
    assert request(url, "GET", "/auth/local").status == 404


def test_access_code_is_single_use_and_bound_to_challenge(running: Any) -> None:
    """A code works once, with its own challenge only."""
    url = running.url
    location = _login(url).header("Location") or ""
    code = parse_qs(urlsplit(location).query)["access_code"][0]
    body = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": code, "challenge": "other"}
    assert post_json(url, "/auth/token", body).status == 401
    location = _login(url).header("Location") or ""
    body["accessCode"] = parse_qs(urlsplit(location).query)["access_code"][0]
    body["challenge"] = CHALLENGE
    assert post_json(url, "/auth/token", body).status == 200
    assert post_json(url, "/auth/token", body).status == 401
    body["appSecret"] = "nope"
    assert post_json(url, "/auth/token", body).status == 401


def test_refresh_token_gives_a_new_pair(running: Any) -> None:
    """POST /auth/token {refreshToken, appId, appSecret} issues a fresh token; the refresh token is single-use."""
    url = running.url
    tokens = _tokens(url)
    body = {"refreshToken": tokens["refreshToken"], "appId": "spklwebapp", "appSecret": "spklwebapp"}
    refreshed = post_json(url, "/auth/token", body)
    assert refreshed.status == 200
    new = refreshed.json()
    assert new["token"] != tokens["token"]
    assert graphql(url, ACTIVE_USER, token=new["token"]).status == 200
    assert post_json(url, "/auth/token", body).status == 401


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
