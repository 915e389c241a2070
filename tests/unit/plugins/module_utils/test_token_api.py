# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token requests below the module: the wire format, the listing and the mapping of the server's errors."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _token_api
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    GraphQLError,
    MissingScope,
    OutcomeUnknown,
    ServerError,
)

from .fakes import Exchange, FakeTransport, json_response
from .token_data import USER, tok

URL = "https://speckle.example.org"
GQL = f"{URL}/graphql"
LOGIN = "LoginToken" + "l" * 32
PAT = "patpat0001" + "p" * 32


def client_for(exchanges, token=LOGIN):
    transport = FakeTransport(list(exchanges))
    return GraphQLClient(URL, transport, token=token, sleep=lambda _s: None, jitter=lambda: 0.0), transport


def listed(*tokens):
    return Exchange(
        GQL,
        json_response(200, {"data": {"activeUser": {**USER, "apiTokens": list(tokens)}}}),
        "SpeckleActiveUserTokens",
    )


def error_answer(path, code, message, **extensions):
    return json_response(
        200,
        {"errors": [{"message": message, "path": path, "extensions": {"code": code, **extensions}}], "data": None},
    )


# --- wire format -----------------------------------------------------------------------------------------------------


def test_lifespan_wire_format():
    assert _token_api.lifespan_variable(3600000) == 3600000
    assert _token_api.lifespan_variable(2**53 - 1) == 2**53 - 1
    assert _token_api.lifespan_variable(2**53) == str(2**53)
    assert _token_api.lifespan_variable(9223372036854775000) == "9223372036854775000"


# --- listing ---------------------------------------------------------------------------------------------------------


def test_listing_finds_the_callers_own_pat():
    own = tok("patpat0001", name="reader", scopes=["tokens:read", "profile:read"])
    client, transport = client_for([listed(tok("t1"), own)], token=PAT)
    listing = _token_api.fetch_listing(client, managing=True)
    transport.assert_done()
    assert listing.user == USER
    assert listing.caller == own
    assert [t["id"] for t in listing.named("ci")] == ["t1"]
    assert listing.describe_caller() == (
        "The caller's token is a personal access token (id patpat0001) holding: tokens:read, profile:read."
    )
    with pytest.raises(MissingScope) as caught:
        _token_api.ensure_can_write(listing)
    assert caught.value.scope == "tokens:write"


def test_listing_with_a_login_token_has_no_caller():
    client, _transport = client_for([listed(tok("t1"))])
    listing = _token_api.fetch_listing(client, managing=False)
    assert listing.caller is None
    _token_api.ensure_can_write(listing)
    _token_api.ensure_caller_holds(listing, "ci", ["anything:at-all"])


def test_listing_without_a_user():
    client, _transport = client_for([Exchange(GQL, json_response(200, {"data": {"activeUser": None}}))], token=None)
    with pytest.raises(AuthenticationRequired):
        _token_api.fetch_listing(client, managing=True)


# --- mutations -------------------------------------------------------------------------------------------------------


def test_create_sends_only_what_is_set():
    answer = json_response(200, {"data": {"apiTokenCreate": "n" * 42}})
    client, transport = client_for(
        [Exchange(GQL, answer, "SpeckleApiTokenCreate", variables={"token": {"name": "ci", "scopes": ["a"]}})]
    )
    listing = _token_api.Listing(user=USER, tokens=[])
    assert _token_api.create_token(client, listing, "ci", ["a"], None, []) == "n" * 42
    transport.assert_done()


def test_create_without_a_token_in_the_answer():
    answer = json_response(200, {"data": {"apiTokenCreate": None}})
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(ServerError) as caught:
        _token_api.create_token(client, _token_api.Listing(user=USER, tokens=[]), "ci", ["a"], None, [])
    assert caught.value.msg == "The server answered apiTokenCreate for 'ci' without a token."


def test_create_outcome_unknown_propagates_for_the_caller_to_clean_up():
    client, _transport = client_for([Exchange(GQL, json_response(504, {}))])
    with pytest.raises(OutcomeUnknown):
        _token_api.create_token(client, _token_api.Listing(user=USER, tokens=[]), "ci", ["a"], None, [])


def test_revoke_already_gone_is_false_not_an_error():
    answer = error_answer(["apiTokenRevoke"], "USER_INPUT_ERROR", "Did not revoke token", statusCode=400)
    client, _transport = client_for([Exchange(GQL, answer, "SpeckleApiTokenRevoke", variables={"token": "t1"})])
    assert _token_api.revoke_token(client, _token_api.Listing(user=USER, tokens=[]), "t1") is False


def test_revoke_other_user_input_errors_still_fail():
    answer = error_answer(["apiTokenRevoke"], "USER_INPUT_ERROR", "Something else")
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(GraphQLError):
        _token_api.revoke_token(client, _token_api.Listing(user=USER, tokens=[]), "t1")


def test_revoke_forbidden_says_to_log_in():
    answer = error_answer(
        ["apiTokenRevoke"],
        "FORBIDDEN",
        "Your auth token does not have the required scope: tokens:write.",
        scope="tokens:write",
    )
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(MissingScope) as caught:
        _token_api.revoke_token(client, _token_api.Listing(user=USER, tokens=[]), "t1")
    assert caught.value.msg == (
        "The token used lacks the scope tokens:write, which creating and revoking tokens needs. Set email and "
        "password instead of token (or use a login token)."
    )
