"""schema.graphql must be an exact subset of the real server's introspection, and up to date with the generator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from graphql import get_introspection_query, graphql_sync

from emulator_testlib import INTROSPECTION, SHARED_MISSING
from speckle_emulator.schema import SDL_PATH, build_schema

TOOL = Path(__file__).resolve().parents[1] / "tools" / "extract_schema.py"
COMPARED = ("name", "description", "isDeprecated", "deprecationReason", "defaultValue", "type")


def _real_types() -> dict[str, dict[str, Any]]:
    """The real server's types by name (skips the test when introspection.json is absent)."""
    if not INTROSPECTION.is_file():
        pytest.skip(SHARED_MISSING)
    data = json.loads(INTROSPECTION.read_text(encoding="utf-8"))
    return {t["name"]: t for t in data["data"]["__schema"]["types"]}


def _emulated_types(legacy: bool = False) -> dict[str, dict[str, Any]]:
    """The emulator schema's types by name, through the same introspection query."""
    result = graphql_sync(
        build_schema(legacy), get_introspection_query(descriptions=True, input_value_deprecation=True)
    )
    assert result.errors is None
    assert result.data is not None
    return {t["name"]: t for t in result.data["__schema"]["types"] if not t["name"].startswith("__")}


def _members(type_def: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields, input fields or enum values of a type, by name."""
    items = type_def.get("fields") or type_def.get("inputFields") or type_def.get("enumValues") or []
    return {item["name"]: item for item in items}


def _same(expected: dict[str, Any], actual: dict[str, Any], where: str) -> None:
    """Compare the introspection keys that define an API element."""
    for key in COMPARED:
        if key in expected or key in actual:
            assert actual.get(key) == expected.get(key), f"{where}.{key}: {actual.get(key)!r} != {expected.get(key)!r}"


def test_every_type_field_and_argument_matches_introspection() -> None:
    """Kinds, descriptions, field types, nullability, arguments, defaults and deprecations are the real ones."""
    real = _real_types()
    emulated = _emulated_types()
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    for name, type_def in emulated.items():
        if name in builtin:
            continue
        assert name in real, f"type {name} does not exist on the real server"
        real_def = real[name]
        assert type_def["kind"] == real_def["kind"], name
        assert type_def["description"] == real_def["description"], name
        real_members = _members(real_def)
        members = _members(type_def)
        if type_def["kind"] in ("INPUT_OBJECT", "ENUM"):
            assert set(members) == set(real_members), f"{name}: inputs and enums must be complete"
        for member_name, member in members.items():
            where = f"{name}.{member_name}"
            assert member_name in real_members, f"{where} does not exist on the real server"
            _same(real_members[member_name], member, where)
            real_args = {a["name"]: a for a in real_members[member_name].get("args") or []}
            args = {a["name"]: a for a in member.get("args") or []}
            assert list(args) == list(real_args), f"{where}: arguments {list(args)} != {list(real_args)}"
            for arg_name, arg in args.items():
                _same(real_args[arg_name], arg, f"{where}({arg_name})")


def test_collection_fields_are_present() -> None:
    """The fields the collection and the recordings use are in the subset."""
    emulated = _emulated_types()
    wanted = {
        "Query": {"serverInfo", "apps", "app", "activeUser", "authenticatedAsApp", "otherUser", "user"},
        "Mutation": {"apiTokenCreate", "apiTokenRevoke", "appTokenCreate"},
        "User": {"id", "name", "email", "role", "apiTokens"},
        "ApiToken": {"id", "name", "lastChars", "scopes", "createdAt", "lifespan", "lastUsed"},
        "ServerInfo": {"workspaces", "configuration", "serverRoles", "automate", "multiRegion", "migration"},
    }
    for type_name, fields in wanted.items():
        assert fields <= set(_members(emulated[type_name])), type_name


def test_legacy_schema_lacks_newer_server_info_fields() -> None:
    """--legacy serves ServerInfo without workspaces, configuration and serverRoles."""
    fields = set(_members(_emulated_types(legacy=True)["ServerInfo"]))
    assert not fields & {"workspaces", "configuration", "serverRoles"}
    assert {"name", "version", "scopes", "authStrategies"} <= fields


def test_schema_file_is_what_the_generator_writes() -> None:
    """schema.graphql is regenerated, not hand-edited (run tools/extract_schema.py after changing it)."""
    if not INTROSPECTION.is_file():
        pytest.skip(SHARED_MISSING)
    spec = importlib.util.spec_from_file_location("extract_schema", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render(json.loads(INTROSPECTION.read_text(encoding="utf-8")))
    assert SDL_PATH.read_text(encoding="utf-8") == expected
