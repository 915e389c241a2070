"""Replay every recorded call against a fresh emulator and compare status, error codes and data shape.

Each recording gets its own emulator, seeded with the fixtures its ``auth`` label names (see ``Fixtures``) and
with the state its sequence implies (a token that exists before ``..._again`` revokes it twice, a revoked
web-app token, an access code for the token exchange, ...). Ids, timestamps and secrets are compared by type
only; messages, error codes, paths and HTTP statuses must be equal.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from emulator_testlib import RECORDED, SHARED_MISSING, Response, graphql, post_json, request
from speckle_emulator import Emulator
from speckle_emulator.constants import ALL_SCOPES

SECOND_USER_ID = "c3adee2572"
WELLFORMED_BAD_TOKEN = "0123456789" + "0" * 32
MALFORMED_BAD_TOKEN = "this-is-not-a-token"

# Recordings that cannot be replayed, with why. Empty today: even the rate-limit probes apply (they are replayed
# as the series of calls they are, against a low-limit and a default-limit emulator: see PROBES below).
SKIPPED: dict[str, str] = {}


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
        marks = [pytest.mark.skip(reason=SKIPPED[path.stem])] if path.stem in SKIPPED else []
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
        }
        self.tokens[label] = made[label]()
        return self.tokens[label]

    def _revoked_token(self) -> str:
        """A token that existed and was revoked."""
        token = self.emulator.store.create_token(self.emulator.admin.id, "revoked", ["profile:read"])
        self.emulator.store.revoke_token(token[:10])
        return token

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
    if name == "POST_auth_token_access_code_exchange":
        challenge = spec["body"]["challenge"]
        emulator = fixtures.emulator
        login = post_json(
            fixtures.url,
            f"/auth/local/login?challenge={challenge}",
            {"email": emulator.config.admin_email, "password": emulator.config.admin_password},
        )
        location = login.header("Location") or ""
        spec["body"]["accessCode"] = parse_qs(urlsplit(location).query)["access_code"][0]
    return spec


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


def assert_matches(recording: dict[str, Any], response: Response) -> None:
    """Compare a response with a recording."""
    assert response.status == recording["status"], response.text[:500]
    recorded_type = (recording.get("response_headers") or {}).get("Content-Type")
    if recorded_type:
        actual_type = response.header("Content-Type") or ""
        assert actual_type.split(";")[0] == recorded_type.split(";")[0]
    expected = recording["response"]
    if isinstance(expected, str):
        if len(expected) <= 64:
            assert response.text == expected
        return
    actual = response.json()
    assert_shape(expected, actual)
    if isinstance(expected, dict) and "errors" in expected:
        assert_errors(expected["errors"], actual["errors"])
    if isinstance(expected, dict) and "error" in expected:
        assert actual["error"] == expected["error"]


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


def replay_probe_429_shape(recording: dict[str, Any]) -> None:
    """2/s + burst 3: five 200s then 429s with the recorded body and headers (like the low-limit instance)."""
    with Emulator(rate_limits={"RATELIMIT_POST_GRAPHQL": 2, "RATELIMIT_BURST_POST_GRAPHQL": 3}) as emulator:
        url = emulator.start()
        token = emulator.create_personal_token(["tokens:write", "profile:read"], "probe")
        calls = recording["response"]
        responses = [_create(url, token, i) for i in range(len(calls))]
    assert [r.status for r in responses] == [c["status"] for c in calls]
    for call, response in zip(calls, responses, strict=True):
        assert response.header("X-RateLimit-Remaining") == call["x_ratelimit_remaining"]
        if call["status"] == 429:
            assert response.json() == call["response"]
            assert 0 < float(response.header("Retry-After") or "0") <= 1
            reset = response.header("X-RateLimit-Reset") or ""
            assert reset.endswith("Z") and datetime.fromisoformat(reset[:-1])
        else:
            assert_shape(call["response"], response.json())


def replay_probe_60_concurrent(recording: dict[str, Any]) -> None:
    """60 concurrent creates under default limits: all 200, remaining counting 49..0 then 0 from the burst."""
    with Emulator() as emulator:
        url = emulator.start()
        token = emulator.create_personal_token(["tokens:write", "profile:read"], "probe")
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(lambda i: _create(url, token, i), range(len(recording["response"]))))
        elapsed = time.monotonic() - started
    if elapsed >= 1:
        pytest.skip(f"60 requests took {elapsed:.2f}s here: the 1-second window reset, counts are not comparable")
    assert [r.status for r in responses] == [c["status"] for c in recording["response"]]
    remaining = sorted(int(r.header("X-RateLimit-Remaining") or -1) for r in responses)
    assert remaining == sorted(int(c["x_ratelimit_remaining"]) for c in recording["response"])


# Recordings of a series of calls, replayed as such (each with its own emulator).
PROBES = {
    "ratelimit_probe_429_shape__low_limits_temp_instance": replay_probe_429_shape,
    "ratelimit_probe_60_concurrent_apiTokenCreate__default_limits": replay_probe_60_concurrent,
}
