# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of speckle_token, checked without a server, and the comparison of a token with the task."""

from __future__ import annotations

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _token_api, _token_spec
from ansible_collections.speckle.server.plugins.module_utils._errors import ConfigurationError

from .token_data import NOW, tok

# --- options ---------------------------------------------------------------------------------------------------------


def test_spec_converts_durations_and_dedupes_scopes():
    spec = _token_spec.parse_token_spec(
        {
            "name": "ci",
            "scopes": ["streams:read", " profile:read ", "streams:read"],
            "lifespan": "90d",
            "rotate_before": "1w",
            "limit_resources": [{"type": "project", "id": "p1"}],
        }
    )
    assert spec.scopes == ["streams:read", "profile:read"]
    assert spec.lifespan == 7776000
    assert spec.rotate_before == 604800
    assert spec.limit_resources == [{"type": "project", "id": "p1"}]
    assert spec.state == "present"
    assert spec.recreate == "never"


def test_absent_ignores_present_only_options():
    spec = _token_spec.parse_token_spec({"name": "ci", "state": "absent", "lifespan": "nonsense"})
    assert spec.lifespan is None


def test_name_limits():
    assert _token_spec.validate_name("n" * 512) == "n" * 512
    with pytest.raises(ConfigurationError):
        _token_spec.validate_name(None)


def test_lifespan_limits():
    assert _token_spec.validate_lifespan(1) == 1
    assert _token_spec.validate_lifespan(_token_api.MAX_LIFESPAN_SECONDS) == 9223372036854775
    with pytest.raises(ConfigurationError):
        _token_spec.validate_lifespan(_token_api.MAX_LIFESPAN_SECONDS + 1)


# --- comparing -------------------------------------------------------------------------------------------------------


def test_differences_compare_scopes_as_sets_and_only_set_options():
    existing = tok("t1", scopes=["a", "b", "a"], lifespan="3600000")
    assert _token_spec.differences(existing, _token_spec.TokenSpec(name="ci", scopes=["b", "a"], lifespan=3600)) == []
    assert _token_spec.differences(existing, _token_spec.TokenSpec(name="ci")) == []
    assert _token_spec.differences(existing, _token_spec.TokenSpec(name="ci", scopes=["a"], lifespan=7200)) == [
        "scopes are [a, b] but the task wants [a]",
        "lifespan is 1h but the task wants 2h",
    ]


def test_differences_render_odd_lifespans():
    odd = tok("t1", lifespan=1500)
    assert _token_spec.differences(odd, _token_spec.TokenSpec(name="ci", lifespan=60)) == [
        "lifespan is 1500 ms but the task wants 1m"
    ]


def test_rotation_due():
    thirty_days = 30 * 86400 * 1000
    existing = tok("t1", created="2026-11-01T15:00:00.000Z", lifespan=thirty_days)  # expires 2026-12-01T15:00Z
    assert _token_spec.rotation_due(existing, None, NOW) is None
    assert _token_spec.rotation_due(existing, 86400, NOW) is None
    assert _token_spec.rotation_due(existing, 3 * 86400, NOW) == (
        "it expires at 2026-12-01T15:00:00.000Z, within rotate_before (3d)"
    )
    forever = tok("t2", lifespan="9223372036854775807")
    assert _token_spec.rotation_due(forever, 10**12, NOW) is None
    expired = tok("t3", lifespan=1)
    assert _token_spec.rotation_due(expired, 0, NOW) is not None


def test_new_token_metadata_is_built_locally():
    secret = "0123456789" + "x" * 26 + "last06"
    meta = _token_spec.new_token_metadata(secret, "ci", ["streams:read"], 3600, NOW)
    assert meta == {
        "id": "0123456789",
        "name": "ci",
        "scopes": ["streams:read"],
        "last_chars": "last06",
        "created_at": "2026-11-29T15:00:00.000Z",
        "lifespan": 3600,
        "expires_at": "2026-11-29T16:00:00.000Z",
        "expired": False,
        "last_used": "2026-11-29T15:00:00.000Z",
    }
    assert _token_spec.new_token_metadata(secret, "ci", [], None, NOW)["lifespan"] == 3154000000
