"""The local login flow: /auth/local/login, /auth/token (access code or refresh token) and /auth/logout.

Answers as recorded (FACTS-admin.md A); the wording of the cases the recordings do not show follows the server's
source and is marked inferred in README.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .constants import ALL_SCOPES, TOKEN_ID_LENGTH, WEBAPP_ID, WEBAPP_SECRET
from .reply import HTML_TYPE, Reply, json_reply, text_reply
from .store import ACCESS_CODE_TTL_MS, Store, now_ms

INSUFFICIENT = "Invalid request, insufficient information provided. {} is required."
LOGOUT_FAILED = "Something went wrong while trying to logout."
# A refreshed token must not be cached by the browser or a proxy.
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Expires": "0", "Pragma": "no-cache"}


def local_login(store: Store, canonical_url: str, challenge: str | None, body: Any) -> Reply:
    """POST /auth/local/login?challenge=X: a 302 to the web app with an access code, or 401."""
    if not challenge:
        return json_reply(400, {"err": True, "message": "Invalid request: a challenge query parameter is required."})
    email = body.get("email") if isinstance(body, dict) else None
    password = body.get("password") if isinstance(body, dict) else None
    user = None
    if isinstance(email, str) and isinstance(password, str):
        user = store.check_password(email, password)
    if user is None:
        return json_reply(401, {"err": True, "message": "Invalid credentials."})
    code = store.create_access_code(WEBAPP_ID, user.id, challenge)
    location = f"{canonical_url}/?access_code={quote(code)}"
    reply = text_reply(302, f"Found. Redirecting to {location}")
    reply.headers["Location"] = location
    return reply


def _issue(store: Store, user_id: str) -> dict[str, str]:
    """A web-app login token (every scope) and its refresh token."""
    token = store.create_token(user_id, "Speckle Web Manager", list(ALL_SCOPES), app_id=WEBAPP_ID)
    return {"token": token, "refreshToken": store.create_refresh_token(WEBAPP_ID, user_id)}


def _refused(message: str) -> Reply:
    """The server's one answer to every failed token request: 401 {"err": message}."""
    return json_reply(401, {"err": message})


def exchange_token(store: Store, body: Any) -> Reply:
    """POST /auth/token: exchange an access code, or a refresh token, for a new token and refresh token."""
    body = body if isinstance(body, dict) else {}
    app_id, app_secret = body.get("appId"), body.get("appSecret")
    if not app_id:
        return _refused(INSUFFICIENT.format("App Id"))
    if not app_secret:
        return _refused(INSUFFICIENT.format("App Secret"))
    if "refreshToken" in body:
        return _refresh(store, body["refreshToken"], app_id, app_secret)
    access_code, challenge = body.get("accessCode"), body.get("challenge")
    if not access_code:
        return _refused(INSUFFICIENT.format("Access Code"))
    if not challenge:
        return _refused(INSUFFICIENT.format("Challenge"))
    code = store.find_access_code(str(access_code))
    if code is None:
        return _refused("Access code not found.")
    if code["app_id"] != app_id:
        return _refused("Invalid request: application id does not match.")
    if not store.delete_access_code(str(access_code)):
        return _refused("Access code not found.")  # a concurrent exchange used it first
    if now_ms() - code["created_at"] > ACCESS_CODE_TTL_MS:
        return _refused("Access code expired")
    if code["challenge"] != challenge:
        return _refused(
            "Code challenge mismatch. Ensure the same challenge is used for authentication and token exchange."
        )
    if app_secret != WEBAPP_SECRET:
        return _refused("Invalid app secret. Ensure the app secret is correct.")
    return json_reply(200, _issue(store, code["user_id"]))


def _refresh(store: Store, refresh_token: Any, app_id: Any, app_secret: Any) -> Reply:
    """A new token and a new refresh token; the old token and the old refresh token keep working."""
    if not refresh_token:
        return _refused(INSUFFICIENT.format("A valid refresh token"))
    found = store.find_refresh_token(str(refresh_token))
    if found is None or found.app_id != app_id:
        return _refused("Invalid request")
    if not found.secret_matches:
        return _refused("Invalid token")
    if app_secret != WEBAPP_SECRET:
        return _refused("Invalid request")
    return json_reply(200, _issue(store, found.user_id), NO_CACHE)


def logout(store: Store, body: Any) -> Reply:
    """POST /auth/logout {token, refreshToken}: revoke both; 400 (text/html) when the token is missing or dead."""
    body = body if isinstance(body, dict) else {}
    access = body.get("token")
    if not isinstance(access, str) or not access or not store.revoke_token(access[:TOKEN_ID_LENGTH]):
        return text_reply(400, LOGOUT_FAILED, HTML_TYPE)
    refresh = body.get("refreshToken")
    if isinstance(refresh, str) and refresh:
        store.revoke_refresh_token(refresh)
    return json_reply(200, {"message": "You have logged out."})
