#!/usr/bin/python
# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: speckle_session
short_description: Log in to a Speckle server once per play, and log out again
version_added: 0.1.0
description:
  - V(present) logs in with O(email) and O(password) through the server's local login flow and returns the session's
    RV(token) and RV(refresh_token). Pass RV(token) as O(token) to every other task of the play, so the play logs in
    once instead of once per task.
  - V(absent) logs that session out, so its token stops working. Put it in the C(always) section of the block that
    uses the session. A session that is already logged out is left alone (not changed, not an error).
  - V(absent) first asks the server whether the session is still logged in. If that question gets no usable answer
    (an HTTP 500, an HTML page, or retries used up), it logs out anyway, since logging out a dead session is harmless.
  - A Speckle server allows only 4 logins per 10 minutes, then 10 more per 30 minutes, from one client address (its
    default C(RATELIMIT_*) settings). A task given O(email) and O(password) logs in and out by
    itself, so a play with more than about a dozen such tasks is refused for minutes. With a session, the whole play
    spends one login.
  - A session token holds every scope, C(tokens:write) included, so it can manage personal access tokens with
    M(speckle.server.speckle_token).
  - Put C(no_log) on the task. The module hides the tokens it returns from its own output, but the registered result
    holds them, and C(no_log) keeps C(-vvv) output and callbacks from showing it.
  - Refreshing a session is not offered. On the server, the refresh grant issues a second token and leaves the
    first one working (refresh tokens are neither rotated nor consumed), so it would add a session to log out rather
    than renew one. A session token lives as long as a login token (about 100 years) until it is logged out, so a play
    never needs to renew it.
extends_documentation_fragment:
  - speckle.server.connection
attributes:
  check_mode:
    support: partial
    description: Can run in check mode, and logs in and out there too.
    details:
      - The login and the logout run in check mode too. The session is the play's own credential, not state that the
        play manages. The other tasks of a check run need it to read the server, and a check run must not leave a
        session alive behind it.
      - With O(state=absent), RV(ignore:changed) says whether the session was still logged in. It is also true when the
        server could not say, and the module logged out anyway.
  diff_mode:
    support: partial
    description: Shows whether the session was logged in.
    details:
      - O(state=absent) shows whether the session was logged in before and after, with C(logged_in) null before when
        the server could not say. Never a secret.
      - O(state=present) shows no diff, since a login is not reported as a change.
options:
  state:
    description:
      - V(present) logs in and returns a new session. It needs O(email) and O(password) (or E(SPECKLE_EMAIL) and
        E(SPECKLE_PASSWORD)), and is reported as not changed.
      - V(absent) logs out the session given by O(token) and O(refresh_token). It is changed when the session was
        still logged in, or when the server could not say whether it was.
    type: str
    choices: [present, absent]
    default: present
  refresh_token:
    description:
      - The session's refresh token, RV(refresh_token) of the V(present) task. Required with O(state=absent).
    type: str
author:
  - speckle.server maintainers (@speckle-server-maintainers)
seealso:
  - module: speckle.server.speckle_token
  - module: speckle.server.speckle_token_info
  - module: speckle.server.speckle_server_info
notes:
  - One login costs two HTTP requests (C(/auth/local/login) and C(/auth/token)) and one GraphQL query for the user.
    A logout costs one query (is the session still logged in?) and one C(/auth/logout) request.
  - If a login is refused with HTTP 429 for longer than a module waits (30 seconds), the task fails at once and says
    until when the server refuses logins.
"""

EXAMPLES = r"""
- name: Provision CI tokens with one login
  hosts: localhost
  gather_facts: false
  vars:
    speckle_url: https://speckle.example.org
  tasks:
    - name: Log in once
      speckle.server.speckle_session:
        server_url: "{{ speckle_url }}"
        email: "{{ speckle_admin_email }}"
        password: "{{ speckle_admin_password }}"
      register: speckle_login
      no_log: true

    - name: Use the session, and always log out
      module_defaults:
        group/speckle.server.speckle:
          server_url: "{{ speckle_url }}"
          token: "{{ speckle_login.token }}"
      block:
        - name: Provision a token for each pipeline
          speckle.server.speckle_token:
            name: "ci-{{ item }}"
            scopes: [streams:read, streams:write]
            lifespan: 90d
            rotate_before: 14d
            dest: "/etc/speckle/ci-{{ item }}.token"
          loop: [build, deploy, report]
          no_log: true

        - name: Audit the tokens
          speckle.server.speckle_token_info: {}
          register: tokens
      always:
        - name: Log out
          speckle.server.speckle_session:
            state: absent
            refresh_token: "{{ speckle_login.refresh_token }}"
          no_log: true

- name: Log in with SPECKLE_SERVER_URL, SPECKLE_EMAIL and SPECKLE_PASSWORD from the environment
  speckle.server.speckle_session: {}
  register: speckle_login
  no_log: true
"""

RETURN = r"""
token:
  description:
    - The session token, with every scope. Pass it as O(token) to the other tasks.
    - It works until it is logged out. Log it out with O(state=absent).
  returned: when O(state=present)
  type: str
refresh_token:
  description: The session's refresh token, needed to log the session out.
  returned: when O(state=present)
  type: str
user:
  description:
    - The session's user.
    - Null when O(state=absent) found the session already logged out, or could not ask the server whose it was.
  returned: always
  type: dict
  contains:
    id: {description: User id., type: str, returned: always, sample: 94e79e7177}
    name: {description: User name., type: str, returned: always, sample: Local Admin}
    email: {description: Email address., type: str, returned: always, sample: admin@example.org}
    role: {description: Server role., type: str, returned: always, sample: server:admin}
server_url:
  description: The server's base address, as the module normalized O(server_url).
  returned: when O(state=present)
  type: str
  sample: https://speckle.example.org
logged_out:
  description: The session is logged out now (it was, or the module logged it out).
  returned: when O(state=absent)
  type: bool
  sample: true
"""

from ansible_collections.speckle.server.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule
from ansible_collections.speckle.server.plugins.module_utils._session import manage_session, validate_session_options

ARGSPEC = ArgumentSpec(
    {
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "refresh_token": {"type": "str", "no_log": True},
    }
)


def main() -> None:
    SpeckleModule(ARGSPEC).run(manage_session, validate=validate_session_options, log_in=False)


if __name__ == "__main__":
    main()
