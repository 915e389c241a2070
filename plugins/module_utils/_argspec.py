# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A mergeable argument spec, and the connection options every module shares.

Modules build their own spec and merge the shared one into it, so the connection options, their
environment fallbacks and their constraints are declared once (and mirrored once, in the
``speckle.server.connection`` doc fragment).
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.basic import env_fallback


class ArgumentSpec:
    """Options plus the cross-option constraints that AnsibleModule takes as keyword arguments."""

    def __init__(
        self,
        options: dict[str, dict[str, t.Any]] | None = None,
        *,
        mutually_exclusive: list[list[str]] | None = None,
        required_together: list[list[str]] | None = None,
        required_if: list[t.Any] | None = None,
    ) -> None:
        self.options: dict[str, dict[str, t.Any]] = dict(options or {})
        self.mutually_exclusive: list[list[str]] = list(mutually_exclusive or [])
        self.required_together: list[list[str]] = list(required_together or [])
        self.required_if: list[t.Any] = list(required_if or [])

    def merge(self, other: ArgumentSpec) -> ArgumentSpec:
        """Return a new spec holding both; ``other`` wins on a name clash."""
        return ArgumentSpec(
            {**self.options, **other.options},
            mutually_exclusive=self.mutually_exclusive + other.mutually_exclusive,
            required_together=self.required_together + other.required_together,
            required_if=self.required_if + other.required_if,
        )

    def to_kwargs(self) -> dict[str, t.Any]:
        return {
            "argument_spec": self.options,
            "mutually_exclusive": self.mutually_exclusive,
            "required_together": self.required_together,
            "required_if": self.required_if,
        }


CONNECTION_ARGSPEC = ArgumentSpec(
    {
        "server_url": {"type": "str", "required": True, "fallback": (env_fallback, ["SPECKLE_SERVER_URL"])},
        # No argspec fallbacks for credentials: _credentials reads the environment only for what a task leaves unset.
        "token": {"type": "str", "no_log": True},
        "email": {"type": "str"},
        "password": {"type": "str", "no_log": True},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "float", "default": 30.0},
        "retries": {"type": "int", "default": 3},
    },
    mutually_exclusive=[["token", "email"], ["token", "password"]],
)
