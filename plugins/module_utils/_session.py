# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""speckle_session: one login per play instead of one per task.

The server allows 4 logins per 10 minutes (then 10 more per 30 minutes) from one client address, so a play
whose tasks each log in with email and password breaks after about a dozen tasks. A session logs in once;
every other task passes its token; the play logs it out in an ``always:`` section.

Both states act in check mode: the session is the play's own credential, not state the play manages. A check
run needs it to read the server, and must not leave it alive behind itself.
"""

from __future__ import annotations

import typing as t

from ansible_collections.speckle.server.plugins.module_utils._auth import LoginSession, login, logout
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._credentials import login_credentials, resolve_credentials
from ansible_collections.speckle.server.plugins.module_utils._documents import SESSION_USER
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    InvalidToken,
    LogoutFailed,
    SpeckleError,
)

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

USER_KEYS = ("id", "name", "email", "role")


def validate_session_options(module: SpeckleModule) -> None:
    """Fail before anything is sent when the chosen state lacks what it needs."""
    if module.params["state"] == "present":
        if module.params.get("token") or module.params.get("refresh_token"):
            raise ConfigurationError(
                "state=present logs in with email and password and returns a new session; token and refresh_token "
                "are for state=absent."
            )
        credentials = login_credentials(module.params)
        module.hide(credentials.password)
        return
    if not resolve_credentials(module.params).token:
        raise ConfigurationError(
            "state=absent needs the session's token (the token returned by state=present, or SPECKLE_TOKEN)."
        )
    if not (module.params.get("refresh_token") or "").strip():
        raise ConfigurationError("state=absent needs the session's refresh_token, as returned by state=present.")


def manage_session(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    if module.params["state"] == "present":
        return _log_in(module, client)
    return _log_out(module, client)


def _log_in(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    credentials = login_credentials(module.params)
    # The session's tokens are not hidden from the result: handing them over is the point. The task's no_log
    # keeps them out of the output, and no message of this module ever holds them.
    session = login(client, credentials.email or "", credentials.password or "", session_module=True)
    try:
        user = _session_user(client, session.token)
    except SpeckleError:
        _log_out_quietly(module, client, session)
        raise
    if user is None:
        _log_out_quietly(module, client, session)
        raise SpeckleError("The login succeeded but its session token names no user; the session was logged out.")
    # Not a change: the play reads with the session and logs it out again, so a re-run of an idempotent play
    # stays at 0 changed (ovirt_auth reports its login the same way).
    return {
        "changed": False,
        "token": session.token,
        "refresh_token": session.refresh_token,
        "user": user,
        "server_url": client.server_url,
    }


def _log_out(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    token = resolve_credentials(module.params).token or ""
    # A refresh token read back from a file ends in a newline; the server compares it exactly.
    session = LoginSession(token=token, refresh_token=module.params["refresh_token"].strip())
    module.hide(session.token)  # from SPECKLE_TOKEN it is no no_log option, so Ansible would not mask it
    module.hide(session.refresh_token)
    logged_in: bool | None = True
    try:
        user = _session_user(client, session.token)
    except InvalidToken:
        user, logged_in = None, False
    except SpeckleError:
        # The query only tells whether there is anything to do. When it fails (an HTTP 500, an HTML page, retries
        # used up), log out anyway: logging out a dead session is harmless, leaving a live one behind is not.
        user, logged_in = None, None
    email = (user or {}).get("email")
    # Not knowing whether the session was still logged in, a logout that went through counts as a change.
    result: dict[str, t.Any] = {"changed": logged_in is not False, "logged_out": True, "user": user}
    if module.diff_mode:
        result["diff"] = {
            "before": {"logged_in": logged_in, "user": email},
            "after": {"logged_in": False, "user": email},
        }
    if logged_in is False:
        return result
    try:
        logout(client, session)
    except LogoutFailed as exc:
        raise LogoutFailed(
            f"Logging out failed ({exc.reason}) and the session token still works. Run the task again; until it "
            "succeeds, treat the token as a live credential.",
            reason=exc.reason,
        ) from None
    return result


def _session_user(client: GraphQLClient, token: str) -> dict[str, t.Any] | None:
    """The session's user, read with the session token; InvalidToken when the session is dead."""
    data = client.with_token(token).execute(SESSION_USER).data
    user = data.get("activeUser")
    if not isinstance(user, dict):
        return None
    return {key: user.get(key) for key in USER_KEYS}


def _log_out_quietly(module: SpeckleModule, client: GraphQLClient, session: LoginSession) -> None:
    """Do not leave a session behind that nobody was handed; warn if that fails too."""
    try:
        logout(client, session)
    except SpeckleError as exc:
        module.warn(exc.msg)
