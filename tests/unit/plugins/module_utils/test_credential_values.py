# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Token, email and password: what is trimmed, what is refused, and that a refusal never shows the value."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils._credentials import (
    Credentials,
    clean_email,
    clean_password,
    clean_token,
    is_sendable_token,
    login_credentials,
    resolve_credentials,
)
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

TOKEN = "abcdef0123" + "S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tXY"
PASSWORD = "correct horse battery staple"


def token_message(kind: str, position: int, source: str = "token") -> str:
    return (
        f"{source} contains {kind} at character {position}, and a Speckle token never does. "
        "Whitespace around the token and a leading 'Bearer ' are removed, nothing inside it; check where the value "
        "comes from. The value is not shown."
    )


def password_message(kind: str, position: int, source: str = "password") -> str:
    return (
        f"{source} contains {kind} at character {position}. Line breaks around the password "
        "are removed and spaces are kept, as the login form does; a line break or control character inside it is "
        "refused, since the form cannot send one. The value is not shown."
    )


def email_message(kind: str, position: int, source: str = "email") -> str:
    return (
        f"{source} contains {kind} at character {position}, and an email address never does. "
        "Whitespace around it is removed, as the login form does; check the value."
    )


@pytest.mark.parametrize(
    "given",
    [
        TOKEN,
        TOKEN + "\n",
        TOKEN + "\r\n",
        f"  {TOKEN}\t\n",
        f"Bearer {TOKEN}",
        f"Bearer {TOKEN}\n",
        f"bearer {TOKEN}",
        f"BEARER\t{TOKEN}",
        f" Bearer  {TOKEN} ",
    ],
)
def test_token_is_trimmed_and_loses_a_bearer_prefix(given):
    assert clean_token(given) == TOKEN


@pytest.mark.parametrize("given", [None, "", "   ", "\n", "\r\n"])
def test_no_token_at_all(given):
    assert clean_token(given) is None


def test_bearer_without_a_token_is_sent_as_it_is():
    # Not a prefix (nothing follows it): the server refuses it as a token, with its own clear message.
    assert clean_token("Bearer\n") == "Bearer"


@pytest.mark.parametrize(
    ("given", "kind", "position"),
    [
        (TOKEN[:21] + "\n" + TOKEN[21:], "a line break", 22),
        (TOKEN[:21] + "\r\n" + TOKEN[21:], "a line break", 22),
        (TOKEN[:21] + "\0" + TOKEN[21:], "a NUL character", 22),
        (TOKEN[:21] + " " + TOKEN[21:], "whitespace", 22),
        (TOKEN + "\x7f", "a control character", 43),
        (TOKEN[:5] + "é" + TOKEN[5:], "a non-ASCII character", 6),
        (TOKEN[:5] + "\u200b" + TOKEN[5:], "a non-ASCII character", 6),
        # Positions count in the value as given, prefix and leading whitespace included.
        ("\n Bearer " + TOKEN + "\nsecond line", "a line break", 52),
        ("Bearer Bearer " + TOKEN, "whitespace", 14),
    ],
)
def test_token_with_a_bad_character_inside_is_refused(given, kind, position):
    with pytest.raises(ConfigurationError) as exc:
        clean_token(given)
    assert exc.value.msg == token_message(kind, position)
    assert TOKEN[:10] not in exc.value.msg
    assert TOKEN[10:] not in exc.value.msg


def test_a_5000_character_token_with_a_line_break_is_refused_without_any_of_it():
    long_token = ("Ab1" * 1700)[:5000]
    with pytest.raises(ConfigurationError) as exc:
        clean_token(long_token[:2500] + "\n" + long_token[2500:])
    assert exc.value.msg == token_message("a line break", 2501)
    assert "Ab1Ab1" not in exc.value.msg


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (PASSWORD, PASSWORD),
        (PASSWORD + "\n", PASSWORD),
        (PASSWORD + "\r\n", PASSWORD),
        ("\n" + PASSWORD + "\n\n", PASSWORD),
        # Spaces and tabs at either end may be part of the real password: an HTML password field keeps them.
        (f"  {PASSWORD} ", f"  {PASSWORD} "),
        (f"\t{PASSWORD}\n", f"\t{PASSWORD}"),
        ("", None),
        ("\n", None),
    ],
)
def test_password_loses_line_breaks_around_it_and_keeps_spaces(given, sent):
    assert clean_password(given) == sent


@pytest.mark.parametrize(
    ("given", "kind", "position"),
    [
        ("first\nsecond", "a line break", 6),
        ("first\r\nsecond", "a line break", 6),
        ("\nhunter\0two", "a NUL character", 8),
        ("hunter\x1btwo", "a control character", 7),
        (PASSWORD + "\n \n", "a line break", len(PASSWORD) + 1),
    ],
)
def test_password_with_a_line_break_or_control_character_inside_is_refused(given, kind, position):
    with pytest.raises(ConfigurationError) as exc:
        clean_password(given)
    assert exc.value.msg == password_message(kind, position)
    for part in ("first", "second", "hunter", "two", "horse"):
        assert part not in exc.value.msg


@pytest.mark.parametrize(
    "given", ["admin@example.org", "admin@example.org\n", " admin@example.org\r\n", "\tadmin@example.org"]
)
def test_email_is_trimmed(given):
    assert clean_email(given) == "admin@example.org"


@pytest.mark.parametrize(
    ("given", "kind", "position"),
    [
        ("admin@\nexample.org", "a line break", 7),
        ("admin@example.org\0", "a NUL character", 18),
        ("Bearer admin@example.org", "whitespace", 7),
        ("\nadmin\x01@example.org", "a control character", 7),
    ],
)
def test_email_with_whitespace_or_a_control_character_inside_is_refused(given, kind, position):
    with pytest.raises(ConfigurationError) as exc:
        clean_email(given)
    assert exc.value.msg == email_message(kind, position)


def test_resolved_credentials_are_the_cleaned_values():
    assert resolve_credentials({"token": f"Bearer {TOKEN}\n"}, {}) == Credentials(token=TOKEN)
    assert resolve_credentials({"email": " a@example.org\n", "password": " pw \n"}, {}) == Credentials(
        email="a@example.org", password=" pw "
    )
    env = {"SPECKLE_TOKEN": TOKEN + "\r\n"}
    assert resolve_credentials({}, env) == Credentials(token=TOKEN)
    env = {"SPECKLE_EMAIL": "a@example.org\n", "SPECKLE_PASSWORD": PASSWORD + "\n"}
    assert resolve_credentials({}, env) == Credentials(email="a@example.org", password=PASSWORD)
    assert login_credentials({"email": "a@example.org\n"}, env) == Credentials(email="a@example.org", password=PASSWORD)


def test_a_value_empty_once_trimmed_counts_as_not_set():
    env = {"SPECKLE_TOKEN": TOKEN}
    assert resolve_credentials({"token": "\n"}, env) == Credentials(token=TOKEN)
    assert resolve_credentials({"token": " ", "email": None, "password": None}, {}) == Credentials()


@pytest.mark.parametrize(
    ("params", "env", "msg"),
    [
        ({}, {"SPECKLE_TOKEN": TOKEN[:21] + "\n" + TOKEN[21:]}, token_message("a line break", 22, "SPECKLE_TOKEN")),
        ({"token": TOKEN[:21] + "\n" + TOKEN[21:]}, {}, token_message("a line break", 22)),
        (
            {},
            {"SPECKLE_EMAIL": "a@example.org", "SPECKLE_PASSWORD": "first\nsecond"},
            password_message("a line break", 6, "SPECKLE_PASSWORD"),
        ),
        (
            {"password": "first\nsecond"},
            {"SPECKLE_EMAIL": "a@example.org"},
            password_message("a line break", 6),
        ),
        (
            {"password": "pw"},
            {"SPECKLE_EMAIL": "a@\nexample.org"},
            email_message("a line break", 3, "SPECKLE_EMAIL"),
        ),
    ],
)
def test_a_refusal_names_the_option_or_the_variable(params, env, msg):
    with pytest.raises(ConfigurationError) as exc:
        resolve_credentials(params, env)
    assert exc.value.msg == msg


def test_a_variable_the_task_overrides_is_not_checked():
    env = {"SPECKLE_TOKEN": "bad\ntoken", "SPECKLE_PASSWORD": "bad\0password"}
    assert resolve_credentials({"token": TOKEN}, env) == Credentials(token=TOKEN)
    assert resolve_credentials({"email": "a@example.org", "password": PASSWORD}, env) == Credentials(
        email="a@example.org", password=PASSWORD
    )


@pytest.mark.parametrize(
    ("value", "sendable"),
    [(TOKEN, True), ("", False), (TOKEN + "\n", False), (TOKEN + "\0", False), ("tök", False), ("a b", False)],
)
def test_is_sendable_token(value, sendable):
    assert is_sendable_token(value) is sendable
