# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``speckle_token`` and ``speckle_token_info``'s logic: find tokens by name, compare, decide, act.

A token's secret is shown once, at creation, and a token cannot be changed in place, so every
change is "create a new one, then revoke the old ones". The order matters: the new secret is
returned (and written to ``dest``) before anything old is revoked, so a failure half-way never
leaves the user without a working token, and an unknown create outcome is cleaned up so no
orphan whose secret nobody has is left behind.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._documents import (
    ACTIVE_USER_ID,
    ACTIVE_USER_TOKENS,
    API_TOKEN_CREATE,
    API_TOKEN_REVOKE,
)
from ansible_collections.speckle.server.plugins.module_utils._duration import (
    format_duration,
    parse_duration,
    parse_optional_duration,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    AuthenticationRequired,
    ConfigurationError,
    GraphQLError,
    InvalidToken,
    MissingScope,
    OutcomeUnknown,
    ServerError,
    SpeckleError,
    error_code,
)
from ansible_collections.speckle.server.plugins.module_utils._sanitize import safe_server_message
from ansible_collections.speckle.server.plugins.module_utils._token_facts import (
    expires_at,
    format_timestamp,
    lifespan_ms,
    parse_timestamp,
    token_metadata,
)

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

# Every scope the server registers; serverInfo.scopes lists only the 7 public ones, so this list is
# used only to name unknown scopes in a hint, never to reject a scope before the server does.
REGISTERED_SCOPES = (
    "apps:read",
    "apps:write",
    "streams:read",
    "streams:write",
    "profile:read",
    "profile:write",
    "profile:email",
    "profile:delete",
    "users:read",
    "server:stats",
    "users:email",
    "server:setup",
    "tokens:read",
    "tokens:write",
    "users:invite",
)
NAME_MAX_LENGTH = 512  # the server's column; longer names fail with SQL text
TOKEN_ID_LENGTH = 10  # a token is its 10-character id followed by a 32-character secret
TOKEN_LENGTH = 42
LAST_CHARS_LENGTH = 6
DEFAULT_LIFESPAN_MS = 3154000000000  # the server's default when lifespan is omitted (about 100 years)
MAX_LIFESPAN_MS = 2**63 - 1  # Postgres bigint
MAX_LIFESPAN_SECONDS = MAX_LIFESPAN_MS // 1000
JS_MAX_SAFE_INTEGER = 2**53 - 1  # larger numbers lose precision in the server's JavaScript; send them as strings
SECRET_FILE_MODE = 0o600
NEEDS_WRITE = "creating and revoking tokens needs"
USE_LOGIN = "Set email and password instead of token (or use a login token)."


def utc_now() -> datetime.datetime:
    """The current time, aware; a function so tests can pin it."""
    return datetime.datetime.now(datetime.timezone.utc)


# --------------------------------------------------------------------------------------------------
# Listing


@dataclass
class Listing:
    """The authenticated user, their tokens (raw ``ApiToken`` dicts) and the caller's own token if it is a PAT."""

    user: dict[str, t.Any]
    tokens: list[dict[str, t.Any]]
    caller: dict[str, t.Any] | None = None

    def named(self, name: str) -> list[dict[str, t.Any]]:
        return [tok for tok in self.tokens if tok.get("name") == name]

    def by_id(self, token_id: str) -> dict[str, t.Any] | None:
        return next((tok for tok in self.tokens if tok.get("id") == token_id), None)

    def describe_caller(self) -> str:
        """What the caller's own token holds, for error messages about scopes."""
        if self.caller is None:
            return (
                "The caller uses a login token (from email and password, or an app), which holds every scope the "
                "account can grant."
            )
        return (
            f"The caller's token is a personal access token (id {self.caller.get('id')}) holding: "
            f"{_join(_unique(self.caller.get('scopes') or [])) or 'no scopes'}."
        )


def fetch_listing(client: GraphQLClient, *, managing: bool) -> Listing:
    """One ACTIVE_USER_TOKENS request; missing ``tokens:read`` or no login become clear errors."""
    try:
        result = client.execute(ACTIVE_USER_TOKENS)
        result.raise_for_errors()
    except MissingScope as exc:
        scope = exc.scope or "tokens:read"
        if managing:
            msg = (
                f"The token lacks the scope {scope}, which listing the user's tokens needs. Managing tokens needs "
                "tokens:read and tokens:write, and a personal access token can never hold tokens:write on current "
                f"servers. {USE_LOGIN}"
            )
        else:
            msg = (
                f"The token lacks the scope {scope}, which listing the user's tokens needs. Use a token that holds "
                f"{scope}, or set email and password instead of token."
            )
        raise MissingScope(msg, exc.errors, scope=exc.scope, status=exc.status) from None
    user = result.data.get("activeUser")
    if not isinstance(user, dict):
        raise AuthenticationRequired(
            "Listing the user's tokens needs authentication, and the server returned no user: set email and "
            "password (or a token).",
            [],
            status=result.status,
        )
    tokens = [tok for tok in user.get("apiTokens") or [] if isinstance(tok, dict)]
    caller_id = (client.token or "")[:TOKEN_ID_LENGTH]
    caller = next((tok for tok in tokens if caller_id and tok.get("id") == caller_id), None)
    profile = {key: user.get(key) for key in ("id", "name", "email", "role")}
    return Listing(user=profile, tokens=tokens, caller=caller)


# --------------------------------------------------------------------------------------------------
# Options


@dataclass
class TokenSpec:
    """``speckle_token``'s options, validated and converted (durations in seconds)."""

    name: str
    state: str = "present"
    scopes: list[str] | None = None
    lifespan: int | None = None
    limit_resources: list[dict[str, str]] = field(default_factory=list)
    recreate: str = "never"
    rotate_before: int | None = None
    dest: str | None = None
    token_id: str | None = None


def validate_name(name: t.Any) -> str:
    """1 to 512 characters: the server accepts an empty name and fails with SQL text beyond 512."""
    text = "" if name is None else str(name)
    if not 1 <= len(text) <= NAME_MAX_LENGTH:
        raise ConfigurationError(f"name must be 1 to {NAME_MAX_LENGTH} characters long; got {len(text)}.")
    return text


def validate_scopes(scopes: list[str] | None) -> list[str] | None:
    """Scope names without duplicates (the server would store them twice), in the order given."""
    if scopes is None:
        return None
    cleaned = [str(scope).strip() for scope in scopes]
    if any(not scope for scope in cleaned):
        raise ConfigurationError("scopes must not contain empty names.")
    if not cleaned:
        raise ConfigurationError("scopes must list at least one scope.")
    return _unique(cleaned)


def validate_lifespan(value: t.Any) -> int | None:
    """Seconds, more than 0 and small enough that the milliseconds fit the server's 64-bit column."""
    if value is None:
        return None
    seconds = parse_duration(value, "lifespan")
    if not 0 < seconds <= MAX_LIFESPAN_SECONDS:
        raise ConfigurationError(
            f"lifespan must be more than 0 seconds and at most {MAX_LIFESPAN_SECONDS} seconds (the server keeps it "
            f"in milliseconds in a 64-bit integer); got {value!r}."
        )
    return seconds


def parse_token_spec(params: dict[str, t.Any]) -> TokenSpec:
    """Every check that needs no server, so a bad option fails before any request (login included)."""
    spec = TokenSpec(
        name=validate_name(params.get("name")),
        state=params.get("state") or "present",
        recreate=params.get("recreate") or "never",
        dest=params.get("dest"),
        token_id=params.get("token_id"),
    )
    if spec.token_id is not None:
        if spec.state != "absent":
            raise ConfigurationError(
                "token_id selects a token to revoke and needs state=absent; with state=present the token is found "
                "by name."
            )
        if len(spec.token_id) != TOKEN_ID_LENGTH:
            raise ConfigurationError(
                f"token_id must be a token's id: its first {TOKEN_ID_LENGTH} characters, as speckle_token_info "
                f"returns it; got {len(spec.token_id)} characters."
            )
    if spec.dest is not None:
        _check_dest(spec.dest)
    if spec.state == "absent":
        return spec
    spec.scopes = validate_scopes(params.get("scopes"))
    spec.lifespan = validate_lifespan(params.get("lifespan"))
    spec.rotate_before = parse_optional_duration(params.get("rotate_before"), "rotate_before")
    spec.limit_resources = [
        {"type": str(item["type"]), "id": str(item["id"])} for item in params.get("limit_resources") or []
    ]
    if spec.rotate_before is not None and spec.lifespan is not None and spec.rotate_before >= spec.lifespan:
        raise ConfigurationError(
            f"rotate_before ({format_duration(spec.rotate_before)}) must be shorter than lifespan "
            f"({format_duration(spec.lifespan)}); otherwise every run would replace the token."
        )
    return spec


def _check_dest(dest: str) -> None:
    """``dest`` must be creatable, checked before anything is created whose secret it would hold."""
    if os.path.isdir(dest):
        raise ConfigurationError(f"dest {dest} is a directory; give the path of the file to hold the token.")
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        raise ConfigurationError(f"The directory of dest ({directory}) does not exist; create it first.")


# --------------------------------------------------------------------------------------------------
# Comparing


def differences(existing: dict[str, t.Any], spec: TokenSpec) -> list[str]:
    """What differs between a token and the task, as phrases; only options the task sets are compared."""
    found = []
    if spec.scopes is not None and set(existing.get("scopes") or []) != set(spec.scopes):
        found.append(
            f"scopes are [{_join(_unique(existing.get('scopes') or []))}] but the task wants [{_join(spec.scopes)}]"
        )
    if spec.lifespan is not None and lifespan_ms(existing.get("lifespan")) != spec.lifespan * 1000:
        found.append(
            f"lifespan is {_format_ms(lifespan_ms(existing.get('lifespan')))} but the task wants "
            f"{format_duration(spec.lifespan)}"
        )
    return found


def rotation_due(existing: dict[str, t.Any], rotate_before: int | None, now: datetime.datetime) -> str | None:
    """Why the token must be rotated (it expires within ``rotate_before``), or None."""
    if rotate_before is None:
        return None
    expiry = expires_at(existing.get("createdAt"), existing.get("lifespan"))
    if expiry is None:
        return None
    if (expiry - now).total_seconds() < rotate_before:
        return f"it expires at {format_timestamp(expiry)}, within rotate_before ({format_duration(rotate_before)})"
    return None


def new_token_metadata(
    secret: str, name: str, scopes: list[str], lifespan: int | None, now: datetime.datetime
) -> dict[str, t.Any]:
    """The new token's metadata, built locally so creating costs no extra request."""
    created = format_timestamp(now)
    api_token = {
        "id": secret[:TOKEN_ID_LENGTH],
        "name": name,
        "scopes": list(scopes),
        "lastChars": secret[-LAST_CHARS_LENGTH:],
        "createdAt": created,
        "lifespan": lifespan * 1000 if lifespan else DEFAULT_LIFESPAN_MS,
        "lastUsed": created,
    }
    return token_metadata(api_token, now)


def predicted_metadata(name: str, scopes: list[str], lifespan: int | None) -> dict[str, t.Any]:
    """What check mode can say about a token it did not create: no id, no times."""
    return {
        "id": None,
        "name": name,
        "scopes": list(scopes),
        "last_chars": None,
        "created_at": None,
        "lifespan": lifespan if lifespan else DEFAULT_LIFESPAN_MS // 1000,
        "expires_at": None,
        "expired": False,
        "last_used": None,
    }


def lifespan_variable(milliseconds: int) -> int | str:
    """BigInt as a number while JavaScript keeps it exact, else as a string (the server accepts both)."""
    return milliseconds if milliseconds <= JS_MAX_SAFE_INTEGER else str(milliseconds)


# --------------------------------------------------------------------------------------------------
# Mutations


def no_write_message(listing: Listing) -> str:
    caller = listing.caller
    if caller is None:
        return f"The token used lacks the scope tokens:write, which {NEEDS_WRITE}. {USE_LOGIN}"
    return (
        f"The token used lacks the scope tokens:write, which {NEEDS_WRITE}: it is a personal access token "
        f"(id {caller.get('id')}) holding {_join(_unique(caller.get('scopes') or [])) or 'no scopes'}, and a personal "
        f"access token can never hold tokens:write on current servers. {USE_LOGIN}"
    )


def ensure_can_write(listing: Listing) -> None:
    """Fail before any mutation when the caller is a PAT without tokens:write (a login token has it)."""
    if listing.caller is not None and "tokens:write" not in (listing.caller.get("scopes") or []):
        raise MissingScope(no_write_message(listing), [], scope="tokens:write")


def scope_hint(scopes: list[str]) -> str:
    unknown = [scope for scope in scopes if scope not in REGISTERED_SCOPES]
    if not unknown:
        return ""
    return f" Not a scope this server registers: {_join(unknown)} (a token can hold {_join(list(REGISTERED_SCOPES))})."


def ensure_caller_holds(listing: Listing, name: str, scopes: list[str]) -> None:
    """A PAT can only grant scopes it holds itself; say so before the server refuses."""
    if listing.caller is None:
        return
    held = set(listing.caller.get("scopes") or [])
    lacking = [scope for scope in scopes if scope not in held]
    if lacking:
        raise MissingScope(
            f"The token {name!r} cannot be created with the scopes {_join(scopes)}: the caller can only grant scopes "
            f"it holds itself, and it lacks {_join(lacking)}.{scope_hint(scopes)} {listing.describe_caller()}",
            [],
            scope=lacking[0],
        )


def create_token(
    client: GraphQLClient,
    listing: Listing,
    name: str,
    scopes: list[str],
    lifespan: int | None,
    limit_resources: list[dict[str, str]],
) -> str:
    """Send apiTokenCreate once and return the new token; errors name what the caller holds."""
    token_input: dict[str, t.Any] = {"name": name, "scopes": list(scopes)}
    if lifespan:
        token_input["lifespan"] = lifespan_variable(lifespan * 1000)
    if limit_resources:
        token_input["limitResources"] = [{"type": item["type"], "id": item["id"]} for item in limit_resources]
    try:
        result = client.execute(API_TOKEN_CREATE, {"token": token_input})
        result.raise_for_errors()
    except MissingScope as exc:
        if exc.scope == "tokens:write":
            raise MissingScope(no_write_message(listing), exc.errors, scope=exc.scope, status=exc.status) from None
        raise
    except GraphQLError as exc:
        if "TOKEN_CREATE_ERROR" in exc.codes:
            reason = "; ".join(safe_server_message(str(err.get("message") or "")) for err in exc.errors)
            raise GraphQLError(
                f"The server refused to create the token {name!r} with the scopes {_join(scopes)}: {reason}."
                f"{scope_hint(scopes)} {listing.describe_caller()}",
                exc.errors,
                status=exc.status,
            ) from None
        raise GraphQLError(
            f"Creating the token {name!r} failed. {exc.msg} {listing.describe_caller()}", exc.errors, status=exc.status
        ) from None
    secret = result.data.get("apiTokenCreate")
    if not isinstance(secret, str) or len(secret) < TOKEN_LENGTH:
        raise ServerError(f"The server answered apiTokenCreate for {name!r} without a token.", status=result.status)
    return secret


def revoke_token(client: GraphQLClient, listing: Listing, token_id: str) -> bool:
    """Revoke by id; False when the server says it is already gone ("Did not revoke token")."""
    try:
        client.execute(API_TOKEN_REVOKE, {"token": token_id}).raise_for_errors()
    except MissingScope as exc:
        raise MissingScope(no_write_message(listing), exc.errors, scope=exc.scope, status=exc.status) from None
    except GraphQLError as exc:
        if exc.errors and all(_already_gone(err) for err in exc.errors):
            return False
        raise
    return True


def _already_gone(error: dict[str, t.Any]) -> bool:
    return error_code(error) == "USER_INPUT_ERROR" and "did not revoke" in str(error.get("message") or "").lower()


# --------------------------------------------------------------------------------------------------
# The dest file


def read_secret(path: str) -> str | None:
    """The token kept in ``path``, stripped; None when there is no such file."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(4096).strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        return ""
    except OSError as exc:
        raise ConfigurationError(f"dest {path} cannot be read ({exc.strerror}).") from None


def write_secret(path: str, secret: str) -> None:
    """Write atomically: a 0600 temporary file in the same directory, then a rename over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    handle_fd, temp_path = tempfile.mkstemp(prefix=".speckle-token-", dir=directory)
    done = False
    try:
        with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temp_path)


def apply_file_attributes(module: SpeckleModule, path: str) -> bool:
    """owner, group, mode (0600 unless given) and SELinux context; True when something changed."""
    file_args = module.ansible.load_file_common_arguments(module.params, path=path)
    if file_args.get("mode") is None:
        file_args["mode"] = SECRET_FILE_MODE
    return bool(module.ansible.set_fs_attributes_if_different(file_args, False))


# --------------------------------------------------------------------------------------------------
# speckle_token


class TokenTask:
    """One run of ``speckle_token``: list once, decide, then act (or predict, in check mode)."""

    def __init__(self, module: SpeckleModule, client: GraphQLClient) -> None:
        self.module = module
        self.client = client
        self.spec = parse_token_spec(module.params)
        self.now = utc_now()

    def run(self) -> dict[str, t.Any]:
        listing = fetch_listing(self.client, managing=True)
        if self.spec.state == "absent":
            return self._absent(listing)
        return self._present(listing)

    # state=present

    def _present(self, listing: Listing) -> dict[str, t.Any]:
        spec = self.spec
        matches = listing.named(spec.name)
        if len(matches) > 1 and spec.recreate != "always":
            ids = [str(tok.get("id")) for tok in matches]
            raise SpeckleError(
                f"There are {len(matches)} tokens named {spec.name!r} (ids: {_join(ids)}), so the module cannot tell "
                "which one to manage. Set recreate=always to replace them all with one new token, or state=absent "
                "(optionally with token_id) to revoke them.",
                token_ids=ids,
            )
        if not matches:
            if spec.scopes is None:
                raise ConfigurationError(f"scopes is required to create the token {spec.name!r}.")
            return self._replace(listing, [])
        if spec.recreate == "always":
            return self._replace(listing, matches)
        existing = matches[0]
        found = differences(existing, spec)
        if found and spec.recreate == "never":
            raise SpeckleError(
                f"The token {spec.name!r} (id {existing.get('id')}) differs from the task: {'; '.join(found)}. A "
                "token cannot be changed in place: set recreate=state_change to replace it with a new token (or "
                "recreate=always to replace it on every run).",
                token_id=existing.get("id"),
            )
        if found or rotation_due(existing, spec.rotate_before, self.now):
            return self._replace(listing, matches)
        if spec.dest and not self._dest_holds(spec.dest, existing, listing):
            return self._replace(listing, matches)
        metadata = token_metadata(existing, self.now)
        if metadata["expired"]:
            self.module.warn(
                f"The token {spec.name!r} (id {existing.get('id')}) expired at {metadata['expires_at']} and no longer "
                "works. Set rotate_before (for example 7d) to replace tokens before they expire."
            )
        changed = apply_file_attributes(self.module, spec.dest) if spec.dest else False
        return self._result(metadata, None, [], changed, before=[existing])

    def _dest_holds(self, dest: str, existing: dict[str, t.Any], listing: Listing) -> bool:
        """True when ``dest`` holds this token and it still authenticates: one request with the file's token."""
        secret = read_secret(dest)
        if not secret or len(secret) < TOKEN_LENGTH or any(char.isspace() for char in secret):
            return False
        # Masked only once it looks like a token: masking short junk would mangle unrelated output.
        self.module.hide(secret)
        if secret[:TOKEN_ID_LENGTH] != existing.get("id"):
            return False
        probe = GraphQLClient(
            self.client.server_url,
            self.client.transport,
            token=secret,
            timeout=self.client.timeout,
            retries=self.client.retries,
        )
        try:
            result = probe.execute(ACTIVE_USER_ID)
            result.raise_for_errors()
        except InvalidToken:
            return False
        except MissingScope:
            # It authenticated, only the scope for activeUser is missing; the id already matched this user's token.
            return True
        user = result.data.get("activeUser")
        return isinstance(user, dict) and user.get("id") == listing.user.get("id")

    def _replace(self, listing: Listing, old: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """Create the new token, persist it, then revoke ``old``: the new secret is never lost."""
        spec = self.spec
        scopes = spec.scopes if spec.scopes is not None else self._carried_scopes(old)
        lifespan = spec.lifespan if spec.lifespan is not None else _carried_lifespan(old)
        ensure_can_write(listing)
        ensure_caller_holds(listing, spec.name, scopes)
        # The caller's own token goes last: revoking it ends this run's authentication.
        caller_id = (listing.caller or {}).get("id")
        old_ids = sorted((str(tok.get("id")) for tok in old), key=lambda token_id: token_id == caller_id)
        if self.module.check_mode:
            predicted = predicted_metadata(spec.name, scopes, lifespan)
            return self._result(predicted, None, old_ids, True, before=old, after=predicted)
        known_ids = {tok.get("id") for tok in listing.tokens}
        try:
            secret = create_token(self.client, listing, spec.name, scopes, lifespan, spec.limit_resources)
        except OutcomeUnknown as exc:
            raise self._recover_unknown_create(known_ids, exc) from None
        metadata = new_token_metadata(secret, spec.name, scopes, lifespan, self.now)
        if spec.dest:
            self._persist(spec.dest, listing, secret, metadata["id"])
        revoked, failures = [], []
        for token_id in old_ids:
            try:
                if revoke_token(self.client, listing, token_id):
                    revoked.append(token_id)
            except SpeckleError as exc:
                failures.append((token_id, exc.msg))
        if failures:
            where = f" and written to {spec.dest}" if spec.dest else ""
            self.module.warn(
                f"The new token {spec.name!r} (id {metadata['id']}) was created{where}, but revoking the old token(s) "
                f"failed: {'; '.join(f'{token_id}: {msg}' for token_id, msg in failures)} Revoke them with "
                "state=absent and token_id."
            )
        return self._result(metadata, secret, revoked, True, before=old, after=metadata)

    def _carried_scopes(self, old: list[dict[str, t.Any]]) -> list[str]:
        """A replacement keeps the old scopes when the task does not set them."""
        scope_sets = {frozenset(tok.get("scopes") or []) for tok in old}
        if len(scope_sets) != 1:
            raise ConfigurationError(
                f"scopes is required to replace the {len(old)} tokens named {self.spec.name!r}: their scopes differ."
            )
        return _unique(old[0].get("scopes") or [])

    def _persist(self, dest: str, listing: Listing, secret: str, token_id: str) -> None:
        """Write ``dest``; if that fails, revoke the new token again (or hand it back) so nothing is lost."""
        try:
            write_secret(dest, secret)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            try:
                revoke_token(self.client, listing, token_id)
            except SpeckleError as revoke_exc:
                raise SpeckleError(
                    f"Writing the new token {self.spec.name!r} (id {token_id}) to {dest} failed ({reason}), and "
                    f"revoking it again failed too ({revoke_exc.msg}). Its secret is in this result's token; the old "
                    "token(s) were left as they were.",
                    token=secret,
                    token_id=token_id,
                    changed=True,
                ) from None
            raise SpeckleError(
                f"Writing the new token {self.spec.name!r} to {dest} failed ({reason}), so it was revoked again; the "
                "old token(s) were left as they were."
            ) from None
        apply_file_attributes(self.module, dest)

    def _recover_unknown_create(self, known_ids: set[t.Any], exc: OutcomeUnknown) -> SpeckleError:
        """The create may have happened: revoke any new token with this name, whose secret nobody has."""
        name = self.spec.name
        prefix = f"Creating the token {name!r} had an unknown outcome: {exc.msg}"
        try:
            after = fetch_listing(self.client, managing=True)
        except SpeckleError as list_exc:
            return SpeckleError(
                f"{prefix} Checking whether the server created it failed as well ({list_exc.msg}), so a token named "
                f"{name!r} whose secret is lost may exist: list the tokens with speckle.server.speckle_token_info and "
                "revoke any you do not know."
            )
        orphans = [str(tok.get("id")) for tok in after.named(name) if tok.get("id") not in known_ids]
        if not orphans:
            return SpeckleError(f"{prefix} The server did not create it, so nothing changed. Run the task again.")
        revoked, failures = [], []
        for token_id in orphans:
            try:
                revoke_token(self.client, after, token_id)
                revoked.append(token_id)
            except SpeckleError as revoke_exc:
                failures.append(f"{token_id}: {revoke_exc.msg}")
        if failures:
            return SpeckleError(
                f"{prefix} The server had created it after all (id {_join(orphans)}), but its secret was lost, and "
                f"revoking it failed ({'; '.join(failures)}). Revoke it with state=absent and token_id, then run the "
                "task again.",
                revoked_ids=revoked,
                changed=bool(revoked),
            )
        return SpeckleError(
            f"{prefix} The server had created it after all (id {_join(orphans)}), but its secret was lost, so it was "
            "revoked again. Run the task again.",
            revoked_ids=revoked,
        )

    # state=absent

    def _absent(self, listing: Listing) -> dict[str, t.Any]:
        spec = self.spec
        if spec.token_id is not None:
            target = listing.by_id(spec.token_id)
            if target is not None and target.get("name") != spec.name:
                raise ConfigurationError(
                    f"token_id {spec.token_id} belongs to the token named {target.get('name')!r}, not {spec.name!r}; "
                    "nothing was revoked."
                )
            targets = [target] if target is not None else []
        else:
            targets = listing.named(spec.name)
        ids = [str(tok.get("id")) for tok in targets]
        if targets:
            ensure_can_write(listing)
        revoked: list[str] = []
        if self.module.check_mode:
            revoked = ids
        else:
            for token_id in ids:
                try:
                    if revoke_token(self.client, listing, token_id):
                        revoked.append(token_id)
                except SpeckleError as exc:
                    raise SpeckleError(
                        f"Revoking the token {spec.name!r} (id {token_id}) failed: {exc.msg}",
                        revoked_ids=revoked,
                        changed=bool(revoked),
                    ) from None
        file_removed = self._remove_dest()
        return self._result(None, None, revoked, bool(revoked) or file_removed, before=targets)

    def _remove_dest(self) -> bool:
        dest = self.spec.dest
        if not dest or not os.path.lexists(dest):
            return False
        if not self.module.check_mode:
            try:
                os.unlink(dest)
            except OSError as exc:
                raise SpeckleError(f"Removing dest {dest} failed ({exc.strerror}).") from None
        return True

    # result

    def _result(
        self,
        metadata: dict[str, t.Any] | None,
        secret: str | None,
        revoked: list[str],
        changed: bool,
        *,
        before: list[dict[str, t.Any]],
        after: dict[str, t.Any] | None = None,
    ) -> dict[str, t.Any]:
        meta = metadata or {}
        result: dict[str, t.Any] = {
            "changed": changed,
            "token": secret,
            "token_id": meta.get("id"),
            "name": self.spec.name,
            "scopes": meta.get("scopes"),
            "last_chars": meta.get("last_chars"),
            "created_at": meta.get("created_at"),
            "expires_at": meta.get("expires_at"),
            "expired": meta.get("expired"),
            "lifespan": meta.get("lifespan"),
            "last_used": meta.get("last_used"),
            "revoked_ids": list(revoked),
        }
        if getattr(self.module.ansible, "_diff", False):
            before_meta = [token_metadata(tok, self.now) for tok in before]
            if after is not None:
                after_meta = [after]
            elif metadata is not None:
                after_meta = before_meta
            else:
                after_meta = []
            result["diff"] = {"before": {"tokens": before_meta}, "after": {"tokens": after_meta}}
        return result


def validate_token_options(module: SpeckleModule) -> None:
    """The ``validate`` hook of ``speckle_token``: option errors before any request."""
    parse_token_spec(module.params)


def manage_token(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    """The ``speckle_token`` action."""
    return TokenTask(module, client).run()


# --------------------------------------------------------------------------------------------------
# speckle_token_info


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


# --------------------------------------------------------------------------------------------------
# helpers


def _carried_lifespan(old: list[dict[str, t.Any]]) -> int | None:
    """A replacement keeps the newest old token's lifespan (in seconds) when the task does not set one."""
    if not old:
        return None
    newest = max(old, key=lambda tok: str(tok.get("createdAt") or ""))
    millis = lifespan_ms(newest.get("lifespan"))
    if millis is None or millis < 1000 or millis > MAX_LIFESPAN_MS or millis == DEFAULT_LIFESPAN_MS:
        return None
    return millis // 1000


def _format_ms(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "unknown"
    if milliseconds == DEFAULT_LIFESPAN_MS:
        return "the server default (about 100 years)"
    if milliseconds % 1000:
        return f"{milliseconds} ms"
    return format_duration(milliseconds // 1000)


def _unique(items: t.Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def _join(items: t.Iterable[str]) -> str:
    return ", ".join(items)
