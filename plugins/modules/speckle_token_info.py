#!/usr/bin/python
# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: speckle_token_info
short_description: List a Speckle user's personal access tokens (metadata only)
version_added: 0.1.0
description:
  - Lists the authenticated user's personal access tokens, with their scopes, lifespan, expiry and last use, in one
    request. Never returns a secret.
  - The filters are applied together; a token must match all that are set.
  - Listing tokens needs the C(tokens:read) scope. Log in with O(email) and O(password), or use a token that holds
    C(tokens:read).
extends_documentation_fragment:
  - speckle.server.connection
  - speckle.server.attributes.info_module
options:
  name:
    description: Only tokens with exactly this name.
    type: str
  expired:
    description: V(true) for only expired tokens, V(false) for only tokens that still work.
    type: bool
  expiring_within:
    description:
      - Only tokens that expire within this time from now (already expired ones included; add O(expired=false) to
        leave them out). Seconds or a duration string such as V(90d), V(12h), V(30m), V(45s), V(1w) or V(1d12h).
    type: raw
  unused_for:
    description:
      - Only tokens not used for at least this long. A token never used counts from its creation. Seconds or a
        duration string, as for O(expiring_within).
    type: raw
author:
  - speckle.server maintainers (@speckle-server-maintainers)
seealso:
  - module: speckle.server.speckle_token
  - module: speckle.server.speckle_server_info
"""

EXAMPLES = r"""
- name: List every token of the admin
  speckle.server.speckle_token_info:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
  register: all_tokens

- name: Find tokens that expire within two weeks
  speckle.server.speckle_token_info:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    expiring_within: 14d
    expired: false
  register: expiring

- name: Find tokens unused for 90 days
  speckle.server.speckle_token_info:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    unused_for: 90d
  register: unused

- name: Revoke them
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: "{{ item.name }}"
    token_id: "{{ item.id }}"
    state: absent
  loop: "{{ unused.tokens }}"
  loop_control:
    label: "{{ item.name }} ({{ item.id }})"
"""

RETURN = r"""
tokens:
  description: The tokens that match every filter, in the server's order. Never a secret.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Token id (its first 10 characters)., type: str, returned: always, sample: 6cd173ead3}
    name: {description: Token name., type: str, returned: always, sample: ci-deploy}
    scopes: {description: Scopes the token holds., type: list, elements: str, returned: always}
    last_chars: {description: Last 6 characters of the token., type: str, returned: always}
    created_at: {description: Creation time (ISO 8601)., type: str, returned: always}
    lifespan: {description: Lifespan in seconds., type: int, returned: always, sample: 7776000}
    expires_at: {description: Expiry time (ISO 8601); null when beyond year 9999., type: str, returned: always}
    expired: {description: Whether the token has expired., type: bool, returned: always}
    last_used: {description: Last use (ISO 8601)., type: str, returned: always}
user:
  description: The authenticated user. C(email) is null unless the credentials hold C(profile:email).
  returned: always
  type: dict
  contains:
    id: {description: User id., type: str, returned: always}
    name: {description: User name., type: str, returned: always}
    email: {description: Email address., type: str, returned: always}
    role: {description: Server role., type: str, returned: always, sample: server:admin}
"""

from ansible_collections.speckle.server.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule
from ansible_collections.speckle.server.plugins.module_utils._token_info import gather_token_info, validate_info_options

ARGSPEC = ArgumentSpec(
    {
        "name": {"type": "str"},
        "expired": {"type": "bool"},
        "expiring_within": {"type": "raw"},
        "unused_for": {"type": "raw"},
    }
)


def main() -> None:
    SpeckleModule(ARGSPEC).run(gather_token_info, validate=validate_info_options)


if __name__ == "__main__":
    main()
