# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Mirrors CONNECTION_ARGSPEC in plugins/module_utils/_argspec.py; a unit test keeps them equal.
    DOCUMENTATION = r"""
options:
  server_url:
    description:
      - Base URL of the Speckle server, for example V(https://speckle.example.org).
      - A trailing slash or a trailing C(/graphql) is accepted and ignored.
      - A path prefix behind a reverse proxy is kept.
      - If not set, the value of the E(SPECKLE_SERVER_URL) environment variable is used.
    type: str
    required: true
  token:
    description:
      - "A Speckle API token (personal access token or login token), sent as C(Authorization: Bearer ...)."
      - Optional for public facts (server info, version, apps).
      - Managing tokens needs the C(tokens:write) scope, which a personal access token can never hold on current
        servers; use O(email) and O(password) for that instead.
      - If not set, the value of the E(SPECKLE_TOKEN) environment variable is used.
      - Mutually exclusive with O(email) and O(password).
    type: str
  email:
    description:
      - Email of a local (email and password) account. With O(password), the module logs in through the server's
        local login flow, works with the short-lived session token, and always logs out at the end, on failure too.
      - The login and the logout are retried like queries (see O(retries)). If the logout keeps failing and the
        session token still works, the module warns that it stays valid until it expires.
      - If not set, the value of the E(SPECKLE_EMAIL) environment variable is used.
    type: str
  password:
    description:
      - Password for O(email).
      - If not set, the value of the E(SPECKLE_PASSWORD) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for testing.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a CA bundle (PEM) to verify the server's certificate with, instead of the system store.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
    type: float
    default: 30
  retries:
    description:
      - How often a query is retried after a connection failure, HTTP 429 (honouring C(Retry-After)) or HTTP
        502, 503 or 504, with exponential backoff and jitter.
      - A creation is retried only when the server cannot have run it (the connection was never made, or HTTP 429).
        A revocation is retried like a query, since repeating it is harmless; a repeat that finds the token gone counts
        as revoked.
    type: int
    default: 3
requirements:
  - requests
notes:
  - Nothing is sent anywhere but O(server_url). TLS certificates are verified by default.
  - Secrets (O(token), O(password), session tokens and created tokens) never appear in messages, warnings or logs.
"""
