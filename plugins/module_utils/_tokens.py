# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``speckle_token``'s state machine: list the tokens once, decide, then act (or predict, in check mode).

A token's secret is shown once, at creation, and a token cannot be changed in place: a token
that differs from the task, is due for rotation or is missing from ``dest`` is replaced (see
``_token_replace``); an unchanged one is only reported. The pieces live next door: the requests
in ``_token_api``, the options and comparisons in ``_token_spec``, the file in ``_secret_file``.
Runs on this machine for the same token take turns under the lock of ``_run_lock``; runs elsewhere
are settled by ``_token_race`` after a create.
"""

from __future__ import annotations

import os
import typing as t

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._credentials import is_sendable_token
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError, SpeckleError
from ansible_collections.speckle.server.plugins.module_utils._run_lock import held_lock, lock_path, prepare_lock_dir
from ansible_collections.speckle.server.plugins.module_utils._secret_file import (
    apply_file_attributes,
    read_secret,
    validate_file_options,
)
from ansible_collections.speckle.server.plugins.module_utils._token_api import (
    TOKEN_ID_LENGTH,
    TOKEN_LENGTH,
    Listing,
    ensure_can_write,
    fetch_listing,
    joined,
    revoke_token,
    token_authenticates,
)
from ansible_collections.speckle.server.plugins.module_utils._token_facts import token_metadata, utc_now
from ansible_collections.speckle.server.plugins.module_utils._token_replace import Replacer
from ansible_collections.speckle.server.plugins.module_utils._token_spec import (
    differences,
    parse_token_spec,
    rotation_due,
)

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

DUPLICATES_SETTLE = 1.0  # seconds; a run elsewhere revokes within a request or two of its create


class TokenTask:
    """One run of ``speckle_token``: list once, decide, then act (or predict, in check mode)."""

    def __init__(self, module: SpeckleModule, client: GraphQLClient) -> None:
        self.module = module
        self.client = client
        self.spec = parse_token_spec(module.params)
        self.now = utc_now()

    def run(self) -> dict[str, t.Any]:
        # From the listing through the last change, runs on this machine for this token take turns; check mode
        # shares the lock with other check-mode runs but waits for a change, so it never sees one half done.
        spec, client = self.spec, self.client
        path = lock_path(prepare_lock_dir(spec.lock_dir), (client.server_url, spec.name))
        holder = f"Another run managing the token {spec.name!r} on {client.server_url}"
        with held_lock(path, shared=self.module.check_mode, timeout=client.timeout, sleep=client.sleep, holder=holder):
            listing = fetch_listing(client, managing=True)
            if spec.state == "absent":
                return self._absent(listing)
            return self._present(listing)

    # state=present

    def _present(self, listing: Listing) -> dict[str, t.Any]:
        spec = self.spec
        matches = listing.named(spec.name)
        if len(matches) > 1 and spec.recreate != "always":
            # A run on another machine may be between its create and the revoke that follows (of the token it
            # replaces, or of its own when it lost a race): look once more before calling the duplicates an error.
            self.client.sleep(DUPLICATES_SETTLE)
            listing = fetch_listing(self.client, managing=True)
            matches = listing.named(spec.name)
        if len(matches) > 1 and spec.recreate != "always":
            ids = [str(tok.get("id")) for tok in matches]
            raise SpeckleError(
                f"There are {len(matches)} tokens named {spec.name!r} (ids: {joined(ids)}), so the module cannot tell "
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
        # A token due for rotation is replaced whatever recreate says, and its replacement takes the task's
        # values, so a difference is no reason to fail then.
        due = rotation_due(existing, spec.rotate_before, self.now)
        if found and spec.recreate == "never" and not due:
            raise SpeckleError(
                f"The token {spec.name!r} (id {existing.get('id')}) differs from the task: {'; '.join(found)}. A "
                "token cannot be changed in place: set recreate=state_change to replace it with a new token (or "
                "recreate=always to replace it on every run).",
                token_id=existing.get("id"),
            )
        if found or due:
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
        if not secret or len(secret) < TOKEN_LENGTH or not is_sendable_token(secret):
            return False
        # Masked only once it looks like a token: masking short junk would mangle unrelated output.
        self.module.hide(secret)
        if secret[:TOKEN_ID_LENGTH] != existing.get("id"):
            return False
        return token_authenticates(self.client, secret, listing.user.get("id"))

    def _replace(self, listing: Listing, old: list[dict[str, t.Any]]) -> dict[str, t.Any]:
        """Create the new token, persist it, then revoke ``old``: the new secret is never lost."""
        done = Replacer(self.module, self.client, self.spec, self.now).replace(listing, old)
        return self._result(done.metadata, done.secret, done.revoked, True, before=old, after=done.metadata)

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
                        f"Revoking the token {spec.name!r} (id {token_id}) failed: {exc.msg} When the task runs "
                        "again, the tokens already revoked are skipped.",
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
        if self.module.diff_mode:
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
    spec = parse_token_spec(module.params)
    validate_file_options(module.params)
    prepare_lock_dir(spec.lock_dir)


def manage_token(module: SpeckleModule, client: GraphQLClient) -> dict[str, t.Any]:
    """The ``speckle_token`` action."""
    return TokenTask(module, client).run()
