"""Check a variable's JSON value against its input type the way graphql-js 16 ``coerceInputValue`` does.

The real server's messages come from graphql-js 16. graphql-core 3.2 words them alike (save the quotes), but
graphql-core 3.3 follows graphql-js 17, whose input errors read differently ("Expected value of type ...") and
whose callback and scalar hooks changed. Walking the type here keeps the recorded wording on either release;
only the leaf parsers (built-in scalars, enums, BigInt) come from graphql-core, and they word alike on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLInputType
from graphql.pyutils import Undefined, did_you_mean, suggestion_list
from graphql.type import (
    is_input_object_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_required_input_field,
)

# (path inside the variable, the offending value, graphql-js's message for it)
OnInputError = Callable[[list[str | int], Any, str], None]


def _leaf_parser(leaf_type: Any) -> Callable[[Any], Any]:
    """The input parser graphql-core's executor calls: ``coerce_input_value`` from 3.3 on, ``parse_value`` before."""
    parser = getattr(leaf_type, "coerce_input_value", None)
    return parser if parser is not None else leaf_type.parse_value


def check_input_value(value: Any, type_: GraphQLInputType, on_error: OnInputError) -> None:
    """Report every place where ``value`` does not fit ``type_`` (nothing when it fits)."""
    _check(value, type_, on_error, [])


def _check(value: Any, type_: Any, on_error: OnInputError, path: list[str | int]) -> None:
    if is_non_null_type(type_):
        if value is None:
            on_error(path, value, f'Expected non-nullable type "{type_}" not to be null.')
            return
        _check(value, type_.of_type, on_error, path)
        return
    if value is None:
        return
    if is_list_type(type_):
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check(item, type_.of_type, on_error, [*path, index])
        else:  # a non-list value counts as a list of one
            _check(value, type_.of_type, on_error, path)
        return
    if is_input_object_type(type_):
        _check_object(value, type_, on_error, path)
        return
    if is_leaf_type(type_):
        _check_leaf(value, type_, on_error, path)


def _check_object(value: Any, type_: Any, on_error: OnInputError, path: list[str | int]) -> None:
    if not isinstance(value, dict):
        on_error(path, value, f'Expected type "{type_.name}" to be an object.')
        return
    fields = type_.fields
    for name, field in fields.items():
        if name in value:
            _check(value[name], field.type, on_error, [*path, name])
        elif is_required_input_field(field):
            on_error(path, value, f'Field "{name}" of required type "{field.type}" was not provided.')
    for name in value:
        if name not in fields:
            suggestion = did_you_mean(suggestion_list(name, list(fields))).replace("'", '"')
            on_error(path, value, f'Field "{name}" is not defined by type "{type_.name}".{suggestion}')


def _check_leaf(value: Any, type_: Any, on_error: OnInputError, path: list[str | int]) -> None:
    try:
        parsed = _leaf_parser(type_)(value)
    except GraphQLError as error:
        on_error(path, value, error.message)
        return
    except (ValueError, TypeError) as error:
        on_error(path, value, f'Expected type "{type_.name}". {error}')
        return
    if parsed is Undefined:
        on_error(path, value, f'Expected type "{type_.name}".')
