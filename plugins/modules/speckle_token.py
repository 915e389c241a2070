#!/usr/bin/python
# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: speckle_token
short_description: Create, rotate and revoke Speckle personal access tokens
version_added: 0.1.0
description:
  - Makes sure the authenticated user has exactly one personal access token (PAT) named O(name) with the wanted
    O(scopes) and O(lifespan), or none (O(state=absent)).
  - A token's secret is shown only once, when it is created, and a token cannot be changed in place. So when the
    token must change (see O(recreate) and O(rotate_before)), the module creates a new token first, writes it to
    O(dest) if set, returns it in RV(token), and only then revokes the old one. If revoking the old one fails, the
    module warns and still returns the new token.
  - When an answer is lost (a dropped connection, a timeout, HTTP 502, 503 or 504), a revocation is sent again (up
    to O(retries) times), but a creation never is. After a creation whose answer was lost, the module lists the
    tokens again, revokes any new token with this name (its secret reached nobody), and fails saying so; running
    the task again is safe.
  - Managing tokens needs the C(tokens:write) scope. A personal access token can never hold it on current servers,
    so log in with O(email) and O(password) (the module logs out again at the end), or pass a login token that
    holds C(tokens:write) as O(token). A PAT used as O(token) gets a clear error before anything is changed.
  - A token that is already as wanted costs one GraphQL request; creating one costs three (the listing, the
    creation, and a second listing that checks for a run elsewhere, see below); verifying O(dest) adds one request
    made with the token in that file.
  - B(Concurrent runs.) The server does not keep names unique, and the module lists the tokens before it creates
    one, so runs that list at the same moment would each create a token. Runs on one machine for the same
    O(server_url) and O(name) therefore take turns under a lock (see O(lock_dir)), held from the listing through the
    last change. A run that waited finds the token the first run made and reports C(ok).
  - Runs on different machines cannot share that lock, so after creating a token the module lists the tokens
    again. If other runs created tokens named O(name) since its own listing, the one created first stays (the
    oldest creation time, then the smallest id), and every other run revokes its own new token, leaves O(dest) and
    the old tokens as they were, and fails saying that another run created the token at the same moment and holds
    its secret. No token is left whose secret no run returned. Tokens that were there before the run's listing
    (the ones a rotation or O(recreate) replaces) are not rivals; they are revoked once the run's token has stayed.
  - "So a task that many hosts run for one shared token name should run once (C(run_once), then copy the secret to
    the hosts) or one host at a time (C(throttle: 1)). With O(dest) on each host, every host whose file does not
    hold the token replaces it, revoking the one the other hosts hold: give each host a token of its own name
    instead (for example C(ci-{{ inventory_hostname }}))."
extends_documentation_fragment:
  - speckle.server.connection
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description:
      - Predicts whether the task would change anything, and RV(revoked_ids), without any mutation.
      - RV(token) is then null.
      - It takes the lock of O(lock_dir) shared, so it waits for a run on the same machine that is changing the
        token.
  diff_mode:
    support: full
    description: Shows the tokens' metadata before and after; never a secret.
options:
  name:
    description:
      - Name of the token, 1 to 512 characters. Tokens are found by this name.
      - The server allows several tokens with one name. If there are several, the module fails and lists their ids,
        unless O(recreate=always) (which replaces them all with one new token) or O(state=absent) (which revokes
        them all). Before failing, it lists the tokens once more after a second, in case a run on another machine
        is between creating its token and revoking the one it replaces.
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the token exists as described; V(absent) revokes every token named O(name), or only
        the one given by O(token_id).
      - Revoking a token that is already gone is not an error.
    type: str
    choices: [present, absent]
    default: present
  scopes:
    description:
      - Scopes of the token, compared as a set (order and duplicates do not matter).
      - Required when the token has to be created. When an existing token is replaced and O(scopes) is not set,
        the new token keeps the old one's scopes.
      - The caller must hold every scope it grants. A login token holds every scope the account can grant; the
        error for a refused scope lists what the caller's token holds.
      - C(tokens:write) cannot be granted to a personal access token.
    type: list
    elements: str
  lifespan:
    description:
      - How long the token is valid, from its creation. Seconds (V(86400)) or a duration string such as V(90d),
        V(12h), V(30m), V(45s), V(1w) or V(1d12h). Sent to the server in milliseconds.
      - Must be more than 0 seconds and at most 9223372036854775 seconds.
      - When not set, a new token gets the server's default (about 100 years), a replacement keeps the old token's
        lifespan, and the lifespan of an existing token is not compared.
    type: raw
  limit_resources:
    description:
      - Restrict the token to these projects or workspaces. Sent only when the token is created.
      - The server does not return these restrictions, so they are B(not compared) with an existing token. To
        change them, replace the token (O(recreate=always) once, or revoke it first).
    type: list
    elements: dict
    suboptions:
      type:
        description: Kind of resource.
        type: str
        choices: [project, workspace]
        required: true
      id:
        description: Id of the project or workspace.
        type: str
        required: true
  recreate:
    description:
      - What to do when a token named O(name) exists.
      - V(never) keeps it. If it differs from the task (its scopes, or its lifespan when O(lifespan) is set), the
        module fails and says what differs, unless O(rotate_before) replaces it on this run.
      - V(state_change) replaces it when it differs.
      - V(always) replaces it on every run (and replaces all tokens of that name if there are several).
      - O(rotate_before) and O(dest) can replace a token whatever this is set to.
    type: str
    choices: [never, always, state_change]
    default: never
  rotate_before:
    description:
      - Replace the token when it expires sooner than this, for example V(30d). Seconds or a duration string, as
        for O(lifespan). An expired token is always replaced when this is set.
      - This replacement happens whatever O(recreate) says, and the new token takes the task's O(scopes) and
        O(lifespan), so a token due for rotation that differs from the task does not fail under O(recreate=never).
      - Must be shorter than O(lifespan).
    type: raw
  dest:
    description:
      - Path of a file, on the managed host, to keep the token in. The new secret is written atomically (a
        temporary file in the same directory, renamed over O(dest)), with mode C(0600) unless O(mode) says
        otherwise. O(owner), O(group) and the other file options apply.
      - On later runs the module reads the file and checks that the token in it still authenticates and belongs
        to the token named O(name). If not (the file is missing, or the token was revoked or replaced behind the
        module's back), the token is replaced and the file rewritten.
      - With O(state=absent), the file is removed.
      - The directory must exist.
    type: path
  token_id:
    description:
      - With O(state=absent), revoke only the token with this id (its first 10 characters, as
        M(speckle.server.speckle_token_info) returns it). It must be named O(name).
    type: str
  lock_dir:
    description:
      - Directory, on the host that runs the module, for the lock that makes runs for the same token take turns.
      - A run holds an exclusive C(flock) on a file in this directory from listing the tokens through its last
        change. Another run waits for it at most O(timeout) seconds, then fails without listing or changing any
        token. In check mode a run takes a shared lock, since it never changes anything. It waits for a run that is
        changing the token, so its prediction never sees a replacement half done, but not for other check-mode
        runs.
      - The lock is keyed by O(server_url) and O(name), not by the user. The module learns the user only from its
        listing, which must already be under the lock, and keying by the credentials would let two sessions of one
        user (for example a M(speckle.server.speckle_session) login per pipeline) miss each other. So runs for
        different users that manage tokens of the same name on the same server wait for each other; the lock is
        held only around the token requests, not the login.
      - The lock file is named by a SHA-256 hash of the key, holds nothing, and is left in place.
      - The default is C(speckle-locks-<uid>) in the temporary directory (E(TMPDIR), else C(/tmp)), created with
        mode C(0700). The module fails if it exists but is a symbolic link, not a directory, owned by another
        user, or writable by others. A directory set here is created with mode C(0700) when missing (its parent
        must exist) and is used as it is; anybody who can write to it can hold the lock.
      - Runs with different lock directories (on different machines, or with a different E(TMPDIR)) do not wait
        for each other; see the description for how the module settles such runs.
    type: path
notes:
  - The created token's secret is returned in RV(token), so put C(no_log) on tasks that create tokens, or the
    secret lands in the task output and logs. It never appears in messages, warnings or the diff.
  - A token that is already as wanted is left alone even if the caller could not create tokens; the
    C(tokens:write) check happens only when something has to change (check mode included).
  - O(limit_resources) cannot be read back from the server and is not compared.
  - The check for runs elsewhere compares the creation times the server gives. A run whose second listing came
    before another run's creation was visible, while that creation carries an earlier time, keeps its token as
    the other run keeps its own; the next run then reports the two tokens. This needs two creations within
    moments, the second one slower to show than a whole request of the first.
author:
  - speckle.server maintainers (@speckle-server-maintainers)
seealso:
  - module: speckle.server.speckle_token_info
  - module: speckle.server.speckle_server_info
"""

EXAMPLES = r"""
- name: Provision a CI token into a file only its owner can read
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: ci-deploy
    scopes: [streams:read, streams:write, profile:read]
    lifespan: 90d
    rotate_before: 14d
    dest: /etc/speckle/ci-token
    owner: ci
    mode: "0600"
  no_log: true  # the result holds the new secret

- name: Create a token and use it in the next task
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: reporting
    scopes: [streams:read]
    lifespan: 12h
  register: reporting_token
  no_log: true

- name: Replace the token when its scopes change
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: ci-deploy
    scopes: [streams:read]
    recreate: state_change
    dest: /etc/speckle/ci-token
  no_log: true

- name: Restrict a token to one project
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: project-viewer
    scopes: [streams:read]
    limit_resources:
      - type: project
        id: "0123456789"
  no_log: true

- name: One token that many hosts share, created once and copied to each host
  block:
    - name: Create it once, on the controller
      speckle.server.speckle_token:
        server_url: https://speckle.example.org
        token: "{{ speckle_session_token }}"
        name: shared-reader
        scopes: [streams:read]
        dest: "{{ playbook_dir }}/secrets/shared-reader"
      delegate_to: localhost
      run_once: true
      no_log: true

    - name: Copy it to every host
      ansible.builtin.copy:
        src: "{{ playbook_dir }}/secrets/shared-reader"
        dest: /etc/speckle/shared-reader
        mode: "0600"
      no_log: true

- name: Revoke every token named ci-deploy and remove its file
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: ci-deploy
    state: absent
    dest: /etc/speckle/ci-token

- name: Revoke one of several tokens with the same name
  speckle.server.speckle_token:
    server_url: https://speckle.example.org
    email: "{{ speckle_admin_email }}"
    password: "{{ speckle_admin_password }}"
    name: ci-deploy
    token_id: 6cd173ead3
    state: absent
"""

RETURN = r"""
token:
  description:
    - The new token (the secret), only when it was created in this run; null otherwise and in check mode.
    - Hide it with C(no_log) on the task.
  returned: always
  type: str
token_id:
  description: Id of the token (its first 10 characters); null in check mode when a token would be created.
  returned: always
  type: str
  sample: 6cd173ead3
name:
  description: Name of the token.
  returned: always
  type: str
  sample: ci-deploy
scopes:
  description: Scopes of the token.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [streams:read, profile:read]
last_chars:
  description: Last 6 characters of the token.
  returned: when O(state=present)
  type: str
created_at:
  description: Creation time (ISO 8601, UTC). For a token created in this run, the module's clock.
  returned: when O(state=present)
  type: str
  sample: "2026-11-29T14:26:28.549Z"
expires_at:
  description: Expiry time (ISO 8601, UTC); null when beyond year 9999.
  returned: when O(state=present)
  type: str
expired:
  description: Whether the token has expired.
  returned: when O(state=present)
  type: bool
lifespan:
  description: Lifespan in seconds.
  returned: when O(state=present)
  type: int
  sample: 7776000
last_used:
  description: When the token was last used (ISO 8601).
  returned: when O(state=present)
  type: str
revoked_ids:
  description:
    - Ids of the tokens revoked in this run (or that would be, in check mode).
    - When the run failed because another run created the token at the same moment, the id of the token it created
      and revoked again.
  returned: always
  type: list
  elements: str
  sample: [e82c553bc5]
"""

from ansible_collections.speckle.server.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._module import SpeckleModule
from ansible_collections.speckle.server.plugins.module_utils._tokens import manage_token, validate_token_options

ARGSPEC = ArgumentSpec(
    {
        "name": {"type": "str", "required": True},
        "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        "scopes": {"type": "list", "elements": "str"},
        "lifespan": {"type": "raw"},
        "limit_resources": {
            "type": "list",
            "elements": "dict",
            "options": {
                "type": {"type": "str", "choices": ["project", "workspace"], "required": True},
                "id": {"type": "str", "required": True},
            },
        },
        "recreate": {"type": "str", "choices": ["never", "always", "state_change"], "default": "never"},
        "rotate_before": {"type": "raw"},
        "dest": {"type": "path"},
        "token_id": {"type": "str", "no_log": False},
        "lock_dir": {"type": "path"},
    }
)


def main() -> None:
    SpeckleModule(ARGSPEC, add_file_common_args=True).run(manage_token, validate=validate_token_options)


if __name__ == "__main__":
    main()
