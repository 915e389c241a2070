# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A task's own credentials win; the environment fills in only what the task leaves unset."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._credentials import (
    Credentials,
    login_credentials,
    resolve_credentials,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

LOGIN_ENV = {"SPECKLE_EMAIL": "ci@example.org", "SPECKLE_PASSWORD": "env-password"}


def params(**values):
    return {"token": None, "email": None, "password": None, **values}


def test_a_tasks_token_wins_over_login_variables_in_the_environment():
    # The session pattern in CI: SPECKLE_EMAIL/SPECKLE_PASSWORD exported for the one login, token everywhere else.
    assert resolve_credentials(params(token="T" * 42), LOGIN_ENV) == Credentials(token="T" * 42)


def test_a_tasks_email_and_password_win_over_speckle_token():
    env = {"SPECKLE_TOKEN": "E" * 42}
    assert resolve_credentials(params(email="a@example.org", password="pw-123456"), env) == Credentials(
        email="a@example.org", password="pw-123456"
    )


def test_a_tasks_email_takes_the_password_from_the_environment():
    assert resolve_credentials(params(email="a@example.org"), LOGIN_ENV) == Credentials(
        email="a@example.org", password="env-password"
    )


def test_with_nothing_set_speckle_token_comes_before_a_login():
    env = {"SPECKLE_TOKEN": "E" * 42, **LOGIN_ENV}
    assert resolve_credentials(params(), env) == Credentials(token="E" * 42)
    assert resolve_credentials(params(), LOGIN_ENV) == Credentials(email="ci@example.org", password="env-password")
    assert resolve_credentials(params(), {}) == Credentials()


@pytest.mark.parametrize(
    ("task", "env", "message"),
    [
        (
            {"email": "a@example.org"},
            {},
            "Logging in needs both email and password; password (or SPECKLE_PASSWORD) is not set.",
        ),
        (
            {},
            {"SPECKLE_PASSWORD": "x"},
            "Logging in needs both email and password; email (or SPECKLE_EMAIL) is not set.",
        ),
    ],
)
def test_half_a_login_is_a_clear_error(task, env, message):
    with pytest.raises(ConfigurationError) as exc:
        resolve_credentials(params(**task), env)
    assert exc.value.msg == message


def test_a_login_ignores_speckle_token():
    env = {"SPECKLE_TOKEN": "E" * 42, **LOGIN_ENV}
    assert login_credentials(params(), env) == Credentials(email="ci@example.org", password="env-password")
