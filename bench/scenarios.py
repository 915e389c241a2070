"""What is compared: each scenario is one operation done several ways (sides), with ratios between them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The ways most scenarios compare: our module, plain uri tasks, the SDK.
OURS_RATIOS = (("ours / uri", "ours", "uri"), ("ours / SDK", "ours", "sdk"))


@dataclass(frozen=True)
class Side:
    """One way of doing the operation: an Ansible playbook, or the SDK child process when ``playbook`` is None.

    ``tasks`` is how many Ansible tasks (loop items) one operation takes; None for the SDK. ``logins`` is how
    often an Ansible run logs in with email and password: never (it uses SPECKLE_TOKEN), once, or once per
    operation; the harness checks it against the request log.
    """

    key: str
    label: str
    playbook: str | None = None
    tasks: int | None = None
    logins: Literal["never", "once", "each"] = "never"

    def expected_logins(self, loops: int) -> int:
        """The logins a run of ``loops`` operations must spend."""
        return {"never": 0, "once": 1, "each": loops}[self.logins]


@dataclass(frozen=True)
class Scenario:
    """One operation, its sides and the ratios printed as (label, numerator side, denominator side).

    ``loops`` is K when --loops is not given. ``revoke_prefix`` names the tokens a run creates: the harness
    revokes them after every run, outside the timed and counted part, and checks that the run made K of them.
    ``note`` is printed under the scenario's table.
    """

    name: str
    title: str
    sides: tuple[Side, ...]
    ratios: tuple[tuple[str, str, str], ...] = OURS_RATIOS
    default: bool = True
    loops: int = 3
    revoke_prefix: str | None = None
    note: str | None = None


def _ours_uri_sdk(label: str, playbook: str, tasks: int, uri_tasks: int) -> tuple[Side, ...]:
    stem = playbook.removesuffix("_ours.yml")
    return (
        Side("ours", label, playbook, tasks),
        Side("uri", "ansible.builtin.uri", f"{stem}_uri.yml", uri_tasks),
        Side("sdk", "specklepy (in-process)"),
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="gather",
        title="facts: server info + version + apps + user + token list (1 op = 1 gather)",
        sides=_ours_uri_sdk("speckle_server_info", "gather_ours.yml", 1, 5),
    ),
    Scenario(
        name="token_ensure",
        title="ensure a token exists, when it already does (1 op = 1 ensure)",
        sides=_ours_uri_sdk("speckle_token", "token_ensure_ours.yml", 1, 2),
    ),
    Scenario(
        name="token_cycle",
        title="create a token, then revoke it, both idempotent (1 op = create + revoke)",
        sides=_ours_uri_sdk("speckle_token", "token_cycle_ours.yml", 2, 4),
        default=False,
    ),
    Scenario(
        name="token_provision_login",
        title="provision new tokens with email and password (1 op = 1 new token)",
        sides=(
            Side("per_task", "per-task login", "token_provision_login_per_task.yml", 1, "each"),
            Side("session", "one speckle_session", "token_provision_login_session.yml", 1, "once"),
        ),
        ratios=(("per-task / session", "per_task", "session"),),
        # 60 module runs a repeat: 4 to 5 minutes for N=3 on 2 cores, so it is left out of the default set.
        default=False,
        loops=30,
        revoke_prefix="bench-login-",
        note="The session's login and logout are inside its time and requests, shared by the K tokens. The "
        "emulator runs with --no-rate-limit: a real server allows 4 logins per 10 minutes, then 10 more per "
        "30 minutes, so per-task login is refused after about 14 tokens; the session spends 1 login.",
    ),
)


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios named (``all``: every one), in their fixed order; the default ones when none are named."""
    if not names:
        return [s for s in SCENARIOS if s.default]
    return [s for s in SCENARIOS if "all" in names or s.name in names]
