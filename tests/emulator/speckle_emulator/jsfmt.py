"""JavaScript-style formatting of values.

The real server is Node.js: its error messages print numbers the way ``Number.prototype.toString`` does and
values the way graphql-js ``inspect`` does, and JSON numbers are IEEE doubles. These helpers reproduce that so
the emulator's messages match the recordings byte for byte.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1


def js_number(value: int | float) -> float | int:
    """Return the value a JSON number has after ``JSON.parse`` (a double when not a safe integer)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
        return value
    return float(value)


def number_to_string(value: int | float) -> str:
    """Format a number like JavaScript's ``String(number)`` (shortest round-trip digits, JS exponent rules)."""
    if isinstance(value, int) and abs(value) <= MAX_SAFE_INTEGER:
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits_tuple = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    exponent = int(digits_tuple.exponent)
    k = len(digits)
    n = exponent + k  # position of the decimal point relative to the digits
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exp = n - 1
    exp_text = f"e+{exp}" if exp >= 0 else f"e-{-exp}"
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + mantissa + exp_text


def to_js_string(value: Any) -> str:
    """``String(value)`` for JSON-decoded values (used by ``BigInt(value.toString())``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_to_string(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if item is None else to_js_string(item) for item in value)
    return "[object Object]"


def inspect(value: Any, depth: int = 0) -> str:
    """Format a value like graphql-js ``inspect`` (used in variable coercion messages)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_to_string(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if not value:
            return "[]"
        if depth >= 2:
            return "[Array]"
        return "[" + ", ".join(inspect(item, depth + 1) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        if depth >= 2:
            return "[Object]"
        return "{ " + ", ".join(f"{key}: {inspect(item, depth + 1)}" for key, item in value.items()) + " }"
    return str(value)


def json_syntax_error(body: str) -> str:
    """Approximate V8's ``JSON.parse`` message for an invalid (or, in strict mode, non-object) body."""
    stripped = body.lstrip(" \t\r\n")
    if not stripped:
        return "Unexpected end of JSON input"
    index = len(body) - len(stripped)
    if stripped[0] not in "{[":
        return _unexpected_token(body, index)
    try:
        json.loads(body)
    except json.JSONDecodeError as error:
        if error.pos >= len(body):
            return "Unexpected end of JSON input"
        return _unexpected_token(body, error.pos)
    return _unexpected_token(body, index)


def _unexpected_token(body: str, index: int) -> str:
    """V8's "Unexpected token" message, with the whole source when short and a window around it when long."""
    char = body[index]
    if len(body) <= 40:
        context = body
    else:
        start, end = max(0, index - 10), min(len(body), index + 10)
        context = ("..." if start else "") + body[start:end] + ("..." if end < len(body) else "")
    return f"Unexpected token '{char}', \"{context}\" is not valid JSON"
