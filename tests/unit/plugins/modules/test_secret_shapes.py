# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every secret-bearing option and environment variable, in every awkward shape, through main().

The module runs on the real RequestsTransport and a real ``requests.Session``: only the socket is
replaced (a requests adapter that answers like the server), so requests' own header and URL checks
run as they would. Each case pins the outcome, what was sent, and that the result holds neither the
secret nor any 16 characters of it in a row. tests/integration/targets/speckle_secret_shapes does the
same through ansible-playbook at -vvvv against the emulator.
"""

from __future__ import annotations

import json
import random
import string
import typing as t
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from ansible_collections.speckle.server.plugins.module_utils._transport import RequestsTransport
from ansible_collections.speckle.server.plugins.modules import speckle_token_info

URL = "https://speckle.example.org"
TOKEN = "Tk9x2QwErt" + "Zp4Lm8Nb2Vc6Xz1Qa5Ws3Ed7Rf9Tg0Yh"  # 42 characters, as the server issues them
PASSWORD = "pW7 horse battery staple Q9"  # inner spaces: a password may hold them
EMAIL = "admin@example.org"
SESSION = "Sess10nTok" + "Ab3De5Gh7Jk9Mn2Pq4St6Vw8Yz1Bc3Df"
REFRESH = "Refr3shTok" + "Zy9Xw7Vu5Ts3Rq1Po8Nm6Lk4Ji2Hg0Fe"
_RANDOM = random.Random(5000)
LONG_VALUE = "".join(_RANDOM.choice(string.ascii_letters + string.digits) for _position in range(5000))

ENV = {"token": "SPECKLE_TOKEN", "password": "SPECKLE_PASSWORD", "email": "SPECKLE_EMAIL"}
BASE = {"token": TOKEN, "password": PASSWORD, "email": EMAIL}
SHAPES = ["trailing_newline", "crlf", "embedded_newline", "nul", "bearer_prefix", "chars_5000"]

REJECTED_TOKEN = (
    "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 'Your token is not valid.'). "
    "Check token or SPECKLE_TOKEN, or create a new token."
)
REJECTED_LOGIN = (
    "The server rejected the email and password (HTTP 401 Invalid credentials). Check email and password, or "
    "SPECKLE_EMAIL and SPECKLE_PASSWORD."
)


def token_refused(kind: str, position: int, source: str) -> str:
    return (
        f"{source} contains {kind} at character {position}, and a Speckle token never does. "
        "Whitespace around the token and a leading 'Bearer ' are removed, nothing inside it; check where the value "
        "comes from. The value is not shown."
    )


def password_refused(kind: str, position: int, source: str) -> str:
    return (
        f"{source} contains {kind} at character {position}. Line breaks around the password "
        "are removed and spaces are kept, as the login form does; a line break or control character inside it is "
        "refused, since the form cannot send one. The value is not shown."
    )


def email_refused(kind: str, position: int, source: str) -> str:
    return (
        f"{source} contains {kind} at character {position}, and an email address never does. "
        "Whitespace around it is removed, as the login form does; check the value."
    )


def shaped(option: str, shape: str) -> str:
    value = BASE[option]
    half = len(value) // 2
    return {
        "trailing_newline": value + "\n",
        "crlf": value + "\r\n",
        "embedded_newline": value[:half] + "\n" + value[half:],
        "nul": value[:half] + "\0" + value[half:],
        "bearer_prefix": "Bearer " + value,
        "chars_5000": LONG_VALUE if option != "email" else LONG_VALUE[: 5000 - len("@example.org")] + "@example.org",
    }[shape]


def expected(option: str, source: str, shape: str) -> str | None:
    """None: the module succeeds and sends the clean value; otherwise its exact failure message."""
    name = ENV[option] if source == "env" else option
    return {
        ("token", "trailing_newline"): None,
        ("token", "crlf"): None,
        ("token", "embedded_newline"): token_refused("a line break", 22, name),
        ("token", "nul"): token_refused("a NUL character", 22, name),
        ("token", "bearer_prefix"): None,
        ("token", "chars_5000"): REJECTED_TOKEN,
        ("password", "trailing_newline"): None,
        ("password", "crlf"): None,
        ("password", "embedded_newline"): password_refused("a line break", 14, name),
        ("password", "nul"): password_refused("a NUL character", 14, name),
        ("password", "bearer_prefix"): REJECTED_LOGIN,
        ("password", "chars_5000"): REJECTED_LOGIN,
        ("email", "trailing_newline"): None,
        ("email", "crlf"): None,
        ("email", "embedded_newline"): email_refused("a line break", 9, name),
        ("email", "nul"): email_refused("a NUL character", 9, name),
        ("email", "bearer_prefix"): email_refused("whitespace", 7, name),
        ("email", "chars_5000"): REJECTED_LOGIN,
    }[(option, shape)]


# An environment variable cannot hold a NUL byte (the OS passes C strings), so those three cases cannot occur.
CASES = [
    pytest.param(option, source, shape, id=f"{option}-{source}-{shape}")
    for option in ("token", "password", "email")
    for source in ("option", "env")
    for shape in SHAPES
    if not (source == "env" and shape == "nul")
]


class ServerDouble(BaseAdapter):
    """Answers the login flow and the token listing as the Speckle server does, and keeps every request."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **_kwargs: t.Any) -> requests.Response:
        self.requests.append(request)
        body = json.loads(request.body) if request.body else {}
        path = urlsplit(request.url).path
        if path == "/auth/local/login":
            if body == {"email": EMAIL, "password": PASSWORD}:
                return self._answer(request, 302, {}, {"Location": f"{URL}/?access_code=CODE"})
            return self._answer(request, 401, {"err": True, "message": "Invalid credentials."})
        if path == "/auth/token":
            return self._answer(request, 200, {"token": SESSION, "refreshToken": REFRESH})
        if path == "/auth/logout":
            return self._answer(request, 200, {"message": "You have logged out."})
        auth = request.headers.get("Authorization")
        # The server strips one "Bearer " and reads 42 characters.
        if auth is not None and auth.replace("Bearer ", "", 1)[:42] not in (TOKEN, SESSION):
            return self._answer(request, 403, {"error": "Your token is not valid."})
        user = {"id": "94e79e7177", "name": "Local Admin", "email": EMAIL, "role": "server:admin", "apiTokens": []}
        return self._answer(request, 200, {"data": {"activeUser": user}})

    def close(self) -> None:
        pass

    @staticmethod
    def _answer(
        request: requests.PreparedRequest, status: int, payload: t.Any, headers: dict[str, str] | None = None
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode()  # pylint: disable=protected-access
        response.headers.update({"Content-Type": "application/json; charset=utf-8", **(headers or {})})
        response.url = request.url or ""
        response.request = request
        return response


SYSLOG_NUL = "Failed to log to syslog (embedded null character)."


def leaks(secret: str, text: str) -> list[str]:
    """The pieces of ``secret`` found in ``text``: itself, its middle third, any 16 characters in a row."""
    middle = secret[len(secret) // 3 : 2 * len(secret) // 3]
    pieces = [secret, middle] + [secret[start : start + 16] for start in range(max(1, len(secret) - 15))]
    return sorted({piece for piece in pieces if piece and piece in text})


@pytest.mark.parametrize(("option", "source", "shape"), CASES)
def test_secret_shape(run_module, monkeypatch, option, source, shape):
    for variable in (*ENV.values(), "SPECKLE_SERVER_URL"):
        monkeypatch.delenv(variable, raising=False)
    value = shaped(option, shape)
    args: dict[str, t.Any] = {"server_url": URL, "retries": 0}
    # The token alone, or a login whose one awkward part is the option under test.
    given = {"token": value} if option == "token" else {"email": EMAIL, "password": PASSWORD, option: value}
    for name, given_value in given.items():
        if name == option and source == "env":
            monkeypatch.setenv(ENV[name], given_value)
        else:
            args[name] = given_value
    double = ServerDouble()
    session = requests.Session()
    session.mount("https://", double)

    result = run_module(speckle_token_info.main, args, RequestsTransport(session))

    output = json.dumps(result)
    outcome = expected(option, source, shape)
    if outcome is None:
        assert result.get("failed") is not True, result.get("msg")
        assert result["tokens"] == []
    elif option == "email" and source == "option" and shape == "nul" and result.get("msg", "").startswith(SYSLOG_NUL):
        # From Python 3.12 on, syslog refuses a NUL, so AnsibleModule fails while it logs the (not secret) email,
        # before the module runs: a clean failure of Ansible's own, and nothing is sent.
        assert result["failed"] is True
        assert double.requests == []
    else:
        assert result["failed"] is True
        assert result["msg"] == outcome
    # What was sent is the clean value, and nothing at all after a refusal.
    if outcome is not None and " contains " in outcome:
        assert double.requests == []
    for request in double.requests:
        if urlsplit(request.url).path == "/auth/local/login":
            assert json.loads(request.body) == {
                "email": clean(option, "email", value),
                "password": clean(option, "password", value),
            }
        elif option == "token":
            assert request.headers["Authorization"] == f"Bearer {clean(option, 'token', value)}"
    # The secrets of the case never reach the result, in any form.
    secrets = [LONG_VALUE if shape == "chars_5000" and option != "email" else BASE[option]]
    if option == "email":
        secrets = [PASSWORD]  # the email is not a secret (it is in invocation), the password is
        assert EMAIL[:6] not in result.get("msg", "")
    for secret in secrets:
        assert leaks(secret, output) == []
    assert result["invocation"]["module_args"].get("password") in (None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")
    assert result["invocation"]["module_args"].get("token") in (None, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER")


def clean(option: str, name: str, value: str) -> str:
    """What the module must send for ``name`` when ``option`` was given as ``value``."""
    if name != option:
        return BASE[name]
    if value.startswith("Bearer ") and option == "token":
        return value[len("Bearer ") :]
    return value.strip("\r\n")


def test_every_case_is_counted():
    # 3 options x 2 sources x 6 shapes, less the 3 NUL-in-environment cases no OS can carry.
    assert len(CASES) == 33
