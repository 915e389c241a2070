"""Variable errors worded as graphql-js 16 words them, whichever graphql-core (3.2 or 3.3) runs the emulator.

The recordings show the required-field and null wordings (apiTokenCreate_missing_name, serverInfoUpdate_name_null
in FACTS-admin.md); the other messages here follow graphql-js 16's coerceInputValue and are inferred.
"""

from __future__ import annotations

from typing import Any

import graphql as graphql_core
import pytest

from emulator_testlib import CREATE_TOKEN, graphql

SCOPES = ["profile:read"]


def _errors(running: Any, token_input: Any) -> list[str]:
    """The BAD_USER_INPUT messages for one apiTokenCreate variable value."""
    answer = graphql(running.url, CREATE_TOKEN, {"token": token_input}, running.admin_token)
    body = answer.json()
    assert answer.status == 400, body
    assert "data" not in body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"BAD_USER_INPUT"}
    return [error["message"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("token_input", "expected"),
    [
        pytest.param(
            {"scopes": SCOPES},
            ['Variable "$token" got invalid value { scopes: ["profile:read"] }; '
             'Field "name" of required type "String!" was not provided.'],
            id="required-field-missing",
        ),
        pytest.param(
            {"name": "n", "scopes": ["profile:read", None]},
            ['Variable "$token" got invalid value null at "token.scopes[1]"; '
             'Expected non-nullable type "String!" not to be null.'],
            id="null-list-item",
        ),
        pytest.param(
            "abc",
            ['Variable "$token" got invalid value "abc"; Expected type "ApiTokenCreateInput" to be an object.'],
            id="not-an-object",
        ),
        pytest.param(
            {"name": "n", "scopes": SCOPES, "nmae": 1},
            ['Variable "$token" got invalid value { name: "n", scopes: ["profile:read"], nmae: 1 }; '
             'Field "nmae" is not defined by type "ApiTokenCreateInput". Did you mean "name"?'],
            id="unknown-field",
        ),
        pytest.param(
            {"name": "n", "scopes": SCOPES, "limitResources": [{"id": "p", "type": "projet"}]},
            ['Variable "$token" got invalid value "projet" at "token.limitResources[0].type"; '
             'Value "projet" does not exist in "TokenResourceIdentifierType" enum. '
             'Did you mean the enum value "project"?'],
            id="bad-enum-value",
        ),
        pytest.param(
            {"scopes": [1], "lifespan": 1.5},
            ['Variable "$token" got invalid value 1 at "token.scopes[0]"; '
             "String cannot represent a non string value: 1",
             'Variable "$token" got invalid value { scopes: [1], lifespan: 1.5 }; '
             'Field "name" of required type "String!" was not provided.',
             'Variable "$token" got invalid value 1.5 at "token.lifespan"; '
             'Expected type "BigInt". Cannot convert 1.5 to a BigInt'],
            id="every-error-in-field-order",
        ),
    ],
)  # fmt: skip
def test_variable_errors_use_graphql_js_16_wording(running: Any, token_input: Any, expected: list[str]) -> None:
    """The same messages on graphql-core 3.2 and 3.3 (3.3 alone would say "Expected value of type ...")."""
    assert _errors(running, token_input) == expected, f"graphql-core {graphql_core.__version__}"


def test_a_single_value_counts_as_a_list_of_one(running: Any) -> None:
    """graphql-js input coercion wraps a lone list item, so ``scopes: "profile:read"`` creates a token."""
    answer = graphql(running.url, CREATE_TOKEN, {"token": {"name": "n", "scopes": "profile:read"}}, running.admin_token)
    body = answer.json()
    assert answer.status == 200, body
    assert len(body["data"]["apiTokenCreate"]) == 42
