"""HTTPS: the emulator serves its API over TLS, and clients that refuse its certificate cost nothing but themselves."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from emulator_testlib import ACTIVE_USER, graphql, login, post_json, request
from make_certs import TestCertificates, write_certificates
from speckle_emulator import Emulator


@pytest.fixture(name="certificates", scope="module")
def certificates_fixture(tmp_path_factory: pytest.TempPathFactory) -> TestCertificates:
    """One test CA, a server certificate for the loopback names it signed, and an unrelated CA."""
    return write_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(name="https_emulator")
def https_emulator_fixture(certificates: TestCertificates, tmp_path: Path) -> Iterator[tuple[Emulator, str]]:
    """A started emulator serving HTTPS with the test certificate, and its base URL."""
    emulator = Emulator(
        tls_cert=str(certificates.server_cert),
        tls_key=str(certificates.server_key),
        request_log=str(tmp_path / "requests.jsonl"),
    )
    url = emulator.start()
    try:
        yield emulator, url
    finally:
        emulator.stop()


def _trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def _log_lines(emulator: Emulator) -> list[dict[str, object]]:
    assert emulator.config.request_log is not None
    return [json.loads(line) for line in Path(emulator.config.request_log).read_text(encoding="utf-8").splitlines()]


def test_base_url_is_https(https_emulator: tuple[Emulator, str]) -> None:
    """The base URL (what the CLI prints and serverInfo.canonicalUrl says) names https."""
    emulator, url = https_emulator
    assert url.startswith("https://127.0.0.1:") and urlsplit(url).port
    assert emulator.info()["baseUrl"] == url == emulator.canonical_url


def test_api_and_login_flow_over_verified_tls(
    https_emulator: tuple[Emulator, str], certificates: TestCertificates
) -> None:
    """GraphQL and the login flow answer over TLS verified against the test CA, with https URLs in answers."""
    _emulator, url = https_emulator
    tls = _trusting(certificates.ca)
    info = graphql(url, "{ serverInfo { canonicalUrl } }", tls=tls).json()
    assert info == {"data": {"serverInfo": {"canonicalUrl": url}}}
    answer = login(url, "admin@example.org", "speckle-local-admin", tls=tls)
    assert answer.status == 302
    location = answer.header("Location") or ""
    assert location.startswith(f"{url}/?access_code=")
    code = location.split("access_code=", 1)[1]
    exchange = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": code, "challenge": "CH1"}
    session = post_json(url, "/auth/token", exchange, tls=tls).json()
    me = graphql(url, ACTIVE_USER, token=session["token"], tls=tls).json()["data"]["activeUser"]
    assert me["email"] == "admin@example.org"


def test_verifying_client_without_the_ca_is_refused_and_logs_nothing(
    https_emulator: tuple[Emulator, str], certificates: TestCertificates
) -> None:
    """A client that does not trust the test CA (system store, or another CA) fails verification, sends nothing.

    The emulator keeps serving: the next, trusting client gets its answer, and the request log holds only that.
    """
    emulator, url = https_emulator
    for untrusting in (ssl.create_default_context(), _trusting(certificates.other_ca)):
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
            request(url, "GET", "/api/ping", tls=untrusting)
    assert request(url, "GET", "/api/ping", tls=_trusting(certificates.ca)).text == "pong"
    assert [(line["path"], line["status"]) for line in _log_lines(emulator)] == [("/api/ping", 200)]


def test_not_verifying_client_is_served(https_emulator: tuple[Emulator, str]) -> None:
    """A client that skips verification (validate_certs=false) still talks to the API."""
    _emulator, url = https_emulator
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    answer = graphql(url, "{ serverInfo { version } }", tls=unverified)
    assert answer.status == 200 and answer.json()["data"]["serverInfo"]["version"]


def test_plain_http_and_silent_clients_on_the_tls_port(
    https_emulator: tuple[Emulator, str], certificates: TestCertificates
) -> None:
    """Plain HTTP sent to the TLS port, and a client that hangs up at once, get no answer and break nothing."""
    emulator, url = https_emulator
    address = (urlsplit(url).hostname or "127.0.0.1", urlsplit(url).port or 0)
    with socket.create_connection(address, timeout=5) as plain:
        plain.sendall(b"GET /api/ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert plain.recv(4096)[:1] != b"H"  # a TLS alert or nothing, never an HTTP answer
    socket.create_connection(address, timeout=5).close()
    assert request(url, "GET", "/api/ping", tls=_trusting(certificates.ca)).text == "pong"
    assert len(_log_lines(emulator)) == 1


def test_without_tls_options_the_emulator_serves_http() -> None:
    """Without a certificate the emulator serves plain HTTP, as before."""
    with Emulator() as emulator:
        url = emulator.start()
        assert url.startswith("http://")
        assert request(url, "GET", "/api/ping").text == "pong"
