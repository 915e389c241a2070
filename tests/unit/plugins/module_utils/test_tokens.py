# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The token logic below the module: validation, comparison, the wire format and error mapping."""

from __future__ import annotations

import datetime
import stat

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _tokens
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    ConfigurationError,
    GraphQLError,
    MissingScope,
    OutcomeUnknown,
)

from .fakes import Exchange, FakeTransport, json_response

URL = "https://speckle.example.org"
GQL = f"{URL}/graphql"
LOGIN = "LoginToken" + "l" * 32
PAT = "patpat0001" + "p" * 32
NOW = datetime.datetime(2026, 11, 29, 15, 0, 0, tzinfo=datetime.timezone.utc)
USER = {"id": "94e79e7177", "name": "Local Admin", "email": "admin@example.org", "role": "server:admin"}


def tok(token_id, name="ci", scopes=("streams:read",), created="2026-11-01T15:00:00.000Z", lifespan=3154000000000):
    return {
        "id": token_id,
        "name": name,
        "lastChars": "abcdef",
        "scopes": list(scopes),
        "createdAt": created,
        "lifespan": lifespan,
        "lastUsed": created,
    }


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


# --- options ------------------------------------------------------------------------------------------------------


def test_spec_converts_durations_and_dedupes_scopes():
    spec = _tokens.parse_token_spec(
        {
            "name": "ci",
            "scopes": ["streams:read", " profile:read ", "streams:read"],
            "lifespan": "90d",
            "rotate_before": "1w",
            "limit_resources": [{"type": "project", "id": "p1"}],
        }
    )
    assert spec.scopes == ["streams:read", "profile:read"]
    assert spec.lifespan == 7776000
    assert spec.rotate_before == 604800
    assert spec.limit_resources == [{"type": "project", "id": "p1"}]
    assert spec.state == "present"
    assert spec.recreate == "never"


def test_absent_ignores_present_only_options():
    spec = _tokens.parse_token_spec({"name": "ci", "state": "absent", "lifespan": "nonsense"})
    assert spec.lifespan is None


def test_name_limits():
    assert _tokens.validate_name("n" * 512) == "n" * 512
    with pytest.raises(ConfigurationError):
        _tokens.validate_name(None)


def test_lifespan_limits():
    assert _tokens.validate_lifespan(1) == 1
    assert _tokens.validate_lifespan(_tokens.MAX_LIFESPAN_SECONDS) == 9223372036854775
    with pytest.raises(ConfigurationError):
        _tokens.validate_lifespan(_tokens.MAX_LIFESPAN_SECONDS + 1)


def test_lifespan_wire_format():
    assert _tokens.lifespan_variable(3600000) == 3600000
    assert _tokens.lifespan_variable(2**53 - 1) == 2**53 - 1
    assert _tokens.lifespan_variable(2**53) == str(2**53)
    assert _tokens.lifespan_variable(9223372036854775000) == "9223372036854775000"


# --- comparing ----------------------------------------------------------------------------------------------------


def test_differences_compare_scopes_as_sets_and_only_set_options():
    existing = tok("t1", scopes=["a", "b", "a"], lifespan="3600000")
    assert _tokens.differences(existing, _tokens.TokenSpec(name="ci", scopes=["b", "a"], lifespan=3600)) == []
    assert _tokens.differences(existing, _tokens.TokenSpec(name="ci")) == []
    assert _tokens.differences(existing, _tokens.TokenSpec(name="ci", scopes=["a"], lifespan=7200)) == [
        "scopes are [a, b] but the task wants [a]",
        "lifespan is 1h but the task wants 2h",
    ]


def test_differences_render_odd_lifespans():
    odd = tok("t1", lifespan=1500)
    assert _tokens.differences(odd, _tokens.TokenSpec(name="ci", lifespan=60)) == [
        "lifespan is 1500 ms but the task wants 1m"
    ]


def test_rotation_due():
    thirty_days = 30 * 86400 * 1000
    existing = tok("t1", created="2026-11-01T15:00:00.000Z", lifespan=thirty_days)  # expires 2026-12-01T15:00Z
    assert _tokens.rotation_due(existing, None, NOW) is None
    assert _tokens.rotation_due(existing, 86400, NOW) is None
    assert _tokens.rotation_due(existing, 3 * 86400, NOW) == (
        "it expires at 2026-12-01T15:00:00.000Z, within rotate_before (3d)"
    )
    forever = tok("t2", lifespan="9223372036854775807")
    assert _tokens.rotation_due(forever, 10**12, NOW) is None
    expired = tok("t3", lifespan=1)
    assert _tokens.rotation_due(expired, 0, NOW) is not None


def test_new_token_metadata_is_built_locally():
    secret = "0123456789" + "x" * 26 + "last06"
    meta = _tokens.new_token_metadata(secret, "ci", ["streams:read"], 3600, NOW)
    assert meta == {
        "id": "0123456789",
        "name": "ci",
        "scopes": ["streams:read"],
        "last_chars": "last06",
        "created_at": "2026-11-29T15:00:00.000Z",
        "lifespan": 3600,
        "expires_at": "2026-11-29T16:00:00.000Z",
        "expired": False,
        "last_used": "2026-11-29T15:00:00.000Z",
    }
    assert _tokens.new_token_metadata(secret, "ci", [], None, NOW)["lifespan"] == 3154000000


def test_token_matches_counts_never_used_tokens_from_creation():
    never_used = tok("t1", created="2026-11-01T15:00:00.000Z")
    never_used["lastUsed"] = None
    filters = _tokens.InfoFilters(unused_for=7 * 86400)
    assert _tokens.token_matches(never_used, filters, NOW) is True
    assert _tokens.token_matches(tok("t2", created="2026-11-28T15:00:00.000Z"), filters, NOW) is False


# --- listing ------------------------------------------------------------------------------------------------------


def test_listing_finds_the_callers_own_pat():
    own = tok("patpat0001", name="reader", scopes=["tokens:read", "profile:read"])
    client, transport = client_for([listed(tok("t1"), own)], token=PAT)
    listing = _tokens.fetch_listing(client, managing=True)
    transport.assert_done()
    assert listing.user == USER
    assert listing.caller == own
    assert [t["id"] for t in listing.named("ci")] == ["t1"]
    assert listing.describe_caller() == (
        "The caller's token is a personal access token (id patpat0001) holding: tokens:read, profile:read."
    )
    with pytest.raises(MissingScope) as caught:
        _tokens.ensure_can_write(listing)
    assert caught.value.scope == "tokens:write"


def test_listing_with_a_login_token_has_no_caller():
    client, _transport = client_for([listed(tok("t1"))])
    listing = _tokens.fetch_listing(client, managing=False)
    assert listing.caller is None
    _tokens.ensure_can_write(listing)
    _tokens.ensure_caller_holds(listing, "ci", ["anything:at-all"])


def test_listing_without_a_user():
    client, _transport = client_for([Exchange(GQL, json_response(200, {"data": {"activeUser": None}}))], token=None)
    with pytest.raises(AuthenticationRequired):
        _tokens.fetch_listing(client, managing=True)


# --- mutations ----------------------------------------------------------------------------------------------------


def test_create_sends_only_what_is_set():
    answer = json_response(200, {"data": {"apiTokenCreate": "n" * 42}})
    client, transport = client_for(
        [Exchange(GQL, answer, "SpeckleApiTokenCreate", variables={"token": {"name": "ci", "scopes": ["a"]}})]
    )
    listing = _tokens.Listing(user=USER, tokens=[])
    assert _tokens.create_token(client, listing, "ci", ["a"], None, []) == "n" * 42
    transport.assert_done()


def test_create_without_a_token_in_the_answer():
    answer = json_response(200, {"data": {"apiTokenCreate": None}})
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(_tokens.ServerError) as caught:
        _tokens.create_token(client, _tokens.Listing(user=USER, tokens=[]), "ci", ["a"], None, [])
    assert caught.value.msg == "The server answered apiTokenCreate for 'ci' without a token."


def test_create_outcome_unknown_propagates_for_the_caller_to_clean_up():
    client, _transport = client_for([Exchange(GQL, json_response(504, {}))])
    with pytest.raises(OutcomeUnknown):
        _tokens.create_token(client, _tokens.Listing(user=USER, tokens=[]), "ci", ["a"], None, [])


def test_revoke_already_gone_is_false_not_an_error():
    answer = error_answer(["apiTokenRevoke"], "USER_INPUT_ERROR", "Did not revoke token", statusCode=400)
    client, _transport = client_for([Exchange(GQL, answer, "SpeckleApiTokenRevoke", variables={"token": "t1"})])
    assert _tokens.revoke_token(client, _tokens.Listing(user=USER, tokens=[]), "t1") is False


def test_revoke_other_user_input_errors_still_fail():
    answer = error_answer(["apiTokenRevoke"], "USER_INPUT_ERROR", "Something else")
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(GraphQLError):
        _tokens.revoke_token(client, _tokens.Listing(user=USER, tokens=[]), "t1")


def test_revoke_forbidden_says_to_log_in():
    answer = error_answer(
        ["apiTokenRevoke"],
        "FORBIDDEN",
        "Your auth token does not have the required scope: tokens:write.",
        scope="tokens:write",
    )
    client, _transport = client_for([Exchange(GQL, answer)])
    with pytest.raises(MissingScope) as caught:
        _tokens.revoke_token(client, _tokens.Listing(user=USER, tokens=[]), "t1")
    assert caught.value.msg == (
        "The token used lacks the scope tokens:write, which creating and revoking tokens needs. Set email and "
        "password instead of token (or use a login token)."
    )


# --- dest ---------------------------------------------------------------------------------------------------------


def test_secret_file_round_trip(tmp_path):
    path = tmp_path / "token"
    assert _tokens.read_secret(str(path)) is None
    _tokens.write_secret(str(path), "s" * 42)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _tokens.read_secret(str(path)) == "s" * 42
    path.write_bytes(b"\xff\xfe")
    assert _tokens.read_secret(str(path)) == ""


def test_unreadable_dest(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        _tokens.read_secret(str(tmp_path))
    assert caught.value.msg == f"dest {tmp_path} cannot be read (Is a directory)."
