# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers of the speckle_token_race target.

    python race.py run --url URL --token-file FILE --name NAME --runs N --lock-dirs shared|each --work DIR
        N runs of speckle_token with the same arguments, started together; prints the outcomes and the
        emulator's tokens of NAME as one JSON line, and checks them (exit 1 and a reason when a check fails)
    python race.py tokens URL NAME
        the ids of the personal access tokens named NAME on the emulator at URL, as a JSON list

Each run is the module itself, invoked directly as Ansible's module debugging entry point does it (the
arguments in a file named on the command line), in a process of its own. Every process imports the module
first and then waits on its stdin, so that all runs begin at the same moment instead of one interpreter
start-up apart: a start-up takes longer than a whole run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import urllib.request

MODULE = "ansible_collections.speckle.server.plugins.modules.speckle_token"
LOST = re.compile(
    r"Another run created a token named '(?P<name>[^']+)' at the same moment as this run, and its token \(id "
    r"(?P<winner>\w{10})\) was created first, so that one stays and the other run holds its secret\. This run "
    r"revoked its own new token \(id (?P<own>\w{10})\)\. This run changed nothing else\. For a token that many "
    r"hosts share, run the task once \(run_once, then copy the secret to the hosts\) or one host at a time "
    r"\(throttle: 1\)\."
)


def emulator_tokens(url: str, name: str) -> list[str]:
    """Ids of the personal access tokens named ``name``, from the emulator's test-only endpoint."""
    with urllib.request.urlopen(f"{url}/__emulator__/tokens", timeout=10) as answer:
        tokens = json.load(answer)["tokens"]
    return sorted(tok["id"] for tok in tokens if tok["name"] == name and tok["kind"] == "personal")


def child(args_file: str) -> None:
    """Import the module, say so on stderr, wait for the go on stdin, then run it like Ansible's debug entry."""
    module = importlib.import_module(MODULE)
    sys.stderr.write("ready\n")
    sys.stderr.flush()
    sys.stdin.readline()
    sys.argv = [module.__file__, args_file]
    module.main()


def classify(stdout: str, stderr: str, name: str) -> dict:
    """One run's outcome: changed, ok, lost (the race message) or failed, and what it returned."""
    try:
        result = json.loads(stdout)
    except ValueError:
        return {"outcome": "no-json", "stderr": stderr[-2000:]}
    outcome = {"token": result.get("token"), "stderr": stderr}
    if not result.get("failed"):
        outcome["outcome"] = "changed" if result.get("changed") else "ok"
        outcome["token_id"] = result.get("token_id")
        return outcome
    lost = LOST.fullmatch(result.get("msg") or "")
    if lost and lost["name"] == name and result.get("revoked_ids") == [lost["own"]]:
        outcome.update(outcome="lost", winner=lost["winner"], own=lost["own"])
    else:
        outcome.update(outcome="failed", msg=result.get("msg"))
    return outcome


def start_runs(options: argparse.Namespace, token: str) -> list[subprocess.Popen]:
    collections = os.environ["ANSIBLE_COLLECTIONS_PATH"].split(os.pathsep)[0]
    env = {**os.environ, "PYTHONPATH": collections}
    processes = []
    for index in range(options.runs):
        lock_dir = os.path.join(options.work, "locks" if options.lock_dirs == "shared" else f"locks-{index}")
        module_args = {
            "server_url": options.url,
            "token": token,
            "name": options.name,
            "scopes": ["streams:read", "profile:read"],
            "lock_dir": lock_dir,
        }
        args_file = os.path.join(options.work, f"args-{options.lock_dirs}-{index}.json")
        with open(os.open(args_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            json.dump({"ANSIBLE_MODULE_ARGS": module_args}, out)
        processes.append(
            subprocess.Popen(
                [sys.executable, __file__, "child", args_file],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        )
    for process in processes:
        line = process.stderr.readline() if process.stderr else ""
        if line != "ready\n":
            raise SystemExit(f"a run did not get ready: {line}{process.stderr.read() if process.stderr else ''}")
    for process in processes:  # the go: every run starts its listing now (communicate closes stdin later)
        if process.stdin:
            process.stdin.write("go\n")
            process.stdin.flush()
    return processes


def check(options: argparse.Namespace, outcomes: list[dict], tokens: list[str]) -> list[str]:
    """What is wrong with the outcomes, as sentences; empty when all is well."""
    counts = {kind: sum(o["outcome"] == kind for o in outcomes) for kind in ("changed", "ok", "lost", "failed")}
    problems = []
    if len(tokens) != 1:
        problems.append(f"expected exactly 1 token named {options.name!r}, found {len(tokens)}: {tokens}")
    tracebacks = [o["stderr"] for o in outcomes if o.get("stderr")]
    if tracebacks:
        problems.append(f"{len(tracebacks)} run(s) wrote to stderr (a traceback?): {tracebacks[0][-1500:]}")
    others = [o for o in outcomes if o["outcome"] not in ("changed", "ok", "lost")]
    if others:
        problems.append(f"runs that ended other than changed, ok or the race message: {others}")
    returned = {o["token"][:10] for o in outcomes if o.get("token")}
    unheld = [token_id for token_id in tokens if token_id not in returned]
    if unheld:
        problems.append(f"tokens whose secret no run returned: {unheld}")
    winners = {o["winner"] for o in outcomes if o["outcome"] == "lost"}
    if winners - set(tokens):
        problems.append(f"a run gave way to a token that is not the one left: {sorted(winners)} vs {tokens}")
    if options.lock_dirs == "shared" and (counts["changed"], counts["ok"], counts["lost"]) != (1, options.runs - 1, 0):
        problems.append(f"one lock: expected 1 changed and {options.runs - 1} ok, got {counts}")
    if options.lock_dirs == "each" and counts["changed"] != 1:
        problems.append(f"a lock each: expected exactly 1 run to keep its new token, got {counts}")
    return problems


def run(options: argparse.Namespace) -> int:
    with open(options.token_file, encoding="utf-8") as handle:
        token = handle.read().strip()
    processes = start_runs(options, token)
    outcomes = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        outcomes.append(classify(stdout, stderr, options.name))
    tokens = emulator_tokens(options.url, options.name)
    counts = {kind: sum(o["outcome"] == kind for o in outcomes) for kind in ("changed", "ok", "lost", "failed")}
    summary = {
        "runs": options.runs,
        "lock_dirs": options.lock_dirs,
        **counts,
        "tracebacks": sum(bool(o.get("stderr")) for o in outcomes),
        "tokens_left": len(tokens),
        "secrets_returned": sum(bool(o.get("token")) for o in outcomes),
    }
    print(json.dumps(summary, sort_keys=True))
    problems = check(options, outcomes, tokens)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["child"]:
        child(argv[1])
        return 0
    if argv[:1] == ["tokens"]:
        print(json.dumps(emulator_tokens(argv[1], argv[2])))
        return 0
    parser = argparse.ArgumentParser(prog="race.py run")
    parser.add_argument("--url", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--lock-dirs", choices=("shared", "each"), required=True)
    parser.add_argument("--work", required=True)
    return run(parser.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
