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
      - Only C(http) and C(https) are accepted, with a port from 1 to 65535; a malformed address fails before
        anything is sent. A user name or password in the URL (C(user:password@)) is refused and never shown.
      - If not set, the value of the E(SPECKLE_SERVER_URL) environment variable is used.
    type: str
    required: true
  token:
    description:
      - "A Speckle API token (personal access token, login token, or the token of a M(speckle.server.speckle_session)
        login), sent as C(Authorization: Bearer ...)."
      - Optional for public facts (server info, version, apps).
      - Whitespace around the token is removed (such as the newline at the end of a file read with
        C(ansible.builtin.slurp)), and so is a leading C(Bearer ) copied from an HTTP header. A token that still
        holds whitespace, a control character or a non-ASCII character is refused before anything is sent; the
        message names O(token) or E(SPECKLE_TOKEN) and never shows the value.
      - Managing tokens needs the C(tokens:write) scope, which a personal access token can never hold on current
        servers. Use a session's token for that (log in once per play with M(speckle.server.speckle_session)), or
        O(email) and O(password).
      - If none of O(token), O(email) and O(password) is set, the value of the E(SPECKLE_TOKEN) environment variable is
        used. So a task that sets O(token) ignores E(SPECKLE_EMAIL) and E(SPECKLE_PASSWORD), which a CI job may export
        for its one login.
      - Mutually exclusive with O(email) and O(password).
    type: str
  email:
    description:
      - Email of a local (email and password) account. With O(password), the module logs in through the server's
        local login flow, works with the short-lived session token, and always logs out at the end, on failure too.
      - Each such task spends one login, and the server allows only 4 logins per 10 minutes, then 10 more per 30
        minutes, by default. For more than a few tasks, log in once with M(speckle.server.speckle_session) and pass
        its token instead. A login refused for longer than 30 seconds fails at once, saying until when.
      - The login and the logout are retried like queries (see O(retries)). If the logout keeps failing and the
        session token still works, the module warns that it stays valid until it expires.
      - If neither O(token) nor O(email) is set, the value of the E(SPECKLE_EMAIL) environment variable is used (when
        E(SPECKLE_TOKEN) is not set).
      - Whitespace around the email is removed, as the server's login form (an HTML email field) does. An email with
        whitespace or a control character inside is refused before the login.
    type: str
  password:
    description:
      - Password for O(email).
      - Line breaks around the password are removed (such as the newline at the end of a file). Spaces and tabs are
        kept, at either end too, because they can be part of a real password. The server's login form does the same (it
        is an HTML password field, which drops line breaks and keeps spaces). A password with a line break or
        another control character inside is refused before the login, since the login form cannot send one.
      - If not set, the value of the E(SPECKLE_PASSWORD) environment variable is used, unless O(token) is set.
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
      - A server's C(Retry-After) is honoured up to 30 seconds. A 429 that asks for a longer wait fails at once, since
        more retries cannot help; the message says until when the server refuses.
    type: int
    default: 3
requirements:
  - requests
notes:
  - Nothing is sent anywhere but O(server_url). TLS certificates are verified by default.
  - Secrets (O(token), O(password), session tokens and created tokens) never appear in messages, warnings or logs.
  - Ansible itself shows the values a task sets with the C(environment) keyword in C(-vvv) output (in the module's
    command line), with C(no_log) too. Pass secrets as O(token) or O(password), which are C(no_log), or (for tasks
    that run on the controller) export E(SPECKLE_TOKEN) or E(SPECKLE_PASSWORD) before C(ansible-playbook) starts,
    not through C(environment).
"""
