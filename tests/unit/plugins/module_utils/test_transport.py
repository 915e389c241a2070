# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RequestsTransport on an injected session: what reaches requests, and how its failures are mapped."""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import LocationParseError, MaxRetryError, NewConnectionError

from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    RequestTimeout,
    TLSFailure,
    TransportError,
)
from ansible_collections.speckle.server.plugins.module_utils._transport import RequestsTransport

URL = "https://speckle.example.org/graphql"


class FakeSession:
    def __init__(self, outcome):
        self.outcome = outcome
        self.calls = []

    def post(self, url, **kwargs):
        self.calls.append((url, kwargs))
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


def answer(status=200, text='{"data": {}}', headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = text.encode()  # pylint: disable=protected-access
    response.headers.update(headers or {"Content-Type": "application/json"})
    return response


def test_request_is_passed_through_with_tls_verification_on():
    session = FakeSession(answer(headers={"Content-Type": "application/json", "X-RateLimit-Remaining": "49"}))
    result = RequestsTransport(session).post_json(URL, {"query": "q"}, {"A": "b"}, 12.5)
    assert session.calls == [
        (
            URL,
            {"json": {"query": "q"}, "headers": {"A": "b"}, "timeout": 12.5, "verify": True, "allow_redirects": False},
        )
    ]
    assert result.status == 200
    assert result.header("X-RateLimit-Remaining") == "49"
    assert result.text == '{"data": {}}'


def test_ca_path_and_validate_certs():
    session = FakeSession(answer())
    RequestsTransport(session, ca_path="/etc/ca.pem").post_json(URL, {}, {}, 1)
    RequestsTransport(session, validate_certs=False, ca_path="/etc/ca.pem").post_json(URL, {}, {}, 1)
    assert [call[1]["verify"] for call in session.calls] == ["/etc/ca.pem", False]


def test_tls_failure():
    session = FakeSession(requests.exceptions.SSLError("certificate verify failed: self-signed certificate"))
    with pytest.raises(TLSFailure) as exc:
        RequestsTransport(session).post_json(URL, {}, {}, 1)
    assert exc.value.sent is False
    assert exc.value.msg == (
        f"TLS verification failed for {URL}: certificate verify failed: self-signed certificate. Fix the certificate, "
        "point ca_path at the CA bundle that signed it, or (only for testing) set validate_certs=false."
    )


def test_refused_connection_was_never_sent():
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    error = requests.exceptions.ConnectionError(MaxRetryError(None, URL, refused))
    with pytest.raises(ConnectionFailure) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {}, 1)
    assert exc.value.sent is False
    assert exc.value.msg.startswith(f"Could not connect to {URL} (")
    assert exc.value.msg.endswith("Check server_url and that the server is running and reachable from this host.")


def test_broken_connection_may_have_been_sent():
    error = requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected")
    with pytest.raises(ConnectionFailure) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {}, 1)
    assert exc.value.sent is True
    assert exc.value.msg == (
        f"The connection to {URL} broke before the server answered (Connection aborted: RemoteDisconnected). Check "
        "the server's logs and any proxy in between."
    )


@pytest.mark.parametrize(
    ("error", "sent"),
    [(requests.exceptions.ConnectTimeout("connect"), False), (requests.exceptions.ReadTimeout("read"), True)],
)
def test_timeouts(error, sent):
    with pytest.raises(RequestTimeout) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {}, 2)
    assert exc.value.sent is sent
    assert exc.value.msg == f"{URL} did not answer within 2 seconds. Check that the server is up, or raise timeout."


TOKEN = "abcdef0123" + "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tXY"
NOT_SENT_HEADER = (
    f"The request to {URL} was not sent: its Authorization header holds a character an HTTP header cannot carry (a "
    "line break, a control character or a non-ASCII character). The value is not shown; if it is the token, check "
    "token or SPECKLE_TOKEN."
)
NOT_SENT_URL = (
    f"The request to {URL} was not sent: requests cannot use that address (its host or port is malformed). Check "
    "server_url; give the server's base address, for example https://speckle.example.org."
)


def assert_no_token(msg):
    assert TOKEN[:10] not in msg
    assert TOKEN[10:26] not in msg
    assert TOKEN[26:] not in msg


@pytest.mark.parametrize(
    "value",
    [
        f"Bearer {TOKEN}\n",
        f"Bearer {TOKEN}\r\n",
        f"Bearer {TOKEN[:20]}\n{TOKEN[20:]}",
        f"Bearer {TOKEN[:20]}\0{TOKEN[20:]}",
        f"Bearer  {TOKEN}",
        f"Bearer {TOKEN}é",
        f"Bearer {TOKEN}€",
    ],
)
def test_header_http_cannot_carry_is_refused_before_requests_sees_it(value):
    session = FakeSession(answer())
    with pytest.raises(ConfigurationError) as exc:
        RequestsTransport(session).post_json(URL, {}, {"Authorization": value}, 1)
    assert exc.value.msg == NOT_SENT_HEADER
    assert session.calls == []
    assert_no_token(exc.value.msg)


def test_header_check_with_a_real_session_sends_nothing():
    # The bug: a real requests.Session raised ValueError("Invalid header value b'Bearer <token>\\n'") (a
    # traceback) for a trailing newline, and InvalidHeader quoting the header for "\r\n". Port 9 is never reached.
    with pytest.raises(ConfigurationError) as exc:
        RequestsTransport(requests.Session()).post_json(
            "http://127.0.0.1:9/graphql", {}, {"Authorization": f"Bearer {TOKEN}\n"}, 1
        )
    assert exc.value.msg == NOT_SENT_HEADER.replace(URL, "http://127.0.0.1:9/graphql")


def test_requests_refusing_a_header_is_reported_without_its_text():
    error = requests.exceptions.InvalidHeader(
        f"Invalid leading whitespace, reserved character(s), or return character(s) in header value: 'Bearer {TOKEN}'"
    )
    with pytest.raises(ConfigurationError) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {"Authorization": f"Bearer {TOKEN}"}, 1)
    assert exc.value.msg == (
        f"The request to {URL} was not sent: a header holds a character an HTTP header cannot carry (a line break, a "
        "control character or a non-ASCII character). The value is not shown; if it is the token, check token or "
        "SPECKLE_TOKEN."
    )
    assert_no_token(exc.value.msg)


@pytest.mark.parametrize(
    "error",
    [
        ValueError(f"Invalid header value b'Bearer {TOKEN}\\n'"),
        UnicodeEncodeError("latin-1", f"Bearer {TOKEN}€", 49, 50, "ordinal not in range(256)"),
    ],
)
def test_a_value_error_from_http_client_is_reported_without_its_text(error):
    with pytest.raises(TransportError) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {"Authorization": f"Bearer {TOKEN}"}, 1)
    name = type(error).__name__
    assert exc.value.msg == (
        f"The request to {URL} failed ({name}; its text is withheld, as it may quote the request)."
    )
    assert exc.value.sent is True  # when it happened is unknown: a mutation must not be repeated
    assert_no_token(exc.value.msg)


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.InvalidURL("Failed to parse: 'admin:S3cr3t@[::1' is not a valid host or port"),
        requests.exceptions.InvalidSchema("No connection adapters were found for 'ftp://admin:S3cr3t@h'"),
        requests.exceptions.MissingSchema("Invalid URL 'admin:S3cr3t@h': No scheme supplied."),
        LocationParseError("admin:S3cr3t@a..b, label empty or too long"),
    ],
)
def test_an_address_requests_cannot_use_is_a_configuration_error(error):
    with pytest.raises(ConfigurationError) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {}, 1)
    assert exc.value.msg == NOT_SENT_URL
    assert "S3cr3t" not in exc.value.msg


@pytest.mark.parametrize("url", ["http://a..b/graphql", "http://[::g]/graphql", "http://\u2603.example/graphql"])
def test_an_address_requests_cannot_use_with_a_real_session(url):
    # Each fails while requests parses the URL (LocationParseError, InvalidURL), before any connection.
    with pytest.raises(ConfigurationError) as exc:
        RequestsTransport(requests.Session()).post_json(url, {}, {}, 1)
    assert exc.value.msg == NOT_SENT_URL.replace(URL, url)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            requests.exceptions.ChunkedEncodingError(f"Connection broken: got b'{TOKEN}'"),
            "the answer broke off while it was read",
        ),
        (requests.exceptions.ContentDecodingError(f"failed to decode {TOKEN}"), "the answer could not be decoded"),
        (
            requests.exceptions.InvalidJSONError(f"Out of range float values: {TOKEN}"),
            "the request body could not be encoded as JSON",
        ),
        (requests.exceptions.RetryError(f"retries for {TOKEN}"), "RetryError"),
    ],
)
def test_other_request_failures_are_described_in_own_words(error, words):
    with pytest.raises(TransportError) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {"Authorization": f"Bearer {TOKEN}"}, 1)
    assert exc.value.msg == f"The request to {URL} failed ({words})."
    assert exc.value.sent is True
    assert_no_token(exc.value.msg)


@pytest.mark.parametrize("quoted", [TOKEN, TOKEN[5:30], f"Bearer {TOKEN}"])
def test_a_connection_failure_that_quotes_the_token_withholds_its_text(quoted):
    error = requests.exceptions.ConnectionError(f"Connection aborted: proxy said {quoted!r}")
    with pytest.raises(ConnectionFailure) as exc:
        RequestsTransport(FakeSession(error)).post_json(URL, {}, {"Authorization": f"Bearer {TOKEN}"}, 1)
    assert exc.value.msg == (
        f"The connection to {URL} broke before the server answered (ConnectionError; its text is withheld, as it "
        "quotes the token). Check the server's logs and any proxy in between."
    )
    assert_no_token(exc.value.msg)
