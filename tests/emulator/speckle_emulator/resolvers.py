"""GraphQL resolvers, with the real server's auth checks (server role, scope) in front of each protected field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLError, GraphQLResolveInfo, InlineFragmentNode

from . import constants
from .store import Store, Token, User
from .tokens import Caller, create_token_checked, revoke_checked, token_create_error


@dataclass
class Context:
    """Per-request context handed to every resolver."""

    store: Store
    caller: Caller | None
    server_version: str
    canonical_url: str


def iso(ms: int) -> str:
    """Epoch milliseconds as the server's ISO timestamp (``2026-11-29T14:27:53.926Z``)."""
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def require(info: GraphQLResolveInfo, scope: str | None = None) -> Caller:
    """The @hasServerRole/@hasScope directives: a token must be sent, holding ``scope`` when given."""
    caller: Caller | None = info.context.caller
    if caller is None:
        raise GraphQLError("Must provide an auth token", extensions={"code": "UNAUTHORIZED", "statusCode": 401})
    if scope is not None and scope not in caller.scopes:
        raise GraphQLError(
            f"Your auth token does not have the required scope: {scope}.",
            extensions={"code": "FORBIDDEN", "scope": scope, "statusCode": 403},
        )
    return caller


def _ctx(info: GraphQLResolveInfo) -> Context:
    """Typed access to the request context."""
    context: Context = info.context
    return context


def _user_view(account: User) -> dict[str, Any]:
    """A User object for the default resolvers (email is resolved separately, with its scope rules)."""
    return {
        "id": account.id,
        "name": account.name,
        "_email": account.email,
        "role": account.role,
        "bio": None,
        "company": None,
        "avatar": None,
        "verified": False,
        "createdAt": iso(account.created_at),
    }


def _token_view(token: Token) -> dict[str, Any]:
    """An ApiToken object."""
    return {
        "id": token.id,
        "name": token.name,
        "lastChars": token.last_chars,
        "scopes": list(token.scopes),
        "createdAt": iso(token.created_at),
        "lifespan": token.lifespan,
        "lastUsed": iso(token.last_used),
    }


def _not_configured(*_args: Any) -> Any:
    """multiRegion needs a config file the emulated server (like the recorded one) does not have."""
    raise GraphQLError(
        "MULTI_REGION_CONFIG_PATH env var not configured",
        extensions={"code": "MISCONFIGURED_ENVIRONMENT_ERROR", "statusCode": 424},
    )


def server_info(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    """Query.serverInfo: fixed values of a fresh server, plus version and canonical URL."""
    context = _ctx(info)
    return {
        **constants.SERVER_TEXT,
        "version": context.server_version,
        "canonicalUrl": context.canonical_url,
        "blobSizeLimitBytes": constants.SIZE_LIMIT_BYTES,
        "scopes": [{"name": name, "description": constants.SCOPES[name]} for name in constants.PUBLIC_SCOPES],
        "authStrategies": constants.AUTH_STRATEGIES,
        "serverRoles": constants.SERVER_ROLES,
        "roles": constants.STREAM_ROLES,
        "configuration": constants.SERVER_CONFIGURATION,
        "migration": None,
        "workspaces": {"workspacesEnabled": False, "planPrices": None},
        # Modules that are off on the recorded server: automate resolves to null (an error, the field is
        # non-null) and multiRegion fails in its fields.
        "automate": None,
        "multiRegion": _multi_region(info),
    }


def _selected_names(info: GraphQLResolveInfo) -> set[str]:
    """Names of the fields selected directly under the current field (through fragments too)."""
    names: set[str] = set()
    pending = [node.selection_set for node in info.field_nodes if node.selection_set is not None]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in info.fragments:
                pending.append(info.fragments[selection.name.value].selection_set)
    return names


def _multi_region(info: GraphQLResolveInfo) -> dict[str, Any]:
    """serverInfo.multiRegion, failing in its fields.

    When ``automate`` is selected too, the real server reports only the automate error: graphql-js gives up
    on serverInfo at that synchronous null and the asynchronous multiRegion failure is never collected.
    """
    if "automate" in _selected_names(info):
        return {"availableKeys": [], "regions": []}
    return {"availableKeys": _not_configured, "regions": _not_configured}


def _apps(context: Context) -> list[dict[str, Any]]:
    """The server's apps, with createdAt set to when the store was created."""
    created = iso(context.store.created_at)
    return [{**app, "createdAt": created} for app in constants.server_apps(context.canonical_url)]


def apps(_root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """Query.apps: public, answers without a token."""
    return _apps(_ctx(info))


def app(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
    """Query.app(id)."""
    return next((item for item in _apps(_ctx(info)) if item["id"] == args["id"]), None)


def authenticated_as_app(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    """Query.authenticatedAsApp: the app of a login token, null for a personal access token."""
    caller = require(info)
    if caller.app_id is None:
        return None
    return next((item for item in _apps(_ctx(info)) if item["id"] == caller.app_id), None)


def active_user(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any] | None:
    """Query.activeUser: null without a token."""
    context = _ctx(info)
    if context.caller is None:
        return None
    found = context.store.get_user(context.caller.user_id)
    return None if found is None else _user_view(found)


def other_user(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
    """Query.otherUser(id): limited profile of any user."""
    require(info)
    found = _ctx(info).store.get_user(args["id"])
    return None if found is None else _user_view(found)


def legacy_user(_root: Any, info: GraphQLResolveInfo, **args: Any) -> dict[str, Any] | None:
    """Query.user(id): deprecated; the active user without an id."""
    if args.get("id") is None:
        return active_user(_root, info)
    require(info)
    found = _ctx(info).store.get_user(args["id"])
    return None if found is None else _user_view(found)


def user_email(parent: dict[str, Any], info: GraphQLResolveInfo) -> str | None:
    """User.email: redacted (null, no error) unless profile:email on oneself or users:email as an admin."""
    context = _ctx(info)
    caller = context.caller
    if caller is None:
        return None
    if caller.user_id == parent["id"]:
        return parent["_email"] if "profile:email" in caller.scopes else None
    me = context.store.get_user(caller.user_id)
    if "users:email" in caller.scopes and me is not None and me.role == "server:admin":
        return parent["_email"]
    return None


def user_api_tokens(parent: dict[str, Any], info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    """User.apiTokens: needs tokens:read, lists only the caller's own personal access tokens."""
    caller = require(info, "tokens:read")
    if caller.user_id != parent["id"]:
        raise GraphQLError("You can only view your own tokens", extensions={"code": "FORBIDDEN", "statusCode": 403})
    return [_token_view(t) for t in _ctx(info).store.list_tokens(caller.user_id, personal_only=True)]


def api_token_create(_root: Any, info: GraphQLResolveInfo, token: dict[str, Any]) -> str:
    """Mutation.apiTokenCreate: needs tokens:write; returns the full token once."""
    caller = require(info, "tokens:write")
    return create_token_checked(_ctx(info).store, caller, token)


def api_token_revoke(_root: Any, info: GraphQLResolveInfo, token: str) -> bool:
    """Mutation.apiTokenRevoke: needs tokens:write; true or a USER_INPUT_ERROR, never false."""
    caller = require(info, "tokens:write")
    return revoke_checked(_ctx(info).store, caller, token)


def app_token_create(_root: Any, info: GraphQLResolveInfo, token: dict[str, Any]) -> str:
    """Mutation.appTokenCreate: only an app token may create another token of its own app."""
    caller = require(info, "tokens:write")
    if caller.app_id is None:
        raise token_create_error("An app token can only create a new token for the same app")
    return create_token_checked(_ctx(info).store, caller, token, app_id=caller.app_id)
