"""Fault injection for POST /graphql and the login flow, armed through the emulator-only control endpoint.

Lets tests reproduce what a real deployment can do to a client (rate limiting, a gateway error, an HTML page,
a slow or dropped connection, a mutation whose answer is lost) without a real proxy in front.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

STATUS_KINDS = {"status:429": 429, "status:500": 500, "status:502": 502, "status:503": 503, "status:504": 504}
AFTER_MUTATION_KINDS = {"after_mutation:drop", "after_mutation:502"}
KINDS = set(STATUS_KINDS) | AFTER_MUTATION_KINDS | {"html", "delay", "drop"}
DEFAULT_RETRY_AFTER = "1"
# POST endpoints a fault can aim at; on the /auth ones, the after_mutation kinds act after the request ran.
FAULT_PATHS = ("/graphql", "/auth/local/login", "/auth/token", "/auth/logout")


@dataclass
class Fault:
    """One armed fault: applies to the next ``count`` matching POST requests to ``path``."""

    kind: str
    count: int = 1
    operation_name: str | None = None
    retry_after: str = DEFAULT_RETRY_AFTER
    delay: float = 0.0
    path: str = "/graphql"

    def as_dict(self) -> dict[str, Any]:
        """The control endpoint's JSON view (same field names as the request body)."""
        return {
            "kind": self.kind,
            "count": self.count,
            "operationName": self.operation_name,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "path": self.path,
        }

    def matches(self, path: str, operation_name: str | None, operation_type: str | None) -> bool:
        """Whether a request is affected (on /graphql, after_mutation faults wait for a mutation)."""
        if path != self.path:
            return False
        if path != "/graphql":
            return True
        if self.operation_name is not None and self.operation_name != operation_name:
            return False
        return self.kind not in AFTER_MUTATION_KINDS or operation_type == "mutation"


def parse_fault(spec: Any) -> Fault:
    """Validate a control request body; raise ValueError with a readable reason."""
    if not isinstance(spec, dict):
        raise ValueError("body must be a JSON object")
    unknown = set(spec) - {"kind", "count", "operationName", "retry_after", "delay", "path"}
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of: {', '.join(sorted(KINDS))}")
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    name = spec.get("operationName")
    if name is not None and not isinstance(name, str):
        raise ValueError("operationName must be a string")
    retry_after = spec.get("retry_after", DEFAULT_RETRY_AFTER)
    if not isinstance(retry_after, str):
        raise ValueError('retry_after must be a string (e.g. "0.517")')
    delay = spec.get("delay", 0.0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError("delay must be a non-negative number of seconds")
    if kind == "delay" and not delay:
        raise ValueError("kind delay needs a positive delay")
    path = spec.get("path", "/graphql")
    if path not in FAULT_PATHS:
        raise ValueError(f"path must be one of: {', '.join(FAULT_PATHS)}")
    if path != "/graphql" and name is not None:
        raise ValueError("operationName applies only to path /graphql")
    return Fault(kind=kind, count=count, operation_name=name, retry_after=retry_after, delay=float(delay), path=path)


class FaultRegistry:
    """Armed faults, consumed first-armed first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Arm a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """The armed faults with their remaining counts."""
        with self._lock:
            return [fault.as_dict() for fault in self._faults]

    def take(self, path: str, operation_name: str | None, operation_type: str | None) -> Fault | None:
        """Use up one application of the first fault matching this request."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path, operation_name, operation_type):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None
