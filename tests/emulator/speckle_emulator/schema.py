"""Build the executable GraphQL schema: the SDL subset of the real server plus the emulator's resolvers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldDefinitionNode,
    GraphQLSchema,
    IntValueNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    ValueNode,
    build_ast_schema,
    parse,
    print_ast,
)

from . import resolvers
from .constants import LEGACY_MISSING_SERVER_INFO_FIELDS
from .tokens import parse_bigint, serialize_bigint

SDL_PATH = Path(__file__).with_name("schema.graphql")

RESOLVERS: dict[str, dict[str, Any]] = {
    "Query": {
        "serverInfo": resolvers.server_info,
        "apps": resolvers.apps,
        "app": resolvers.app,
        "activeUser": resolvers.active_user,
        "authenticatedAsApp": resolvers.authenticated_as_app,
        "otherUser": resolvers.other_user,
        "user": resolvers.legacy_user,
    },
    "Mutation": {
        "apiTokenCreate": resolvers.api_token_create,
        "apiTokenRevoke": resolvers.api_token_revoke,
        "appTokenCreate": resolvers.app_token_create,
    },
    "User": {"email": resolvers.user_email, "apiTokens": resolvers.user_api_tokens},
}


def _parse_bigint_literal(node: ValueNode, _variables: Any = None) -> int:
    """BigInt literals: integers and numeric strings; anything else fails with the scalar's message."""
    if isinstance(node, StringValueNode):
        return parse_bigint(node.value)
    if isinstance(node, IntValueNode):
        return parse_bigint(int(node.value))
    raise ValueError(f"Cannot convert {print_ast(node)} to a BigInt")


def _without_legacy_fields(document: DocumentNode) -> DocumentNode:
    """Drop the ServerInfo fields an older server lacks (for --legacy); a new document, as 3.3's nodes are frozen."""
    definitions = []
    for definition in document.definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == "ServerInfo":
            fields: tuple[FieldDefinitionNode, ...] = tuple(
                f for f in definition.fields if f.name.value not in LEGACY_MISSING_SERVER_INFO_FIELDS
            )
            definitions.append(
                ObjectTypeDefinitionNode(
                    name=definition.name,
                    description=definition.description,
                    interfaces=definition.interfaces,
                    directives=definition.directives,
                    fields=fields,
                )
            )
        else:
            definitions.append(definition)
    return DocumentNode(definitions=tuple(definitions))


@lru_cache(maxsize=2)
def build_schema(legacy: bool = False) -> GraphQLSchema:
    """The executable schema (current server, or an older one without the fields listed for --legacy).

    Cached: a built schema holds no per-instance state (resolvers read everything from the request context).
    """
    document = parse(SDL_PATH.read_text(encoding="utf-8"))
    if legacy:
        document = _without_legacy_fields(document)
    schema = build_ast_schema(document)
    for type_name, fields in RESOLVERS.items():
        object_type = schema.get_type(type_name)
        for field_name, resolver in fields.items():
            object_type.fields[field_name].resolve = resolver  # type: ignore[union-attr]
    _bind_bigint(schema.get_type("BigInt"))
    return schema


def _bind_bigint(bigint: Any) -> None:
    """Give the SDL's BigInt scalar its coercion, under the hook names of graphql-core 3.2 and of 3.3.

    3.3 renamed serialize/parse_value/parse_literal to coerce_output_value/coerce_input_value/coerce_input_literal
    and its executor calls only the new names; the constructor copies one set to the other, so a type built from
    SDL and patched afterwards needs both.
    """
    bigint.serialize = serialize_bigint
    bigint.parse_value = parse_bigint
    bigint.parse_literal = _parse_bigint_literal
    if hasattr(bigint, "coerce_input_value"):  # graphql-core >= 3.3
        bigint.coerce_output_value = serialize_bigint
        bigint.coerce_input_value = parse_bigint
        bigint.coerce_input_literal = _parse_bigint_literal
