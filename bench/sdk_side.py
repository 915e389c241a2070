"""Run the SDK child process (bench.sdk_client) and turn each run into a Sample."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchError, RequestLog, Sample, run_measured, tail


@dataclass(frozen=True)
class Sdk:
    """.venv-bench's python, the repository root (for ``-m bench.sdk_client``) and the run environment."""

    python: Path
    root: Path
    env: dict[str, str]
    log: RequestLog

    def run(self, scenario: str, loops: int) -> Sample:
        """One process: wall_s includes interpreter start-up, import and set-up; op_s does not."""
        cmd = [str(self.python), "-m", "bench.sdk_client", scenario, str(loops), str(self.log.path)]
        done = run_measured(cmd, self.env, self.root)
        if done.returncode != 0:
            raise BenchError(f"the SDK run failed (exit {done.returncode}):\n{tail(done.output)}")
        try:
            data = json.loads(done.output.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError) as err:
            raise BenchError(f"the SDK run printed no result ({err}):\n{tail(done.output)}") from err
        return Sample(
            wall_s=done.wall_s,
            op_s=data["ops_s"] / loops,
            requests_per_op=data["requests"] / loops,
            peak_rss_mib=done.peak_rss_mib,
            extra={key: float(data[key]) for key in ("import_s", "setup_s", "setup_requests")},
        )
