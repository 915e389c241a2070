"""The harness's own GraphQL calls as the emulator's admin, never inside a timed or counted run.

They seed a few tokens, so that the gathered token list is not empty, and revoke what a scenario created,
so that every run starts from the same state.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from bench.measure import BenchError

CREATE = "mutation BenchSeed($token: ApiTokenCreateInput!) { apiTokenCreate(token: $token) }"
LIST = "query BenchCleanupList { activeUser { apiTokens { id name } } }"
REVOKE = "mutation BenchCleanupRevoke($token: String!) { apiTokenRevoke(token: $token) }"


@dataclass(frozen=True)
class Admin:
    """The emulator's URL (checked to be on loopback) and its admin's token."""

    url: str
    token: str

    def seed_tokens(self, count: int = 3) -> None:
        """Create ``count`` personal tokens named bench-seed-N."""
        for number in range(1, count + 1):
            self._graphql(CREATE, {"token": {"name": f"bench-seed-{number}", "scopes": ["streams:read"]}})

    def revoke_tokens(self, prefix: str) -> int:
        """Revoke the admin's personal tokens whose name starts with ``prefix``; how many there were."""
        listed = self._graphql(LIST)["activeUser"]["apiTokens"]
        doomed = [token["id"] for token in listed if token["name"].startswith(prefix)]
        for token_id in doomed:
            self._graphql(REVOKE, {"token": token_id})
        return len(doomed)

    def _graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=body,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            document = json.load(answer)
        if document.get("errors") or not document.get("data"):
            raise BenchError(f"the harness's own GraphQL request failed: {document.get('errors')}")
        return document["data"]
