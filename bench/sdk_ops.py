"""The same work with the Python SDK (specklepy), imported only in .venv-bench's child process.

ServerResource has get(), version(), apps(), create_token() and revoke_token(); active_user.get() gives the
user. The SDK has no call that lists a user's tokens, so that one goes through the client's own GraphQL
transport (client.httpclient), as an SDK user would have to do it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from gql import gql
from specklepy.api.client import SpeckleClient
from specklepy.logging import metrics

TOKEN_LIST = gql("query BenchTokens { activeUser { apiTokens { id name scopes } } }")
# create_token() requires a lifespan; this is the server's own default (ms).
DEFAULT_LIFESPAN_MS = 3154000000000
# Must match bench/playbooks/token_*.yml so that all three sides do the same work.
ENSURE_NAME = "bench-ensure"
ENSURE_SCOPES = ["streams:read", "profile:read"]
CYCLE_SCOPES = ["streams:read"]


def connect(url: str, token: str) -> SpeckleClient:
    """A client authenticated the documented way; authenticate_with_token() itself sends requests (set-up).

    SpeckleClient takes a host without the scheme, and use_ssl=False for the plain-HTTP loopback emulator.
    """
    metrics.disable()
    parts = urlsplit(url)
    client = SpeckleClient(host=parts.netloc, use_ssl=parts.scheme == "https")
    client.authenticate_with_token(token)
    return client


def tokens_named(client: SpeckleClient, name: str) -> list[dict[str, object]]:
    """The user's tokens called ``name`` (one request)."""
    listed = client.httpclient.execute(TOKEN_LIST)["activeUser"]["apiTokens"]
    return [token for token in listed if token["name"] == name]


def gather(client: SpeckleClient, index: int) -> None:
    """Server info, version, apps, user and token list: the facts speckle_server_info returns."""
    client.server.get()
    client.server.version()
    client.server.apps()
    client.active_user.get()
    client.httpclient.execute(TOKEN_LIST)


def ensure(client: SpeckleClient, index: int) -> None:
    """Create the token only when none has its name (list, then create if missing)."""
    if not tokens_named(client, ENSURE_NAME):
        client.server.create_token(ENSURE_NAME, ENSURE_SCOPES, DEFAULT_LIFESPAN_MS)


def cycle(client: SpeckleClient, index: int) -> None:
    """Create a token when missing, then revoke every token with its name, as the playbooks do."""
    name = f"bench-cycle-{index}"
    if not tokens_named(client, name):
        client.server.create_token(name, CYCLE_SCOPES, DEFAULT_LIFESPAN_MS)
    for token in tokens_named(client, name):
        client.server.revoke_token(str(token["id"]))


OPERATIONS: dict[str, Callable[[SpeckleClient, int], None]] = {
    "gather": gather,
    "token_ensure": ensure,
    "token_cycle": cycle,
}
