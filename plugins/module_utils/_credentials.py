# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which credentials a task uses: its own options first, the environment only when it sets none.

Ansible's argspec fallbacks would read SPECKLE_TOKEN, SPECKLE_EMAIL and SPECKLE_PASSWORD even when a task
sets its own credentials, and then reject the mix as mutually exclusive. That breaks the session pattern
in CI, where SPECKLE_EMAIL and SPECKLE_PASSWORD are exported for the one login and every other task passes
the session's ``token``. So the environment is read here, and only to fill what the task left unset.
"""

from __future__ import annotations

import os
import typing as t
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

TOKEN_ENV = "SPECKLE_TOKEN"
EMAIL_ENV = "SPECKLE_EMAIL"
PASSWORD_ENV = "SPECKLE_PASSWORD"


@dataclass(frozen=True)
class Credentials:
    """A token, or an email and password for the local login, or nothing (public queries)."""

    token: str | None = None
    email: str | None = None
    password: str | None = None

    @property
    def logs_in(self) -> bool:
        return self.email is not None


def resolve_credentials(params: dict[str, t.Any], environ: t.Mapping[str, str] | None = None) -> Credentials:
    """The task's ``token`` or ``email``/``password``; else SPECKLE_TOKEN; else SPECKLE_EMAIL/SPECKLE_PASSWORD.

    An email or password set on the task takes its partner from the environment when the task leaves it out.
    """
    env = os.environ if environ is None else environ
    if params.get("token"):
        return Credentials(token=params["token"])
    if params.get("email") or params.get("password"):
        return _login(params.get("email") or env.get(EMAIL_ENV), params.get("password") or env.get(PASSWORD_ENV))
    if env.get(TOKEN_ENV):
        return Credentials(token=env[TOKEN_ENV])
    if env.get(EMAIL_ENV) or env.get(PASSWORD_ENV):
        return _login(env.get(EMAIL_ENV), env.get(PASSWORD_ENV))
    return Credentials()


def login_credentials(params: dict[str, t.Any], environ: t.Mapping[str, str] | None = None) -> Credentials:
    """``email`` and ``password`` for a login, from the task or the environment; a token does not count."""
    env = os.environ if environ is None else environ
    return _login(params.get("email") or env.get(EMAIL_ENV), params.get("password") or env.get(PASSWORD_ENV))


def _login(email: str | None, password: str | None) -> Credentials:
    if not email or not password:
        missing = "password (or SPECKLE_PASSWORD)" if email else "email (or SPECKLE_EMAIL)"
        raise ConfigurationError(f"Logging in needs both email and password; {missing} is not set.")
    return Credentials(email=email, password=password)
