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
