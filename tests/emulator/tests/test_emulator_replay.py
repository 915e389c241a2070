"""Replay every recorded call against a fresh emulator and compare status, error codes and data shape.

Each recording gets its own emulator, seeded with the fixtures its ``auth`` label names (see ``Fixtures``) and
with the state its sequence implies (a token that exists before ``..._again`` revokes it twice, a revoked
web-app token, a login session that was refreshed or logged out, a spent login limiter, ...: see AUTH_STATE).
Ids, timestamps and secrets are compared by type only; messages, error codes, paths, HTTP statuses and the
rate-limit, security and caching headers must be equal. The rate-limit probes are replayed as the series of
calls they are, on a fake clock set to each call's recorded time. The admin API (FACTS-admin.md B-E) is not
emulated yet: NOT_EMULATED skips those recordings, saying why.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator_testlib import RECORDED, SHARED_MISSING, FakeClock, Response, graphql, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import ALL_SCOPES
from speckle_emulator.ratelimit import ALL_REQUESTS_ACTION, LOGIN_ACTION

SECOND_USER_ID = "c3adee2572"
WELLFORMED_BAD_TOKEN = "0123456789" + "0" * 32
MALFORMED_BAD_TOKEN = "this-is-not-a-token"

WEBAPP = {"appId": "spklwebapp", "appSecret": "spklwebapp"}

# Recordings that cannot be replayed, by name pattern, with why: the admin API of FACTS-admin.md sections B-E is
# not emulated yet. Every pattern must match a recording (test_skip_patterns_match_recordings).
NOT_EMULATED = {
    "serverInfoUpdate_*": "serverInfoUpdate is not emulated (FACTS-admin.md B)",
    "POST_auth_local_register_*": "POST /auth/local/register is not emulated (FACTS-admin.md C)",
    "*after_register__*": "needs a user created by POST /auth/local/register (FACTS-admin.md C)",
    "app[CUD]*_*": "appCreate, appUpdate and appDelete are not emulated (FACTS-admin.md D)",
    "appRevokeAccess_*": "appRevokeAccess is not emulated (FACTS-admin.md D)",
    "*_after_appRevokeAccess*": "needs appRevokeAccess, which is not emulated (FACTS-admin.md D)",
    "app_*_app__*": "needs an app made by appCreate, which is not emulated (FACTS-admin.md D)",
    "app_after_update__*": "needs an app made by appCreate, which is not emulated (FACTS-admin.md D)",
    "activeUser_createdApps*": "activeUser.createdApps is not emulated (FACTS-admin.md D)",
    "activeUser_authorizedApps*": "activeUser.authorizedApps is not emulated (FACTS-admin.md D)",
    "admin_*": "the admin query (userList, inviteList) is not emulated (FACTS-admin.md E)",
    "users_*": "the users query is not emulated (FACTS-admin.md E)",
    "usersByEmail_*": "usersByEmail is not emulated (FACTS-admin.md E)",
    "userRoleChange_*": "userRoleChange is not emulated (FACTS-admin.md E)",
    "serverInviteCreate_*": "serverInviteCreate is not emulated (FACTS-admin.md E)",
    "inviteDelete_*": "inviteDelete is not emulated (FACTS-admin.md E)",
}


def _skip_reason(name: str) -> str | None:
    """Why a recording is not replayed (None when it is)."""
    return next((reason for pattern, reason in NOT_EMULATED.items() if fnmatch(name, pattern)), None)


def _recordings() -> list[Path]:
    """Recorded calls in recording order (file name breaks ties)."""
    if not RECORDED.is_dir():
        return []
    files = sorted(RECORDED.glob("*.json"))
    return sorted(files, key=lambda p: (json.loads(p.read_text(encoding="utf-8")).get("recorded_at") or "", p.name))


RECORDINGS = _recordings()


def _params() -> list[Any]:
    """One pytest param per recording (or one skipped placeholder when the recordings are absent)."""
    if not RECORDINGS:
        return [pytest.param(None, id="recordings-absent", marks=pytest.mark.skip(reason=SHARED_MISSING))]
    params = []
    for path in RECORDINGS:
        reason = _skip_reason(path.stem)
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


class Fixtures:
    """A started emulator holding the users and tokens the recordings' auth labels refer to."""

    def __init__(self, emulator: Emulator, url: str) -> None:
        self.emulator = emulator
        self.url = url
        store = emulator.store
        admin = emulator.admin.id
        store.create_user("Second User", "second@example.org", user_id=SECOND_USER_ID)
        self.tokens: dict[str, str] = {
            "admin-token": emulator.create_personal_token(list(ALL_SCOPES), "admin-all-scopes (db-inserted)"),
            "read-only-token": store.create_token(admin, "read-only profile", ["profile:read"]),
            "limited-writer-token": store.create_token(
                admin, "limited-writer (db-inserted)", ["profile:read", "tokens:read", "tokens:write"]
            ),
            "webapp-app-token": emulator.seed_login_token("ab" * 21),
        }
        self.tokens["read-only-token-plus-garbage"] = self.tokens["read-only-token"] + "trailing-garbage"
        store.create_token(SECOND_USER_ID, "second user's token", ["profile:read"])

    def token(self, label: str) -> str:
        """The token for an auth label, created on first use (so other recordings' token lists stay as recorded)."""
        if label in self.tokens:
            return self.tokens[label]
        store, admin = self.emulator.store, self.emulator.admin.id
        made = {
            "negative-lifespan-token": lambda: store.create_token(
                admin, "negative", ["profile:read"], lifespan_ms=-1000
            ),
            "1ms-lifespan-token": lambda: store.create_token(admin, "1ms", ["profile:read"], lifespan_ms=1),
            "bigmax-lifespan-token": lambda: store.create_token(admin, "max", ["profile:read"], lifespan_ms=2**63 - 1),
            "dup-scopes-token": lambda: store.create_token(admin, "dup", ["profile:read", "profile:read"]),
            "revoked-token": self._revoked_token,
            "profile-read-token-2": self._token_by_limited_writer,
            "admin-refreshed-token": lambda: self.refresh(self.session()["refreshToken"])["token"],
            "logged-out-token": self._logged_out_token,
        }
        self.tokens[label] = made[label]()
        return self.tokens[label]

    def _revoked_token(self) -> str:
        """A token that existed and was revoked."""
        token = self.emulator.store.create_token(self.emulator.admin.id, "revoked", ["profile:read"])
        self.emulator.store.revoke_token(token[:10])
        return token

    def access_code(self, challenge: str) -> str:
        """An access code from the admin's local login with ``challenge``."""
        emulator = self.emulator
        credentials = {"email": emulator.config.admin_email, "password": emulator.config.admin_password}
        login = post_json(self.url, f"/auth/local/login?challenge={challenge}", credentials)
        return parse_qs(urlsplit(login.header("Location") or "").query)["access_code"][0]

    def session(self, challenge: str = "CHREPLAY") -> dict[str, str]:
        """The admin's {token, refreshToken} from the local login flow."""
        exchanged = post_json(
            self.url, "/auth/token", {**WEBAPP, "accessCode": self.access_code(challenge), "challenge": challenge}
        )
        return dict(exchanged.json())

    def refresh(self, refresh_token: str) -> dict[str, str]:
        """A refreshed {token, refreshToken}."""
        return dict(post_json(self.url, "/auth/token", {**WEBAPP, "refreshToken": refresh_token}).json())

    def logout(self, tokens: dict[str, str]) -> None:
        """End a session."""
        assert post_json(self.url, "/auth/logout", tokens).status == 200

    def _logged_out_token(self) -> str:
        """A session token after its logout."""
        tokens = self.session()
        self.logout(tokens)
        return tokens["token"]

    def _token_by_limited_writer(self) -> str:
        """A profile:read PAT created through the API by the limited writer."""
        query = 'mutation { apiTokenCreate(token: {name: "p2", scopes: ["profile:read"]}) }'
        created = graphql(self.url, query, None, self.tokens["limited-writer-token"])
        return str(created.json()["data"]["apiTokenCreate"])

    def authorization(self, request_spec: dict[str, Any]) -> dict[str, str]:
        """Authorization header for a recording's auth label (custom headers are rewritten by the caller)."""
        label = request_spec.get("auth", "none")
        if label in ("none", "custom"):
            return {}
        if label == "bad-token":
            malformed = "malformed" in (request_spec.get("auth_detail") or "")
            return {"Authorization": f"Bearer {MALFORMED_BAD_TOKEN if malformed else WELLFORMED_BAD_TOKEN}"}
        return {"Authorization": f"Bearer {self.token(label)}"}


def _revoke_target(argument: str) -> str:
    """The token id apiTokenRevoke would look at."""
    token = argument.split(" ")[1] if "bearer" in argument.lower() else argument
    return token[:10]


def _prepare(name: str, spec: dict[str, Any], fixtures: Fixtures) -> dict[str, Any]:
    """Create the state a recording presumes, and return the (possibly rewritten) request."""
    store, admin = fixtures.emulator.store, fixtures.emulator.admin.id
    spec = json.loads(json.dumps(spec))
    if name.startswith("apiTokenRevoke_"):
        target = _revoke_target(spec["variables"]["token"])
        if len(target) == 10 and target not in ("0000000000", "0123456789"):
            owner = SECOND_USER_ID if "other_users" in name else admin
            app_id = "spklwebapp" if "app_token" in name else None
            store.create_token(owner, "replay target", ["profile:read"], app_id=app_id, token=target + "f" * 32)
            if "_again" in name:
                store.revoke_token(target)
    if name == "activeUser_basic__revoked-webapp-app-token":
        store.revoke_token(fixtures.tokens["webapp-app-token"][:10])
    if name in AUTH_STATE:
        AUTH_STATE[name](spec, fixtures)
    return spec


def _credentials(spec: dict[str, Any], fixtures: Fixtures, logins_before: int = 0) -> None:
    """The admin's real credentials (the recordings redact the password), after ``logins_before`` logins."""
    config = fixtures.emulator.config
    for _index in range(logins_before):
        fixtures.access_code("CHBEFORE")
    spec["body"] = {"email": config.admin_email, "password": config.admin_password}


def _exhausted_then_reset(spec: dict[str, Any], fixtures: Fixtures) -> None:
    """A login limiter that refused, then was reset (the recording deleted the Redis keys and restarted)."""
    _credentials(spec, fixtures, logins_before=14)
    refused = post_json(fixtures.url, "/auth/local/login?challenge=CHX", spec["body"])
    assert refused.status == 429
    assert request(fixtures.url, "DELETE", "/__emulator__/ratelimit").status == 200


def _fresh_code(spec: dict[str, Any], fixtures: Fixtures) -> None:
    """An access code issued for the recorded challenge."""
    spec["body"]["accessCode"] = fixtures.access_code(spec["body"]["challenge"])


def _used_code(spec: dict[str, Any], fixtures: Fixtures) -> None:
    """An access code already exchanged once."""
    _fresh_code(spec, fixtures)
    assert post_json(fixtures.url, "/auth/token", spec["body"]).status == 200


def _refresh_token(spec: dict[str, Any], fixtures: Fixtures, used: bool = False, logged_out: bool = False) -> None:
    """A session's refresh token (optionally used once already, or after the session's logout)."""
    tokens = fixtures.session()
    if used:
        fixtures.refresh(tokens["refreshToken"])
    if logged_out:
        fixtures.logout(tokens)
    spec["body"]["refreshToken"] = tokens["refreshToken"]


def _session_body(spec: dict[str, Any], fixtures: Fixtures, logged_out: bool = False) -> None:
    """A live session's {token, refreshToken} (optionally already logged out)."""
    tokens = fixtures.session()
    if logged_out:
        fixtures.logout(tokens)
    spec["body"] = tokens


def _session_as_admin_token(_spec: dict[str, Any], fixtures: Fixtures, refreshed: bool = False) -> None:
    """Use a login session token where the recording did (optionally after that session was refreshed)."""
    tokens = fixtures.session()
    if refreshed:
        fixtures.refresh(tokens["refreshToken"])
    fixtures.tokens["admin-token"] = tokens["token"]


# The state each auth-flow recording (FACTS-admin.md A) presumes, made through the emulator's own routes.
AUTH_STATE = {
    "POST_auth_local_login_valid__none": _credentials,
    "POST_auth_local_login_rate_limited_429__none": lambda spec, fx: _credentials(spec, fx, logins_before=14),
    "POST_auth_local_login_after_limiter_reset__none": _exhausted_then_reset,
    "POST_auth_token_access_code_exchange": _fresh_code,
    "POST_auth_token_access_code_exchange_admin__none": _fresh_code,
    "POST_auth_token_access_code_exchange_verify_login__none": _fresh_code,
    "POST_auth_token_access_code_reused__none": _used_code,
    "POST_auth_token_refresh__none": _refresh_token,
    "POST_auth_token_refresh_same_refresh_token_again__none": lambda spec, fx: _refresh_token(spec, fx, used=True),
    "POST_auth_token_refresh_after_logout__none": lambda spec, fx: _refresh_token(spec, fx, logged_out=True),
    "POST_auth_logout_valid__none": _session_body,
    "POST_auth_logout_already_logged_out__none": lambda spec, fx: _session_body(spec, fx, logged_out=True),
    "activeUser_basic_after_login__admin-token": _session_as_admin_token,
    "activeUser_basic_old_token_after_refresh__admin-token": lambda spec, fx: _session_as_admin_token(
        spec, fx, refreshed=True
    ),
}


def _send(fixtures: Fixtures, spec: dict[str, Any]) -> Response:
    """Send a recorded request as recorded."""
    headers = fixtures.authorization(spec)
    for key, value in (spec.get("headers") or {}).items():
        headers[key] = value.replace("<read-only-token>", fixtures.tokens["read-only-token"])
    body: bytes | None = None
    if "raw_body" in spec:
        body = spec["raw_body"].encode("utf-8")
    elif "body" in spec:
        body = json.dumps(spec["body"]).encode("utf-8")
    elif "query" in spec:
        payload = {"query": spec["query"], "variables": spec.get("variables")}
        if "operationName" in spec:
            payload["operationName"] = spec["operationName"]
        body = json.dumps(payload).encode("utf-8")
    if body is not None:
        headers.setdefault("Content-Type", "application/json")
    return request(fixtures.url, spec["method"], spec["path"], body, headers)


def _kind(value: Any) -> str:
    """JSON type name, numbers together."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_shape(expected: Any, actual: Any, where: str = "$") -> None:
    """Same keys and JSON types recursively; list items must each match some recorded item."""
    assert _kind(expected) == _kind(actual), f"{where}: expected {_kind(expected)}, got {_kind(actual)}: {actual!r}"
    if isinstance(expected, dict):
        assert set(expected) == set(actual), f"{where}: keys {sorted(actual)} != recorded {sorted(expected)}"
        for key, value in expected.items():
            assert_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert bool(expected) == bool(actual), f"{where}: recorded {len(expected)} items, got {len(actual)}"
        for index, item in enumerate(actual):
            failures = []
            for candidate in expected:
                try:
                    assert_shape(candidate, item, f"{where}[{index}]")
                    break
                except AssertionError as error:
                    failures.append(str(error))
            else:
                raise AssertionError(failures[0])


def assert_errors(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> None:
    """Errors equal in message, code, extensions, path and locations."""
    assert len(actual) == len(expected), f"errors: {actual!r}"
    for want, got in zip(expected, actual, strict=True):
        assert got == want


def assert_body(expected: Any, response: Response) -> None:
    """Compare a response body with a recorded one (REST messages exactly, GraphQL errors exactly, data by shape)."""
    if isinstance(expected, str):
        if expected.startswith("Found. Redirecting to "):  # the access code in it is redacted
            assert response.text == f"Found. Redirecting to {response.header('Location')}"
        elif len(expected) <= 64:
            assert response.text == expected
        return
    actual = response.json()
    assert_shape(expected, actual)
    if isinstance(expected, dict) and "errors" in expected:
        assert_errors(expected["errors"], actual["errors"])
    if isinstance(expected, dict):
        for key in ("error", "err", "message"):
            if key in expected:
                assert actual[key] == expected[key]


def assert_headers(recorded: dict[str, str], response: Response) -> None:
    """The rate-limit, redirect, security and caching headers are sent exactly when the server sent them."""
    recorded = {name.lower(): value for name, value in recorded.items()}
    for name in ("x-ratelimit-remaining", "retry-after", "x-ratelimit-reset", "x-speckle-meditation", "location"):
        assert (response.header(name) is None) == (name not in recorded), f"{name}: sent {response.header(name)!r}"
    for name in ("content-security-policy", "cache-control", "expires", "pragma", "x-speckle-meditation"):
        assert response.header(name) == recorded.get(name), f"{name}: {response.header(name)!r}"


def assert_matches(recording: dict[str, Any], response: Response) -> None:
    """Compare a response with a recording."""
    assert response.status == recording["status"], response.text[:500]
    recorded_headers = recording.get("response_headers") or {}
    recorded_type = recorded_headers.get("Content-Type")
    if recorded_type:
        actual_type = response.header("Content-Type") or ""
        assert actual_type.split(";")[0] == recorded_type.split(";")[0]
    assert_headers(recorded_headers, response)
    assert_body(recording["response"], response)


@pytest.fixture(name="fixtures")
def fixtures_fixture() -> Any:
    """A fresh, seeded emulator per recording."""
    emulator = Emulator(server_version="dev")
    url = emulator.start()
    try:
        yield Fixtures(emulator, url)
    finally:
        emulator.stop()


@pytest.mark.parametrize("path", _params())
def test_replay(path: Path | None, fixtures: Fixtures) -> None:
    """The emulator answers a recorded call as the real server did."""
    assert path is not None
    recording = json.loads(path.read_text(encoding="utf-8"))
    if path.stem in PROBES:
        PROBES[path.stem](recording)
        return
    spec = _prepare(path.stem, recording["request"], fixtures)
    assert_matches(recording, _send(fixtures, spec))


def _create(url: str, token: str, index: int) -> Response:
    """One probe mutation."""
    variables = {"token": {"name": f"rl-probe-{index}", "scopes": ["profile:read"]}}
    return graphql(
        url, "mutation ApiTokenCreate($token: ApiTokenCreateInput!) { apiTokenCreate(token: $token) }", variables, token
    )


def _epoch(iso: str | None) -> float:
    """Epoch seconds of an X-RateLimit-Reset value."""
    assert iso and iso.endswith("Z")
    return datetime.fromisoformat(iso[:-1] + "+00:00").timestamp()


def _series(clock: FakeClock, calls: list[dict[str, Any]], send: Any) -> list[Response]:
    """Send a probe's calls with the fake clock at each call's recorded start time."""
    responses = []
    for call in calls:
        clock.now = call["t_start"]
        responses.append(send(call["i"]))
    return responses


def assert_series(calls: list[dict[str, Any]], responses: list[Response]) -> None:
    """Statuses, X-RateLimit-Remaining and bodies as recorded; a 429's wait and reset time within 20 ms."""
    assert [r.status for r in responses] == [c["status"] for c in calls]
    for call, response in zip(calls, responses, strict=True):
        assert response.header("X-RateLimit-Remaining") == call["x_ratelimit_remaining"], call["i"]
        assert_body(call["response"], response)
        if call["retry_after"] is None:
            assert response.header("Retry-After") is None
            continue
        assert abs(float(response.header("Retry-After") or "0") - float(call["retry_after"])) < 0.02
        assert abs(_epoch(response.header("X-RateLimit-Reset")) - _epoch(call["x_ratelimit_reset"])) < 0.02
        if call["headers"]:
            assert_headers(call["headers"], response)


def _admin_login(url: str, emulator: Emulator, challenge: str) -> Response:
    """A login with the emulator's admin credentials (the recordings redact the password)."""
    credentials = {"email": emulator.config.admin_email, "password": emulator.config.admin_password}
    return post_json(url, f"/auth/local/login?challenge={challenge}", credentials)


def _assert_redis_keys(emulator: Emulator, recording: dict[str, Any]) -> None:
    """The login windows hold what the server's Redis keys held afterwards (loopback clients are "unknown")."""
    keys = recording["redis_keys_after"]
    expected = tuple(int(keys[f"{prefix}/auth/local/login:unknown"]["value"]) for prefix in ("", "BURST_"))
    assert emulator.limiter.consumed(LOGIN_ACTION, "unknown") == expected


def replay_probe_logins(recording: dict[str, Any], prior_login_at: float | None = None) -> None:
    """Logins as fast as possible until the first 429, on a fake clock that follows the recorded times."""
    clock = FakeClock()
    calls = recording["response"]
    with Emulator(clock=clock) as emulator:
        url = emulator.start()
        if prior_login_at is not None:
            clock.now = prior_login_at
            assert _admin_login(url, emulator, "CHPRIOR").status == 302
        responses = _series(clock, calls, lambda i: _admin_login(url, emulator, f"CHRL{i}"))
        _assert_redis_keys(emulator, recording)
    assert_series(calls, responses)
    assert sum(r.status == 302 for r in responses) == recording["successful_logins_before_429"]


def replay_probe_logins_after_one(recording: dict[str, Any]) -> None:
    """The same with one login taken earlier: the regular key then had pttl_ms left of its 10 minutes."""
    pttl_ms = int(recording["redis_keys_before"]["/auth/local/login:unknown"]["pttl_ms"])
    replay_probe_logins(recording, recording["response"][0]["t_start"] - (600_000 - pttl_ms) / 1000)


def _bogus_exchanges(url: str, clock: FakeClock) -> list[Response]:
    """The 30 bogus access-code exchanges of their probe, at their recorded times."""
    recording = json.loads((RECORDED / "ratelimit_probe_30_auth_token_bogus_access_code.json").read_text("utf-8"))
    body = recording["request"]["body"]
    return _series(clock, recording["response"], lambda _i: post_json(url, "/auth/token", body))


def _spend_login_limiter(url: str, emulator: Emulator) -> None:
    """15 logins: the login limiter refuses from the 15th on (the probes ran while it did)."""
    statuses = [_admin_login(url, emulator, f"CHX{index}").status for index in range(15)]
    assert statuses[-1] == 429


def replay_probe_exchanges(recording: dict[str, Any]) -> None:
    """30 quick bogus exchanges with the login limiter spent: all 401, counted by ALL_REQUESTS only."""
    clock = FakeClock(recording["response"][0]["t_start"] - 60)
    with Emulator(clock=clock) as emulator:
        url = emulator.start()
        _spend_login_limiter(url, emulator)
        responses = _bogus_exchanges(url, clock)
        assert emulator.limiter.consumed(ALL_REQUESTS_ACTION, "unknown") == (30, 0)
    assert_series(recording["response"], responses)


def replay_probe_logouts(recording: dict[str, Any]) -> None:
    """30 quick bogus logouts right after the exchanges probe, in the same ALL_REQUESTS second: 469 down to 440."""
    clock = FakeClock(recording["response"][0]["t_start"] - 60)
    body = recording["request"]["body"]
    with Emulator(clock=clock) as emulator:
        url = emulator.start()
        _spend_login_limiter(url, emulator)
        _bogus_exchanges(url, clock)
        responses = _series(clock, recording["response"], lambda _i: post_json(url, "/auth/logout", body))
    assert_series(recording["response"], responses)


def replay_probe_429_shape(recording: dict[str, Any]) -> None:
    """2/s + burst 3: five 200s then 429s with the recorded body, headers and waits (the low-limit instance)."""
    clock = FakeClock()
    with Emulator(rate_limits={"RATELIMIT_POST_GRAPHQL": 2, "RATELIMIT_BURST_POST_GRAPHQL": 3}, clock=clock) as emu:
        url = emu.start()
        token = emu.create_personal_token(["tokens:write", "profile:read"], "probe")
        responses = _series(clock, recording["response"], lambda i: _create(url, token, i))
    assert_series(recording["response"], responses)


def replay_probe_60_concurrent(recording: dict[str, Any]) -> None:
    """60 concurrent creates under default limits in one second: all 200, Remaining 49..0, then 0 from the burst."""
    with Emulator(clock=FakeClock()) as emulator:
        url = emulator.start()
        token = emulator.create_personal_token(["tokens:write", "profile:read"], "probe")
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(lambda i: _create(url, token, i), range(len(recording["response"]))))
    assert [r.status for r in responses] == [c["status"] for c in recording["response"]]
    remaining = sorted(int(r.header("X-RateLimit-Remaining") or -1) for r in responses)
    assert remaining == sorted(int(c["x_ratelimit_remaining"]) for c in recording["response"])


# Recordings of a series of calls, replayed as such (each with its own emulator).
PROBES = {
    "ratelimit_probe_429_shape__low_limits_temp_instance": replay_probe_429_shape,
    "ratelimit_probe_60_concurrent_apiTokenCreate__default_limits": replay_probe_60_concurrent,
    "ratelimit_probe_login_count__fresh_limiter_reset": replay_probe_logins,
    "ratelimit_probe_login_count__limiter_with_1_prior_login": replay_probe_logins_after_one,
    "ratelimit_probe_30_auth_token_bogus_access_code": replay_probe_exchanges,
    "ratelimit_probe_30_auth_logout_bogus_token": replay_probe_logouts,
}


@pytest.mark.skipif(not RECORDINGS, reason=SHARED_MISSING)
def test_skip_patterns_match_recordings() -> None:
    """Each not-emulated pattern still names recordings, and no probe is among them."""
    names = [path.stem for path in RECORDINGS]
    for pattern in NOT_EMULATED:
        assert any(fnmatch(name, pattern) for name in names), f"{pattern} matches no recording: drop it"
    assert not [name for name in PROBES if _skip_reason(name)]
