# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Property: whatever a task passes, a module ends in a clean failure with a message, or a correct result.

Every option of every module (the shared connection options and, for speckle_token, the file options too)
is drawn from hostile values (see hostile_inputs.py) and run through the module's real ``main()``: Ansible's
argument spec, the module's own validation, the real requests transport on a fake wire, and a server that
answers like a real one after an optional script of misbehaviours. Never an uncaught exception, never a
traceback in the result, never the server's SQL text, never a secret of the task (token, password,
refresh_token) nor of its login session (but from speckle_session, which returns the session by design).

What it found in files this branch may not edit (being reworked on branch secret-leak), or in ansible-core,
is listed in KNOWN_DEFECTS: reported, counted apart, and pinned by strict xfails.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
import traceback
import typing as t
from collections import Counter

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (see tests/unit/requirements.txt)")

import certifi  # noqa: E402  # requests depends on it: a real CA bundle for ca_path
from ansible.module_utils.basic import FILE_COMMON_ARGUMENTS, remove_values  # noqa: E402
from ansible.module_utils.common import warnings as _warnings  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.speckle.server.plugins.module_utils import _facts, _module  # noqa: E402
from ansible_collections.speckle.server.plugins.module_utils._argspec import CONNECTION_ARGSPEC  # noqa: E402
from ansible_collections.speckle.server.plugins.module_utils._client import GraphQLClient  # noqa: E402
from ansible_collections.speckle.server.plugins.modules import (  # noqa: E402
    speckle_server_info,
    speckle_session,
    speckle_token,
    speckle_token_info,
)
from ansible_collections.speckle.server.tests.unit.plugins.modules import hostile_wire  # noqa: E402
from ansible_collections.speckle.server.tests.unit.plugins.modules.hostile_inputs import (  # noqa: E402
    SERVER_BEHAVIOUR,
    module_args,
)

MODULES = {
    "speckle_server_info": speckle_server_info,
    "speckle_token": speckle_token,
    "speckle_token_info": speckle_token_info,
    "speckle_session": speckle_session,
}
# Enough to meet every option's odd values many times over, few enough that `make units` stays quick; the same
# cases every run (derandomized). SPECKLE_HOSTILE_EXAMPLES=N (plain pytest: ansible-test passes no environment)
# draws N fresh random cases per module instead, to hunt for new crashes.
EXPLORE = os.environ.get("SPECKLE_HOSTILE_EXAMPLES")
EXAMPLES_PER_MODULE = int(EXPLORE) if EXPLORE else 120
TOKEN_NAMES = ("ci", "rotating")  # names of tokens the server holds; hostile names come from hostile_inputs.py
CREATED = {"createdAt": "2026-11-01T12:00:00.000Z", "lastUsed": "2026-11-20T08:30:00.000Z"}
SERVER_TOKENS = (  # as recorded: the default lifespan, bigint max as a string, a short one; and a broken one
    {"id": "e82c553bc5", "name": "ci", "lastChars": "9120c1", "scopes": ["profile:read"], "lifespan": 3154000000000},
    {"id": "2d9ddc9d3c", "name": "ci", "lastChars": "bd1a4a", "scopes": ["profile:read"], "lifespan": str(2**63 - 1)},
    {"id": "3dfbaa924c", "name": "rotating", "lastChars": "9ccf3a", "scopes": ["streams:read"], "lifespan": 60000},
    {"id": "f9ebcf3b4c", "name": "", "lastChars": "d488db", "scopes": [], "lifespan": -1, "createdAt": "yesterday"},
)
SERVER_TOKENS = tuple({**CREATED, **token} for token in SERVER_TOKENS)


class SecretLeak(AssertionError):
    """A secret of the task, or of its login session, appears in a module's output."""


@dataclasses.dataclass(frozen=True)
class KnownDefect:
    """A crash or leak found here in ansible-core itself, before the module's code runs: pinned by a strict xfail.

    ``test_known_defect`` reproduces each one with ``args`` (and ``script``, the server's misbehaviours); once
    the defect is fixed that test fails (strict xfail), and the entry goes, so the property holds those inputs to
    a clean failure too.
    """

    ident: str
    reason: str
    exception: tuple[type[BaseException], ...]
    message: str  # regular expression the exception's text matches
    where: str  # the end of the path of a file in its traceback
    args: dict[str, t.Any]
    script: tuple[str, ...] = ()
    module: str = "speckle_server_info"

    def matches(self, exc: BaseException) -> bool:
        frames = [frame.filename for frame in traceback.extract_tb(exc.__traceback__)]
        passes = any(filename.endswith(self.where) for filename in frames)
        return isinstance(exc, self.exception) and re.search(self.message, str(exc)) is not None and passes


URL = "https://speckle.example.org"
TRANSPORT = "plugins/module_utils/_transport.py"
KNOWN_DEFECTS = (
    KnownDefect(
        "ansible-nolog-suboption",
        "ansible-core 2.19.14 loses every no_log value when a sub-option list (limit_resources) is malformed: its "
        "_list_no_log_values raises, the error is only listed, and the failure's invocation shows the token in "
        "clear (at -vvv). Ansible 2.9 hid the whole invocation then (CVE-2019-14858); 2.19 no longer does",
        (SecretLeak,),
        r"(dictionary requested, could not parse JSON or key=value|sub parameter field 'limit_resources')",
        "test_hostile_input.py",
        {
            "server_url": URL,
            "token": "abcdef0123" + "S" * 32,
            "name": "ci",
            "scopes": ["profile:read"],
            "limit_resources": "",
        },
        module="speckle_token",
    ),
    KnownDefect(
        "ansible-int-infinity",
        "ansible-core 2.19.14's check_type_int lets OverflowError escape for an infinite retries (argument spec "
        "validation, before the module runs); fixed upstream in ansible/ansible#87253",
        (OverflowError,),
        r"^cannot convert Infinity to integer$",
        "ansible/module_utils/common/validation.py",
        {"server_url": URL, "retries": float("inf")},
    ),
)


def options_of(module: t.Any) -> dict[str, dict[str, t.Any]]:
    """Every option the module takes: its own, the shared connection options, and Ansible's file options."""
    options = dict(CONNECTION_ARGSPEC.merge(module.ARGSPEC).options)
    if module is speckle_token:
        options.update(FILE_COMMON_ARGUMENTS)
    return options


class FakeClock:
    """Monotonic time that moves only when slept, so waits and backoffs cost nothing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def run_module(
    module: t.Any,
    args: dict[str, t.Any],
    server: hostile_wire.ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[dict[str, t.Any], str]:
    """The module's ``main()`` with ``args`` against ``server``; its JSON result and raw output.

    No environment credentials, no real sleeping. Any exception other than the module's exit propagates.
    """
    clock = FakeClock()
    with monkeypatch.context() as patch:
        for variable in ("SPECKLE_TOKEN", "SPECKLE_EMAIL", "SPECKLE_PASSWORD", "SPECKLE_SERVER_URL"):
            patch.delenv(variable, raising=False)
        hostile_wire.install(patch, server)
        patch.setattr(_module, "GraphQLClient", functools.partial(GraphQLClient, sleep=clock.sleep))
        patch.setattr(speckle_server_info, "ServerFacts", functools.partial(_facts.ServerFacts, sleep=clock.sleep))
        patch.setattr(_facts, "time", clock)
        patch.setattr(_warnings, "_global_warnings", {})
        patch.setattr(_warnings, "_global_deprecations", {})
        with patch_module_args(args), pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), out


def known_defect(exc: Exception) -> str:
    """The id of a reported defect that ``exc`` is (see KNOWN_DEFECTS); any other exception is re-raised."""
    for defect in KNOWN_DEFECTS:
        if defect.matches(exc):
            return f"known defect {defect.ident}"
    raise exc


def secrets_of(name: str, args: dict[str, t.Any]) -> list[str]:
    """Text that must never be in the output: the task's secrets (every run of 12 or more characters between
    control characters, so an escaped form is caught too) and, but from speckle_session, the session's."""
    secrets = [] if name == "speckle_session" else [hostile_wire.SESSION_TOKEN, hostile_wire.REFRESH_TOKEN]
    for option in ("token", "password", "refresh_token"):
        value = args.get(option)
        if isinstance(value, str):
            secrets.extend(piece for piece in re.split(r"[\x00-\x1f\x7f]+", value) if len(piece) >= 12)
    return secrets


def check_outcome(name: str, args: dict[str, t.Any], result: dict[str, t.Any], out: str) -> str:
    """A clean failure with a message, or a result; never a traceback, SQL text or a secret."""
    assert "Traceback (most recent call last)" not in out, out
    assert hostile_wire.SQL_MARKER not in out, out
    for secret in secrets_of(name, args):
        if secret in out:
            raise SecretLeak(f"{secret[:10]}... is in the output: {result.get('msg', out)}")
    if result.get("failed"):
        assert isinstance(result.get("msg"), str) and result["msg"].strip(), result
        return "failed cleanly"
    assert result.get("changed") in (True, False), result
    # Ansible masks every no_log value wherever it appears, so a one-character password masks that character
    # in the whole result: compare with what Ansible makes of the expected values.
    no_log = {str(args[option]) for option in ("token", "password", "refresh_token") if args.get(option)}
    SUCCESS_CHECKS[name](result, lambda value: remove_values(value, no_log))
    return "succeeded"


Masked = t.Callable[[t.Any], t.Any]


def _server_info_result(result: dict[str, t.Any], _masked: Masked) -> None:
    assert isinstance(result["gathered_subsets"], list) and result["changed"] is False, result


def _token_result(result: dict[str, t.Any], masked: Masked) -> None:
    assert "token_id" in result and "name" in result, result
    assert result["token"] in (None, masked(hostile_wire.NEW_TOKEN)), result  # a secret only when created, whole


def _token_info_result(result: dict[str, t.Any], _masked: Masked) -> None:
    assert isinstance(result["tokens"], list) and result["changed"] is False, result
    assert all(set(token) >= {"id", "name", "expires_at"} for token in result["tokens"]), result


def _session_result(result: dict[str, t.Any], masked: Masked) -> None:
    if "logged_out" in result:
        assert result["logged_out"] is True, result
    else:
        expected = masked([hostile_wire.SESSION_TOKEN, hostile_wire.REFRESH_TOKEN])
        assert [result["token"], result["refresh_token"]] == expected, result


SUCCESS_CHECKS: dict[str, t.Callable[[dict[str, t.Any], Masked], None]] = {
    "speckle_server_info": _server_info_result,
    "speckle_token": _token_result,
    "speckle_token_info": _token_info_result,
    "speckle_session": _session_result,
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_hostile_options_end_cleanly(name, monkeypatch, capsys, tmp_path, record_property):
    """The property, for one module; the counts go to the summary line (conftest.py), across xdist workers."""
    module = MODULES[name]
    root = str(tmp_path)
    (tmp_path / "not-a-bundle.txt").write_text("not a certificate\n", encoding="utf-8")
    outcomes: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES_PER_MODULE,
        deadline=None,
        database=None,
        derandomize=not EXPLORE,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        args=module_args(options_of(module), root, certifi.where(), TOKEN_NAMES),
        server=SERVER_BEHAVIOUR,
        tokens=st.lists(st.sampled_from(SERVER_TOKENS), max_size=3, unique_by=lambda token: token["id"]),
        check_mode=st.booleans(),
    )
    def case(args, server, tokens, check_mode):
        fake_server = hostile_wire.ScriptedServer(
            server["script"],
            server_version=server["server_version"],
            tokens=tokens,
            password_accepted=server["password_accepted"],
        )
        full = dict(args, _ansible_check_mode=check_mode)
        try:
            result, out = run_module(module, full, fake_server, monkeypatch, capsys)
            outcome = check_outcome(name, args, result, out)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any defect: only reported ones pass
            capsys.readouterr()
            outcome = known_defect(exc)
        outcomes[outcome] += 1

    case()
    total = sum(outcomes.values())
    known = sum(count for outcome, count in outcomes.items() if outcome.startswith("known defect"))
    record_property("hostile_cases", total)
    record_property("hostile_failed_cleanly", outcomes["failed cleanly"])
    record_property("hostile_succeeded", outcomes["succeeded"])
    record_property("hostile_known_defects", known)
    print(f"{name}: {total} hostile cases: {dict(outcomes)}")
    # Both ends are reached: hostile values fail, and enough sensible ones get through to a result.
    assert outcomes["failed cleanly"] and outcomes["succeeded"], outcomes


@pytest.mark.parametrize(
    "defect",
    [
        pytest.param(
            defect, id=defect.ident, marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=defect.reason)
        )
        for defect in KNOWN_DEFECTS
    ],
)
def test_known_defect(defect, monkeypatch, capsys):
    """Each reported defect, pinned: a strict xfail while it happens; once fixed, drop its KNOWN_DEFECTS entry."""
    server = hostile_wire.ScriptedServer(defect.script)
    try:
        result, out = run_module(MODULES[defect.module], dict(defect.args), server, monkeypatch, capsys)
        outcome = check_outcome(defect.module, defect.args, result, out)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # the defect, known by type, text and file
        assert not defect.matches(exc), f"{defect.ident} still happens: {defect.reason}"
        raise RuntimeError(f"{defect.ident}: something else went wrong") from exc
    if outcome != "failed cleanly":
        raise RuntimeError(f"{defect.ident}: expected a clean failure, got {result}")
