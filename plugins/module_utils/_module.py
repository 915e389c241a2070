# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shared module base: argument spec, client, login, and the one place errors become fail_json."""

from __future__ import annotations

import os
import typing as t
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.speckle.server.plugins.module_utils._argspec import CONNECTION_ARGSPEC, ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._auth import login, logout
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient
from ansible_collections.speckle.server.plugins.module_utils._credentials import resolve_credentials
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError, SpeckleError
from ansible_collections.speckle.server.plugins.module_utils._transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    RequestsTransport,
)
from ansible_collections.speckle.server.plugins.module_utils._url import normalize_server_url

# Quoted: subscripting dict at run time fails on Python 3.8, which managed hosts may run.
Action = t.Callable[["SpeckleModule", GraphQLClient], "dict[str, t.Any]"]


class SpeckleModule:
    """Wraps AnsibleModule so every module gets the same options, client and failure path."""

    def __init__(
        self, argument_spec: ArgumentSpec, *, supports_check_mode: bool = True, add_file_common_args: bool = False
    ) -> None:
        self.ansible = AnsibleModule(
            **CONNECTION_ARGSPEC.merge(argument_spec).to_kwargs(),
            supports_check_mode=supports_check_mode,
            add_file_common_args=add_file_common_args,
        )
        if not HAS_REQUESTS:
            self.ansible.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params: dict[str, t.Any] = self.ansible.params
        self.transport_factory: t.Callable[[], t.Any] = self._default_transport

    @property
    def check_mode(self) -> bool:
        return bool(self.ansible.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self.ansible._diff)  # pylint: disable=protected-access  # AnsibleModule has no public name

    def warn(self, message: str) -> None:
        self.ansible.warn(message)

    def hide(self, secret: str | None) -> None:
        """Mask a secret learnt at run time (a session or new token) in everything Ansible prints."""
        if secret:
            self.ansible.no_log_values.add(secret)

    def run(
        self, action: Action, validate: t.Callable[[SpeckleModule], None] | None = None, *, log_in: bool = True
    ) -> None:
        """Connect, run ``action`` and exit; a ``SpeckleError`` becomes ``fail_json`` here and only here.

        ``validate`` checks the options before anything is sent, the email and password login included.
        ``log_in=False`` hands the action a client without credentials: ``speckle_session`` logs in itself.
        """
        try:
            if validate is not None:
                validate(self)
            if log_in:
                with self.connect() as client:
                    result = action(self, client)
            else:
                result = action(self, self.client())
        except SpeckleError as exc:
            self.ansible.fail_json(msg=exc.msg, **exc.details)
        else:
            self.ansible.exit_json(**result)

    @contextmanager
    def connect(self) -> t.Iterator[GraphQLClient]:
        """A client for ``server_url``; with email and password, a logged-in one that logs out at the end."""
        credentials = resolve_credentials(self.params)
        self.hide(credentials.token)
        self.hide(credentials.password)
        client = self.client(token=credentials.token)
        if not credentials.logs_in:
            yield client
            return
        session = login(client, credentials.email or "", credentials.password or "")
        self.hide(session.token)
        self.hide(session.refresh_token)
        client.token = session.token
        try:
            yield client
        finally:
            client.token = None
            try:
                logout(client, session)
            except SpeckleError as exc:
                self.warn(exc.msg)

    def client(self, token: str | None = None) -> GraphQLClient:
        """A client for ``server_url`` with the task's timeout and retries; not logged in."""
        if self.params["timeout"] <= 0:
            raise ConfigurationError("timeout must be a positive number of seconds.")
        if self.params["retries"] < 0:
            raise ConfigurationError("retries must be 0 or more.")
        ca_path = self.params.get("ca_path")
        if ca_path and not os.path.isfile(ca_path):
            # requests would raise a bare OSError for it, and only when the first request is sent.
            raise ConfigurationError(
                f"ca_path {ca_path} is not a readable file. Give the path of a PEM file with the CA certificates that "
                "verify the server, or leave ca_path unset to use the system's store."
            )
        return GraphQLClient(
            normalize_server_url(self.params["server_url"]),
            self.transport_factory(),
            token=token,
            timeout=self.params["timeout"],
            retries=self.params["retries"],
        )

    def _default_transport(self) -> RequestsTransport:
        return RequestsTransport(validate_certs=self.params["validate_certs"], ca_path=self.params["ca_path"])
