"""The local login flow: /auth/local/login, /auth/token (access code or refresh token) and /auth/logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .constants import ALL_SCOPES, WEBAPP_ID, WEBAPP_SECRET
from .reply import Reply, json_reply, text_reply
from .store import Store

INSUFFICIENT = "Invalid request, insufficient information provided. App Id is required."


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


def exchange_token(store: Store, body: Any) -> Reply:
    """POST /auth/token: exchange an access code (or a refresh token) for a token and a refresh token."""
    body = body if isinstance(body, dict) else {}
    app_id, app_secret = body.get("appId"), body.get("appSecret")
    if body.get("refreshToken"):
        if not app_id or not app_secret:
            return json_reply(
                401, {"err": "Invalid request - refresh token exchange. App Id and App Secret are required."}
            )
        if app_id != WEBAPP_ID or app_secret != WEBAPP_SECRET:
            return json_reply(401, {"err": "Invalid app credentials."})
        user_id = store.consume_refresh_token(str(body["refreshToken"]), app_id)
        if user_id is None:
            return json_reply(401, {"err": "Invalid refresh token."})
        return json_reply(200, _issue(store, user_id))
    access_code, challenge = body.get("accessCode"), body.get("challenge")
    if not app_id or not app_secret or not access_code or not challenge:
        return json_reply(401, {"err": INSUFFICIENT})
    if app_id != WEBAPP_ID or app_secret != WEBAPP_SECRET:
        return json_reply(401, {"err": "Invalid app credentials."})
    code = store.consume_access_code(str(access_code))
    if code is None or code["app_id"] != app_id:
        return json_reply(401, {"err": "Access code not found."})
    if code["challenge"] != challenge:
        return json_reply(401, {"err": "Invalid request"})
    return json_reply(200, _issue(store, code["user_id"]))


def logout(store: Store, body: Any) -> Reply:
    """POST /auth/logout {token, refreshToken}: revoke both; the token is dead afterwards."""
    body = body if isinstance(body, dict) else {}
    access = body.get("token")
    if not isinstance(access, str) or not access:
        return text_reply(400, "Something went wrong while trying to logout.", "text/html; charset=utf-8")
    store.revoke_token(access.replace("Bearer ", "", 1)[:10])
    refresh = body.get("refreshToken")
    if isinstance(refresh, str) and refresh:
        store.revoke_refresh_token(refresh)
    return json_reply(200, {"message": "You have logged out."})
