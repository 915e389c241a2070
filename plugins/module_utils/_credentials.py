# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which credentials a task uses, and each value as it is sent, checked before anything is sent.

Ansible's argspec fallbacks would read SPECKLE_TOKEN, SPECKLE_EMAIL and SPECKLE_PASSWORD even when a task
sets its own credentials, and then reject the mix as mutually exclusive. That breaks the session pattern
in CI, where SPECKLE_EMAIL and SPECKLE_PASSWORD are exported for the one login and every other task passes
the session's ``token``. So the environment is read here, and only to fill what the task left unset.

Values often come from files and environment variables, so a trailing newline is common (``slurp`` +
``b64decode`` of a ``dest`` file ends in one). Sent as it is, a token with a line break breaks the HTTP
header, and the library's error quotes the whole header, escaped, where no_log masking cannot find it.
So each value is trimmed the way the server's login form trims it, and anything still odd is refused
with a message that names the option or variable and never quotes the value.
"""

from __future__ import annotations

import os
import re
import typing as t
import unicodedata
from dataclasses import dataclass

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

TOKEN_ENV = "SPECKLE_TOKEN"
EMAIL_ENV = "SPECKLE_EMAIL"
PASSWORD_ENV = "SPECKLE_PASSWORD"

# "Bearer <token>" as pasted from a curl command or an HTTP header. A token never holds whitespace, so a leading
# "Bearer" followed by whitespace cannot be part of one, and dropping it is never a guess. Sent as it is, the server
# would see "Bearer Bearer <token>" and refuse it, and the caller's own token could not be recognised by its id.
_BEARER_PREFIX = re.compile(r"bearer\s+", re.IGNORECASE)


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
    A value that is empty once trimmed counts as not set.
    """
    env = _Environment(os.environ if environ is None else environ)
    token = clean_token(params.get("token"), "token")
    if token:
        return Credentials(token=token)
    email = clean_email(params.get("email"), "email")
    password = clean_password(params.get("password"), "password")
    if email or password:
        return _login(email or env.email(), password or env.password())
    token = env.token()
    if token:
        return Credentials(token=token)
    email, password = env.email(), env.password()
    if email or password:
        return _login(email, password)
    return Credentials()


def login_credentials(params: dict[str, t.Any], environ: t.Mapping[str, str] | None = None) -> Credentials:
    """``email`` and ``password`` for a login, from the task or the environment; a token does not count."""
    env = _Environment(os.environ if environ is None else environ)
    email = clean_email(params.get("email"), "email")
    password = clean_password(params.get("password"), "password")
    return _login(email or env.email(), password or env.password())


def _login(email: str | None, password: str | None) -> Credentials:
    if not email or not password:
        missing = "password (or SPECKLE_PASSWORD)" if email else "email (or SPECKLE_EMAIL)"
        raise ConfigurationError(f"Logging in needs both email and password; {missing} is not set.")
    return Credentials(email=email, password=password)


class _Environment:
    """The SPECKLE_* variables, each checked only when it is read: a variable the task overrides may be anything."""

    def __init__(self, environ: t.Mapping[str, str]) -> None:
        self.environ = environ

    def token(self) -> str | None:
        return clean_token(self.environ.get(TOKEN_ENV), TOKEN_ENV)

    def email(self) -> str | None:
        return clean_email(self.environ.get(EMAIL_ENV), EMAIL_ENV)

    def password(self) -> str | None:
        return clean_password(self.environ.get(PASSWORD_ENV), PASSWORD_ENV)


def clean_token(value: str | None, source: str = "token") -> str | None:
    """The token without surrounding whitespace or a ``Bearer`` prefix; only visible ASCII may remain.

    ``source`` names where the value came from (the option or the variable) in the message.
    """
    if value is None:
        return None
    token = value.strip()
    offset = len(value) - len(value.lstrip())
    prefix = _BEARER_PREFIX.match(token)
    if prefix:
        token = token[prefix.end() :]
        offset += prefix.end()
    bad = _first(token, lambda char: not is_token_character(char))
    if bad is not None:
        raise ConfigurationError(
            f"{source} contains {_kind(token[bad])} at character {offset + bad + 1}, and a Speckle token never does. "
            "Whitespace around the token and a leading 'Bearer ' are removed, nothing inside it; check where the "
            "value comes from. The value is not shown."
        )
    return token or None


def clean_email(value: str | None, source: str = "email") -> str | None:
    """The email without surrounding whitespace, as an HTML email field sends it."""
    if value is None:
        return None
    email = value.strip()
    bad = _first(email, lambda char: char.isspace() or unicodedata.category(char) == "Cc")
    if bad is not None:
        offset = len(value) - len(value.lstrip())
        raise ConfigurationError(
            f"{source} contains {_kind(email[bad])} at character {offset + bad + 1}, and an email address never "
            "does. Whitespace around it is removed, as the login form does; check the value."
        )
    return email or None


def clean_password(value: str | None, source: str = "password") -> str | None:
    """The password without surrounding line breaks; spaces are kept.

    The server's login form is an HTML password field, which drops line breaks and keeps spaces: a
    space or tab at either end may be part of a real password, a line break cannot be. So only line
    breaks are trimmed (the newline at the end of a file), and a line break or other control
    character inside the password is refused rather than guessed at.
    """
    if value is None:
        return None
    password = value.strip("\r\n")
    bad = _first(password, lambda char: char != "\t" and unicodedata.category(char) == "Cc")
    if bad is not None:
        offset = len(value) - len(value.lstrip("\r\n"))
        raise ConfigurationError(
            f"{source} contains {_kind(password[bad])} at character {offset + bad + 1}. Line breaks around the "
            "password are removed and spaces are kept, as the login form does; a line break or control character "
            "inside it is refused, since the form cannot send one. The value is not shown."
        )
    return password or None


def is_token_character(char: str) -> bool:
    """Visible ASCII: what an HTTP header carries unchanged, and all a Speckle token is made of."""
    return "!" <= char <= "~"


def is_sendable_token(value: str) -> bool:
    """True when ``value`` can go into an Authorization header as it is."""
    return bool(value) and all(is_token_character(char) for char in value)


def _first(text: str, bad: t.Callable[[str], bool]) -> int | None:
    return next((index for index, char in enumerate(text) if bad(char)), None)


def _kind(char: str) -> str:
    """What the character is, in words: the message must not show it (or what is around it)."""
    if char in "\r\n":
        return "a line break"
    if char == "\0":
        return "a NUL character"
    if char.isspace():
        return "whitespace"
    if unicodedata.category(char) == "Cc":
        return "a control character"
    return "a non-ASCII character"
