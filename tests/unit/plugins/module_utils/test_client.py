# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._client import USER_AGENT, GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._documents import (
    ACTIVE_USER_ID,
    API_TOKEN_CREATE,
    API_TOKEN_REVOKE,
    Operation,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    ConnectionFailure,
    GraphQLError,
    InvalidToken,
    MissingScope,
    NotGraphQLEndpoint,
    OutcomeUnknown,
    RateLimited,
    ServerError,
)
from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse

from .fakes import Exchange, FakeTransport, json_response

URL = "https://speckle.example.org"
GQL = f"{URL}/graphql"
TOKEN = "abcdef0123" + "S" * 32
VERSION = Operation("SpeckleVersion", "query SpeckleVersion { serverInfo { version } }")
CREATE_VARIABLES = {"token": {"name": "ci", "scopes": ["profile:read"]}}


def make_client(exchanges: list[Exchange], token: str | None = TOKEN, retries: int = 3):
    transport = FakeTransport(exchanges)
    sleeps: list[float] = []
    client = GraphQLClient(URL, transport, token=token, retries=retries, sleep=sleeps.append, jitter=lambda: 1.0)
    return client, transport, sleeps


def test_wire_protocol_is_pinned():
    client, transport, _sleeps = make_client(
        [
            Exchange(
                GQL, json_response(200, {"data": {"serverInfo": {"version": "2.23.4"}}}), "SpeckleVersion", auth=TOKEN
            )
        ]
    )
    result = client.execute(VERSION)
    assert result.data == {"serverInfo": {"version": "2.23.4"}}
    sent = transport.seen[0]
    assert sent["body"] == {
        "query": "query SpeckleVersion { serverInfo { version } }",
        "variables": {},
        "operationName": "SpeckleVersion",
    }
    assert sent["headers"] == {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "Authorization": f"Bearer {TOKEN}",
    }
    assert sent["timeout"] == 30.0
    transport.assert_done()


def test_no_authorization_header_without_token():
    client, transport, _sleeps = make_client(
        [Exchange(GQL, json_response(200, {"data": {"x": 1}}), auth=None)], token=None
    )
    client.execute(VERSION)
    assert "Authorization" not in transport.seen[0]["headers"]


def test_variables_travel_as_variables():
    client, transport, _sleeps = make_client(
        [Exchange(GQL, json_response(200, {"data": {"apiTokenRevoke": True}}), variables={"token": "abcdef0123"})]
    )
    client.execute(API_TOKEN_REVOKE, {"token": "abcdef0123"})
    assert "abcdef0123" not in transport.seen[0]["body"]["query"]


def test_invalid_token_403_message():
    client, _transport, _sleeps = make_client(
        [Exchange(GQL, json_response(403, {"error": "Your token is not valid."}))]
    )
    with pytest.raises(InvalidToken) as exc:
        client.execute(ACTIVE_USER_ID)
    assert exc.value.msg == (
        "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 "
        "'Your token is not valid.'). Check token or SPECKLE_TOKEN, or create a new token."
    )
    assert TOKEN not in exc.value.msg


def test_a_403_that_echoes_the_token_is_masked():
    client, _transport, _sleeps = make_client(
        [Exchange(GQL, json_response(403, {"error": f"Token {TOKEN} is not valid."}))]
    )
    with pytest.raises(InvalidToken) as exc:
        client.execute(ACTIVE_USER_ID)
    assert exc.value.msg == (
        "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 "
        "'Token <redacted> is not valid.'). Check token or SPECKLE_TOKEN, or create a new token."
    )


def test_forbidden_names_the_scope():
    errors = [
        {
            "message": "Your auth token does not have the required scope: tokens:read.",
            "path": ["activeUser", "apiTokens"],
            "extensions": {"code": "FORBIDDEN", "scope": "tokens:read", "statusCode": 403},
        }
    ]
    client, _transport, _sleeps = make_client([Exchange(GQL, json_response(200, {"errors": errors, "data": None}))])
    with pytest.raises(MissingScope) as exc:
        client.execute(ACTIVE_USER_ID)
    assert exc.value.scope == "tokens:read"
    assert exc.value.msg == (
        "The token lacks the scope 'tokens:read', which activeUser.apiTokens needs. Use a token that holds tokens:read."
    )


def test_unauthorized_asks_for_credentials():
    errors = [
        {"message": "Must provide an auth token", "path": ["apiTokenRevoke"], "extensions": {"code": "UNAUTHORIZED"}}
    ]
    client, _transport, _sleeps = make_client(
        [Exchange(GQL, json_response(200, {"errors": errors, "data": None}))], token=None
    )
    with pytest.raises(AuthenticationRequired) as exc:
        client.execute(API_TOKEN_REVOKE, {"token": "x"})
    assert exc.value.msg == "This call needs authentication: set token (or email and password), or SPECKLE_TOKEN."


def test_html_body_means_wrong_address():
    page = HTTPResponse(200, {"content-type": "text/html; charset=utf-8"}, "<!DOCTYPE html><html></html>")
    client, _transport, _sleeps = make_client([Exchange(GQL, page)])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        f"{GQL} does not serve the Speckle API: it answered HTTP 200 with an HTML page instead of the API's JSON. "
        "Check server_url: it must be the Speckle server's base URL (the address whose /graphql serves the API), not "
        "the frontend's, a static site's or a proxy's page."
    )


@pytest.mark.parametrize(
    ("status", "content_type", "body", "kind"),
    [
        (404, "text/html", "<html><body>Cannot POST /graphql</body></html>", "an HTML page"),
        (405, "text/html; charset=utf-8", "<html>405 Not Allowed</html>", "an HTML page"),
        (501, "text/html;charset=utf-8", "<html>Error response 501 Unsupported method</html>", "an HTML page"),
        (500, "text/plain", "Internal Server Error", "plain text"),
        (500, None, "oops", "a body of no declared type"),
    ],
)
def test_any_status_without_the_servers_json_means_wrong_address_and_is_not_retried(status, content_type, body, kind):
    headers = {"content-type": content_type} if content_type else {}
    client, transport, sleeps = make_client([Exchange(GQL, HTTPResponse(status, headers, body))])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        client.execute(VERSION)
    assert exc.value.msg.startswith(
        f"{GQL} does not serve the Speckle API: it answered HTTP {status} with {kind} instead of the API's JSON. "
        "Check server_url"
    )
    assert exc.value.status == status
    assert sleeps == []
    transport.assert_done()


def test_graphql_errors_render_message_path_and_code():
    errors = [
        {
            "message": 'Cannot query field "nope" on type "ServerInfo".',
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }
    ]
    client, _transport, _sleeps = make_client([Exchange(GQL, json_response(400, {"errors": errors}))])
    with pytest.raises(GraphQLError) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        'The server returned an error: Cannot query field "nope" on type "ServerInfo". '
        "(code: GRAPHQL_VALIDATION_FAILED)"
    )


def test_sql_text_never_reaches_the_user():
    errors = [
        {
            "message": 'insert into "api_tokens" ("name") values ($1) - value too long for type character varying(512)',
            "path": ["apiTokenCreate"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
    ]
    client, _transport, _sleeps = make_client([Exchange(GQL, json_response(200, {"errors": errors, "data": None}))])
    with pytest.raises(GraphQLError) as exc:
        client.execute(VERSION)
    assert "insert" not in exc.value.msg
    assert exc.value.msg == (
        "The server returned an error: the server failed with a database error (details withheld: they contain SQL) "
        "(path: apiTokenCreate, code: INTERNAL_SERVER_ERROR)"
    )


def test_missing_data():
    client, _transport, _sleeps = make_client([Exchange(GQL, json_response(200, {"data": None}))])
    with pytest.raises(ServerError) as exc:
        client.execute(VERSION)
    assert exc.value.msg == "The server's answer (HTTP 200) had no data and no errors."


def test_query_retries_429_honouring_fractional_retry_after_up_to_the_clamp():
    limited = json_response(429, {"error": {"message": "You have sent too many requests", "code": "RATE_LIMIT_ERROR"}})
    limited.headers["retry-after"] = "0.517"
    at_the_clamp = json_response(429, {"error": {"code": "RATE_LIMIT_ERROR"}}, {"Retry-After": "30"})
    ok = json_response(200, {"data": {"serverInfo": {"version": "dev"}}})
    client, transport, sleeps = make_client([Exchange(GQL, limited), Exchange(GQL, at_the_clamp), Exchange(GQL, ok)])
    assert client.execute(VERSION).data["serverInfo"]["version"] == "dev"
    assert sleeps == [pytest.approx(0.517 + 0.05), pytest.approx(30.0 + 0.1)]
    transport.assert_done()


def test_query_retries_503_with_exponential_backoff_then_fails():
    down = HTTPResponse(503, {"content-type": "text/html"}, "<html>Service Unavailable</html>")
    client, _transport, sleeps = make_client([Exchange(GQL, down) for _attempt in range(4)])
    with pytest.raises(ServerError) as exc:
        client.execute(VERSION)
    assert sleeps == [0.5, 1.0, 2.0]
    assert exc.value.msg == (
        "The server failed with HTTP 503 (after 3 retries). Check the server's health and logs, then run again."
    )


def test_rate_limit_exhausted():
    limited = json_response(429, {"error": {"code": "RATE_LIMIT_ERROR"}}, {"Retry-After": "0.1"})
    client, _transport, _sleeps = make_client([Exchange(GQL, limited) for _attempt in range(2)], retries=1)
    with pytest.raises(RateLimited) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        "The server kept rate-limiting requests (HTTP 429) after 1 retry. Wait and run again, or raise retries."
    )


def test_mutation_is_not_retried_after_502():
    client, transport, sleeps = make_client([Exchange(GQL, HTTPResponse(502, {}, "Bad Gateway"))])
    with pytest.raises(OutcomeUnknown) as exc:
        client.execute(API_TOKEN_CREATE, CREATE_VARIABLES)
    assert sleeps == []
    assert exc.value.msg == (
        "The server answered HTTP 502 to the SpeckleApiTokenCreate mutation, so it may or may not have been applied; "
        "it was not retried so nothing is done twice."
    )
    transport.assert_done()


def test_mutation_is_retried_after_429_because_it_never_ran():
    limited = json_response(429, {"error": {"code": "RATE_LIMIT_ERROR"}}, {"Retry-After": "0.2"})
    ok = json_response(200, {"data": {"apiTokenCreate": "new-token"}})
    client, transport, _sleeps = make_client([Exchange(GQL, limited), Exchange(GQL, ok)])
    assert client.execute(API_TOKEN_CREATE, CREATE_VARIABLES).data == {"apiTokenCreate": "new-token"}
    transport.assert_done()


def test_mutation_retried_only_when_never_sent():
    never_sent = ConnectionFailure("Could not connect", sent=False)
    broken = ConnectionFailure("The connection broke", sent=True)
    ok = json_response(200, {"data": {"apiTokenCreate": "new-token"}})
    client, transport, _sleeps = make_client([Exchange(GQL, never_sent), Exchange(GQL, ok)])
    client.execute(API_TOKEN_CREATE, CREATE_VARIABLES)
    transport.assert_done()
    client, transport, _sleeps = make_client([Exchange(GQL, broken)])
    with pytest.raises(OutcomeUnknown) as exc:
        client.execute(API_TOKEN_CREATE, CREATE_VARIABLES)
    assert exc.value.msg.startswith("The connection broke The SpeckleApiTokenCreate mutation may or may not")


GONE = {
    "errors": [
        {"message": "Did not revoke token", "path": ["apiTokenRevoke"], "extensions": {"code": "USER_INPUT_ERROR"}}
    ],
    "data": None,
}


@pytest.mark.parametrize(
    "lost",
    [HTTPResponse(502, {}, "Bad Gateway"), HTTPResponse(504, {}, ""), ConnectionFailure("The connection broke")],
    ids=["502", "504", "dropped"],
)
def test_a_revoke_is_retry_safe_and_the_repeat_says_an_earlier_attempt_may_have_done_it(lost):
    client, transport, sleeps = make_client([Exchange(GQL, lost), Exchange(GQL, json_response(200, GONE))])
    with pytest.raises(GraphQLError) as exc:
        client.execute(API_TOKEN_REVOKE, {"token": "abcdef0123"})
    assert exc.value.retried is True
    assert sleeps == [0.5]
    transport.assert_done()


def test_a_revoke_refused_with_429_never_ran_so_not_found_is_not_ours():
    limited = json_response(429, {"error": {"code": "RATE_LIMIT_ERROR"}}, {"Retry-After": "0.2"})
    client, transport, _sleeps = make_client([Exchange(GQL, limited), Exchange(GQL, json_response(200, GONE))])
    with pytest.raises(GraphQLError) as exc:
        client.execute(API_TOKEN_REVOKE, {"token": "abcdef0123"})
    assert exc.value.retried is False
    transport.assert_done()


def test_a_revoke_whose_answers_stay_lost_fails_after_the_retries():
    bad = HTTPResponse(503, {}, "Service Unavailable")
    client, transport, sleeps = make_client([Exchange(GQL, bad) for _attempt in range(3)], retries=2)
    with pytest.raises(ServerError) as exc:
        client.execute(API_TOKEN_REVOKE, {"token": "abcdef0123"})
    assert not isinstance(exc.value, OutcomeUnknown)
    assert exc.value.msg == (
        "The server failed with HTTP 503 (after 2 retries). Check the server's health and logs, then run again."
    )
    assert sleeps == [0.5, 1.0]
    transport.assert_done()


def test_connection_refused_after_retries():
    refused = ConnectionFailure("Could not connect to x", sent=False)
    client, _transport, sleeps = make_client([Exchange(GQL, refused) for _attempt in range(3)], retries=2)
    with pytest.raises(ConnectionFailure):
        client.execute(VERSION)
    assert sleeps == [0.5, 1.0]


def test_redirect_is_explained():
    moved = HTTPResponse(301, {"location": "https://app.example.org/"}, "")
    client, _transport, _sleeps = make_client([Exchange(GQL, moved)])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        f"{GQL} redirects (HTTP 301) to https://app.example.org/. Set server_url to the address that serves the "
        "Speckle API itself."
    )


@pytest.mark.parametrize(
    "location",
    [
        "https://admin:S3cr3t@app.example.org/login?access_code=S3cr3t#S3cr3t",
        f"https://app.example.org/login?token={TOKEN}",
    ],
)
def test_redirect_never_shows_user_info_query_or_fragment(location):
    moved = HTTPResponse(302, {"location": location}, "")
    client, _transport, _sleeps = make_client([Exchange(GQL, moved)])
    with pytest.raises(NotGraphQLEndpoint) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        f"{GQL} redirects (HTTP 302) to https://app.example.org/login. Set server_url to the address that serves "
        "the Speckle API itself."
    )


def test_partial_errors_are_returned_with_data():
    errors = [{"message": "nope", "path": ["tokens", "apiTokens"], "extensions": {"code": "FORBIDDEN", "scope": "x"}}]
    client, _transport, _sleeps = make_client(
        [Exchange(GQL, json_response(200, {"errors": errors, "data": {"user": {"id": "1"}}}))]
    )
    result = client.execute(VERSION)
    assert result.data == {"user": {"id": "1"}}
    assert result.errors_at("tokens") == errors
    assert result.errors_at("user") == []


def test_a_429_longer_than_the_clamp_fails_at_once_and_says_until_when():
    limited = json_response(
        429,
        {"error": {"code": "RATE_LIMIT_ERROR"}},
        {"Retry-After": "45.2", "X-RateLimit-Reset": "2026-12-01T22:30:45.200Z"},
    )
    client, transport, sleeps = make_client([Exchange(GQL, limited)])
    with pytest.raises(RateLimited) as exc:
        client.execute(VERSION)
    assert exc.value.msg == (
        "The server rate-limited this client (HTTP 429 at /graphql) and asks to wait 46 s, until 2026-12-01T22:30:45Z, "
        "longer than a module waits (30 s at most). Run the task again after 2026-12-01T22:30:45Z."
    )
    assert sleeps == []
    transport.assert_done()
