# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``speckle_token_info``'s logic: list the user's tokens once and filter them locally.

The server cannot filter tokens by name, expiry or use, so one listing is fetched and every
filter is applied here; the result never holds a secret.
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._duration import parse_optional_duration
from ansible_collections.speckle.server.plugins.module_utils._token_api import fetch_listing
from ansible_collections.speckle.server.plugins.module_utils._token_facts import (
    expires_at,
    parse_timestamp,
    token_metadata,
    utc_now,
)

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule


@dataclass
class InfoFilters:
    name: str | None = None
    expired: bool | None = None
    expiring_within: int | None = None
    unused_for: int | None = None


def parse_info_filters(params: dict[str, t.Any]) -> InfoFilters:
    return InfoFilters(
        name=params.get("name"),
        expired=params.get("expired"),
        expiring_within=parse_optional_duration(params.get("expiring_within"), "expiring_within"),
        unused_for=parse_optional_duration(params.get("unused_for"), "unused_for"),
    )


def token_matches(api_token: dict[str, t.Any], filters: InfoFilters, now: datetime.datetime) -> bool:
    """All filters at once; a token never used counts as last used when it was created."""
    if filters.name is not None and api_token.get("name") != filters.name:
        return False
    expiry = expires_at(api_token.get("createdAt"), api_token.get("lifespan"))
    if filters.expired is not None and bool(expiry and expiry <= now) != filters.expired:
        return False
    if filters.expiring_within is not None and (
        expiry is None or (expiry - now).total_seconds() > filters.expiring_within
    ):
        return False
    if filters.unused_for is not None:
        last = parse_timestamp(api_token.get("lastUsed")) or parse_timestamp(api_token.get("createdAt"))
        if last is None or (now - last).total_seconds() < filters.unused_for:
            return False
    return True


def validate_info_options(module: SpeckleModule) -> None:
    """The ``validate`` hook of ``speckle_token_info``."""
    parse_info_filters(module.params)


def gather_token_info(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    """The ``speckle_token_info`` action: one request, filtered locally."""
    filters = parse_info_filters(module.params)
    listing = fetch_listing(client, managing=False)
    now = utc_now()
    tokens = [token_metadata(tok, now) for tok in listing.tokens if token_matches(tok, filters, now)]
    return {"changed": False, "tokens": tokens, "user": listing.user}
