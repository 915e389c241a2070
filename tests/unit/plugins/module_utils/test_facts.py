# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._documents import compose_server_info
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    MissingScope,
)
from ansible_collections.speckle.server.plugins.module_utils._facts import ServerFacts, snake_case

from .fakes import Exchange, FakeTransport, json_response

URL = "http://127.0.0.1:3000"
GQL = f"{URL}/graphql"
TOKEN = "abcdef0123" + "S" * 32
SERVER_INFO = {"name": "My Speckle", "version": "2.23.4", "serverRoles": [{"id": "server:admin", "title": "Admin"}]}
USER = {"id": "94e79e7177", "name": "Local Admin", "email": None, "role": "server:admin"}
TOKENS = {
    "apiTokens": [
        {
            "id": "e82c553bc5",
            "name": "ci",
            "lastChars": "9120c1",
            "scopes": ["profile:read"],
            "createdAt": "2020-11-29T14:26:28.549Z",
            "lifespan": 3600000,
            "lastUsed": "2026-11-29T14:27:50.593Z",
        }
    ]
}
FORBIDDEN_TOKENS = {
    "message": "Your auth token does not have the required scope: tokens:read.",
    "path": ["tokens", "apiTokens"],
    "extensions": {"code": "FORBIDDEN", "scope": "tokens:read", "statusCode": 403},
}


def facts_for(exchanges, token=TOKEN):
    transport = FakeTransport(exchanges)
    client = GraphQLClient(URL, transport, token=token, retries=0, sleep=lambda _seconds: None)
    return ServerFacts(client, sleep=lambda _seconds: None), transport


def test_all_with_token_is_one_request_with_every_subset():
    document = compose_server_info(["server", "version", "apps", "user", "tokens"]).document
    data = {"serverInfo": SERVER_INFO, "apps": [{"id": "spklwebapp", "logo": None}], "user": USER, "tokens": TOKENS}
    facts, transport = facts_for([Exchange(GQL, json_response(200, {"data": data}), "SpeckleServerInfo")])
    result = facts.gather(["all"])
    transport.assert_done()
    assert transport.seen[0]["body"]["query"] == document
    assert result["server"]["server_roles"] == [{"id": "server:admin", "title": "Admin"}]
    assert result["version"]["parts"] == [2, 23, 4]
    assert result["apps"] == [{"id": "spklwebapp", "logo": None}]
    assert result["user"] == USER
    assert result["tokens"] == [
        {
            "id": "e82c553bc5",
            "name": "ci",
            "scopes": ["profile:read"],
            "last_chars": "9120c1",
            "created_at": "2020-11-29T14:26:28.549Z",
            "lifespan": 3600,
            "expires_at": "2020-11-29T15:26:28.549Z",
            "expired": True,
            "last_used": "2026-11-29T14:27:50.593Z",
        }
    ]
    assert result["gathered_subsets"] == ["server", "version", "apps", "user", "tokens"]
    assert result["skipped_subsets"] == {}


def test_all_without_token_asks_only_public_facts():
    facts, transport = facts_for(
        [Exchange(GQL, json_response(200, {"data": {"serverInfo": SERVER_INFO, "apps": []}}), auth=None)], token=None
    )
    result = facts.gather(["all"])
    query = transport.seen[0]["body"]["query"]
    assert "activeUser" not in query
    assert result["gathered_subsets"] == ["server", "version", "apps"]


def test_all_skips_tokens_the_token_cannot_read():
    data = {"serverInfo": SERVER_INFO, "apps": [], "user": USER, "tokens": None}
    facts, _transport = facts_for([Exchange(GQL, json_response(200, {"data": data, "errors": [FORBIDDEN_TOKENS]}))])
    result = facts.gather(["all"])
    assert result["user"] == USER
    assert "tokens" not in result
    assert result["skipped_subsets"] == {"tokens": "the token lacks the scope tokens:read"}


def test_explicit_tokens_fail_naming_the_scope():
    facts, _transport = facts_for(
        [Exchange(GQL, json_response(200, {"data": {"tokens": None}, "errors": [FORBIDDEN_TOKENS]}))]
    )
    with pytest.raises(MissingScope) as exc:
        facts.gather(["tokens"])
    assert exc.value.msg == (
        "The token lacks the scope 'tokens:read', which tokens.apiTokens needs. Use a token that holds tokens:read."
    )


def test_explicit_user_needs_a_token():
    facts, _transport = facts_for([], token=None)
    with pytest.raises(ConfigurationError) as exc:
        facts.gather(["user", "server"])
    assert exc.value.msg == (
        "gather_subset user needs authentication: set token (or SPECKLE_TOKEN), or email and password."
    )


def test_older_server_fields_are_dropped_once_with_a_warning():
    missing = [
        {
            "message": 'Cannot query field "workspaces" on type "ServerInfo".',
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        },
        {
            "message": 'Cannot query field "serverRoles" on type "ServerInfo".',
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        },
    ]
    facts, transport = facts_for(
        [
            Exchange(GQL, json_response(400, {"errors": missing})),
            Exchange(GQL, json_response(200, {"data": {"serverInfo": {"name": "old", "version": "2.5.0"}}})),
        ]
    )
    result = facts.gather(["server"])
    retry_query = transport.seen[1]["body"]["query"]
    assert "workspaces" not in retry_query and "serverRoles" not in retry_query
    assert "configuration" in retry_query
    assert result["unsupported_fields"] == ["ServerInfo.serverRoles", "ServerInfo.workspaces"]
    assert facts.warnings == [
        "This server lacks ServerInfo.serverRoles, ServerInfo.workspaces; those facts are left out (the server is "
        "older than this collection's newest schema)."
    ]


def test_min_version_fails_on_older_server():
    facts, _transport = facts_for([Exchange(GQL, json_response(200, {"data": {"serverInfo": {"version": "2.20.1"}}}))])
    with pytest.raises(ConfigurationError) as exc:
        facts.gather(["version"], min_version="2.23.0")
    assert exc.value.msg == (
        "The server runs Speckle 2.20.1, older than min_version 2.23.0. Upgrade the server or lower min_version."
    )


def test_min_version_passes_dev_with_warning():
    facts, _transport = facts_for([Exchange(GQL, json_response(200, {"data": {"serverInfo": {"version": "dev"}}}))])
    result = facts.gather(["version"], min_version="2.23.0")
    assert result["version"] == {"raw": "dev", "parts": ["dev"], "major": None, "minor": None, "patch": None}
    assert facts.warnings == [
        "The server reports version 'dev' (built from source), so min_version 2.23.0 cannot be checked; carrying on."
    ]


def test_wait_timeout_keeps_trying_until_the_server_answers():
    refused = ConnectionFailure("Could not connect", sent=False)
    ok = json_response(200, {"data": {"serverInfo": {"version": "2.23.4"}}})
    facts, transport = facts_for([Exchange(GQL, refused), Exchange(GQL, refused), Exchange(GQL, ok)])
    result = facts.gather(["version"], wait_timeout=30)
    transport.assert_done()
    assert result["version"]["raw"] == "2.23.4"


def test_without_wait_timeout_a_refused_connection_fails():
    facts, _transport = facts_for([Exchange(GQL, ConnectionFailure("Could not connect to x", sent=False))])
    with pytest.raises(ConnectionFailure):
        facts.gather(["version"])


def test_snake_case_nested():
    assert snake_case({"serverRoles": [{"resourceTarget": 1}], "a": {"isEmailEnabled": True}}) == {
        "server_roles": [{"resource_target": 1}],
        "a": {"is_email_enabled": True},
    }
