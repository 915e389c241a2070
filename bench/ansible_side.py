"""Run the benchmark playbooks with ansible-playbook and turn each run into a Sample."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchError, RequestLog, Sample, logins, run_measured, tail

PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
ELAPSED = re.compile(r"BENCH_ELAPSED=([0-9.]+)")


@dataclass(frozen=True)
class Ansible:
    """Where ansible-playbook lives and the environment each run gets (collection path, URL, token)."""

    bin_dir: Path
    python: Path
    env: dict[str, str]
    log: RequestLog

    def run(self, playbook: str, loops: int) -> Sample:
        """One ansible-playbook run of ``playbook`` looping its work ``loops`` times.

        The interpreter is pinned so that module runs use the venv with requests. op_s comes from the
        playbook's own clock around the looped tasks; wall_s includes ansible-playbook's start-up. The logins
        the run spent are counted too: a real server allows only a few.
        """
        cmd = [
            str(self.bin_dir / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={self.python}",
            "-e",
            f"bench_loops={loops}",
            str(PLAYBOOKS / playbook),
        ]
        mark = self.log.mark()
        done = run_measured(cmd, self.env, PLAYBOOKS)
        if done.returncode != 0:
            raise BenchError(f"{playbook} failed (exit {done.returncode}):\n{tail(done.output)}")
        requests = self.log.since(mark)
        found = ELAPSED.search(done.output)
        if found is None:
            raise BenchError(f"{playbook} printed no BENCH_ELAPSED:\n{tail(done.output)}")
        return Sample(
            wall_s=done.wall_s,
            op_s=float(found.group(1)) / loops,
            requests_per_op=len(requests) / loops,
            peak_rss_mib=done.peak_rss_mib,
            extra={"logins_per_run": float(logins(requests))},
        )
