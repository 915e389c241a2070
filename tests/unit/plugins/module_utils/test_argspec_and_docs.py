# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection doc fragment mirrors the shared argspec; the version constant matches galaxy.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible_collections.speckle.server.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.speckle.server.plugins.module_utils._argspec import CONNECTION_ARGSPEC, ArgumentSpec
from ansible_collections.speckle.server.plugins.module_utils._client import COLLECTION_VERSION, USER_AGENT

ROOT = Path(__file__).resolve().parents[4]


def test_doc_fragment_mirrors_argspec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(CONNECTION_ARGSPEC.options)
    for name, spec in CONNECTION_ARGSPEC.options.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name
        assert bool(documented[name].get("required")) == bool(spec.get("required")), name


def test_secrets_are_no_log():
    assert CONNECTION_ARGSPEC.options["token"]["no_log"] is True
    assert CONNECTION_ARGSPEC.options["password"]["no_log"] is True


def test_user_agent_names_collection_and_version():
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))
    assert galaxy["version"] == COLLECTION_VERSION
    assert f"ansible-collection-speckle.server/{galaxy['version']}" == USER_AGENT


def test_merge_keeps_both_and_constraints():
    extra = ArgumentSpec({"name": {"type": "str"}}, mutually_exclusive=[["name", "token"]])
    merged = CONNECTION_ARGSPEC.merge(extra)
    assert "name" in merged.options and "server_url" in merged.options
    assert ["name", "token"] in merged.mutually_exclusive
    assert ["token", "email"] in merged.mutually_exclusive
    assert "name" not in CONNECTION_ARGSPEC.options
