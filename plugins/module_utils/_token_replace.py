# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replacing tokens: create the new one, keep its secret, then revoke the old ones.

A token cannot be changed in place, so every change is "create a new one, then revoke the old
ones". The order matters: the new secret is returned (and written to ``dest``) before anything
old is revoked, so a failure half-way never leaves the user without a working token, and an
unknown create outcome is cleaned up so no orphan whose secret nobody has is left behind. Between
the create and ``dest``, ``_token_race`` checks that no run elsewhere created the token at the same
moment.
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    OutcomeUnknown,
    SpeckleError,
)
from ansible_collections.speckle.server.plugins.module_utils._secret_file import apply_file_attributes, write_secret
from ansible_collections.speckle.server.plugins.module_utils._token_api import (
    DEFAULT_LIFESPAN_MS,
    MAX_LIFESPAN_MS,
    Listing,
    create_token,
    distinct,
    ensure_caller_holds,
    ensure_can_write,
    fetch_listing,
    joined,
    revoke_token,
)
from ansible_collections.speckle.server.plugins.module_utils._token_facts import lifespan_ms
from ansible_collections.speckle.server.plugins.module_utils._token_race import RaceCheck
from ansible_collections.speckle.server.plugins.module_utils._token_spec import (
    TokenSpec,
    new_token_metadata,
    predicted_metadata,
)

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule


@dataclass
class Replacement:
    """The new token's metadata (predicted, in check mode), its secret and the ids revoked (or to be)."""

    metadata: dict[str, t.Any]
    secret: str | None
    revoked: list[str]


class Replacer:
    """Replaces the tokens named in one ``speckle_token`` task with one new token."""

    def __init__(self, module: SpeckleModule, client: GraphQLClient, spec: TokenSpec, now: datetime.datetime) -> None:
        self.module = module
        self.client = client
        self.spec = spec
        self.now = now

    def replace(self, listing: Listing, old: list[dict[str, t.Any]]) -> Replacement:
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
            return Replacement(predicted_metadata(spec.name, scopes, lifespan), None, old_ids)
        known_ids = {tok.get("id") for tok in listing.tokens}
        try:
            secret = create_token(self.client, listing, spec.name, scopes, lifespan, spec.limit_resources)
        except OutcomeUnknown as exc:
            raise self._recover_unknown_create(known_ids, exc) from None
        metadata = new_token_metadata(secret, spec.name, scopes, lifespan, self.now)
        # Before dest or any old token is touched: a run on another machine may have created one at the same moment.
        RaceCheck(self.module, self.client, spec.name, spec.dest).settle(listing, metadata["id"], secret)
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
        return Replacement(metadata, secret, revoked)

    def _carried_scopes(self, old: list[dict[str, t.Any]]) -> list[str]:
        """A replacement keeps the old scopes when the task does not set them."""
        scope_sets = {frozenset(tok.get("scopes") or []) for tok in old}
        if len(scope_sets) != 1:
            raise ConfigurationError(
                f"scopes is required to replace the {len(old)} tokens named {self.spec.name!r}: their scopes differ."
            )
        return distinct(old[0].get("scopes") or [])

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
            after, orphans = self._new_tokens(known_ids)
            if not orphans and exc.pending:
                # The answer timed out, so the server may still be working on the create: give it as long again.
                self.client.sleep(self.client.timeout)
                after, orphans = self._new_tokens(known_ids)
        except SpeckleError as list_exc:
            return SpeckleError(
                f"{prefix} Checking whether the server created it failed as well ({list_exc.msg}), so a token named "
                f"{name!r} whose secret is lost may exist: list the tokens with speckle.server.speckle_token_info and "
                "revoke any you do not know."
            )
        if not orphans and exc.pending:
            return SpeckleError(
                f"{prefix} No new token named {name!r} had appeared {self.client.timeout:g} seconds later, so it was "
                "probably not created; but if the server is still working on the request, it may yet appear, with a "
                "secret nobody has. List the tokens with speckle.server.speckle_token_info, revoke any you do not "
                "know (state=absent with token_id), then run the task again."
            )
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
                f"{prefix} The server had created it after all (id {joined(orphans)}), but its secret was lost, and "
                f"revoking it failed ({'; '.join(failures)}). Revoke it with state=absent and token_id, then run the "
                "task again.",
                revoked_ids=revoked,
                changed=bool(revoked),
            )
        return SpeckleError(
            f"{prefix} The server had created it after all (id {joined(orphans)}), but its secret was lost, so it was "
            "revoked again. Run the task again.",
            revoked_ids=revoked,
        )

    def _new_tokens(self, known_ids: set[t.Any]) -> tuple[Listing, list[str]]:
        """A new listing, and the ids of the tokens with this name that were not there before the create."""
        after = fetch_listing(self.client, managing=True)
        return after, [str(tok.get("id")) for tok in after.named(self.spec.name) if tok.get("id") not in known_ids]


def _carried_lifespan(old: list[dict[str, t.Any]]) -> int | None:
    """A replacement keeps the newest old token's lifespan (in seconds) when the task does not set one."""
    if not old:
        return None
    newest = max(old, key=lambda tok: str(tok.get("createdAt") or ""))
    millis = lifespan_ms(newest.get("lifespan"))
    if millis is None or millis < 1000 or millis > MAX_LIFESPAN_MS or millis == DEFAULT_LIFESPAN_MS:
        return None
    return millis // 1000
