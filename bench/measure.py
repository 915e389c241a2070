"""Measure child processes (wall time, peak RSS) and count requests in the emulator's request log."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The first request of an email and password login; it answers 302 with an access code.
LOGIN_PATH = "/auth/local/login"


class BenchError(RuntimeError):
    """A run failed or gave numbers that cannot be trusted; the benchmark stops with the reason."""


@dataclass(frozen=True)
class Finished:
    """One child process: exit code, wall seconds, peak RSS in MiB and its combined output."""

    returncode: int
    wall_s: float
    peak_rss_mib: float
    output: str


@dataclass(frozen=True)
class Sample:
    """One timed run of one side of a scenario, normalised per operation (one gather, one ensure...)."""

    wall_s: float
    op_s: float
    requests_per_op: float
    peak_rss_mib: float
    extra: dict[str, float] = field(default_factory=dict)


def run_measured(cmd: Sequence[str], env: Mapping[str, str], cwd: Path) -> Finished:
    """Run ``cmd`` and reap it with wait4, whose rusage also covers the descendants it waited for.

    ru_maxrss is the peak of the largest single process in that tree (for ansible-playbook the controller),
    not a sum, and costs nothing to read.
    """
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        with subprocess.Popen(cmd, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out) as proc:
            status, usage = os.wait4(proc.pid, 0)[1:]
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Finished(proc.returncode, wall, usage.ru_maxrss / 1024, output)


class RequestLog:
    """The emulator's --request-log; it writes each line before answering, so counts taken after a run are exact."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []

    def mark(self) -> int:
        """The position to count from."""
        return len(self._lines())

    def since(self, mark: int) -> list[dict[str, object]]:
        """API requests logged after ``mark``; the emulator's own control endpoints do not count."""
        entries = [json.loads(line) for line in self._lines()[mark:]]
        api = [e for e in entries if not str(e.get("path", "")).startswith("/__emulator__")]
        failed = [e for e in api if not _answered(e)]
        if failed:
            raise BenchError(f"the emulator answered {len(failed)} request(s) with an error, e.g. {failed[0]}")
        return api


def _answered(entry: dict[str, object]) -> bool:
    """200, or the 302 with which the local login hands its access code to the web app."""
    return entry.get("status") == 200 or (entry.get("path") == LOGIN_PATH and entry.get("status") == 302)


def logins(entries: list[dict[str, object]]) -> int:
    """How many email and password logins the entries hold (the first step of the local login flow)."""
    return sum(1 for entry in entries if entry.get("path") == LOGIN_PATH)


def median(values: Sequence[float]) -> float:
    """Median; the benchmark reports medians so that one slow run does not move the result."""
    return statistics.median(values) if values else float("nan")


def tail(text: str, lines: int = 30) -> str:
    """The end of a failed run's output, which is where Ansible and Python put the reason."""
    return "\n".join(text.splitlines()[-lines:])
