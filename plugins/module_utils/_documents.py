# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every GraphQL document the collection sends, as named constants.

Values always travel as variables. ``speckle_server_info`` composes its one document from the
selections below, so a single request fetches every requested fact; a unit test validates every
document (and every composition) against the real server's introspection.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """A named GraphQL operation; ``is_mutation`` and ``retry_safe`` decide whether lost answers are retried.

    A mutation is retry-safe when sending it twice leaves the server as sending it once does, and the
    repeat's answer says so: a second revoke of a token fails with "Did not revoke token".
    """

    name: str
    document: str
    is_mutation: bool = False
    retry_safe: bool = False


# serverInfo fields every current server answers. automate and multiRegion are left out: on a server
# where those modules are off they null the whole serverInfo. blobSizeLimitBytes (deprecated) is
# served inside configuration instead.
SERVER_INFO_FIELDS: tuple[str, ...] = (
    "name",
    "company",
    "description",
    "adminContact",
    "canonicalUrl",
    "termsOfService",
    "version",
    "inviteOnly",
    "guestModeEnabled",
    "automateUrl",
    "enableNewWebUiMessaging",
    "scopes { name description }",
    "authStrategies { id name icon url color }",
    "serverRoles { id title }",
    "roles { name description resourceTarget }",
    "configuration { blobSizeLimitBytes objectSizeLimitBytes objectMultipartUploadSizeLimitBytes isEmailEnabled "
    "emailVerificationTimeoutMinutes }",
    "migration { movedFrom movedTo }",
    "workspaces { workspacesEnabled }",
)
SERVER_VERSION_FIELDS: tuple[str, ...] = ("version",)
APP_FIELDS = "id name description redirectUrl termsAndConditionsLink trustByDefault logo author { id name avatar }"
USER_FIELDS = "id name email role"
API_TOKEN_FIELDS = "id name lastChars scopes createdAt lifespan lastUsed"

# Root selections of the server facts query, keyed by the alias each lands under. The user and
# their tokens are two aliases of activeUser so that a token without tokens:read still gets the
# user (a FORBIDDEN on apiTokens nulls only its own alias).
ROOT_SELECTIONS: dict[str, tuple[str, str, str]] = {
    # alias: (root field, GraphQL type of its selection, selection)
    "serverInfo": ("serverInfo", "ServerInfo", ""),
    "apps": ("apps", "ServerAppListItem", APP_FIELDS),
    "user": ("activeUser", "User", USER_FIELDS),
    "tokens": ("activeUser", "User", f"apiTokens {{ {API_TOKEN_FIELDS} }}"),
}
SERVER_INFO_OPERATION_NAME = "SpeckleServerInfo"

ACTIVE_USER_TOKENS = Operation(
    "SpeckleActiveUserTokens",
    f"query SpeckleActiveUserTokens {{ activeUser {{ {USER_FIELDS} apiTokens {{ {API_TOKEN_FIELDS} }} }} }}",
)
ACTIVE_USER_ID = Operation("SpeckleActiveUserId", "query SpeckleActiveUserId { activeUser { id } }")
SESSION_USER = Operation("SpeckleSessionUser", f"query SpeckleSessionUser {{ activeUser {{ {USER_FIELDS} }} }}")
API_TOKEN_CREATE = Operation(
    "SpeckleApiTokenCreate",
    "mutation SpeckleApiTokenCreate($token: ApiTokenCreateInput!) { apiTokenCreate(token: $token) }",
    is_mutation=True,
)
API_TOKEN_REVOKE = Operation(
    "SpeckleApiTokenRevoke",
    "mutation SpeckleApiTokenRevoke($token: String!) { apiTokenRevoke(token: $token) }",
    is_mutation=True,
    retry_safe=True,
)


def field_name(selection: str) -> str:
    """``configuration { ... }`` -> ``configuration``."""
    return selection.split("{", 1)[0].strip()


def compose_server_info(subsets: t.Iterable[str], dropped: t.Collection[tuple[str, str]] = ()) -> Operation | None:
    """One query for all ``subsets`` (server, version, apps, user, tokens); None if nothing is left.

    ``dropped`` holds ``(type, field)`` pairs an older server said it lacks; they are left out.
    """
    wanted = set(subsets)
    server_fields: list[str] = []
    if "server" in wanted:
        server_fields.extend(SERVER_INFO_FIELDS)
    elif "version" in wanted:
        server_fields.extend(SERVER_VERSION_FIELDS)
    server_fields = [f for f in server_fields if ("ServerInfo", field_name(f)) not in dropped]
    parts: list[str] = []
    if server_fields:
        parts.append("serverInfo { " + " ".join(server_fields) + " }")
    for alias, subset in (("apps", "apps"), ("user", "user"), ("tokens", "tokens")):
        root, _type, selection = ROOT_SELECTIONS[alias]
        if subset in wanted and ("Query", root) not in dropped:
            prefix = "" if alias == root else f"{alias}: "
            parts.append(f"{prefix}{root} {{ {selection} }}")
    if not parts:
        return None
    document = f"query {SERVER_INFO_OPERATION_NAME} {{ " + " ".join(parts) + " }"
    return Operation(SERVER_INFO_OPERATION_NAME, document)


ALL_OPERATIONS: tuple[Operation, ...] = (
    ACTIVE_USER_TOKENS,
    ACTIVE_USER_ID,
    SESSION_USER,
    API_TOKEN_CREATE,
    API_TOKEN_REVOKE,
)
