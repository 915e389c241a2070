# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Turn what users type as ``server_url`` into the server's base address, or say what is wrong with it.

A malformed address must end in a ``ConfigurationError`` here, before ``urlsplit`` or ``requests``
raise errors of their own (a traceback, or a message quoting the whole URL). Messages may show the
URL, but never a user name or password in it, nor its query or fragment, where tokens sometimes travel.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

_EXAMPLE = "Give the server's base address, for example https://speckle.example.org."
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_ASCII_LABEL = re.compile(r"[A-Za-z0-9_-]{1,63}\Z")
_SHOWN_LENGTH = 200


def normalize_server_url(raw: str) -> str:
    """Return ``scheme://host[:port][/prefix]`` with no trailing slash and no ``/graphql``.

    Users paste the base URL, the same with a trailing slash, or the GraphQL endpoint itself;
    all three mean the same server. A reverse-proxy prefix such as ``/speckle`` is kept.
    """
    text = (raw or "").strip()
    if "@" in _authority(text):
        raise _credentials_error()
    shown = _shown(text)
    if any(char.isspace() or not char.isprintable() for char in text):
        raise _invalid(shown, "it contains whitespace or a control character")
    problem = _bracket_problem(_authority(text))
    if problem:
        raise _invalid(shown, problem)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise _invalid(shown, "it cannot be read as a URL") from None
    if parts.username is not None or parts.password is not None:
        raise _credentials_error()
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"server_url {shown!r} is not an http(s) URL. {_EXAMPLE}")
    problem = _port_problem(parts) or _host_problem(parts.hostname)
    if problem:
        raise _invalid(shown, problem)
    path = parts.path.rstrip("/")
    if path.endswith("/graphql"):
        path = path[: -len("/graphql")]
    return urlunsplit((parts.scheme.lower(), parts.netloc, path.rstrip("/"), "", ""))


def _authority(text: str) -> str:
    """The ``user:password@host:port`` part, found without a URL parser (which may fail on the rest)."""
    rest = _SCHEME.sub("", text, count=1).lstrip("/\\")
    return re.split(r"[/?#\\]", rest, maxsplit=1)[0]


def _shown(text: str) -> str:
    """The URL as a message may show it: no query or fragment, at most 200 characters."""
    shown = re.split(r"[?#]", text, maxsplit=1)[0]
    return shown if len(shown) <= _SHOWN_LENGTH else shown[: _SHOWN_LENGTH - 3] + "..."


def _bracket_problem(authority: str) -> str | None:
    if "[" not in authority and "]" not in authority:
        return None
    literal = re.match(r"\[([^\[\]]*)\](?::[^:\[\]]*)?\Z", authority)
    if not literal:
        return "an IPv6 address must be written whole in [ and ], as in http://[::1]:3000"
    try:
        ipaddress.IPv6Address(literal.group(1))
    except ValueError:
        return "the host in [ and ] is not an IPv6 address"
    return None


def _port_problem(parts: SplitResult) -> str | None:
    try:
        port = parts.port
    except ValueError:
        port = 0
    return "the port must be a number from 1 to 65535" if port == 0 else None


def _host_problem(host: str) -> str | None:
    if ":" in host:  # an IPv6 literal, checked already
        return None
    labels = (host[:-1] if host.endswith(".") else host).split(".")
    for label in labels:
        if label.isascii():
            valid = bool(_ASCII_LABEL.match(label))
        else:
            try:
                label.encode("idna")
            except UnicodeError:
                valid = False
            else:
                valid = True
        if not valid:
            return f"{host!r} is not a valid host name"
    return None


def _invalid(shown: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"server_url {shown!r} is not a valid URL: {problem}. {_EXAMPLE}")


def _credentials_error() -> ConfigurationError:
    return ConfigurationError(
        "server_url must not contain credentials (they are not shown); use the token or email and password options "
        "instead."
    )
