# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``speckle_server_info``'s logic: pick subsets, fetch them in one request, shape the facts."""

from __future__ import annotations

import re
import time
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._client import (
    GraphQLClient,
    GraphQLResult,
    classify_errors,
)
from ansible_collections.speckle.server.plugins.module_utils._documents import Operation, compose_server_info
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    GraphQLError,
    MissingScope,
    RateLimited,
    ServerError,
    SpeckleError,
    TransportError,
    error_code,
)
from ansible_collections.speckle.server.plugins.module_utils._token_facts import token_metadata
from ansible_collections.speckle.server.plugins.module_utils._version import (
    is_development,
    parse_version,
    version_facts,
    version_older_than,
)

SUBSETS = ("server", "version", "apps", "user", "tokens")
PUBLIC_SUBSETS = ("server", "version", "apps")
SUBSET_SCOPES = {"user": "profile:read", "tokens": "tokens:read"}
WAIT_INTERVAL = 1.0

_MISSING_FIELD = re.compile(r'Cannot query field "(?P<field>\w+)" on type "(?P<type>\w+)"')
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(value: t.Any) -> t.Any:
    """camelCase keys to snake_case, recursively through dicts and lists."""
    if isinstance(value, dict):
        return {_CAMEL.sub("_", key).lower(): snake_case(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_case(item) for item in value]
    return value


def resolve_subsets(requested: list[str], authenticated: bool) -> tuple[list[str], set[str]]:
    """The subsets to fetch, and which of them the user named explicitly (those must not be skipped)."""
    explicit = {subset for subset in requested if subset != "all"}
    wanted = set(explicit)
    if "all" in requested:
        wanted.update(SUBSETS if authenticated else PUBLIC_SUBSETS)
    needs_token = sorted(explicit - set(PUBLIC_SUBSETS))
    if needs_token and not authenticated:
        raise ConfigurationError(
            f"gather_subset {', '.join(needs_token)} needs authentication: set token (or SPECKLE_TOKEN), or email "
            "and password."
        )
    return [subset for subset in SUBSETS if subset in wanted], explicit


class ServerFacts:
    """Gathers the facts for one module run; ``warnings`` and ``skipped`` explain what is missing."""

    def __init__(self, client: GraphQLClient, sleep: t.Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.sleep = sleep
        self.warnings: list[str] = []
        self.unsupported: list[str] = []
        self.skipped: dict[str, str] = {}

    def gather(self, requested: list[str], min_version: str | None = None, wait_timeout: float = 0) -> dict[str, t.Any]:
        subsets, explicit = resolve_subsets(requested, authenticated=bool(self.client.token))
        fetch = list(subsets)
        if min_version and "version" not in fetch and "server" not in fetch:
            fetch.append("version")
        started = time.monotonic()
        result = self._fetch_waiting(fetch, started + max(0.0, wait_timeout))
        facts = self._shape(result, subsets, explicit)
        version = (result.data.get("serverInfo") or {}).get("version")
        if min_version:
            self._check_min_version(version, min_version)
        facts["elapsed"] = round(time.monotonic() - started, 3)
        facts["gathered_subsets"] = [subset for subset in subsets if subset not in self.skipped]
        facts["skipped_subsets"] = dict(self.skipped)
        facts["unsupported_fields"] = list(self.unsupported)
        return facts

    def _fetch_waiting(self, subsets: list[str], deadline: float) -> GraphQLResult:
        """Fetch, and while the server is not up yet (refused, 5xx, 429), keep trying until ``deadline``."""
        while True:
            try:
                return self._fetch(subsets)
            except (TransportError, RateLimited) as exc:
                error: SpeckleError = exc
            except ServerError as exc:
                if not exc.status or exc.status < 500:
                    raise
                error = exc
            # A rate limit that lasts past the deadline is not a server coming up: waiting cannot help.
            server_wait = error.details.get("retry_after", 0.0) if isinstance(error, RateLimited) else 0.0
            if time.monotonic() + max(WAIT_INTERVAL, server_wait) > deadline:
                raise error
            self.sleep(WAIT_INTERVAL)

    def _fetch(self, subsets: list[str]) -> GraphQLResult:
        """One request; if an older server lacks fields, drop them and retry once."""
        dropped: set[tuple[str, str]] = set()
        try:
            return self._execute(compose_server_info(subsets, dropped))
        except GraphQLError as exc:
            missing = _missing_fields(exc.errors)
            if not missing:
                raise
            dropped.update(missing)
        self.unsupported = sorted(f"{type_name}.{field}" for type_name, field in dropped)
        self.warnings.append(
            "This server lacks " + ", ".join(self.unsupported) + "; those facts are left out (the server is older "
            "than this collection's newest schema)."
        )
        return self._execute(compose_server_info(subsets, dropped))

    def _execute(self, operation: Operation | None) -> GraphQLResult:
        return self.client.execute(operation) if operation else GraphQLResult(data={})

    def _shape(self, result: GraphQLResult, subsets: list[str], explicit: set[str]) -> dict[str, t.Any]:
        data = result.data
        for alias in ("serverInfo", "apps"):
            if result.errors_at(alias):
                raise classify_errors(result.errors_at(alias), result.status)
        facts: dict[str, t.Any] = {}
        server_info = data.get("serverInfo") or {}
        if "server" in subsets:
            facts["server"] = snake_case(server_info)
        if "version" in subsets and server_info.get("version") is not None:
            facts["version"] = version_facts(str(server_info["version"]))
        if "apps" in subsets and "apps" in data:
            facts["apps"] = snake_case(data.get("apps") or [])
        for alias in ("user", "tokens"):
            if alias not in subsets:
                continue
            value = self._protected(result, alias, alias in explicit)
            if value is None:
                continue
            facts[alias] = value if alias == "user" else [token_metadata(tok) for tok in value.get("apiTokens") or []]
        other = [err for err in result.errors if (err.get("path") or [None])[0] not in ("user", "tokens")]
        if other:
            raise classify_errors(other, result.status)
        return facts

    def _protected(self, result: GraphQLResult, alias: str, explicit: bool) -> dict[str, t.Any] | None:
        """A subset behind a scope: fail if the user named it, otherwise skip it and say why."""
        errors = result.errors_at(alias)
        if errors:
            error = classify_errors(errors, result.status)
            if explicit or not isinstance(error, MissingScope):
                raise error
            self.skipped[alias] = f"the token lacks the scope {error.scope}"
            return None
        value = result.data.get(alias)
        if value is None:
            if explicit:
                raise MissingScope(
                    f"The server returned no user for gather_subset {alias}; the token needs the scope "
                    f"{SUBSET_SCOPES[alias]}.",
                    [],
                    scope=SUBSET_SCOPES[alias],
                )
            self.skipped[alias] = "the server returned no authenticated user"
        return value

    def _check_min_version(self, version: str | None, min_version: str) -> None:
        if version is None:
            raise ConfigurationError("min_version was given but the server did not report its version.")
        if is_development(parse_version(version)):
            self.warnings.append(
                f"The server reports version {version!r} (built from source), so min_version {min_version} cannot be "
                "checked; carrying on."
            )
            return
        if version_older_than(version, min_version):
            raise ConfigurationError(
                f"The server runs Speckle {version}, older than min_version {min_version}. Upgrade the server or "
                "lower min_version.",
                server_version=version,
            )


def _missing_fields(errors: list[dict[str, t.Any]]) -> set[tuple[str, str]]:
    """``(type, field)`` pairs from ``Cannot query field`` errors; empty if any error is something else."""
    found: set[tuple[str, str]] = set()
    for err in errors:
        match = _MISSING_FIELD.search(str(err.get("message") or ""))
        if not match or error_code(err) not in ("GRAPHQL_VALIDATION_FAILED", ""):
            return set()
        found.add((match.group("type"), match.group("field")))
    return found
