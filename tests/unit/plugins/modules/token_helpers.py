# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared by the token module tests: canned server answers and a runner that pins every exchange."""

from __future__ import annotations

import datetime
import functools
import json
import pathlib
import typing as t

import pytest
from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.speckle.server.plugins.module_utils import _auth, _module, _run_lock, _token_info, _tokens
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse
from ansible_collections.speckle.server.tests.unit.plugins.module_utils.fakes import (
    Exchange,
    FakeTransport,
    json_response,
)

URL = "https://speckle.example.org"
GQL = f"{URL}/graphql"
NOW = datetime.datetime(2026, 11, 29, 15, 0, 0, tzinfo=datetime.timezone.utc)
LOGIN_TOKEN = "LoginToken" + "l" * 32  # a login (app) token: never in the apiTokens list
SESSION_TOKEN = "SessionTok" + "s" * 32
REFRESH_TOKEN = "refresh-" + "r" * 32
CHALLENGE = "fixed-challenge"
USER = {"id": "94e79e7177", "name": "Local Admin", "email": "admin@example.org", "role": "server:admin"}
DEFAULT_LIFESPAN_MS = 3154000000000
NEW_SECRET = "a1b2c3d4e5" + "N" * 26 + "9120c1"


def api_token(
    token_id: str,
    name: str,
    scopes: list[str],
    created: str = "2026-11-01T12:00:00.000Z",
    lifespan: t.Any = DEFAULT_LIFESPAN_MS,
    last_used: str | None = None,
) -> dict[str, t.Any]:
    return {
        "id": token_id,
        "name": name,
        "lastChars": token_id[-6:],
        "scopes": scopes,
        "createdAt": created,
        "lifespan": lifespan,
        "lastUsed": last_used or created,
    }


def listing(*tokens: dict[str, t.Any], auth: str | None = LOGIN_TOKEN) -> Exchange:
    payload = {"data": {"activeUser": {**USER, "apiTokens": list(tokens)}}}
    return Exchange(GQL, json_response(200, payload), "SpeckleActiveUserTokens", variables={}, auth=auth)


# The new token as the listing after its create shows it (created at NOW).
NEW_LISTED = {
    "id": NEW_SECRET[:10],
    "name": "ci",
    "lastChars": NEW_SECRET[-6:],
    "scopes": ["profile:read", "streams:read"],
    "createdAt": "2026-11-29T15:00:00.000Z",
    "lifespan": DEFAULT_LIFESPAN_MS,
    "lastUsed": "2026-11-29T15:00:00.000Z",
}


def relisting(*tokens: dict[str, t.Any], auth: str | None = LOGIN_TOKEN) -> Exchange:
    """The listing right after a create (the check for runs elsewhere): ``tokens`` and the new one."""
    return listing(*tokens, NEW_LISTED, auth=auth)


def create(token_input: dict[str, t.Any], secret: str = NEW_SECRET, auth: str | None = LOGIN_TOKEN) -> Exchange:
    return Exchange(
        GQL,
        json_response(200, {"data": {"apiTokenCreate": secret}}),
        "SpeckleApiTokenCreate",
        variables={"token": token_input},
        auth=auth,
    )


def create_error(token_input: dict[str, t.Any], message: str, code: str = "TOKEN_CREATE_ERROR") -> Exchange:
    payload = {
        "errors": [{"message": message, "path": ["apiTokenCreate"], "extensions": {"code": code, "statusCode": 400}}],
        "data": None,
    }
    return Exchange(GQL, json_response(200, payload), "SpeckleApiTokenCreate", variables={"token": token_input})


def revoke(token_id: str, auth: str | None = LOGIN_TOKEN) -> Exchange:
    return Exchange(
        GQL,
        json_response(200, {"data": {"apiTokenRevoke": True}}),
        "SpeckleApiTokenRevoke",
        variables={"token": token_id},
        auth=auth,
    )


def revoke_gone(token_id: str) -> Exchange:
    payload = {
        "errors": [
            {
                "message": "Did not revoke token",
                "path": ["apiTokenRevoke"],
                "extensions": {"code": "USER_INPUT_ERROR", "statusCode": 400},
            }
        ],
        "data": None,
    }
    return Exchange(GQL, json_response(200, payload), "SpeckleApiTokenRevoke", variables={"token": token_id})


def forbidden(operation: str, path: list[str], scope: str, data: t.Any) -> Exchange:
    payload = {
        "errors": [
            {
                "message": f"Your auth token does not have the required scope: {scope}.",
                "path": path,
                "extensions": {"code": "FORBIDDEN", "scope": scope, "statusCode": 403},
            }
        ],
        "data": data,
    }
    return Exchange(GQL, json_response(200, payload), operation)


def probe(secret: str, valid: bool = True) -> Exchange:
    """The dest check: ACTIVE_USER_ID sent with the file's token."""
    if valid:
        answer = json_response(200, {"data": {"activeUser": {"id": USER["id"]}}})
    else:
        answer = json_response(403, {"error": "Your token is not valid."})
    return Exchange(GQL, answer, "SpeckleActiveUserId", variables={}, auth=secret)


def login_exchanges() -> list[Exchange]:
    location = f"{URL}/?access_code=CODE123"
    return [
        Exchange(
            f"{URL}/auth/local/login?challenge={CHALLENGE}",
            HTTPResponse(status=302, headers={"location": location}),
            body={"email": USER["email"], "password": "hunter2-password"},
        ),
        Exchange(
            f"{URL}/auth/token",
            json_response(200, {"token": SESSION_TOKEN, "refreshToken": REFRESH_TOKEN}),
            body={"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": "CODE123", "challenge": CHALLENGE},
        ),
    ]


def logout_exchange() -> Exchange:
    return Exchange(
        f"{URL}/auth/logout",
        json_response(200, {"message": "You have logged out."}),
        body={"token": SESSION_TOKEN, "refreshToken": REFRESH_TOKEN},
    )


def warnings(result: dict[str, t.Any]) -> list[str]:
    """The warning texts of a result (ansible-core 2.19 returns them as structured summaries)."""
    texts = []
    for warning in result.get("warnings") or []:
        texts.append(warning["event"]["msg"] if isinstance(warning, dict) else str(warning))
    return texts


class Runner:
    """Runs a module's ``main()`` against a scripted transport and returns its JSON result."""

    def __init__(
        self,
        module: t.Any,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        lock_dir: pathlib.Path | None = None,
    ) -> None:
        self.module = module
        if lock_dir is not None:
            # The default lock directory, instead of the one under the system's temporary directory.
            monkeypatch.setattr(_run_lock, "default_lock_dir", lambda: str(lock_dir))
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.transport: FakeTransport | None = None
        # Backoffs and lock waits are recorded, not slept: jitter 1.0 makes backoffs the schedule's upper bounds
        # (0.5, 1, 2 s). ``on_sleep`` lets a test act while the module "sleeps" (free a lock it holds, say).
        self.sleeps: list[float] = []
        self.on_sleep: t.Callable[[float], None] | None = None
        client = functools.partial(GraphQLClient, sleep=self._sleep, jitter=lambda: 1.0)
        monkeypatch.setattr(_module, "GraphQLClient", client)
        # Each module binds utc_now on import; pin the name that each one calls.
        monkeypatch.setattr(_tokens, "utc_now", lambda: NOW)
        monkeypatch.setattr(_token_info, "utc_now", lambda: NOW)
        monkeypatch.setattr(_auth.secrets, "token_urlsafe", lambda _n=None: CHALLENGE)
        # AnsibleModule collects warnings in a process-wide dict; each run starts with none.
        monkeypatch.setattr(_warnings, "_global_warnings", {})

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep(seconds)

    def __call__(
        self,
        args: dict[str, t.Any],
        exchanges: list[Exchange],
        *,
        check_mode: bool = False,
        diff: bool = False,
        credentials: dict[str, t.Any] | None = None,
    ) -> dict[str, t.Any]:
        transport = FakeTransport(list(exchanges))
        self.transport = transport
        self.sleeps.clear()
        self.monkeypatch.setattr(SpeckleModule, "_default_transport", lambda _self: transport)
        if credentials is None:
            credentials = {"token": LOGIN_TOKEN}
        full: dict[str, t.Any] = {"server_url": URL, **credentials, **args}
        if check_mode:
            full["_ansible_check_mode"] = True
        if diff:
            full["_ansible_diff"] = True
        with patch_module_args(full), pytest.raises(SystemExit):
            self.module.main()
        result = json.loads(self.capsys.readouterr().out)
        transport.assert_done()
        return result

    @property
    def sent(self) -> list[dict[str, t.Any]]:
        assert self.transport is not None
        return self.transport.seen
