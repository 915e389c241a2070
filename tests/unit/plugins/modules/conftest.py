# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run a module's main() in-process with a scripted transport and return its JSON result."""

from __future__ import annotations

import json
import typing as t

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.speckle.server.plugins.module_utils import _module


@pytest.fixture
def run_module(monkeypatch, capsys):
    def run(main: t.Callable[[], None], args: dict[str, t.Any], transport: t.Any) -> dict[str, t.Any]:
        monkeypatch.setattr(_module.SpeckleModule, "_default_transport", lambda self: transport)
        with patch_module_args(args), pytest.raises(SystemExit):
            main()
        return json.loads(capsys.readouterr().out)

    return run


HOSTILE_OUTCOMES = ("failed_cleanly", "succeeded", "known_defects")


def pytest_terminal_summary(terminalreporter):
    """One line with the number of property-based cases run (test_hostile_input.py), xdist workers included."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for key, value in getattr(report, "user_properties", []):
                if key.startswith("hostile_"):
                    counts[key] = counts.get(key, 0) + int(value)
    if counts.get("hostile_cases"):
        details = ", ".join(f"{counts.get(f'hostile_{kind}', 0)} {kind.replace('_', ' ')}" for kind in HOSTILE_OUTCOMES)
        terminalreporter.write_line(f"property-based: {counts['hostile_cases']} hostile cases ran ({details})")
