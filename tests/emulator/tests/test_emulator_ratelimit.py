"""Rate limiting: per-route actions, the two buckets, 429 shape, keys, and --no-rate-limit (on a fake clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from emulator_testlib import FakeClock, Response, graphql, login, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD
from speckle_emulator.ratelimit import ALL_REQUESTS_ACTION, USER_CREATE_ACTION, RateLimiter

QUERY = "{ serverInfo { version } }"
TOO_MANY = {
    "error": {
        "message": "You have sent too many requests. You are being rate limited. Please try again later.",
        "code": "RATE_LIMIT_ERROR",
    }
}


def _iso(epoch: float) -> str:
    """X-RateLimit-Reset's format (milliseconds, Z)."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _admin_login(url: str, **kwargs: object) -> Response:
    """A login with the default admin credentials."""
    return login(url, DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, **kwargs)  # type: ignore[arg-type]


def assert_refused(answer: Response, retry_after: str, now: float) -> None:
    """The real 429: body, Retry-After, X-RateLimit-Reset, meditation; no Remaining and no CSP."""
    assert (answer.status, answer.json()) == (429, TOO_MANY)
    assert answer.header("Retry-After") == retry_after
    assert answer.header("X-RateLimit-Reset") == _iso(now + float(retry_after))
    assert answer.header("X-Speckle-Meditation") == "https://http.cat/429"
    assert answer.header("X-RateLimit-Remaining") is None
    assert answer.header("Content-Security-Policy") is None


def test_graphql_429_shape_and_recovery() -> None:
    """2/s + burst 1: the wait runs from the first refused point (a block), and the window then starts afresh."""
    clock = FakeClock()
    start = clock.now
    limits = {"RATELIMIT_POST_GRAPHQL": 2, "RATELIMIT_BURST_POST_GRAPHQL": 1}
    with Emulator(rate_limits=limits, clock=clock) as emulator:
        url = emulator.start()
        first = [graphql(url, QUERY), graphql(url, QUERY)]
        clock.advance(0.25)
        from_burst = graphql(url, QUERY)  # regular refused: blocked until start + 1.25; the burst lets it through
        clock.advance(0.25)
        refused = graphql(url, QUERY)
        assert [a.status for a in [*first, from_burst]] == [200, 200, 200]
        assert [a.header("X-RateLimit-Remaining") for a in [*first, from_burst]] == ["1", "0", "0"]
        assert_refused(refused, "0.75", start + 0.5)
        clock.advance(0.7)
        assert_refused(graphql(url, QUERY), "0.05", start + 1.2)  # refusals neither count nor extend the wait
        clock.advance(0.05)
        again = graphql(url, QUERY)
        assert (again.status, again.header("X-RateLimit-Remaining")) == (200, "1")


def test_fourteen_logins_then_ten_minutes() -> None:
    """Default login limits: 4 + 10 burst logins, then 429 for about 600 s, as recorded from a fresh limiter."""
    clock = FakeClock()
    with Emulator(clock=clock) as emulator:
        url = emulator.start()
        answers, sent_at = [], []
        for index in range(15):
            sent_at.append(clock.now)
            answers.append(_admin_login(url, challenge=f"CHRL{index}"))
            clock.advance(0.08)
        assert [a.status for a in answers] == [302] * 14 + [429]
        assert [a.header("X-RateLimit-Remaining") for a in answers[:14]] == ["3", "2", "1"] + ["0"] * 11
        # The fifth login was the first the regular bucket refused: its 10-minute block started then.
        assert_refused(answers[14], "599.2", sent_at[14])
        assert graphql(url, QUERY).status == 200, "other actions keep their own buckets"
        clock.now = sent_at[4] + 599
        assert_refused(_admin_login(url), "1", clock.now)
        clock.now = sent_at[4] + 600
        regular_again = [_admin_login(url) for _index in range(5)]
        assert [a.status for a in regular_again] == [302, 302, 302, 302, 429], "the burst stays spent for 30 min"
        assert [a.header("X-RateLimit-Remaining") for a in regular_again[:4]] == ["3", "2", "1", "0"]
        clock.now = sent_at[14] + 1800
        assert [_admin_login(url).status for _index in range(14)] == [302] * 14


def test_refused_logins_count_too() -> None:
    """Wrong passwords take login points as well: after 14 of them the right password gets 429."""
    with Emulator(clock=FakeClock()) as emulator:
        url = emulator.start()
        wrong = [login(url, DEFAULT_ADMIN_EMAIL, "wrong password") for _index in range(14)]
        assert {a.status for a in wrong} == {401}
        assert _admin_login(url).status == 429


def test_token_and_logout_count_against_all_requests_only() -> None:
    """With the login limiter spent, /auth/token and /auth/logout still answer; Remaining is ALL_REQUESTS'."""
    with Emulator(clock=FakeClock()) as emulator:
        url = emulator.start()
        for _index in range(15):
            _admin_login(url)
        assert _admin_login(url).status == 429
        body = {"appId": "spklwebapp", "appSecret": "spklwebapp", "accessCode": "bogus", "challenge": "CHX"}
        exchanges = [post_json(url, "/auth/token", body) for _index in range(3)]
        logouts = [post_json(url, "/auth/logout", {"token": "bogus", "refreshToken": "x"}) for _index in range(3)]
        assert [a.status for a in exchanges + logouts] == [401] * 3 + [400] * 3
        remaining = [a.header("X-RateLimit-Remaining") for a in exchanges + logouts]
        assert remaining == ["499", "498", "497", "496", "495", "494"]


def test_login_buckets_are_per_client_source() -> None:
    """A public client address has its own login bucket; private and loopback clients share "unknown"."""
    with Emulator(rate_limits={"RATELIMIT_GET_AUTH": 1, "RATELIMIT_BURST_GET_AUTH": 0}, clock=FakeClock()) as emulator:
        url = emulator.start()
        assert _admin_login(url).status == 302
        assert _admin_login(url).status == 429
        assert _admin_login(url, headers={"X-Forwarded-For": "10.1.2.3"}).status == 429
        public = _admin_login(url, headers={"X-Forwarded-For": "203.0.113.7"})
        assert (public.status, public.header("X-RateLimit-Remaining")) == (302, "0")
        assert _admin_login(url, headers={"X-Real-IP": "203.0.113.7"}).status == 429


def test_graphql_buckets_are_per_token_or_source() -> None:
    """A token has its own bucket, separate from anonymous requests."""
    limits = {"RATELIMIT_POST_GRAPHQL": 1, "RATELIMIT_BURST_POST_GRAPHQL": 0}
    with Emulator(rate_limits=limits, clock=FakeClock()) as emulator:
        url = emulator.start()
        token = emulator.create_personal_token(["profile:read"])
        assert graphql(url, QUERY).status == 200
        assert graphql(url, QUERY).status == 429
        assert graphql(url, QUERY, token=token).status == 200
        assert graphql(url, QUERY, token=token).status == 429


def test_no_rate_limit_never_rejects() -> None:
    """--no-rate-limit: still reports X-RateLimit-Remaining, never answers 429, logins included."""
    limits = {"RATELIMIT_POST_GRAPHQL": 1, "RATELIMIT_BURST_POST_GRAPHQL": 0}
    with Emulator(rate_limit=False, rate_limits=limits, clock=FakeClock()) as emulator:
        url = emulator.start()
        answers = [graphql(url, QUERY) for _request in range(5)]
        logins = [_admin_login(url) for _request in range(20)]
        assert {a.status for a in answers} == {200}
        assert {a.status for a in logins} == {302}
        assert all(a.header("X-RateLimit-Remaining") is not None for a in answers + logins)


def test_remaining_header_on_other_routes(running: object) -> None:
    """Non-GraphQL routes count in ALL_REQUESTS and carry the header too."""
    url = running.url  # type: ignore[attr-defined]
    for path in ("/api/ping", "/liveness", "/", "/graphql"):
        assert request(url, "GET", path).header("X-RateLimit-Remaining") is not None


def test_actions_follow_method_and_path() -> None:
    """METHOD path first, then the path alone, else ALL_REQUESTS; USER_CREATE is never picked by path."""
    action_for = RateLimiter.action_for
    assert action_for("POST", "/graphql") == "POST /graphql"
    assert action_for("GET", "/graphql") == ALL_REQUESTS_ACTION
    assert action_for("POST", "/auth/local/login") == "/auth/local/login"
    assert action_for("GET", "/auth/local/login") == "/auth/local/login"
    assert action_for("POST", "/auth/pwdreset/request") == "POST /auth/pwdreset/request"
    for method, path in (("POST", "/auth/token"), ("POST", "/auth/logout"), ("POST", "/auth/local/register")):
        assert action_for(method, path) == ALL_REQUESTS_ACTION
    assert action_for("POST", USER_CREATE_ACTION) == ALL_REQUESTS_ACTION


def test_user_create_limit_is_in_the_table() -> None:
    """USER_CREATE (6 an hour + 1000 a week by default) is ready for a registration route to consume."""
    defaults = RateLimiter().describe()["actions"][USER_CREATE_ACTION]
    assert defaults == {
        "regular": {"name": "RATELIMIT_USER_CREATE", "points": 6, "seconds": 3600},
        "burst": {"name": "RATELIMIT_BURST_USER_CREATE", "points": 1000, "seconds": 604800},
    }
    clock = FakeClock()
    limiter = RateLimiter({"RATELIMIT_USER_CREATE": 2, "RATELIMIT_BURST_USER_CREATE": 1}, clock=clock)
    decisions = [limiter.consume(USER_CREATE_ACTION, "unknown") for _index in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[3].headers()["Retry-After"] == "3600"


def _control(url: str, method: str, body: object = None) -> Response:
    """A request to /__emulator__/ratelimit."""
    if body is None:
        return request(url, method, "/__emulator__/ratelimit")
    return post_json(url, "/__emulator__/ratelimit", body)


def test_control_endpoint_reads_changes_and_resets_limits() -> None:
    """GET shows the limits, POST changes them at run time, DELETE forgets every count."""
    with Emulator(clock=FakeClock()) as emulator:
        url = emulator.start()
        shown = _control(url, "GET").json()
        assert shown["enabled"] is True
        assert shown["limits"] == {
            "RATELIMIT_ALL_REQUESTS": 500,
            "RATELIMIT_BURST_ALL_REQUESTS": 2000,
            "RATELIMIT_POST_GRAPHQL": 50,
            "RATELIMIT_BURST_POST_GRAPHQL": 200,
            "RATELIMIT_GET_AUTH": 4,
            "RATELIMIT_BURST_GET_AUTH": 10,
            "RATELIMIT_USER_CREATE": 6,
            "RATELIMIT_BURST_USER_CREATE": 1000,
        }
        assert shown["actions"]["/auth/local/login"] == {
            "regular": {"name": "RATELIMIT_GET_AUTH", "points": 4, "seconds": 600},
            "burst": {"name": "RATELIMIT_BURST_GET_AUTH", "points": 10, "seconds": 1800},
        }
        assert _admin_login(url).header("X-RateLimit-Remaining") == "3"
        changed = _control(url, "POST", {"RATELIMIT_GET_AUTH": 2, "RATELIMIT_BURST_GET_AUTH": 0})
        assert changed.status == 200
        assert changed.json()["actions"]["/auth/local/login"]["regular"]["points"] == 2
        kept = _admin_login(url)
        assert (kept.status, kept.header("X-RateLimit-Remaining")) == (302, "0"), "the earlier login still counts"
        assert _admin_login(url).status == 429
        assert _control(url, "DELETE").json() == _control(url, "GET").json()
        assert [_admin_login(url).status for _index in range(3)] == [302, 302, 429]


def test_control_endpoint_turns_limiting_off_and_on() -> None:
    """ "enabled": false counts but never refuses; /__emulator__/info agrees."""
    with Emulator(rate_limits={"RATELIMIT_GET_AUTH": 1, "RATELIMIT_BURST_GET_AUTH": 0}, clock=FakeClock()) as emulator:
        url = emulator.start()
        assert _control(url, "POST", {"enabled": False}).json()["enabled"] is False
        assert request(url, "GET", "/__emulator__/info").json()["rateLimit"] is False
        assert {_admin_login(url).status for _index in range(5)} == {302}
        assert _control(url, "POST", {"enabled": True}).json()["enabled"] is True
        assert _admin_login(url).status == 429


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"RATELIMIT_GET_AUTH": 9, "RATELIMIT_GETAUTH": 1}, "unknown rate limit 'RATELIMIT_GETAUTH'"),
        ({"RATELIMIT_GET_AUTH": -1}, "RATELIMIT_GET_AUTH must be a whole number, 0 or more"),
        ({"RATELIMIT_GET_AUTH": 1.5}, "RATELIMIT_GET_AUTH must be a whole number, 0 or more"),
        ({"RATELIMIT_GET_AUTH": 9, "enabled": "no"}, 'enabled must be true or false, got "no"'),
        ([1], "send a JSON object of RATELIMIT_* names to counts"),
    ],
)
def test_control_endpoint_refuses_bad_changes_whole(running: Any, body: object, message: str) -> None:
    """A bad name, count or flag gives 400 with the reason, and changes nothing."""
    answer = _control(running.url, "POST", body)
    assert answer.status == 400
    assert message in answer.json()["error"]
    shown = _control(running.url, "GET").json()
    assert shown["limits"]["RATELIMIT_GET_AUTH"] == 4 and shown["enabled"] is True


def test_control_endpoint_is_never_limited() -> None:
    """With every request over the limit, the control endpoint still answers, without the header or a token."""
    limits = {"RATELIMIT_ALL_REQUESTS": 0, "RATELIMIT_BURST_ALL_REQUESTS": 0}
    with Emulator(rate_limits=limits, clock=FakeClock()) as emulator:
        url = emulator.start()
        assert request(url, "GET", "/api/ping").status == 429
        answers = [_control(url, "GET") for _index in range(3)]
        assert {a.status for a in answers} == {200}
        assert all(a.header("X-RateLimit-Remaining") is None for a in answers)
        assert _control(url, "DELETE").status == 200
        assert request(url, "PUT", "/__emulator__/ratelimit").status == 405
