"""Token behaviour beyond the single recorded calls: lifetimes, lastUsed, persistence and scope rules."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from emulator_testlib import ACTIVE_USER, CREATE_TOKEN, REVOKE_TOKEN, graphql
from speckle_emulator import Emulator
from speckle_emulator.constants import ALL_SCOPES

LIST_TOKENS = "{ activeUser { apiTokens { id name lastChars scopes createdAt lifespan lastUsed } } }"


def _create(running: Any, **spec: Any) -> Any:
    """apiTokenCreate with the admin PAT."""
    return graphql(running.url, CREATE_TOKEN, {"token": spec}, running.admin_token)


def _listed(running: Any) -> dict[str, dict[str, Any]]:
    """The admin's PATs by id."""
    answer = graphql(running.url, LIST_TOKENS, token=running.admin_token).json()
    return {t["id"]: t for t in answer["data"]["activeUser"]["apiTokens"]}


def test_lifespans_default_number_and_string(running: Any) -> None:
    """null/0/omitted give the default; big values come back as strings; lastChars is the secret's tail."""
    made = {
        "omitted": _create(running, name="a", scopes=["profile:read"]),
        "zero": _create(running, name="b", scopes=["profile:read"], lifespan=0),
        "null": _create(running, name="c", scopes=["profile:read"], lifespan=None),
        "1e15": _create(running, name="d", scopes=["profile:read"], lifespan=10**15),
        "max": _create(running, name="e", scopes=["profile:read"], lifespan="9223372036854775807"),
    }
    tokens = {key: answer.json()["data"]["apiTokenCreate"] for key, answer in made.items()}
    listed = _listed(running)
    for key in ("omitted", "zero", "null"):
        assert listed[tokens[key][:10]]["lifespan"] == 3154000000000
    assert listed[tokens["1e15"][:10]]["lifespan"] == 10**15
    assert listed[tokens["max"][:10]]["lifespan"] == "9223372036854775807"
    assert listed[tokens["max"][:10]]["lastChars"] == tokens["max"][-6:]
    assert graphql(running.url, ACTIVE_USER, token=tokens["max"]).status == 200


def test_short_and_negative_lifespans_are_dead_on_first_use(running: Any) -> None:
    """lifespan 1 or negative: created fine, 403 when used (and then gone)."""
    for lifespan in (1, -1000):
        token = _create(running, name="short", scopes=["profile:read"], lifespan=lifespan).json()["data"]
        dead = graphql(running.url, ACTIVE_USER, token=token["apiTokenCreate"])
        assert dead.status == 403
        assert token["apiTokenCreate"][:10] not in _listed(running)


def test_expiry_counts_from_created_at(running: Any) -> None:
    """A 300 ms token works at once and is dead after its lifespan."""
    token = _create(running, name="brief", scopes=["profile:read"], lifespan=300).json()["data"]["apiTokenCreate"]
    assert graphql(running.url, ACTIVE_USER, token=token).status == 200
    time.sleep(0.35)
    assert graphql(running.url, ACTIVE_USER, token=token).status == 403


def test_last_used_updates(running: Any) -> None:
    """Using a token moves its lastUsed."""
    token = _create(running, name="used", scopes=["profile:read"]).json()["data"]["apiTokenCreate"]
    before = _listed(running)[token[:10]]
    time.sleep(0.01)
    graphql(running.url, ACTIVE_USER, token=token)
    after = _listed(running)[token[:10]]
    assert after["lastUsed"] > before["lastUsed"] == before["createdAt"]


def test_scope_rules(running: Any) -> None:
    """Subset rule, unknown scopes, empty list, tokens:write never in a PAT, duplicates kept."""
    codes = {
        "lacking": _create(running, name="x", scopes=["workspace:read"]),
        "empty": _create(running, name="x", scopes=[]),
        "write": _create(running, name="x", scopes=["tokens:write"]),
    }
    messages = {key: answer.json()["errors"][0]["message"] for key, answer in codes.items()}
    assert messages == {
        "lacking": "You can't create a token with scopes that you don't have",
        "empty": "No scopes provided",
        "write": "You can't create a personal access token with the tokens:write scope",
    }
    dup = _create(running, name="dup", scopes=["profile:read", "profile:read"]).json()["data"]["apiTokenCreate"]
    assert _listed(running)[dup[:10]]["scopes"] == ["profile:read", "profile:read"]
    limited = running.emulator.create_personal_token(["tokens:write", "profile:read"])
    answer = graphql(running.url, CREATE_TOKEN, {"token": {"name": "y", "scopes": ["streams:read"]}}, limited)
    assert answer.json()["errors"][0]["extensions"]["code"] == "TOKEN_CREATE_ERROR"


def test_revoke_forms_and_ownership(running: Any) -> None:
    """Id, full token or 'Bearer <token>' revoke; a second revoke and another user's token do not."""
    url, admin = running.url, running.admin_token
    forms = []
    for _form in range(3):
        forms.append(_create(running, name="r", scopes=["profile:read"]).json()["data"]["apiTokenCreate"])
    for argument in (forms[0][:10], forms[1], f"Bearer {forms[2]}"):
        assert graphql(url, REVOKE_TOKEN, {"token": argument}, admin).json() == {"data": {"apiTokenRevoke": True}}
    again = graphql(url, REVOKE_TOKEN, {"token": forms[0][:10]}, admin).json()
    assert again["errors"][0]["message"] == "Did not revoke token" and again["data"] is None
    other = running.emulator.store.create_user("Other", "other@example.org")
    theirs = running.emulator.store.create_token(other.id, "theirs", ["profile:read"])
    refused = graphql(url, REVOKE_TOKEN, {"token": theirs[:10]}, admin).json()
    assert refused["errors"][0]["extensions"] == {"code": "USER_INPUT_ERROR", "statusCode": 400}
    assert running.emulator.store.get_token(theirs[:10]) is not None


def test_state_file_keeps_tokens_hashed(tmp_path: Path) -> None:
    """In-process: a second Emulator on the same state file knows the admin and its tokens; no secret stored."""
    state = str(tmp_path / "state.db")
    with Emulator(state=state) as first:
        url = first.start()
        admin_id = first.admin.id
        pat = first.create_personal_token(list(ALL_SCOPES))
        assert graphql(url, ACTIVE_USER, token=pat).status == 200
    with Emulator(state=state) as second:
        url = second.start()
        assert second.admin.id == admin_id
        me = graphql(url, ACTIVE_USER, token=pat).json()["data"]["activeUser"]
        assert me["id"] == admin_id
    with sqlite3.connect(state) as database:
        dump = "\n".join(database.iterdump())
    assert pat[10:] not in dump
