"""Give the emulator's admin a few tokens, so that the gathered token list is not empty."""

from __future__ import annotations

import json
import urllib.request

CREATE = "mutation BenchSeed($token: ApiTokenCreateInput!) { apiTokenCreate(token: $token) }"


def seed_tokens(url: str, token: str, count: int = 3) -> None:
    """Create ``count`` personal tokens named bench-seed-N (the URL was checked to be on loopback)."""
    for number in range(1, count + 1):
        variables = {"token": {"name": f"bench-seed-{number}", "scopes": ["streams:read"]}}
        body = json.dumps({"query": CREATE, "variables": variables}).encode()
        request = urllib.request.Request(
            f"{url}/graphql",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            json.load(answer)
