# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.speckle.server.plugins.module_utils import _module
from ansible_collections.speckle.server.plugins.modules import speckle_server_info

from ..module_utils.fakes import Exchange, FakeTransport, json_response

URL = "http://127.0.0.1:3000"
TOKEN = "abcdef0123" + "S" * 32


def test_one_request_and_facts(run_module):
    data = {"serverInfo": {"name": "S", "version": "2.6.4-alpha.4711"}}
    transport = FakeTransport(
        [Exchange(f"{URL}/graphql", json_response(200, {"data": data}), "SpeckleServerInfo", auth=TOKEN)]
    )
    result = run_module(
        speckle_server_info.main,
        {"server_url": f"{URL}/graphql", "token": TOKEN, "gather_subset": ["server", "version"]},
        transport,
    )
    transport.assert_done()
    assert result["changed"] is False
    assert result["version"]["parts"] == [2, 6, 4, "alpha", 4711]
    assert result["server"]["name"] == "S"
    assert TOKEN not in str(result)
    assert result["invocation"]["module_args"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_bad_token_fails_once_with_clear_message(run_module):
    transport = FakeTransport([Exchange(f"{URL}/graphql", json_response(403, {"error": "Your token is not valid."}))])
    result = run_module(speckle_server_info.main, {"server_url": URL, "token": TOKEN}, transport)
    assert result["failed"] is True
    assert result["msg"] == (
        "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 'Your token is not "
        "valid.'). Check token or SPECKLE_TOKEN, or create a new token."
    )
    assert TOKEN not in str(result)


def test_token_and_email_are_mutually_exclusive(run_module):
    result = run_module(
        speckle_server_info.main,
        {"server_url": URL, "token": TOKEN, "email": "a@example.org", "password": "pw"},
        FakeTransport([]),
    )
    assert result["failed"] is True
    assert result["msg"] == "parameters are mutually exclusive: token|email, token|password"


def test_login_and_logout_around_the_query(run_module):
    session = "sessiontok" + "T" * 32
    transport = FakeTransport(
        [
            Exchange(
                f"{URL}/auth/local/login?challenge=",  # challenge is random: checked by prefix below
                json_response(302, {}, {"Location": "http://127.0.0.1:3000/?access_code=CODE"}),
            ),
            Exchange(f"{URL}/auth/token", json_response(200, {"token": session, "refreshToken": "REFRESH"})),
            Exchange(f"{URL}/graphql", json_response(200, {"data": {"user": {"id": "u1"}}}), auth=session),
            Exchange(f"{URL}/auth/logout", json_response(200, {"message": "You have logged out."}), auth=None),
        ]
    )
    original = transport.post_json

    def post_json(url, body, headers, timeout, follow_redirects=False):
        if url.startswith(f"{URL}/auth/local/login?challenge="):
            assert body == {"email": "a@example.org", "password": "pw"}
            url = f"{URL}/auth/local/login?challenge="
        if url == f"{URL}/auth/token":
            assert body["appId"] == "spklwebapp" and body["accessCode"] == "CODE" and body["challenge"]
        if url == f"{URL}/auth/logout":
            assert body == {"token": session, "refreshToken": "REFRESH"}
        return original(url, body, headers, timeout, follow_redirects)

    transport.post_json = post_json
    result = run_module(
        speckle_server_info.main,
        {"server_url": URL, "email": "a@example.org", "password": "pw", "gather_subset": ["user"]},
        transport,
    )
    transport.assert_done()
    assert result["user"] == {"id": "u1"}
    assert session not in str(result)


def test_logout_happens_on_failure_too(run_module):
    session = "sessiontok" + "T" * 32
    transport = FakeTransport(
        [
            Exchange(f"{URL}/auth/local/login", json_response(302, {}, {"Location": "/?access_code=C"})),
            Exchange(f"{URL}/auth/token", json_response(200, {"token": session, "refreshToken": "R"})),
            Exchange(f"{URL}/graphql", json_response(500, {"errors": [{"message": "boom"}]})),
            Exchange(f"{URL}/auth/logout", json_response(200, {"message": "You have logged out."})),
        ]
    )
    original = transport.post_json
    transport.post_json = lambda url, *a, **k: original(url.split("?")[0], *a, **k)
    result = run_module(
        speckle_server_info.main,
        {"server_url": URL, "email": "a@example.org", "password": "pw", "gather_subset": ["server"], "retries": 0},
        transport,
    )
    transport.assert_done()
    assert result["failed"] is True
    assert result["msg"] == "The server returned an error: boom"


def test_bad_credentials(run_module):
    transport = FakeTransport(
        [Exchange(f"{URL}/auth/local/login", json_response(401, {"err": True, "message": "Invalid credentials."}))]
    )
    original = transport.post_json
    transport.post_json = lambda url, *a, **k: original(url.split("?")[0], *a, **k)
    result = run_module(
        speckle_server_info.main, {"server_url": URL, "email": "a@example.org", "password": "no"}, transport
    )
    assert result["msg"] == (
        "The server rejected the email and password (HTTP 401 Invalid credentials). Check email and password, or "
        "SPECKLE_EMAIL and SPECKLE_PASSWORD."
    )


def test_missing_requests_library_fails_with_missing_required_lib(run_module, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    monkeypatch.setattr(_module, "REQUESTS_IMPORT_ERROR", "Traceback: No module named 'requests'")
    result = run_module(speckle_server_info.main, {"server_url": URL}, FakeTransport([]))
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to import the required Python library (requests) on ")
