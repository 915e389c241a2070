"""What is compared: each scenario is one operation done three ways (our module, uri tasks, the SDK)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    """One operation; ``*_tasks`` is how many Ansible tasks (loop items) one operation takes."""

    name: str
    title: str
    ours_label: str
    ours_playbook: str
    ours_tasks: int
    uri_playbook: str
    uri_tasks: int
    default: bool = True


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        name="gather",
        title="facts: server info + version + apps + user + token list (1 op = 1 gather)",
        ours_label="speckle_server_info",
        ours_playbook="gather_ours.yml",
        ours_tasks=1,
        uri_playbook="gather_uri.yml",
        uri_tasks=5,
    ),
    Scenario(
        name="token_ensure",
        title="ensure a token exists, when it already does (1 op = 1 ensure)",
        ours_label="speckle_token",
        ours_playbook="token_ensure_ours.yml",
        ours_tasks=1,
        uri_playbook="token_ensure_uri.yml",
        uri_tasks=2,
    ),
    Scenario(
        name="token_cycle",
        title="create a token, then revoke it, both idempotent (1 op = create + revoke)",
        ours_label="speckle_token",
        ours_playbook="token_cycle_ours.yml",
        ours_tasks=2,
        uri_playbook="token_cycle_uri.yml",
        uri_tasks=4,
        default=False,
    ),
)


def select(names: list[str] | None) -> list[Scenario]:
    """The scenarios named (``all``: every one), in their fixed order; the default ones when none are named."""
    if not names:
        return [s for s in SCENARIOS if s.default]
    return [s for s in SCENARIOS if "all" in names or s.name in names]
