"""Fault injection through POST /__emulator__/faults, and the other control endpoints."""

from __future__ import annotations

import http.client
import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator_testlib import ACTIVE_USER, CREATE_TOKEN, graphql, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD

SERVER_INFO = "query ServerInfo { serverInfo { version } }"


def _arm(url: str, **spec: Any) -> dict[str, Any]:
    """Arm a fault and return the control answer."""
    answer = post_json(url, "/__emulator__/faults", spec)
    assert answer.status == 200, answer.text
    return dict(answer.json())


def _tokens(url: str) -> list[dict[str, Any]]:
    """Token metadata from the control endpoint."""
    return list(request(url, "GET", "/__emulator__/tokens").json()["tokens"])


def test_status_429_has_the_real_body_and_headers(running: Any) -> None:
    """status:429 answers like the rate limiter, with the given Retry-After."""
    _arm(running.url, kind="status:429", count=2, retry_after="0.517")
    for _attempt in range(2):
        answer = graphql(running.url, SERVER_INFO)
        assert answer.status == 429
        assert answer.json()["error"]["code"] == "RATE_LIMIT_ERROR"
        assert answer.header("Retry-After") == "0.517"
        assert (answer.header("X-RateLimit-Reset") or "").endswith("Z")
    assert graphql(running.url, SERVER_INFO).status == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_gateway_statuses(running: Any, status: int) -> None:
    """status:5xx answers a plain gateway page (not JSON)."""
    _arm(running.url, kind=f"status:{status}")
    answer = graphql(running.url, SERVER_INFO)
    assert answer.status == status
    assert (answer.header("Content-Type") or "").startswith("text/html")
    assert str(status) in answer.text


def test_html_fault(running: Any) -> None:
    """html answers 200 with an HTML page, as a misrouted frontend would."""
    _arm(running.url, kind="html")
    answer = graphql(running.url, SERVER_INFO)
    assert answer.status == 200 and (answer.header("Content-Type") or "").startswith("text/html")


def test_frontend_paths_answer_html(running: Any) -> None:
    """Anything under /frontend is the fake SPA, for any method."""
    for method in ("GET", "POST"):
        answer = request(running.url, method, "/frontend/graphql", b"{}", {"Content-Type": "application/json"})
        assert answer.status == 200 and "<html" in answer.text


def test_delay_makes_a_client_time_out(running: Any) -> None:
    """delay sleeps before answering normally."""
    _arm(running.url, kind="delay", delay=0.5)
    with pytest.raises((TimeoutError, socket.timeout)):
        graphql(running.url, SERVER_INFO, timeout=0.1)
    _arm(running.url, kind="delay", delay=0.05)
    assert graphql(running.url, SERVER_INFO).status == 200


def test_drop_closes_without_answer(running: Any) -> None:
    """drop closes the connection; the next request is fine."""
    _arm(running.url, kind="drop")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        graphql(running.url, SERVER_INFO)
    assert graphql(running.url, SERVER_INFO).status == 200


@pytest.mark.parametrize("kind", ["after_mutation:drop", "after_mutation:502"])
def test_after_mutation_commits_then_fails(running: Any, kind: str) -> None:
    """The mutation runs and is committed, but the client gets no usable answer; queries are not affected."""
    _arm(running.url, kind=kind, operationName="ApiTokenCreate")
    assert graphql(running.url, ACTIVE_USER, token=running.admin_token).status == 200
    before = len(_tokens(running.url))
    variables = {"token": {"name": "lost answer", "scopes": ["profile:read"]}}
    if kind == "after_mutation:drop":
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
            graphql(running.url, CREATE_TOKEN, variables, running.admin_token, operation_name="ApiTokenCreate")
    else:
        answer = graphql(running.url, CREATE_TOKEN, variables, running.admin_token, operation_name="ApiTokenCreate")
        assert answer.status == 502
    tokens = _tokens(running.url)
    assert len(tokens) == before + 1
    assert "lost answer" in {t["name"] for t in tokens}


def test_operation_name_filter_count_and_clear(running: Any) -> None:
    """Only matching operations are hit, count is honoured, DELETE disarms, GET lists."""
    _arm(running.url, kind="status:503", count=2, operationName="ServerInfo")
    assert graphql(running.url, "{ serverInfo { name } }").status == 200
    assert graphql(running.url, SERVER_INFO).status == 503
    listed = request(running.url, "GET", "/__emulator__/faults").json()["faults"]
    assert listed == [
        {
            "kind": "status:503",
            "count": 1,
            "operationName": "ServerInfo",
            "retry_after": "1",
            "delay": 0.0,
            "path": "/graphql",
        }
    ]
    assert request(running.url, "DELETE", "/__emulator__/faults").status == 200
    assert graphql(running.url, SERVER_INFO).status == 200


def test_fault_requests_are_logged(tmp_path: Any) -> None:
    """The request log names the fault that hit a request."""
    log = tmp_path / "log.jsonl"
    with Emulator(request_log=str(log)) as emulator:
        url = emulator.start()
        _arm(url, kind="status:502")
        graphql(url, SERVER_INFO, operation_name="ServerInfo")
    last = log.read_text(encoding="utf-8").splitlines()[-1]
    assert '"fault":"status:502"' in last and '"status":502' in last and '"operationName":"ServerInfo"' in last


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "status:418"},
        {"kind": "drop", "count": 0},
        {"kind": "delay"},
        {"kind": "html", "extra": 1},
        [],
        {"kind": "drop", "path": "/api/ping"},
        {"kind": "drop", "path": "/auth/token", "operationName": "X"},
    ],
)
def test_invalid_fault_specs(running: Any, spec: Any) -> None:
    """Bad control requests get 400 with a reason."""
    answer = post_json(running.url, "/__emulator__/faults", spec)
    assert answer.status == 400 and answer.json()["error"]


CHALLENGE = "fault-challenge"


def _login(url: str) -> Any:
    body = {"email": DEFAULT_ADMIN_EMAIL, "password": DEFAULT_ADMIN_PASSWORD}
    return post_json(url, f"/auth/local/login?challenge={CHALLENGE}", body)


def _exchange(url: str, location: str) -> Any:
    code = parse_qs(urlsplit(location).query)["access_code"][0]
    body = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": code, "challenge": CHALLENGE}
    return post_json(url, "/auth/token", body)


def _app_tokens(url: str) -> list[str]:
    return [tok["id"] for tok in _tokens(url) if tok["kind"] == "app"]


def test_faults_aim_at_the_login_flow_and_leave_graphql_alone(running: Any) -> None:
    """A fault with a path hits only that endpoint: here a 503 at the login, then a lost exchange."""
    _arm(running.url, kind="status:503", path="/auth/local/login")
    assert graphql(running.url, SERVER_INFO).status == 200
    assert _login(running.url).status == 503
    login = _login(running.url)
    assert login.status == 302
    before = _app_tokens(running.url)
    _arm(running.url, kind="after_mutation:502", path="/auth/token")
    lost = _exchange(running.url, login.header("Location") or "")
    assert lost.status == 502 and (lost.header("Content-Type") or "").startswith("text/html")
    # The exchange ran before its answer was lost: a session token exists that nobody saw.
    assert len(_app_tokens(running.url)) == len(before) + 1


def test_a_lost_logout_answer_still_logged_out(running: Any) -> None:
    """after_mutation:drop at /auth/logout: the session is ended, the client hears nothing."""
    exchanged = _exchange(running.url, _login(running.url).header("Location") or "").json()
    assert graphql(running.url, ACTIVE_USER, token=exchanged["token"]).status == 200
    _arm(running.url, kind="after_mutation:drop", path="/auth/logout")
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        post_json(running.url, "/auth/logout", {"token": exchanged["token"], "refreshToken": exchanged["refreshToken"]})
    assert graphql(running.url, ACTIVE_USER, token=exchanged["token"]).status == 403


def test_token_endpoint_never_shows_secrets(running: Any) -> None:
    """GET /__emulator__/tokens: metadata only."""
    listed = _tokens(running.url)
    assert listed and running.admin_token[10:] not in str(listed)
    assert set(listed[0]) == {
        "id",
        "owner",
        "name",
        "lastChars",
        "scopes",
        "createdAt",
        "lifespan",
        "lastUsed",
        "appId",
        "kind",
        "limitResources",
    }
