# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The schema contract: every document the collection sends validates against the real server's schema."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _documents
from ansible_collections.speckle.server.plugins.module_utils._documents import ALL_OPERATIONS, compose_server_info
from ansible_collections.speckle.server.plugins.module_utils._facts import SUBSETS

graphql = pytest.importorskip("graphql", reason="graphql-core is not installed (see tests/unit/requirements.txt)")


def _find_introspection() -> Path | None:
    """``../shared/speckle-api/introspection.json`` beside the repo (or beside any ancestor of this copy)."""
    for ancestor in Path(__file__).resolve().parents:
        candidate = ancestor.parent / "shared" / "speckle-api" / "introspection.json"
        if candidate.is_file():
            return candidate
    return None


INTROSPECTION = _find_introspection()
pytestmark = pytest.mark.skipif(
    INTROSPECTION is None,
    reason="../shared/speckle-api/introspection.json is absent (as in a user's clone); the schema contract "
    "is checked where the recorded server facts are available",
)


@pytest.fixture(scope="module")
def schema():
    assert INTROSPECTION is not None
    data = json.loads(INTROSPECTION.read_text(encoding="utf-8"))
    return graphql.build_client_schema(data.get("data", data))


def _assert_valid(schema, document: str) -> None:
    errors = graphql.validate(schema, graphql.parse(document))
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: op.name)
def test_named_operations_validate(schema, operation):
    _assert_valid(schema, operation.document)
    parsed = graphql.parse(operation.document)
    definition = parsed.definitions[0]
    assert definition.name.value == operation.name
    assert (definition.operation.value == "mutation") is operation.is_mutation


SUBSET_COMBINATIONS = [combo for size in range(1, len(SUBSETS) + 1) for combo in itertools.combinations(SUBSETS, size)]


@pytest.mark.parametrize("subsets", SUBSET_COMBINATIONS, ids="+".join)
def test_every_server_info_composition_validates(schema, subsets):
    operation = compose_server_info(subsets)
    assert operation is not None
    _assert_valid(schema, operation.document)


def test_legacy_composition_drops_fields_and_still_validates(schema):
    dropped = {("ServerInfo", "workspaces"), ("ServerInfo", "configuration"), ("ServerInfo", "serverRoles")}
    operation = compose_server_info(SUBSETS, dropped)
    assert operation is not None
    for name in ("workspaces", "configuration", "serverRoles"):
        assert name not in operation.document
    _assert_valid(schema, operation.document)


def test_no_field_the_server_cannot_always_answer():
    """automate and multiRegion null the whole serverInfo on servers where those modules are off."""
    document = compose_server_info(SUBSETS).document
    assert "automate " not in document and "automate}" not in document
    assert "multiRegion" not in document
    assert _documents.SERVER_INFO_OPERATION_NAME in document
