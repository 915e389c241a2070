# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The server's local login flow, for token management with email and password.

A personal token can never hold ``tokens:write`` on current servers, so creating tokens needs a
login (app) token. This logs in as the web app does, and logs out again so the short-lived
session token dies with the module run.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import LoginFailed, NotGraphQLEndpoint

WEB_APP_ID = "spklwebapp"
WEB_APP_SECRET = "spklwebapp"


@dataclass
class LoginSession:
    token: str
    refresh_token: str


def login(client: GraphQLClient, email: str, password: str) -> LoginSession:
    """Run ``/auth/local/login`` then ``/auth/token``; raise ``LoginFailed`` with the reason."""
    challenge = secrets.token_urlsafe(24)
    answer = client.post_rest(f"/auth/local/login?challenge={challenge}", {"email": email, "password": password})
    if answer.status == 401:
        raise LoginFailed(
            "The server rejected the email and password (HTTP 401 Invalid credentials). Check email and password, "
            "or SPECKLE_EMAIL and SPECKLE_PASSWORD."
        )
    access_code = _access_code(answer.header("location")) if answer.status in (301, 302, 303) else None
    if not access_code:
        raise _unexpected("/auth/local/login", answer.status, answer.header("content-type"), client)
    answer = client.post_rest(
        "/auth/token",
        {"appId": WEB_APP_ID, "appSecret": WEB_APP_SECRET, "accessCode": access_code, "challenge": challenge},
    )
    body = _json(answer.text)
    if answer.status != 200 or not isinstance(body, dict) or not body.get("token"):
        raise _unexpected("/auth/token", answer.status, answer.header("content-type"), client)
    return LoginSession(token=str(body["token"]), refresh_token=str(body.get("refreshToken") or ""))


def logout(client: GraphQLClient, session: LoginSession) -> None:
    """End the session so its token stops working; raise ``LoginFailed`` if the server refuses."""
    answer = client.post_rest("/auth/logout", {"token": session.token, "refreshToken": session.refresh_token})
    if answer.status != 200:
        raise LoginFailed(
            f"Logging out failed (HTTP {answer.status}); the session token may stay valid until it expires."
        )


def _access_code(location: str | None) -> str | None:
    if not location:
        return None
    codes = parse_qs(urlsplit(location).query).get("access_code")
    return codes[0] if codes else None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _unexpected(path: str, status: int, content_type: str | None, client: GraphQLClient) -> Exception:
    if content_type and "html" in content_type:
        return NotGraphQLEndpoint(
            f"{client.server_url}{path} answered with HTML (HTTP {status}): server_url does not point at the Speckle "
            "server's API (is it the frontend's address?).",
            status=status,
        )
    return LoginFailed(
        f"The local login flow failed at {path} (HTTP {status}). Check that the server has the local (email and "
        "password) auth strategy enabled, and check email and password."
    )
