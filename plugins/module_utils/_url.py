# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Turn what users type as ``server_url`` into the server's base address."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError


def normalize_server_url(raw: str) -> str:
    """Return ``scheme://host[:port][/prefix]`` with no trailing slash and no ``/graphql``.

    Users paste the base URL, the same with a trailing slash, or the GraphQL endpoint itself;
    all three mean the same server. A reverse-proxy prefix such as ``/speckle`` is kept.
    """
    text = (raw or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"server_url {text!r} is not an http(s) URL. Give the server's base address, "
            "for example https://speckle.example.org."
        )
    if parts.username or parts.password:
        raise ConfigurationError(
            "server_url must not contain credentials; use the token or email and password options instead."
        )
    path = parts.path.rstrip("/")
    if path.endswith("/graphql"):
        path = path[: -len("/graphql")]
    return urlunsplit((parts.scheme.lower(), parts.netloc, path.rstrip("/"), "", ""))
