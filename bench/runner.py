"""Run a scenario's sides N times each, and clean up after every run outside what is timed and counted."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from bench.ansible_side import Ansible
from bench.emulator_admin import Admin
from bench.measure import BenchError, Sample
from bench.scenarios import Scenario, Side
from bench.sdk_side import Sdk


@dataclass(frozen=True)
class Runner:
    """Runs one side of a scenario, then revokes what the run created (untimed, uncounted)."""

    ansible: Ansible
    sdk: Sdk
    admin: Admin

    def run(self, scenario: Scenario, side: Side, loops: int) -> Sample:
        """One run of ``side`` doing ``loops`` operations, then the clean-up."""
        sample = self._timed(scenario, side, loops)
        spent = sample.extra.get("logins_per_run")
        if spent is not None and spent != side.expected_logins(loops):
            raise BenchError(
                f"{scenario.name} ({side.label}) logged in {spent:.0f} time(s), not {side.expected_logins(loops)}"
            )
        if scenario.revoke_prefix is not None:
            revoked = self.admin.revoke_tokens(scenario.revoke_prefix)
            if revoked != loops:
                raise BenchError(
                    f"{scenario.name} ({side.label}) left {revoked} token(s) named {scenario.revoke_prefix}*, "
                    f"not the {loops} it should have created"
                )
        return sample

    def _timed(self, scenario: Scenario, side: Side, loops: int) -> Sample:
        if side.playbook is None:
            return self.sdk.run(scenario.name, loops)
        return self.ansible.run(side.playbook, loops)


def measure(
    scenario: Scenario, runner: Runner, repeats: int, loops: int | None, *, warmup: bool
) -> tuple[int, dict[str, list[Sample]]]:
    """K (``loops``, else the scenario's own), and N repeats of every side, interleaved so that drift on the
    machine hits all of them alike."""
    loops = loops or scenario.loops
    if scenario.revoke_prefix is not None:
        runner.admin.revoke_tokens(scenario.revoke_prefix)  # so that the first run's count is its own
    if warmup:
        # Untimed: warms the disk cache, and creates token_ensure's token so that timed runs find it.
        runner.run(scenario, next(side for side in scenario.sides if side.playbook), 1)
    samples: dict[str, list[Sample]] = {side.key: [] for side in scenario.sides}
    for repeat in range(1, repeats + 1):
        for side in scenario.sides:
            samples[side.key].append(runner.run(scenario, side, loops))
        print(f"  {scenario.name}: repeat {repeat}/{repeats} done", file=sys.stderr, flush=True)
    return loops, samples
