# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RequestsTransport on an injected session: what reaches requests, and how its failures are mapped."""

from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConnectionFailure,
    RequestTimeout,
    TLSFailure,
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
