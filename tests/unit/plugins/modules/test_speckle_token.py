# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""speckle_token end to end through main(): every HTTP exchange is pinned, every message exact."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import stat

import pytest

from ansible_collections.speckle.server.plugins.module_utils import _run_lock, _secret_file, _token_replace
from ansible_collections.speckle.server.plugins.module_utils._errors import ConnectionFailure
from ansible_collections.speckle.server.plugins.modules import speckle_token
from ansible_collections.speckle.server.tests.unit.plugins.module_utils.fakes import Exchange, json_response

from .token_helpers import (
    GQL,
    LOGIN_TOKEN,
    NEW_LISTED,
    NEW_SECRET,
    SESSION_TOKEN,
    USER,
    Runner,
    api_token,
    create,
    create_error,
    forbidden,
    listing,
    login_exchanges,
    logout_exchange,
    probe,
    relisting,
    revoke,
    revoke_gone,
    warnings,
)

OLD = api_token("0ldt0ken01", "ci", ["streams:read", "profile:read"])
OTHER = api_token("0therxxxx1", "other", ["profile:read"])
CI = {"name": "ci", "scopes": ["profile:read", "streams:read"]}
ALL_SCOPES_EXCEPT_WRITE = ["profile:read", "tokens:read"]
FILE_SECRET = "0ldt0ken01" + "F" * 32


@pytest.fixture
def run(monkeypatch, capsys, tmp_path_factory):
    return Runner(speckle_token, monkeypatch, capsys, lock_dir=tmp_path_factory.mktemp("locks"))


def mutations(run) -> list[str]:
    return [sent["body"]["operationName"] for sent in run.sent if "mutation" in sent["body"].get("query", "")[:9]]


# --- creating and keeping -----------------------------------------------------------------------------------------


def test_create_costs_three_requests_and_builds_metadata_locally(run):
    result = run(
        {**CI, "scopes": ["profile:read", "streams:read", "profile:read"]},
        [listing(OTHER), create(CI), relisting(OTHER)],
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert {key: result[key] for key in result if key not in ("invocation", "token", "changed")} == {
        "token_id": "a1b2c3d4e5",
        "name": "ci",
        "scopes": ["profile:read", "streams:read"],
        "last_chars": "9120c1",
        "created_at": "2026-11-29T15:00:00.000Z",
        "expires_at": "2126-11-10T06:06:40.000Z",
        "expired": False,
        "lifespan": 3154000000,
        "last_used": "2026-11-29T15:00:00.000Z",
        "revoked_ids": [],
    }
    assert len(run.sent) == 3


def test_lifespan_duration_is_sent_in_milliseconds(run):
    result = run({**CI, "lifespan": "90d"}, [listing(), create({**CI, "lifespan": 7776000000}), relisting()])
    assert result["lifespan"] == 7776000
    assert result["expires_at"] == "2027-02-27T15:00:00.000Z"


def test_lifespan_beyond_javascript_precision_is_sent_as_a_string(run):
    result = run(
        {**CI, "lifespan": 9223372036854775},
        [listing(), create({**CI, "lifespan": "9223372036854775000"}), relisting()],
    )
    assert result["lifespan"] == 9223372036854775
    assert result["expires_at"] is None


def test_limit_resources_are_sent_at_creation(run):
    resources = [{"type": "project", "id": "0000000000"}, {"type": "workspace", "id": "ws1"}]
    run({**CI, "limit_resources": resources}, [listing(), create({**CI, "limitResources": resources}), relisting()])


def test_token_as_wanted_costs_one_request(run):
    result = run({**CI, "scopes": ["streams:read", "profile:read", "streams:read"]}, [listing(OTHER, OLD)])
    assert result["changed"] is False
    assert result["token"] is None
    assert result["token_id"] == "0ldt0ken01"
    assert result["scopes"] == ["streams:read", "profile:read"]
    assert result["revoked_ids"] == []
    assert len(run.sent) == 1


def test_lifespan_not_given_is_not_compared(run):
    short = api_token("0ldt0ken01", "ci", ["streams:read", "profile:read"], lifespan=3600000)
    result = run(CI, [listing(short)])
    assert result["changed"] is False
    assert result["lifespan"] == 3600


def test_scopes_are_required_to_create(run):
    result = run({"name": "ci"}, [listing(OTHER)])
    assert result["failed"] is True
    assert result["msg"] == "scopes is required to create the token 'ci'."


def test_existing_token_without_scopes_option_is_kept(run):
    result = run({"name": "ci"}, [listing(OLD)])
    assert result["changed"] is False


# --- recreate policies ------------------------------------------------------------------------------------------


def test_never_fails_saying_what_differs_and_which_option_to_use(run):
    result = run({**CI, "scopes": ["streams:read"], "lifespan": "30d"}, [listing(OLD)])
    assert result["failed"] is True
    assert result["msg"] == (
        "The token 'ci' (id 0ldt0ken01) differs from the task: scopes are [streams:read, profile:read] but the task "
        "wants [streams:read]; lifespan is the server default (about 100 years) but the task wants 30d. A token "
        "cannot be changed in place: set recreate=state_change to replace it with a new token (or recreate=always to "
        "replace it on every run)."
    )
    assert result["token_id"] == "0ldt0ken01"
    assert mutations(run) == []


def test_state_change_creates_first_then_revokes(run):
    wanted = {"name": "ci", "scopes": ["streams:read"]}
    result = run(
        {**wanted, "recreate": "state_change"},
        [listing(OLD), create(wanted), relisting(OLD), revoke("0ldt0ken01")],
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert mutations(run) == ["SpeckleApiTokenCreate", "SpeckleApiTokenRevoke"]


def test_state_change_keeps_an_equal_token(run):
    result = run({**CI, "recreate": "state_change"}, [listing(OLD)])
    assert result["changed"] is False


def test_replacement_keeps_old_lifespan_when_not_given(run):
    short = api_token("0ldt0ken01", "ci", ["streams:read", "profile:read"], lifespan=3600000)
    result = run(
        {"name": "ci", "scopes": ["streams:read"], "recreate": "state_change"},
        [
            listing(short),
            create({"name": "ci", "scopes": ["streams:read"], "lifespan": 3600000}),
            relisting(short),
            revoke("0ldt0ken01"),
        ],
    )
    assert result["lifespan"] == 3600


def test_always_replaces_on_every_run(run):
    result = run(
        {"name": "ci", "recreate": "always"},
        [
            listing(OLD),
            create({"name": "ci", "scopes": ["streams:read", "profile:read"]}),
            relisting(OLD),
            revoke("0ldt0ken01"),
        ],
    )
    assert result["changed"] is True
    assert result["scopes"] == ["streams:read", "profile:read"]
    assert result["revoked_ids"] == ["0ldt0ken01"]


def test_lifespan_difference_under_state_change(run):
    result = run(
        {**CI, "lifespan": 3600, "recreate": "state_change"},
        [listing(OLD), create({**CI, "lifespan": 3600000}), relisting(OLD), revoke("0ldt0ken01")],
    )
    assert result["lifespan"] == 3600


# --- rotation -----------------------------------------------------------------------------------------------------


def test_rotate_before_replaces_a_token_expiring_soon_whatever_recreate_says(run):
    soon = api_token(
        "0ldt0ken01",
        "ci",
        ["streams:read", "profile:read"],
        created="2026-11-01T15:00:00.000Z",
        lifespan=30 * 86400 * 1000,
    )
    result = run(
        {**CI, "lifespan": "30d", "rotate_before": "7d"},
        [listing(soon), create({**CI, "lifespan": 2592000000}), relisting(soon), revoke("0ldt0ken01")],
    )
    assert result["changed"] is True
    assert result["expires_at"] == "2026-12-29T15:00:00.000Z"


def test_rotate_before_keeps_a_token_with_time_left(run):
    fresh = api_token(
        "0ldt0ken01",
        "ci",
        ["streams:read", "profile:read"],
        created="2026-11-28T15:00:00.000Z",
        lifespan=30 * 86400 * 1000,
    )
    result = run({**CI, "lifespan": "30d", "rotate_before": "7d"}, [listing(fresh)])
    assert result["changed"] is False


# An hour-long token created half an hour before NOW: it expires at 15:30, within a rotate_before of 2h.
HOUR_TOKEN = api_token(
    "0ldt0ken01", "ci", ["streams:read", "profile:read"], created="2026-11-29T14:30:00.000Z", lifespan=3600000
)


def test_rotation_due_replaces_a_token_that_differs_under_recreate_never(run):
    result = run(
        {**CI, "lifespan": "3h", "rotate_before": "2h"},
        [listing(HOUR_TOKEN), create({**CI, "lifespan": 10800000}), relisting(HOUR_TOKEN), revoke("0ldt0ken01")],
        diff=True,
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["lifespan"] == 10800
    assert result["expires_at"] == "2026-11-29T18:00:00.000Z"
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert mutations(run) == ["SpeckleApiTokenCreate", "SpeckleApiTokenRevoke"]
    assert [tok["lifespan"] for tok in result["diff"]["before"]["tokens"]] == [3600]
    assert [tok["lifespan"] for tok in result["diff"]["after"]["tokens"]] == [10800]


def test_rotation_due_takes_the_tasks_scopes_too(run):
    wanted = {"name": "ci", "scopes": ["streams:read"], "lifespan": 10800000}
    result = run(
        {"name": "ci", "scopes": ["streams:read"], "lifespan": "3h", "rotate_before": "2h", "recreate": "never"},
        [listing(HOUR_TOKEN), create(wanted), relisting(HOUR_TOKEN), revoke("0ldt0ken01")],
    )
    assert result["changed"] is True
    assert result["scopes"] == ["streams:read"]


def test_rotated_token_is_kept_on_the_next_run(run):
    rotated = api_token(
        "a1b2c3d4e5", "ci", ["profile:read", "streams:read"], created="2026-11-29T15:00:00.000Z", lifespan=10800000
    )
    result = run({**CI, "lifespan": "3h", "rotate_before": "2h"}, [listing(rotated)])
    assert result["changed"] is False
    assert result["token_id"] == "a1b2c3d4e5"
    assert len(run.sent) == 1


def test_never_still_fails_on_a_difference_when_no_rotation_is_due(run):
    # Expires at 17:30: 2.5 hours left, more than rotate_before.
    later = api_token(
        "0ldt0ken01", "ci", ["streams:read", "profile:read"], created="2026-11-29T14:30:00.000Z", lifespan=10800000
    )
    result = run({**CI, "lifespan": "4h", "rotate_before": "2h"}, [listing(later)])
    assert result["failed"] is True
    assert result["msg"] == (
        "The token 'ci' (id 0ldt0ken01) differs from the task: lifespan is 3h but the task wants 4h. A token cannot "
        "be changed in place: set recreate=state_change to replace it with a new token (or recreate=always to "
        "replace it on every run)."
    )
    assert mutations(run) == []


def test_check_mode_predicts_a_rotation_that_differs_under_recreate_never(run):
    result = run({**CI, "lifespan": "3h", "rotate_before": "2h"}, [listing(HOUR_TOKEN)], check_mode=True)
    assert result["changed"] is True
    assert result["token"] is None
    assert result["lifespan"] == 10800
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert mutations(run) == []


def test_expired_token_without_rotate_before_warns(run):
    dead = api_token("0ldt0ken01", "ci", ["streams:read", "profile:read"], lifespan=1000)
    result = run(CI, [listing(dead)])
    assert result["changed"] is False
    assert result["expired"] is True
    assert warnings(result) == [
        "The token 'ci' (id 0ldt0ken01) expired at 2026-11-01T12:00:01.000Z and no longer works. Set rotate_before "
        "(for example 7d) to replace tokens before they expire."
    ]


# --- duplicates ---------------------------------------------------------------------------------------------------


def test_duplicate_names_fail_listing_ids(run):
    twin = api_token("twintoken2", "ci", ["streams:read", "profile:read"])
    result = run({**CI, "recreate": "state_change"}, [listing(OLD, twin), listing(OLD, twin)])
    assert result["failed"] is True
    assert result["msg"] == (
        "There are 2 tokens named 'ci' (ids: 0ldt0ken01, twintoken2), so the module cannot tell which one to manage. "
        "Set recreate=always to replace them all with one new token, or state=absent (optionally with token_id) to "
        "revoke them."
    )
    assert result["token_ids"] == ["0ldt0ken01", "twintoken2"]
    assert mutations(run) == []
    assert run.sleeps == [1.0]  # listed again after a second, in case a run elsewhere was between create and revoke


def test_always_replaces_all_duplicates_with_one(run):
    twin = api_token("twintoken2", "ci", ["profile:read", "streams:read"])
    result = run(
        {"name": "ci", "recreate": "always"},
        [
            listing(OLD, twin),
            create({"name": "ci", "scopes": ["streams:read", "profile:read"]}),
            relisting(OLD, twin),
            revoke("0ldt0ken01"),
            revoke("twintoken2"),
        ],
    )
    assert result["revoked_ids"] == ["0ldt0ken01", "twintoken2"]


def test_always_with_duplicates_of_different_scopes_needs_scopes(run):
    twin = api_token("twintoken2", "ci", ["profile:read"])
    result = run({"name": "ci", "recreate": "always"}, [listing(OLD, twin)])
    assert result["msg"] == "scopes is required to replace the 2 tokens named 'ci': their scopes differ."


# --- absent -------------------------------------------------------------------------------------------------------


def test_absent_revokes_every_token_with_the_name(run):
    twin = api_token("twintoken2", "ci", ["profile:read"])
    result = run(
        {"name": "ci", "state": "absent"}, [listing(OLD, OTHER, twin), revoke("0ldt0ken01"), revoke("twintoken2")]
    )
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01", "twintoken2"]
    assert result["token"] is None
    assert result["token_id"] is None


def test_absent_again_is_ok(run):
    result = run({"name": "ci", "state": "absent"}, [listing(OTHER)])
    assert result["changed"] is False
    assert result["revoked_ids"] == []


def test_absent_when_the_server_already_revoked_it(run):
    result = run({"name": "ci", "state": "absent"}, [listing(OLD), revoke_gone("0ldt0ken01")])
    assert result["changed"] is False
    assert result["revoked_ids"] == []
    assert "failed" not in result


def test_absent_by_token_id(run):
    twin = api_token("twintoken2", "ci", ["profile:read"])
    result = run(
        {"name": "ci", "state": "absent", "token_id": "twintoken2"}, [listing(OLD, twin), revoke("twintoken2")]
    )
    assert result["revoked_ids"] == ["twintoken2"]


def test_absent_by_token_id_of_another_name_fails(run):
    result = run({"name": "ci", "state": "absent", "token_id": "0therxxxx1"}, [listing(OLD, OTHER)])
    assert result["msg"] == ("token_id 0therxxxx1 belongs to the token named 'other', not 'ci'; nothing was revoked.")
    assert mutations(run) == []


def test_absent_revoke_failure_reports_what_was_revoked(run):
    twin = api_token("twintoken2", "ci", ["profile:read"])
    broken = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenRevoke")
    result = run({"name": "ci", "state": "absent"}, [listing(OLD, twin), revoke("0ldt0ken01"), *[broken] * 4])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert result["msg"] == (
        "Revoking the token 'ci' (id twintoken2) failed: The server failed with HTTP 502 (after 3 retries). Check "
        "the server's health and logs, then run again. When the task runs again, the tokens already revoked are "
        "skipped."
    )
    assert run.sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    "lost", [json_response(502, {}), ConnectionFailure("The connection broke")], ids=["502", "dropped"]
)
def test_absent_after_a_lost_revoke_answer_repeats_it_and_counts_it_revoked(run, lost):
    """The first revoke was applied but its answer lost; the repeat hears "Did not revoke token"."""
    result = run(
        {"name": "ci", "state": "absent"},
        [listing(OLD), Exchange(GQL, lost, "SpeckleApiTokenRevoke"), revoke_gone("0ldt0ken01")],
    )
    assert "failed" not in result
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert run.sleeps == [0.5]


# --- credentials and scopes ---------------------------------------------------------------------------------------


PAT = "patpat0001" + "p" * 32
PAT_LISTED = api_token("patpat0001", "reader", ALL_SCOPES_EXCEPT_WRITE)


def test_pat_without_tokens_write_fails_before_any_mutation(run):
    result = run(CI, [listing(PAT_LISTED, auth=PAT)], credentials={"token": PAT})
    assert result["failed"] is True
    assert result["msg"] == (
        "The token used lacks the scope tokens:write, which creating and revoking tokens needs: it is a personal "
        "access token (id patpat0001) holding profile:read, tokens:read, and a personal access token can never hold "
        "tokens:write on current servers. Set email and password instead of token (or use a login token)."
    )
    assert mutations(run) == []


def test_pat_without_tokens_write_can_still_confirm_an_unchanged_token(run):
    result = run(CI, [listing(PAT_LISTED, OLD, auth=PAT)], credentials={"token": PAT})
    assert result["changed"] is False


def test_pat_without_tokens_read_gets_the_login_hint(run):
    result = run(
        CI, [forbidden("SpeckleActiveUserTokens", ["activeUser", "apiTokens"], "tokens:read", {"activeUser": None})]
    )
    assert result["msg"] == (
        "The token lacks the scope tokens:read, which listing the user's tokens needs. Managing tokens needs "
        "tokens:read and tokens:write, and a personal access token can never hold tokens:write on current servers. "
        "Set email and password instead of token (or use a login token)."
    )


def test_no_credentials_at_all(run):
    answer = Exchange(GQL, json_response(200, {"data": {"activeUser": None}}), "SpeckleActiveUserTokens", auth=None)
    result = run(CI, [answer], credentials={})
    assert result["msg"] == (
        "Listing the user's tokens needs authentication, and the server returned no user: set email and password "
        "(or a token)."
    )


def test_login_token_lacking_tokens_write_is_told_by_the_server(run):
    refused = forbidden("SpeckleApiTokenCreate", ["apiTokenCreate"], "tokens:write", None)
    result = run(CI, [listing(), refused])
    assert result["msg"] == (
        "The token used lacks the scope tokens:write, which creating and revoking tokens needs. Set email and "
        "password instead of token (or use a login token)."
    )


def test_unknown_scope_is_refused_with_a_hint_and_the_callers_scopes(run):
    wanted = {"name": "ci", "scopes": ["streams:read", "not:a:scope"]}
    refused = create_error(wanted, "You can't create a token with scopes that you don't have")
    result = run(wanted, [listing(), refused])
    assert result["msg"] == (
        "The server refused to create the token 'ci' with the scopes streams:read, not:a:scope: You can't create a "
        "token with scopes that you don't have. Not a scope this server registers: not:a:scope (a token can hold "
        "apps:read, apps:write, streams:read, streams:write, profile:read, profile:write, profile:email, "
        "profile:delete, users:read, server:stats, users:email, server:setup, tokens:read, tokens:write, "
        "users:invite). The caller uses a login token (from email and password, or an app), which holds every scope "
        "the account can grant."
    )


def test_tokens_write_cannot_be_granted(run):
    wanted = {"name": "ci", "scopes": ["tokens:write"]}
    refused = create_error(wanted, "You can't create a personal access token with the tokens:write scope")
    result = run(wanted, [listing(), refused])
    assert result["msg"] == (
        "The server refused to create the token 'ci' with the scopes tokens:write: You can't create a personal "
        "access token with the tokens:write scope. The caller uses a login token (from email and password, or an "
        "app), which holds every scope the account can grant."
    )


def test_pat_with_tokens_write_cannot_grant_a_scope_it_lacks(run):
    writer = "writer0001" + "w" * 32
    listed = api_token("writer0001", "limited-writer", ["profile:read", "tokens:read", "tokens:write"])
    result = run(
        {"name": "ci", "scopes": ["profile:read", "streams:write"]},
        [listing(listed, auth=writer)],
        credentials={"token": writer},
    )
    assert result["msg"] == (
        "The token 'ci' cannot be created with the scopes profile:read, streams:write: the caller can only grant "
        "scopes it holds itself, and it lacks streams:write. The caller's token is a personal access token (id "
        "writer0001) holding: profile:read, tokens:read, tokens:write."
    )
    assert mutations(run) == []


def test_pat_with_tokens_write_creates_within_its_scopes(run):
    writer = "writer0001" + "w" * 32
    listed = api_token("writer0001", "limited-writer", ["profile:read", "tokens:read", "tokens:write"])
    wanted = {"name": "ci", "scopes": ["profile:read"]}
    result = run(
        wanted,
        [listing(listed, auth=writer), create(wanted, auth=writer), relisting(listed, auth=writer)],
        credentials={"token": writer},
    )
    assert result["changed"] is True


def test_sql_error_text_never_reaches_the_user(run):
    refused = create_error(
        CI,
        'insert into "api_tokens" ("id", "lifespan") values ($1, $2) returning * - value "9" is out of range for '
        "type bigint",
        code="INTERNAL_SERVER_ERROR",
    )
    result = run(CI, [listing(), refused])
    assert result["msg"] == (
        "Creating the token 'ci' failed. The server returned an error: the server failed with a database error "
        "(details withheld: they contain SQL) (path: apiTokenCreate, code: INTERNAL_SERVER_ERROR) The caller uses a "
        "login token (from email and password, or an app), which holds every scope the account can grant."
    )


def test_email_and_password_log_in_and_out(run):
    credentials = {"email": USER["email"], "password": "hunter2-password"}
    result = run(
        CI,
        [
            *login_exchanges(),
            listing(auth=SESSION_TOKEN),
            create(CI, auth=SESSION_TOKEN),
            relisting(auth=SESSION_TOKEN),
            logout_exchange(),
        ],
        credentials=credentials,
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert SESSION_TOKEN not in json.dumps(result)


def test_email_and_password_log_out_after_a_failure(run):
    credentials = {"email": USER["email"], "password": "hunter2-password"}
    result = run(
        {**CI, "scopes": ["streams:read"]},
        [*login_exchanges(), listing(OLD, auth=SESSION_TOKEN), logout_exchange()],
        credentials=credentials,
    )
    assert result["failed"] is True


# --- validation before any request --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "msg"),
    [
        ({"name": ""}, "name must be 1 to 512 characters long; got 0."),
        ({"name": "n" * 513}, "name must be 1 to 512 characters long; got 513."),
        ({"name": "ci", "scopes": []}, "scopes must list at least one scope."),
        ({"name": "ci", "scopes": ["a", " "]}, "scopes must not contain empty names."),
        (
            {"name": "ci", "lifespan": 0},
            "lifespan must be more than 0 seconds and at most 9223372036854775 seconds "
            "(the server keeps it in milliseconds in a 64-bit integer); got 0.",
        ),
        (
            {"name": "ci", "lifespan": -5},
            "lifespan must be more than 0 seconds and at most 9223372036854775 seconds "
            "(the server keeps it in milliseconds in a 64-bit integer); got -5.",
        ),
        (
            {"name": "ci", "lifespan": 9223372036854776},
            "lifespan must be more than 0 seconds and at most "
            "9223372036854775 seconds (the server keeps it in milliseconds in a 64-bit integer); got 9223372036854776.",
        ),
        (
            {"name": "ci", "lifespan": "soon"},
            "lifespan must be a number of seconds or a duration such as 90d, 12h, 30m, 45s, 1w or 1d12h; got 'soon'.",
        ),
        (
            {"name": "ci", "lifespan": "7d", "rotate_before": "1w"},
            "rotate_before (7d) must be shorter than lifespan (7d); otherwise every run would replace the token.",
        ),
        ({"name": "ci", "rotate_before": -1}, "rotate_before must be at least 0s; got -1."),
        (
            {"name": "ci", "token_id": "0ldt0ken01"},
            "token_id selects a token to revoke and needs state=absent; with state=present the token is found by name.",
        ),
        (
            {"name": "ci", "state": "absent", "token_id": "short"},
            "token_id must be a token's id: its first 10 "
            "characters, as speckle_token_info returns it; got 5 characters.",
        ),
        (
            {"name": "ci", "dest": "/nonexistent-dir/token"},
            "The directory of dest (/nonexistent-dir) does not exist; create it first.",
        ),
        ({"name": "ci", "dest": "/tmp"}, "dest /tmp is a directory; give the path of the file to hold the token."),
    ],
)
def test_options_are_validated_before_any_request_even_the_login(run, args, msg):
    credentials = {"email": USER["email"], "password": "hunter2-password"}
    result = run(args, [], credentials=credentials)
    assert result["failed"] is True
    assert result["msg"] == msg
    assert run.sent == []


# --- nothing is lost ----------------------------------------------------------------------------------------------


def test_revoke_failure_after_recreate_warns_and_returns_the_new_token(run):
    broken = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenRevoke")
    wanted = {"name": "ci", "scopes": ["streams:read"]}
    result = run(
        {**wanted, "recreate": "state_change", "retries": 1},
        [listing(OLD), create(wanted), relisting(OLD), broken, broken],
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["revoked_ids"] == []
    assert warnings(result) == [
        "The new token 'ci' (id a1b2c3d4e5) was created, but revoking the old token(s) failed: 0ldt0ken01: The "
        "server failed with HTTP 502 (after 1 retry). Check the server's health and logs, then run again. Revoke "
        "them with state=absent and token_id."
    ]
    assert NEW_SECRET not in json.dumps(result["warnings"])


def test_recreate_repeats_a_revoke_whose_answer_was_lost(run):
    dropped = Exchange(GQL, ConnectionFailure("The connection broke"), "SpeckleApiTokenRevoke")
    wanted = {"name": "ci", "scopes": ["streams:read"]}
    result = run(
        {**wanted, "recreate": "state_change"},
        [listing(OLD), create(wanted), relisting(OLD), dropped, revoke("0ldt0ken01")],
    )
    assert result["token"] == NEW_SECRET
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert warnings(result) == []


UNKNOWN = (
    "Creating the token 'ci' had an unknown outcome: The server answered HTTP 502 to the SpeckleApiTokenCreate "
    "mutation, so it may or may not have been applied; it was not retried so nothing is done twice."
)


def test_unknown_create_outcome_revokes_the_orphan_and_fails(run):
    lost = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenCreate")
    orphan = api_token("orphan0001", "ci", ["streams:read"], created="2026-11-29T15:00:00.000Z")
    result = run(
        {"name": "ci", "scopes": ["streams:read"], "recreate": "state_change"},
        [listing(OLD, OTHER), lost, listing(OLD, OTHER, orphan), revoke("orphan0001")],
    )
    assert result["failed"] is True
    assert result["msg"] == (
        f"{UNKNOWN} The server had created it after all (id orphan0001), but its secret was lost, so it was revoked "
        "again. Run the task again."
    )
    assert result["revoked_ids"] == ["orphan0001"]


def test_unknown_create_outcome_when_nothing_was_created(run):
    lost = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenCreate")
    result = run(CI, [listing(OTHER), lost, listing(OTHER)])
    assert result["msg"] == f"{UNKNOWN} The server did not create it, so nothing changed. Run the task again."


PENDING = (
    "Creating the token 'ci' had an unknown outcome: The server answered HTTP 504 to the SpeckleApiTokenCreate "
    "mutation, so it may or may not have been applied; it was not retried so nothing is done twice."
)


def test_timed_out_create_is_listed_again_after_the_timeout_and_a_late_orphan_revoked(run):
    timed_out = Exchange(GQL, json_response(504, {}), "SpeckleApiTokenCreate")
    orphan = api_token("orphan0002", "ci", ["streams:read"], created="2026-11-29T15:00:00.000Z")
    result = run(
        {**CI, "timeout": 0.01},
        [listing(OTHER), timed_out, listing(OTHER), listing(OTHER, orphan), revoke("orphan0002")],
    )
    assert result["msg"] == (
        f"{PENDING} The server had created it after all (id orphan0002), but its secret was lost, so it was revoked "
        "again. Run the task again."
    )
    assert result["revoked_ids"] == ["orphan0002"]


def test_timed_out_create_that_never_appears_says_it_may_yet_appear(run):
    timed_out = Exchange(GQL, json_response(504, {}), "SpeckleApiTokenCreate")
    result = run({**CI, "timeout": 0.01}, [listing(OTHER), timed_out, listing(OTHER), listing(OTHER)])
    assert result["msg"] == (
        f"{PENDING} No new token named 'ci' had appeared 0.01 seconds later, so it was probably not created; but if "
        "the server is still working on the request, it may yet appear, with a secret nobody has. List the tokens "
        "with speckle.server.speckle_token_info, revoke any you do not know (state=absent with token_id), then run "
        "the task again."
    )


def test_unknown_create_outcome_and_the_check_fails_too(run):
    lost = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenCreate")
    down = Exchange(GQL, json_response(403, {"error": "Your token is not valid."}), "SpeckleActiveUserTokens")
    result = run(CI, [listing(), lost, down])
    assert result["msg"] == (
        f"{UNKNOWN} Checking whether the server created it failed as well (The server rejected the token: the token "
        "is invalid, expired or revoked (HTTP 403 'Your token is not valid.'). Check token or SPECKLE_TOKEN, or "
        "create a new token.), so a token named 'ci' whose secret is lost may exist: list the tokens with "
        "speckle.server.speckle_token_info and revoke any you do not know."
    )


# --- check mode and diff ------------------------------------------------------------------------------------------


def test_check_mode_predicts_a_creation_without_mutation(run):
    result = run({**CI, "lifespan": "1h"}, [listing()], check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["token"] is None
    assert result["token_id"] is None
    assert result["lifespan"] == 3600
    assert result["diff"] == {
        "before": {"tokens": []},
        "after": {
            "tokens": [
                {
                    "id": None,
                    "name": "ci",
                    "scopes": ["profile:read", "streams:read"],
                    "last_chars": None,
                    "created_at": None,
                    "lifespan": 3600,
                    "expires_at": None,
                    "expired": False,
                    "last_used": None,
                }
            ]
        },
    }


def test_check_mode_predicts_a_replacement(run):
    result = run(
        {"name": "ci", "scopes": ["streams:read"], "recreate": "state_change"}, [listing(OLD)], check_mode=True
    )
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert result["token"] is None


def test_check_mode_absent(run):
    result = run({"name": "ci", "state": "absent"}, [listing(OLD)], check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert result["diff"]["after"] == {"tokens": []}
    assert result["diff"]["before"]["tokens"][0]["id"] == "0ldt0ken01"


def test_check_mode_still_reports_a_pat_that_could_not_write(run):
    result = run(CI, [listing(PAT_LISTED, auth=PAT)], credentials={"token": PAT}, check_mode=True)
    assert result["failed"] is True


def test_diff_never_holds_the_secret(run):
    wanted = {"name": "ci", "scopes": ["streams:read"]}
    result = run(
        {**wanted, "recreate": "state_change"},
        [listing(OLD), create(wanted), relisting(OLD), revoke("0ldt0ken01")],
        diff=True,
    )
    assert NEW_SECRET not in json.dumps(result["diff"])
    assert result["diff"]["before"]["tokens"][0]["id"] == "0ldt0ken01"
    assert result["diff"]["after"]["tokens"][0]["id"] == "a1b2c3d4e5"


# --- dest ---------------------------------------------------------------------------------------------------------


def test_dest_is_written_0600(run, tmp_path):
    dest = tmp_path / "ci-token"
    result = run({**CI, "dest": str(dest)}, [listing(), create(CI), relisting()])
    assert result["changed"] is True
    assert dest.read_text() == NEW_SECRET + "\n"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["ci-token"]


def test_dest_mode_option_wins(run, tmp_path):
    dest = tmp_path / "ci-token"
    run({**CI, "dest": str(dest), "mode": "0640"}, [listing(), create(CI), relisting()])
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640


def test_dest_verified_costs_one_more_request(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET + "\n")
    dest.chmod(0o600)
    result = run({**CI, "dest": str(dest)}, [listing(OLD), probe(FILE_SECRET)])
    assert result["changed"] is False
    assert result["token"] is None
    assert FILE_SECRET not in json.dumps(result)


def test_dest_with_loose_mode_is_tightened(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET + "\n")
    dest.chmod(0o644)
    result = run({**CI, "dest": str(dest)}, [listing(OLD), probe(FILE_SECRET)])
    assert result["changed"] is True
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_dest_whose_token_no_longer_authenticates_is_replaced(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET + "\n")
    result = run(
        {**CI, "dest": str(dest)},
        [listing(OLD), probe(FILE_SECRET, valid=False), create(CI), relisting(OLD), revoke("0ldt0ken01")],
    )
    assert result["changed"] is True
    assert result["revoked_ids"] == ["0ldt0ken01"]
    assert dest.read_text() == NEW_SECRET + "\n"


def test_dest_holding_another_token_is_replaced_without_probing(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text("someother1" + "x" * 32)
    run({**CI, "dest": str(dest)}, [listing(OLD), create(CI), relisting(OLD), revoke("0ldt0ken01")])
    assert dest.read_text() == NEW_SECRET + "\n"


def test_missing_dest_replaces_the_token(run, tmp_path):
    dest = tmp_path / "ci-token"
    result = run({**CI, "dest": str(dest)}, [listing(OLD), create(CI), relisting(OLD), revoke("0ldt0ken01")])
    assert result["changed"] is True
    assert dest.read_text() == NEW_SECRET + "\n"


def test_token_revoked_behind_our_back_is_recreated_into_dest(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET + "\n")
    result = run({**CI, "dest": str(dest)}, [listing(OTHER), create(CI), relisting(OTHER)])
    assert result["changed"] is True
    assert dest.read_text() == NEW_SECRET + "\n"


def test_check_mode_leaves_dest_alone(run, tmp_path):
    dest = tmp_path / "ci-token"
    result = run({**CI, "dest": str(dest)}, [listing()], check_mode=True)
    assert result["changed"] is True
    assert not dest.exists()


def test_dest_write_failure_revokes_the_new_token(run, tmp_path, monkeypatch):
    def fail(_path, _secret):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_token_replace, "write_secret", fail)
    result = run({**CI, "dest": str(tmp_path / "t")}, [listing(OLD), create(CI), relisting(OLD), revoke("a1b2c3d4e5")])
    assert result["failed"] is True
    assert result["msg"] == (
        f"Writing the new token 'ci' to {tmp_path / 't'} failed (No space left on device), so it was revoked again; "
        "the old token(s) were left as they were."
    )
    assert "token" not in result


def test_dest_write_and_revoke_failure_hands_the_secret_back(run, tmp_path, monkeypatch):
    def fail(_path, _secret):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_token_replace, "write_secret", fail)
    broken = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenRevoke")
    result = run({**CI, "dest": str(tmp_path / "t")}, [listing(), create(CI), relisting(), *[broken] * 4])
    assert result["failed"] is True
    assert result["token"] == NEW_SECRET
    assert NEW_SECRET not in result["msg"]
    assert result["msg"].startswith(f"Writing the new token 'ci' (id a1b2c3d4e5) to {tmp_path / 't'} failed")


def test_absent_removes_dest(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET)
    result = run({"name": "ci", "state": "absent", "dest": str(dest)}, [listing(OLD), revoke("0ldt0ken01")])
    assert result["changed"] is True
    assert not dest.exists()


def test_no_leftover_temp_files_when_rename_fails(tmp_path, monkeypatch):
    def refuse(_src, _dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        _secret_file.write_secret(str(tmp_path / "t"), NEW_SECRET)
    assert list(tmp_path.iterdir()) == []


def test_login_token_is_never_in_the_output(run):
    result = run(CI, [listing(), create(CI), relisting()])
    assert LOGIN_TOKEN not in json.dumps(result)


def test_dest_holding_junk_is_replaced_without_probing(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text("not a token\n")
    result = run({**CI, "dest": str(dest)}, [listing(OLD), create(CI), relisting(OLD), revoke("0ldt0ken01")])
    assert result["changed"] is True
    assert result["name"] == "ci"
    assert dest.read_text() == NEW_SECRET + "\n"


@pytest.mark.parametrize("inside", ["\0", "é", "\x1b"])
def test_dest_holding_a_character_no_header_carries_is_replaced_without_probing(run, tmp_path, inside):
    # The right id, but the probe would have sent the character in its Authorization header.
    dest = tmp_path / "ci-token"
    dest.write_text("0ldt0ken01" + inside + "x" * 31 + "\n", encoding="utf-8")
    result = run({**CI, "dest": str(dest)}, [listing(OLD), create(CI), relisting(OLD), revoke("0ldt0ken01")])
    assert result["changed"] is True
    assert dest.read_text() == NEW_SECRET + "\n"


# --- runs on one machine take turns -------------------------------------------------------------------------------


def lock_file(directory) -> str:
    return _run_lock.lock_path(str(directory), ("https://speckle.example.org", "ci"))


def hold_lock(path: str, operation: int = fcntl.LOCK_EX) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, operation)
    return descriptor


def test_the_lock_file_is_named_by_a_hash_and_holds_nothing(run, tmp_path):
    locks = tmp_path / "locks"
    run({**CI, "lock_dir": str(locks)}, [listing(OLD)])
    digest = hashlib.sha256(json.dumps(["https://speckle.example.org", "ci"]).encode()).hexdigest()
    assert [(p.name, p.stat().st_size) for p in locks.iterdir()] == [(f"{digest}.lock", 0)]
    assert stat.S_IMODE(locks.stat().st_mode) == 0o700


def test_a_run_that_waited_for_the_lock_finds_the_token_the_first_run_made(run, tmp_path):
    path = lock_file(tmp_path)
    other = hold_lock(path)

    def first_run_finishes(_seconds):
        os.close(other)  # the first run created the token and let go of the lock

    run.on_sleep = first_run_finishes
    result = run({**CI, "lock_dir": str(tmp_path)}, [listing(NEW_LISTED)])
    assert result["changed"] is False
    assert result["token_id"] == "a1b2c3d4e5"
    assert result["token"] is None
    assert run.sleeps == [0.02]


def test_the_wait_for_the_lock_is_bounded_by_timeout_and_nothing_is_sent(run, tmp_path):
    path = lock_file(tmp_path)
    other = hold_lock(path)
    try:
        result = run({**CI, "lock_dir": str(tmp_path), "timeout": 0.3}, [])
    finally:
        os.close(other)
    assert result["failed"] is True
    assert result["msg"] == (
        f"Another run managing the token 'ci' on https://speckle.example.org held the lock {path} for more than "
        "timeout (0.3 seconds), so this run did not list or change any token. Run the task again, or raise timeout."
    )
    assert run.sleeps == pytest.approx([0.02, 0.04, 0.08, 0.16])
    assert run.sent == []


def test_check_mode_runs_share_the_lock(run, tmp_path):
    other = hold_lock(lock_file(tmp_path), fcntl.LOCK_SH)
    try:
        result = run({**CI, "lock_dir": str(tmp_path)}, [listing()], check_mode=True)
    finally:
        os.close(other)
    assert result["changed"] is True
    assert run.sleeps == []


def test_check_mode_waits_for_a_run_that_changes_the_token(run, tmp_path):
    other = hold_lock(lock_file(tmp_path))
    try:
        result = run({**CI, "lock_dir": str(tmp_path), "timeout": 0.1}, [], check_mode=True)
    finally:
        os.close(other)
    assert result["msg"].startswith("Another run managing the token 'ci' on https://speckle.example.org held the lock")
    assert run.sent == []


def test_an_unsafe_default_lock_directory_fails_before_the_login(run, monkeypatch, tmp_path):
    shared = tmp_path / "world"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(_run_lock, "default_lock_dir", lambda: str(shared))
    result = run(CI, [], credentials={"email": USER["email"], "password": "hunter2-password"})
    assert result["msg"] == (
        f"The lock directory {shared} is not safe to use: other users can write to it (mode 0777). Remove it, or set "
        "lock_dir to a directory only this user can write to."
    )
    assert run.sent == []


# --- runs on different machines: the token created first stays ---------------------------------------------------


# Created at the same moment by a run elsewhere: 1 ms before this run's token (NEW_LISTED, at NOW), or at the same ms.
RIVAL_FIRST = api_token("r1va1t0ken", "ci", ["profile:read", "streams:read"], created="2026-11-29T14:59:59.999Z")
RIVAL_LATER = api_token("r1va1t0ken", "ci", ["profile:read", "streams:read"], created="2026-11-29T15:00:00.001Z")
RIVAL_SAME_MS_SMALLER_ID = api_token("0000000001", "ci", ["profile:read"], created="2026-11-29T15:00:00.000Z")
RIVAL_SAME_MS_LARGER_ID = api_token("zzzzzzzzz1", "ci", ["profile:read"], created="2026-11-29T15:00:00.000Z")
LOST_LEAD = (
    "Another run created a token named 'ci' at the same moment as this run, and its token (id {winner}) was created "
    "first, so that one stays and the other run holds its secret."
)
SHARED_ADVICE = (
    "For a token that many hosts share, run the task once (run_once, then copy the secret to the hosts) or one host "
    "at a time (throttle: 1)."
)


def test_a_run_whose_token_came_second_revokes_it_and_fails(run):
    result = run(CI, [listing(OTHER), create(CI), relisting(OTHER, RIVAL_FIRST), revoke("a1b2c3d4e5")])
    assert result["failed"] is True
    assert result["msg"] == (
        f"{LOST_LEAD.format(winner='r1va1t0ken')} This run revoked its own new token (id a1b2c3d4e5). This run "
        f"changed nothing else. {SHARED_ADVICE}"
    )
    assert result["revoked_ids"] == ["a1b2c3d4e5"]
    assert "token" not in result
    assert NEW_SECRET not in json.dumps(result)


def test_a_run_whose_token_came_first_keeps_it_and_leaves_the_rival_to_its_run(run):
    result = run(CI, [listing(), create(CI), relisting(RIVAL_LATER)])
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["revoked_ids"] == []
    assert mutations(run) == ["SpeckleApiTokenCreate"]


@pytest.mark.parametrize(
    ("rival", "stays"),
    [(RIVAL_SAME_MS_SMALLER_ID, "0000000001"), (RIVAL_SAME_MS_LARGER_ID, "a1b2c3d4e5")],
    ids=["rival-smaller-id", "rival-larger-id"],
)
def test_tokens_created_in_the_same_millisecond_go_by_the_smallest_id(run, rival, stays):
    exchanges = [listing(), create(CI), relisting(rival)]
    if stays != "a1b2c3d4e5":
        exchanges.append(revoke("a1b2c3d4e5"))
    result = run(CI, exchanges)
    assert result.get("failed", False) is (stays != "a1b2c3d4e5")
    assert result["revoked_ids"] == ([] if stays == "a1b2c3d4e5" else ["a1b2c3d4e5"])


def test_a_lost_rotation_leaves_dest_and_the_old_token_as_they_were(run, tmp_path):
    dest = tmp_path / "ci-token"
    dest.write_text(FILE_SECRET + "\n")
    result = run(
        {**CI, "dest": str(dest)},
        [
            listing(OLD),
            probe(FILE_SECRET, valid=False),
            create(CI),
            relisting(OLD, RIVAL_FIRST),
            revoke("a1b2c3d4e5"),
        ],
    )
    assert result["msg"] == (
        f"{LOST_LEAD.format(winner='r1va1t0ken')} This run revoked its own new token (id a1b2c3d4e5). This run "
        f"changed nothing else, and left {dest} as it was. {SHARED_ADVICE}"
    )
    assert dest.read_text() == FILE_SECRET + "\n"
    assert mutations(run) == ["SpeckleApiTokenCreate", "SpeckleApiTokenRevoke"]
    assert run.sent[-1]["body"]["variables"] == {"token": "a1b2c3d4e5"}  # its own, never the old one


def test_tokens_there_before_the_listing_are_replaced_not_rivals(run):
    """An older token of the name that this run listed is the one it replaces, not a run elsewhere."""
    result = run(
        {**CI, "recreate": "always"},
        [listing(OLD), create(CI), relisting(OLD, RIVAL_LATER), revoke("0ldt0ken01")],
    )
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["revoked_ids"] == ["0ldt0ken01"]


def test_a_lost_race_whose_revoke_fails_hands_the_secret_back(run):
    broken = Exchange(GQL, json_response(502, {}), "SpeckleApiTokenRevoke")
    result = run({**CI, "retries": 1}, [listing(), create(CI), relisting(RIVAL_FIRST), broken, broken])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert result["token_id"] == "a1b2c3d4e5"
    assert result["msg"] == (
        f"{LOST_LEAD.format(winner='r1va1t0ken')} Revoking this run's own new token (id a1b2c3d4e5) failed (The "
        "server failed with HTTP 502 (after 1 retry). Check the server's health and logs, then run again.), so it is "
        "left beside the token that stays. Its secret is in this result's token: revoke it with state=absent and "
        f"token_id a1b2c3d4e5. {SHARED_ADVICE}"
    )
    assert NEW_SECRET not in result["msg"]


def test_a_new_token_revoked_at_once_by_a_run_elsewhere(run, tmp_path):
    dest = tmp_path / "ci-token"
    result = run({**CI, "dest": str(dest)}, [listing(OLD), create(CI), listing(RIVAL_LATER)])
    assert result["failed"] is True
    assert result["msg"] == (
        "The new token 'ci' (id a1b2c3d4e5) was gone right after this run created it: another run revoked it at the "
        f"same moment (it replaced the token, or revoked it with state=absent). This run changed nothing else, and "
        f"left {dest} as it was. Run the task again. {SHARED_ADVICE}"
    )
    assert not dest.exists()
    assert mutations(run) == ["SpeckleApiTokenCreate"]


def test_a_failed_check_for_runs_elsewhere_keeps_the_new_token_and_warns(run):
    down = Exchange(GQL, json_response(403, {"error": "Your token is not valid."}), "SpeckleActiveUserTokens")
    result = run(CI, [listing(), create(CI), down])
    assert result["changed"] is True
    assert result["token"] == NEW_SECRET
    assert warnings(result) == [
        "The new token 'ci' (id a1b2c3d4e5) was created, but listing the tokens again, to check that no other run "
        "created one at the same moment, failed: The server rejected the token: the token is invalid, expired or "
        "revoked (HTTP 403 'Your token is not valid.'). Check token or SPECKLE_TOKEN, or create a new token. If "
        "another run did, there are now several tokens named 'ci': list them with speckle.server.speckle_token_info "
        "and revoke the ones nobody uses."
    ]


def test_duplicates_that_settle_in_the_second_listing_are_no_error(run):
    """A run elsewhere was between its create and its revoke: a second later one token is left."""
    result = run(CI, [listing(OLD, RIVAL_LATER), listing(OLD)])
    assert result["changed"] is False
    assert result["token_id"] == "0ldt0ken01"
    assert run.sleeps == [1.0]
