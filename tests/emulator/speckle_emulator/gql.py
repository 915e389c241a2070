"""Run one GraphQL operation the way Apollo Server does: its status codes, error codes and message wording."""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    VariableDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.type import is_input_type, is_non_null_type
from graphql.utilities import type_from_ast

from .inputs import check_input_value
from .jsfmt import inspect

NON_NULL = "Cannot return null for non-nullable field"
EMPTY_QUERY = "GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension."

# graphql-core words messages like graphql-js but with single quotes; Apollo (graphql-js) uses double quotes.
_QUOTED_NAME = re.compile(r"'([$@\[A-Za-z_][^'\s]*)'")


def js_quotes(message: str) -> str:
    """Rewrite graphql-core's ``'Name'`` quoting to graphql-js's ``"Name"``."""
    return _QUOTED_NAME.sub(r'"\1"', message)


@dataclass
class Outcome:
    """HTTP status and JSON body of one GraphQL operation."""

    status: int
    body: dict[str, Any]
    operation_type: str | None = None


def _fail(status: int, code: str, errors: list[GraphQLError] | None = None, message: str = "") -> Outcome:
    """An error answer without ``data`` (the request did not reach execution)."""
    if errors is None:
        return Outcome(status, {"errors": [{"message": message, "extensions": {"code": code}}]})
    formatted = []
    for error in errors:
        item: dict[str, Any] = {"message": error.message}
        if error.locations:
            item["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        item["extensions"] = {"code": code}
        formatted.append(item)
    return Outcome(status, {"errors": formatted})


def describe(query: Any, operation_name: Any) -> tuple[str | None, str | None]:
    """Operation name and type ("query"/"mutation") of a request, when it parses; for logs and faults."""
    if not isinstance(query, str) or not query.strip():
        return (operation_name if isinstance(operation_name, str) else None), None
    try:
        operation = get_operation_ast(parse(query), operation_name if isinstance(operation_name, str) else None)
    except GraphQLError:
        operation = None
    if operation is None:
        return (operation_name if isinstance(operation_name, str) else None), None
    name = operation.name.value if operation.name else None
    return (operation_name if isinstance(operation_name, str) else name), operation.operation.value


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, inputs: dict[str, Any]
) -> list[GraphQLError]:
    """Check variable values like graphql-js, with its message wording and value printing."""
    errors: list[GraphQLError] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        if var_type is None or not is_input_type(var_type):
            continue
        type_text = str(var_type)
        if name not in inputs:
            if definition.default_value is None and is_non_null_type(var_type):
                errors.append(
                    GraphQLError(f'Variable "${name}" of required type "{type_text}" was not provided.', definition)
                )
            continue
        if inputs[name] is None and is_non_null_type(var_type):
            errors.append(
                GraphQLError(f'Variable "${name}" of non-null type "{type_text}" must not be null.', definition)
            )
            continue

        def on_error(
            path: list[str | int],
            invalid: Any,
            message: str,
            var: str = name,
            node: VariableDefinitionNode = definition,
        ) -> None:
            prefix = f'Variable "${var}" got invalid value {inspect(invalid)}'
            if path:
                prefix += f' at "{var}' + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) + '"'
            errors.append(GraphQLError(prefix + "; " + js_quotes(message), node))

        check_input_value(inputs[name], var_type, on_error)
    return errors


def _format_execution_error(error: GraphQLError) -> dict[str, Any]:
    """An execution error as Apollo formats it (INTERNAL_SERVER_ERROR when the resolver set no code)."""
    item: dict[str, Any] = {"message": error.message}
    if error.locations:
        item["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path is not None:
        item["path"] = list(error.path)
    extensions = dict(error.extensions or {})
    if "code" not in extensions:
        extensions = {"code": "INTERNAL_SERVER_ERROR", **extensions}
    item["extensions"] = extensions
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError) and not error.message.startswith(NON_NULL):
        sys.stderr.write("".join(traceback.format_exception(original)))
    return item


def _document(query: str) -> DocumentNode | Outcome:
    """Parse a query, or the GRAPHQL_PARSE_FAILED answer."""
    try:
        return parse(query)
    except GraphQLSyntaxError as error:
        return _fail(400, "GRAPHQL_PARSE_FAILED", [error])


def run(schema: GraphQLSchema, payload: Any, context: Any, method: str = "POST") -> Outcome:
    """Execute one request payload ``{query, variables, operationName}``."""
    if not isinstance(payload, dict):
        return _fail(400, "BAD_REQUEST", message="POST body should be a JSON object or array.")
    query, variables, operation_name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if query is not None and not isinstance(query, str):
        return _fail(400, "BAD_REQUEST", message="GraphQL queries must be strings.")
    if not query:
        return _fail(400, "BAD_REQUEST", message=EMPTY_QUERY)
    if variables is not None and not isinstance(variables, dict):
        return _fail(400, "BAD_REQUEST", message="`variables` in a POST body should be provided as an object.")
    if operation_name is not None and not isinstance(operation_name, str):
        return _fail(400, "BAD_REQUEST", message="`operationName` in a POST body must be a string if provided.")
    document = _document(query)
    if isinstance(document, Outcome):
        return document
    validation_errors = validate(schema, document)
    if validation_errors:
        for error in validation_errors:
            error.message = js_quotes(error.message)
        return _fail(400, "GRAPHQL_VALIDATION_FAILED", validation_errors)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        text = (
            f'Unknown operation named "{operation_name}".'
            if operation_name
            else "Must provide operation name if query contains multiple operations."
        )
        return _fail(400, "OPERATION_RESOLUTION_FAILURE", message=text)
    operation_type = operation.operation.value
    if method == "GET" and operation_type != "query":
        outcome = _fail(
            405, "BAD_REQUEST", message=f"Can only perform a {operation_type} operation from a POST request."
        )
        outcome.operation_type = operation_type
        return outcome
    variable_errors = coerce_variables(schema, operation, variables or {})
    if variable_errors:
        outcome = _fail(400, "BAD_USER_INPUT", variable_errors)
        outcome.operation_type = operation_type
        return outcome
    result = execute(schema, document, None, context, variables or {}, operation_name)
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_format_execution_error(error) for error in result.errors]
    body["data"] = result.data
    return Outcome(200, body, operation_type)
