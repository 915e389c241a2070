"""Fixed data the real server answers with (copied from the recordings), kept in one place."""

from __future__ import annotations

from typing import Any

DEFAULT_SERVER_VERSION = "2.23.4"
DEFAULT_ADMIN_EMAIL = "admin@example.org"
DEFAULT_ADMIN_PASSWORD = "speckle-local-admin"
ADMIN_NAME = "Local Admin"
WEBAPP_ID = "spklwebapp"
WEBAPP_SECRET = "spklwebapp"

# Default token lifespan in milliseconds (about 100 years), used when lifespan is omitted, null or 0.
DEFAULT_LIFESPAN_MS = 3154000000000
PG_BIGINT_MIN = -(2**63)
PG_BIGINT_MAX = 2**63 - 1
TOKEN_NAME_MAX = 512
TOKEN_ID_LENGTH = 10
TOKEN_SECRET_LENGTH = 32
TOKEN_LENGTH = TOKEN_ID_LENGTH + TOKEN_SECRET_LENGTH

# Every scope registered on the recorded server, in its order, with the real descriptions.
SCOPES: dict[str, str] = {
    "apps:read": "See created or authorized applications.",
    "apps:write": "Register new applications.",
    "streams:read": "Read your streams, and any associated information (branches, commits, objects).",
    "streams:write": "Create streams on your behalf, and any associated data (branches, commits, objects).",
    "profile:read": "Read your profile information.",
    "profile:write": "Make actions on your profile.",
    "profile:email": "Read the email address you registered with.",
    "profile:delete": "Delete the account with all associated data.",
    "users:read": "Read other users' profiles.",
    "server:stats": 'Request server stats from the API. Only works in conjunction with a "server:admin" role.',
    "users:email": "Access the emails of other users.",
    "server:setup": "Edit server information. Note: Only server admins will be able to use this token.",
    "tokens:read": "Access API tokens.",
    "tokens:write": "Create and delete API tokens.",
    "users:invite": "Invite others to join this server.",
}
ALL_SCOPES: list[str] = list(SCOPES)
# serverInfo.scopes lists only these (in this order).
PUBLIC_SCOPES: list[str] = [
    "streams:read",
    "streams:write",
    "profile:read",
    "profile:write",
    "profile:email",
    "users:read",
    "server:stats",
]

SERVER_ROLES: list[dict[str, str]] = [
    {"id": "server:admin", "title": "Admin"},
    {"id": "server:user", "title": "User"},
    {"id": "server:archived-user", "title": "Archived"},
]
STREAM_ROLES: list[dict[str, str]] = [
    {
        "name": "stream:owner",
        "description": "Can edit project, including settings, collaborators and all models",
        "resourceTarget": "streams",
    },
    {
        "name": "stream:contributor",
        "description": "Can publish and load models from connectors and view and comment in the web viewer",
        "resourceTarget": "streams",
    },
    {
        "name": "stream:reviewer",
        "description": "Can view and comment on models in the web viewer",
        "resourceTarget": "streams",
    },
]
AUTH_STRATEGIES: list[dict[str, Any]] = [
    {"id": "local", "name": "Local", "icon": "TODO", "url": "/auth/local", "color": "accent"},
]
SIZE_LIMIT_BYTES = 104857600
SERVER_CONFIGURATION: dict[str, Any] = {
    "blobSizeLimitBytes": SIZE_LIMIT_BYTES,
    "objectSizeLimitBytes": SIZE_LIMIT_BYTES,
    "objectMultipartUploadSizeLimitBytes": SIZE_LIMIT_BYTES,
    "isEmailEnabled": False,
    "emailVerificationTimeoutMinutes": 5,
}
SERVER_TEXT: dict[str, Any] = {
    "name": "My new Speckle Server",
    "company": "Unknown Company",
    "description": "This a community deployment of a Speckle Server.",
    "adminContact": "n/a",
    "termsOfService": "n/a",
    "inviteOnly": False,
    "guestModeEnabled": False,
    "automateUrl": None,
    "enableNewWebUiMessaging": False,
}

# Fields removed from ServerInfo by --legacy (older servers lack them).
LEGACY_MISSING_SERVER_INFO_FIELDS = ("workspaces", "configuration", "serverRoles")

APP_SECRET_HIDDEN = "App secrets are only revealed to their author \U0001f609"


def server_apps(canonical_url: str) -> list[dict[str, Any]]:
    """The first-party apps of a fresh server, as ``apps`` lists them (URLs follow the canonical URL)."""
    rows = [
        ("explorer", "Speckle Explorer", "GraphiQL Playground with authentication.", f"{canonical_url}/explorer", True),
        ("spklautoma", "Speckle Automate", "Our automation platform", "undefined/authn/callback", True),
        (
            "sdas",
            "Speckle Connector",
            "Speckle desktop authentication service. This application helps link your Speckle account with all "
            "host application connectors, like Revit, Rhino etc.",
            "http://localhost:29364",
            True,
        ),
        (
            "spklpwerbi",
            "Speckle Connector For PowerBI",
            "The Speckle Connector for Power BI.",
            "https://oauth.powerbi.com/views/oauthredirect.html",
            True,
        ),
        (
            "sdm",
            "Speckle Desktop Manager",
            "Manages local installations of Speckle connectors, kits and everything else.",
            "speckle://account",
            True,
        ),
        ("sca", "Speckle Connector", "A Speckle Desktop Connectors.", "http://localhost:29363", True),
        (
            "spklexcel",
            "Speckle Connector For Excel",
            "The Speckle Connector For Excel. For more info, check the docs here: https://speckle.guide/user/excel.",
            "https://speckle-excel.netlify.app",
            True,
        ),
        (
            WEBAPP_ID,
            "Speckle Web Manager",
            "The Speckle Web Manager is your one-stop place to manage and coordinate your data.",
            canonical_url,
            True,
        ),
        ("connectrV3", "Desktop Connectors", "Speckle V3 connectors..", "http://localhost:29355", False),
        (
            "sdui",
            "DUI",
            "Speckle desktop user interface for connectors.",
            "https://dui.speckle.systems/authn/callback",
            False,
        ),
    ]
    return [
        {
            "id": app_id,
            "name": name,
            "description": text,
            "redirectUrl": redirect,
            "termsAndConditionsLink": None,
            "trustByDefault": trusted,
            "logo": None,
            "author": None,
            "public": True,
            "secret": APP_SECRET_HIDDEN,
            "scopes": [{"name": scope, "description": desc} for scope, desc in SCOPES.items()],
        }
        for app_id, name, text, redirect, trusted in rows
    ]
