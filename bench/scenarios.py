"""What is compared: each scenario is one operation done several ways (sides), with ratios between them."""

from __future__ import annotations

from dataclasses import dataclass

# The ways most scenarios compare: our module, plain uri tasks, the SDK.
OURS_RATIOS = (("ours / uri", "ours", "uri"), ("ours / SDK", "ours", "sdk"))


@dataclass(frozen=True)
class Side:
    """One way of doing the operation: an Ansible playbook, or the SDK child process when ``playbook`` is None.

    ``tasks`` is how many Ansible tasks (loop items) one operation takes; None for the SDK.
    """

    key: str
    label: str
    playbook: str | None = None
    tasks: int | None = None


@dataclass(frozen=True)
class Scenario:
    """One operation, its sides and the ratios printed as (label, numerator side, denominator side).

    ``loops`` is K when --loops is not given. ``revoke_prefix`` names the tokens a run creates: the harness
    revokes them after every run, outside the timed and counted part, and checks that the run made K of them.
    """

    name: str
    title: str
    sides: tuple[Side, ...]
    ratios: tuple[tuple[str, str, str], ...] = OURS_RATIOS
    default: bool = True
    loops: int = 3
    revoke_prefix: str | None = None


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
)


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios named (``all``: every one), in their fixed order; the default ones when none are named."""
    if not names:
        return [s for s in SCENARIOS if s.default]
    return [s for s in SCENARIOS if "all" in names or s.name in names]
