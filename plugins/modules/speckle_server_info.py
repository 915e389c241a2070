#!/usr/bin/python
# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: speckle_server_info
short_description: Gather facts about a Speckle server in one request
version_added: 0.1.0
description:
  - Gathers server information (scopes, auth strategies, roles, configuration), the version (raw and parsed),
    registered apps, the authenticated user and that user's token metadata.
  - Every requested subset is fetched in a single HTTP request, one composed GraphQL document.
  - On an older server that lacks some fields, the module drops them, retries once and warns which facts are
    missing; it does not fail for that.
extends_documentation_fragment:
  - speckle.server.connection
  - speckle.server.attributes.info_module
options:
  gather_subset:
    description:
      - Which facts to gather.
      - V(all) means every subset the credentials can read. Without a token that is V(server), V(version) and
        V(apps); with one, also V(user) and V(tokens) as far as the token's scopes allow. Subsets it cannot read
        are listed in RV(skipped_subsets).
      - A subset named explicitly that cannot be read fails, naming the scope it needs (V(user) needs
        C(profile:read), V(tokens) needs C(tokens:read)).
    type: list
    elements: str
    choices: [all, server, version, apps, user, tokens]
    default: [all]
  min_version:
    description:
      - Fail unless the server runs at least this release, for example V(2.23.0).
      - A server built from source reports V(dev); it passes, with a warning.
    type: str
  wait_timeout:
    description:
      - Seconds to keep trying while the server is not answering yet (connection refused, HTTP 5xx or 429), for
        deployments that start the server just before. V(0) tries once (plus the usual O(retries)).
      - The time spent is returned in RV(elapsed).
    type: float
    default: 0
author:
  - speckle.server maintainers (@speckle-server-maintainers)
seealso:
  - module: speckle.server.speckle_token_info
  - module: speckle.server.speckle_token
"""

EXAMPLES = r"""
- name: Gather every fact the token can read
  speckle.server.speckle_server_info:
    server_url: https://speckle.example.org
    token: "{{ speckle_token }}"
  register: speckle

- name: Show the version
  ansible.builtin.debug:
    msg: "Speckle {{ speckle.version.raw }} (major {{ speckle.version.major }})"

- name: Public facts only, no token needed
  speckle.server.speckle_server_info:
    server_url: https://speckle.example.org
    gather_subset: [server, version]

- name: Wait up to two minutes for a freshly deployed server, and require a release
  speckle.server.speckle_server_info:
    server_url: "{{ speckle_url }}"
    gather_subset: version
    min_version: 2.23.0
    wait_timeout: 120

- name: Use module defaults for the whole play
  hosts: localhost
  module_defaults:
    group/speckle.server.speckle:
      server_url: https://speckle.example.org
      token: "{{ lookup('ansible.builtin.env', 'SPECKLE_TOKEN') }}"
  tasks:
    - name: Audit the user's tokens
      speckle.server.speckle_server_info:
        gather_subset: [user, tokens]
      register: audit
"""

RETURN = r"""
server:
  description: Server information, with camelCase field names turned into snake_case.
  returned: when V(server) is gathered
  type: dict
  contains:
    name: {description: Server name., type: str, returned: always, sample: My Speckle Server}
    company: {description: Company running the server., type: str, returned: always}
    description: {description: Server description., type: str, returned: always}
    admin_contact: {description: Admin contact., type: str, returned: always}
    canonical_url: {description: Canonical URL of the server., type: str, returned: always}
    terms_of_service: {description: Terms of service., type: str, returned: always}
    version: {description: Raw version string., type: str, returned: always, sample: 2.23.4}
    invite_only: {description: Whether sign-up needs an invite., type: bool, returned: always}
    guest_mode_enabled: {description: Whether guest mode is on., type: bool, returned: always}
    automate_url: {description: The Speckle Automate URL or null., type: str, returned: always}
    enable_new_web_ui_messaging: {description: Web UI messaging flag., type: bool, returned: always}
    scopes:
      description: The public token scopes the server lists (only the 7 public ones; tokens can hold more).
      type: list
      elements: dict
      returned: always
      sample: [{name: streams:read, description: Read your streams.}]
    auth_strategies:
      description: Login strategies, each with C(id), C(name), C(icon), C(url), C(color).
      type: list
      elements: dict
      returned: always
    server_roles:
      description: Server roles, each with C(id) and C(title). Absent on older servers.
      type: list
      elements: dict
      returned: when the server supports it
    roles:
      description: Stream roles (deprecated by the server), each with C(name), C(description), C(resource_target).
      type: list
      elements: dict
      returned: always
    configuration:
      description: >-
        Limits and settings: C(blob_size_limit_bytes), C(object_size_limit_bytes),
        C(object_multipart_upload_size_limit_bytes), C(is_email_enabled), C(email_verification_timeout_minutes).
        Absent on older servers.
      type: dict
      returned: when the server supports it
    migration:
      description: C(moved_from) and C(moved_to) when the server has moved, else null.
      type: dict
      returned: always
    workspaces:
      description: C(workspaces_enabled). Absent on older servers.
      type: dict
      returned: when the server supports it
version:
  description: The server version, raw and parsed.
  returned: when V(version) is gathered
  type: dict
  contains:
    raw: {description: The version as the server reports it., type: str, returned: always, sample: 2.6.4-alpha.4711}
    parts:
      description: The version split on C(.) and C(-), digit groups as ints (the Python SDK's semantics).
      type: list
      elements: raw
      returned: always
      sample: [2, 6, 4, alpha, 4711]
    major: {description: Major release number; null for V(dev)., type: int, returned: always, sample: 2}
    minor: {description: Minor release number; null for V(dev)., type: int, returned: always, sample: 6}
    patch: {description: Patch release number; null for V(dev)., type: int, returned: always, sample: 4}
apps:
  description: Registered apps with C(id), C(name), C(description), C(redirect_url), C(terms_and_conditions_link),
    C(trust_by_default), C(logo) and C(author) (C(id), C(name), C(avatar)).
  returned: when V(apps) is gathered and the server still serves it
  type: list
  elements: dict
user:
  description: The authenticated user. C(email) is null unless the token holds C(profile:email).
  returned: when V(user) is gathered
  type: dict
  contains:
    id: {description: User id., type: str, returned: always}
    name: {description: User name., type: str, returned: always}
    email: {description: Email address., type: str, returned: always}
    role: {description: Server role., type: str, returned: always, sample: server:admin}
tokens:
  description: Metadata of the user's API tokens. Never a secret.
  returned: when V(tokens) is gathered
  type: list
  elements: dict
  contains:
    id: {description: Token id (its first 10 characters)., type: str, returned: always}
    name: {description: Token name., type: str, returned: always}
    scopes: {description: Scopes the token holds., type: list, elements: str, returned: always}
    last_chars: {description: Last characters of the token., type: str, returned: always}
    created_at: {description: Creation time (ISO 8601)., type: str, returned: always}
    lifespan: {description: Lifespan in seconds., type: int, returned: always}
    expires_at: {description: Expiry time (ISO 8601); null when beyond year 9999., type: str, returned: always}
    expired: {description: Whether the token has expired., type: bool, returned: always}
    last_used: {description: Last use (ISO 8601)., type: str, returned: always}
gathered_subsets:
  description: The subsets that were gathered.
  returned: always
  type: list
  elements: str
  sample: [server, version, apps, user, tokens]
skipped_subsets:
  description: Subsets that V(all) included but the credentials cannot read, with the reason.
  returned: always
  type: dict
  sample: {tokens: the token lacks the scope tokens:read}
unsupported_fields:
  description: Fields this (older) server lacks, as C(Type.field); their facts are left out.
  returned: always
  type: list
  elements: str
  sample: [ServerInfo.workspaces]
elapsed:
  description: Seconds spent, including any waiting for O(wait_timeout).
  returned: always
  type: float
  sample: 0.042
"""

from ansible_collections.speckle.server.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._facts import SUBSETS, ServerFacts
from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule

ARGSPEC = ArgumentSpec(
    {
        "gather_subset": {"type": "list", "elements": "str", "choices": ["all", *SUBSETS], "default": ["all"]},
        "min_version": {"type": "str"},
        "wait_timeout": {"type": "float", "default": 0},
    }
)


def gather(module: SpeckleModule, client) -> dict:
    facts = ServerFacts(client)
    result = facts.gather(module.params["gather_subset"], module.params["min_version"], module.params["wait_timeout"])
    for warning in facts.warnings:
        module.warn(warning)
    return {"changed": False, **result}


def main() -> None:
    SpeckleModule(ARGSPEC).run(gather)


if __name__ == "__main__":
    main()
