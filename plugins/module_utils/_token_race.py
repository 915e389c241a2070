# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs on different machines that create the same token at the same moment: which token stays.

The server keeps no name unique, and runs on different machines cannot share a lock, so two runs
that list before either creates both create. After its create a run lists once more; the tokens of
the name that appeared since its own listing (the rivals, plus its own) are decided by one rule
every run applies alike: the oldest ``createdAt`` stays, then the smallest id. Each run whose token
lost revokes that token itself: only it could know the secret is not needed, and only the run that
created a token holds its secret. Tokens that were there before its listing are not rivals: those are
the tokens the run replaces, and they are revoked as usual once the run's own token has stayed.
"""

from __future__ import annotations

import datetime
import typing as t
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._errors import SpeckleError
from ansible_collections.speckle.server.plugins.module_utils._token_api import Listing, fetch_listing, revoke_token
from ansible_collections.speckle.server.plugins.module_utils._token_facts import parse_timestamp

if t.TYPE_CHECKING:
    from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

LATEST = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
SHARED_TOKEN_ADVICE = (
    "For a token that many hosts share, run the task once (run_once, then copy the secret to the hosts) or one "
    "host at a time (throttle: 1)."
)


def stays(tokens: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """The token that stays: the oldest ``createdAt``, then the smallest id (one without a time comes last)."""

    def age(token: dict[str, t.Any]) -> tuple[datetime.datetime, str]:
        return parse_timestamp(token.get("createdAt")) or LATEST, str(token.get("id"))

    return min(tokens, key=age)


@dataclass
class RaceCheck:
    """After this run created ``own_id``: list again, and give way when another run's token came first."""

    module: SpeckleModule
    client: GraphQLClient
    name: str
    dest: str | None

    def settle(self, before: Listing, own_id: str, secret: str) -> None:
        """Return when this run's token stays; else revoke it and raise the error that says so."""
        known = {tok.get("id") for tok in before.tokens}
        try:
            after = fetch_listing(self.client, managing=True)
        except SpeckleError as exc:
            self.module.warn(
                f"The new token {self.name!r} (id {own_id}) was created, but listing the tokens again, to check that "
                f"no other run created one at the same moment, failed: {exc.msg} If another run did, there are now "
                f"several tokens named {self.name!r}: list them with speckle.server.speckle_token_info and revoke "
                "the ones nobody uses."
            )
            return
        own = after.by_id(own_id)
        if own is None:
            raise SpeckleError(
                f"The new token {self.name!r} (id {own_id}) was gone right after this run created it: another run "
                f"revoked it at the same moment (it replaced the token, or revoked it with state=absent). "
                f"{self._nothing_else()} Run the task again. {SHARED_TOKEN_ADVICE}"
            )
        rivals = [tok for tok in after.named(self.name) if tok.get("id") not in known and tok is not own]
        if not rivals:
            return
        winner = stays([own, *rivals])
        if winner is own:
            return
        raise self._give_way(after, own_id, secret, str(winner.get("id")))

    def _give_way(self, after: Listing, own_id: str, secret: str, winner_id: str) -> SpeckleError:
        """Revoke this run's own new token; if that fails, hand its secret back rather than lose it."""
        lead = (
            f"Another run created a token named {self.name!r} at the same moment as this run, and its token (id "
            f"{winner_id}) was created first, so that one stays and the other run holds its secret."
        )
        try:
            revoke_token(self.client, after, own_id)
        except SpeckleError as exc:
            return SpeckleError(
                f"{lead} Revoking this run's own new token (id {own_id}) failed ({exc.msg}), so it is left beside the "
                f"token that stays. Its secret is in this result's token: revoke it with state=absent and "
                f"token_id {own_id}. {SHARED_TOKEN_ADVICE}",
                token=secret,
                token_id=own_id,
                changed=True,
            )
        return SpeckleError(
            f"{lead} This run revoked its own new token (id {own_id}). {self._nothing_else()} {SHARED_TOKEN_ADVICE}",
            revoked_ids=[own_id],
        )

    def _nothing_else(self) -> str:
        if self.dest:
            return f"This run changed nothing else, and left {self.dest} as it was."
        return "This run changed nothing else."
