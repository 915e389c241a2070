# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers of the speckle_faults target: the seeded schedule, the emulator's control calls and the final checks.

    python fault_suite.py schedule SEED LANES OUT      write the schedule (JSON)
    python fault_suite.py arm URL FAULT_JSON           arm one fault on the emulator at URL
    python fault_suite.py settle URL NAMES LOG DELAYED  disarm what is left; print the emulator's token view
    python fault_suite.py check ...                    leaks, fault coverage, final state and the summary line

The schedule aims every fault kind at each of the three token operations (the list query, the create and the
revoke mutation; the after_mutation kinds only at the mutations), at the login flow (the login, the access-code
exchange and the logout) and at speckle_session's own query (SpeckleSessionUser, after the login and before the
logout), and deals the pairs to lanes, each with an emulator of its own. The login flow is the same code in a task
that logs in with email and password and in speckle_session, so each kind aimed at it goes to one of the two,
alternately; the faults a task's logout cannot outlast go to speckle_session, which fails and says to run it
again. A session step is a play: log in with speckle_session, run the step's task with the session's token, log
out in always:.
A small model of each managed name's state (after the playbook's "run the task again") picks a task that sends
the aimed-at request, so every armed fault fires; the playbook asserts that it did.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import urllib.request

NAMES = ("fault-a", "fault-b", "fault-c")
OPERATIONS = {
    "list": "SpeckleActiveUserTokens",
    "create": "SpeckleApiTokenCreate",
    "revoke": "SpeckleApiTokenRevoke",
}
# The login flow, hit by tasks with email and password ("login", "exchange", "logout") and by speckle_session
# (the "session_" targets).
AUTH_PATHS = {
    "login": "/auth/local/login",
    "exchange": "/auth/token",
    "logout": "/auth/logout",
    "session_login": "/auth/local/login",
    "session_exchange": "/auth/token",
    "session_logout": "/auth/logout",
}
# speckle_session's query: after the login (whose user is it?) and before the logout (is it still logged in?).
# Both send SpeckleSessionUser; the fault for the logout's is armed after the login, right before the logout.
SESSION_QUERIES = {"session_user": "SpeckleSessionUser", "session_logout_user": "SpeckleSessionUser"}
# The kinds that reach a query: the after_mutation kinds wait for a mutation and never fire there.
QUERY_KINDS = ("status:429", "status:500", "status:502", "status:503", "status:504", "html", "delay", "drop")
# At the access-code exchange, only the kinds that answer before the server issued a session token. A lost
# exchange (a timeout, after_mutation:*) leaves a session token nobody has, hence nobody can log out: the
# invariants forbid it and no client can help it (integration target speckle_token covers that case).
EXCHANGE_KINDS = ("status:429", "status:500", "status:502", "status:503", "status:504", "html", "drop")
# At the logout a task with email and password can only warn when every attempt fails (the session token then
# stays valid, which the invariants forbid), so it gets only faults its retries outlast; integration target
# speckle_token covers the rest. speckle_session fails instead and says to run it again, which the playbook does:
# its logout also gets the other kinds, and faults that use up every attempt.
LOGOUT_KINDS = (
    "status:429",
    "status:502",
    "status:503",
    "status:504",
    "delay",
    "drop",
    "after_mutation:drop",
    "after_mutation:502",
)
# (label, emulator kind, extra fault fields). The module runs with timeout 1.5 s: the delay is a timeout (and, for a
# mutation, a request that the server completes after the client gave up).
KINDS = (
    ("status:429", "status:429", {"retry_after": "0.05"}),
    ("status:500", "status:500", {}),
    ("status:502", "status:502", {}),
    ("status:503", "status:503", {}),
    ("status:504", "status:504", {}),
    ("html", "html", {}),
    ("delay", "delay", {"delay": 2.2}),
    ("drop", "drop", {}),
    ("after_mutation:drop", "after_mutation:drop", {}),
    ("after_mutation:502", "after_mutation:502", {}),
)
RETRIES = 2  # the playbook's module_defaults: a query (or a 429) is tried 3 times
SCOPE_SETS = (["profile:read"], ["streams:read", "profile:read"], ["profile:read", "tokens:read"])
LIFESPAN = "2h"


class NameState:
    """What one managed name looks like once its last task converged."""

    def __init__(self) -> None:
        self.present = False
        self.scopes = list(SCOPE_SETS[0])
        self.in_dest = False


def _op_args(op: str, state: NameState, rng: random.Random) -> dict:
    """The task's options for an operation; ``state`` is the name's state before the run."""
    if op == "absent":
        return {"state": "absent"}
    if op == "keep":
        args = {"scopes": list(state.scopes), "lifespan": LIFESPAN}
        if rng.random() < 0.5:
            args["rotate_before"] = "1h"
        return args
    if op == "change":
        others = [list(scopes) for scopes in SCOPE_SETS if set(scopes) != set(state.scopes)]
        return {"scopes": rng.choice(others), "lifespan": LIFESPAN, "recreate": "state_change"}
    if op == "always":
        args = {"lifespan": LIFESPAN, "recreate": "always"}
        if not state.present or rng.random() < 0.5:
            args["scopes"] = list(state.scopes)
        return args
    if op == "rotate":  # the token lives 2h: due when it expires within 3h; lifespan and scopes carry over
        return {"rotate_before": "3h"}
    return {}  # info


def _creates(op: str, state: NameState, dest: bool) -> bool:
    if op in ("change", "always", "rotate"):
        return True
    if op == "keep":
        return not state.present or (dest and not state.in_dest)
    return False


def _revokes(op: str, state: NameState, dest: bool) -> bool:
    return state.present and (op == "absent" or _creates(op, state, dest))


def _reaches_always(target: str) -> bool:
    """Every run lists, and every run with email and password or through a session logs in and out."""
    return target == "list" or target in AUTH_PATHS or target in SESSION_QUERIES


def _candidates(target: str, states: dict) -> list:
    """(name, op, dest) choices whose run sends the request the fault is aimed at."""
    found = []
    for name, state in states.items():
        for op in ("keep", "change", "always", "rotate", "absent", "info"):
            if op == "rotate" and not state.present:
                continue
            for dest in (False, True):
                if op == "info" and dest:
                    continue
                if _reaches_always(target):
                    reaches = True
                elif target == "create":
                    reaches = _creates(op, state, dest)
                else:
                    reaches = _revokes(op, state, dest)
                if reaches:
                    found.append((name, op, dest))
    return found


def _fault(label: str, target: str, rng: random.Random) -> dict:
    kind, extra = next((kind, extra) for name, kind, extra in KINDS if name == label)
    count = 1
    lost_answer = kind in ("status:502", "status:503", "status:504", "drop") or kind.startswith("after_mutation")
    # Everything but the create is repeated after a lost answer; a 429 is repeated for every request.
    if kind == "status:429" or (target != "create" and lost_answer):
        count = rng.randint(1, RETRIES if target == "logout" else RETRIES + 1)  # RETRIES + 1 uses up every attempt
    if target in AUTH_PATHS:
        aim = {"path": AUTH_PATHS[target]}
    else:
        aim = {"operationName": {**OPERATIONS, **SESSION_QUERIES}[target]}
    return {"kind": kind, "count": count, **aim, **extra}


def _auth(target: str, rng: random.Random) -> str:
    """How the step's task authenticates: its own token, its own login, or through a speckle_session play."""
    if target.startswith("session_"):
        return "session"
    if target in AUTH_PATHS:
        return "login"
    return rng.choice(["token", "login"])


def _advance(op: str, state: NameState, dest: bool, args: dict) -> None:
    """The name's state once the task has converged (the playbook reruns a failed task without a fault)."""
    if op == "info":
        return
    if op == "absent":
        state.present, state.in_dest = False, False
        return
    created = _creates(op, state, dest)
    if "scopes" in args:
        state.scopes = list(args["scopes"])
    if created:
        state.in_dest = dest
    state.present = True


def _lane(combos: list, rng: random.Random) -> list:
    """The steps of one lane (one emulator): each fault kind/operation pair once, in the order given."""
    states = {name: NameState() for name in NAMES}
    steps: list = []
    pending = list(combos)
    while pending:
        # The first pair some task can reach; a revoke needs a token, so a creating pair may go first.
        found = next(((pair, _candidates(pair[1], states)) for pair in pending if _candidates(pair[1], states)), None)
        if found is None:  # only revoke-aimed pairs are left, and no name holds a token: a step that creates one
            pair, choices = ("status:503", "list"), [(name, "keep", False) for name in NAMES]
        else:
            pair, choices = found
            pending.remove(pair)
        label, target = pair
        op = rng.choice(sorted({op for _name, op, _dest in choices}))  # every operation as likely, then a name
        name, op, dest = rng.choice([choice for choice in choices if choice[1] == op])
        state = states[name]
        args = _op_args(op, state, rng)
        step = {
            "n": len(steps) + 1,
            "name": name,
            "module": "info" if op == "info" else "token",
            "op": op,
            "auth": _auth(target, rng),
            # The fault for the logout's query is armed after the login (which sends the same query).
            "arm_at": "logout" if target == "session_logout_user" else "start",
            "dest": dest,
            "state": args.get("state", "present"),
            "scopes": args.get("scopes"),
            "lifespan": args.get("lifespan"),
            "recreate": args.get("recreate"),
            "rotate_before": args.get("rotate_before"),
            "fault_label": label,
            "target": target,
            "fault": _fault(label, target, rng),
        }
        _advance(op, state, dest, args)
        step["expect_present"] = state.present
        steps.append(step)
    return steps


def build_schedule(seed: int, lanes: int) -> dict:
    """Every fault kind aimed at every operation, shuffled and dealt to ``lanes`` lanes that run side by side."""
    rng = random.Random(seed)
    labels = [label for label, _kind, _extra in KINDS]
    combos = [(label, target) for label in labels for target in OPERATIONS]
    combos = [(label, target) for label, target in combos if not (label.startswith("after_") and target == "list")]
    # The login flow: each kind once, alternately from a task with email and password and from speckle_session,
    # in a seeded order (another seed swaps them); at the logout, the kinds a task's logout cannot outlast go to
    # speckle_session.
    for target, kinds in (("login", labels), ("exchange", EXCHANGE_KINDS), ("logout", LOGOUT_KINDS)):
        shuffled = rng.sample(kinds, len(kinds))
        combos += [(label, target if i % 2 else f"session_{target}") for i, label in enumerate(shuffled)]
    combos += [(label, "session_logout") for label in labels if label not in LOGOUT_KINDS]
    combos += [(label, target) for label in QUERY_KINDS for target in SESSION_QUERIES]
    rng.shuffle(combos)
    return {
        "seed": seed,
        "names": list(NAMES),
        "lanes": [_lane(combos[lane::lanes], rng) for lane in range(lanes)],
        "combos": [list(combo) for combo in combos],
    }


# --------------------------------------------------------------------------------------------------
# The emulator's control endpoints


def _call(method: str, url: str, body: object = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read().decode())


def arm(url: str, fault_json: str) -> dict:
    return _call("POST", f"{url}/__emulator__/faults", json.loads(fault_json))


def settle(url: str, names_json: str, request_log: str | None, delayed: int) -> dict:
    """Wait for the delayed requests, disarm what is left, and take the token view the playbook asserts on.

    A delayed request goes on after the client gave up; the emulator logs it once it is done, so the view is
    taken once the request log holds ``delayed`` of them (the delay faults armed so far).
    """
    deadline = time.monotonic() + 10
    while request_log and time.monotonic() < deadline:
        with open(request_log, encoding="utf-8") as handle:
            if sum('"fault":"delay"' in line for line in handle) >= delayed:
                break
        time.sleep(0.05)
    leftover = _call("GET", f"{url}/__emulator__/faults")["faults"]
    _call("DELETE", f"{url}/__emulator__/faults")
    tokens = _call("GET", f"{url}/__emulator__/tokens")["tokens"]
    names = json.loads(names_json)
    by_name = {
        name: [tok["id"] for tok in tokens if tok["name"] == name and tok["kind"] == "personal"] for name in names
    }
    return {
        "leftover": leftover,
        "by_name": by_name,
        "managed_ids": sorted(token_id for ids in by_name.values() for token_id in ids),
        "dupes": sorted(name for name, ids in by_name.items() if len(ids) > 1),
        "app_ids": sorted(tok["id"] for tok in tokens if tok["kind"] == "app"),
    }


# --------------------------------------------------------------------------------------------------
# The final checks


def _read_lines(path: str) -> list:
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


LOGOUT_QUERY = "SpeckleSessionUser before the logout"


def _read_fired(request_log: str, fired: set) -> int:
    """Add the (fault kind, aim) pairs of one lane's log to ``fired``; return how many requests were faulted.

    SpeckleSessionUser is sent after a login (after /auth/token) and before a logout; the fault for the latter
    is armed (POST /__emulator__/faults) after the login, so whichever of the two came last tells them apart.
    """
    injected = 0
    after = None
    with open(request_log, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            if entry["path"] == "/auth/token" or (entry["method"], entry["path"]) == ("POST", "/__emulator__/faults"):
                after = entry["path"]
            if not entry.get("fault"):
                continue
            injected += 1
            aim = entry.get("operationName") or entry.get("path")
            if aim == "SpeckleSessionUser" and after != "/auth/token":
                aim = LOGOUT_QUERY
            fired.add((entry["fault"], aim))
    return injected


def check(args: argparse.Namespace) -> int:
    """Leaks, fault coverage and the server's final state; print the summary line."""
    secrets = sorted({line for path in args.secrets for line in _read_lines(path) if len(line) == 42})
    password = _read_lines(args.password_file)[0]
    admin_token = _read_lines(args.admin_token_file)[0]
    outputs = {}
    for path in args.output:
        with open(path, encoding="utf-8", errors="replace") as handle:
            outputs[path] = handle.read()
    # Every token in full and its 32-character secret part (the 10-character id is public), and the credentials.
    needles = [needle for secret in secrets for needle in (secret, secret[10:])] + [password, admin_token]
    leaks = sum(text.count(needle) for needle in needles for text in outputs.values())

    with open(args.schedule, encoding="utf-8") as handle:
        schedule = json.load(handle)
    stats: dict = {}
    for path in args.stats:
        with open(path, encoding="utf-8") as handle:
            for key, value in json.load(handle).items():
                stats[key] = stats.get(key, 0) + value
    fired: set = set()
    injected = 0
    for path in args.request_log:
        injected += _read_fired(path, fired)
    kinds = {label: kind for label, kind, _extra in KINDS}
    aims = {**OPERATIONS, **AUTH_PATHS, **SESSION_QUERIES, "session_logout_user": LOGOUT_QUERY}
    missing = [
        f"{label} at {target}" for label, target in schedule["combos"] if (kinds[label], aims[target]) not in fired
    ]

    # The server's final state, once more: one token at most per name, and only tokens whose secret is known.
    known = {secret[:10] for secret in secrets}
    duplicates = orphans = 0
    for url in args.url:
        view = settle(url, json.dumps(schedule["names"]), None, 0)
        duplicates += len(view["dupes"])
        orphans += len(set(view["managed_ids"]) - known)

    problems = []
    if len(secrets) < 10:
        problems.append(f"only {len(secrets)} secrets were collected; the leak check would prove little")
    if leaks:
        problems.append(f"{leaks} occurrence(s) of a secret or a credential in the -vvvv output or the Ansible log")
    if missing:
        problems.append(f"faults that never fired: {', '.join(missing)}")
    if duplicates or orphans:
        problems.append(f"the final state has {duplicates} duplicated names and {orphans} orphans")
    print(
        f"fault suite (seed {schedule['seed']}, {len(schedule['lanes'])} lanes): {stats['runs']} module runs: "
        f"{stats['steps']} steps ({stats['failed']} failed by their fault), {stats['reruns']} reruns, "
        f"{stats['repairs']} revocations a warning advised; {stats['sessions']} of the runs through a session, "
        f"{stats['logouts_again']} session logouts run again as their failure advised; "
        f"{len(schedule['combos']) - len(missing)} of "
        f"{len(schedule['combos'])} fault kind/operation pairs fired; {len(secrets)} secrets and the credentials "
        f"searched in {sum(len(text.splitlines()) for text in outputs.values())} lines of output"
    )
    print(
        f"fault suite: {stats['steps']} steps, {injected} faults injected, {duplicates} duplicates, {orphans} orphans, "
        f"{leaks} leaked secrets"
    )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sched = commands.add_parser("schedule")
    sched.add_argument("seed", type=int)
    sched.add_argument("lanes", type=int)
    sched.add_argument("out")
    arm_parser = commands.add_parser("arm")
    arm_parser.add_argument("url")
    arm_parser.add_argument("fault")
    settle_parser = commands.add_parser("settle")
    settle_parser.add_argument("url")
    settle_parser.add_argument("names")
    settle_parser.add_argument("request_log")
    settle_parser.add_argument("delayed", type=int, help="how many delayed requests the log must hold")
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--schedule", required=True)
    check_parser.add_argument("--stats", action="append", required=True, help="a lane's counters")
    check_parser.add_argument("--request-log", action="append", required=True, help="a lane's emulator log")
    check_parser.add_argument("--url", action="append", required=True, help="a lane's emulator")
    check_parser.add_argument("--secrets", action="append", required=True, help="a lane's secrets, one a line")
    check_parser.add_argument("--password-file", required=True)
    check_parser.add_argument("--admin-token-file", required=True)
    check_parser.add_argument("--output", action="append", required=True, help="a file of output to search")
    args = parser.parse_args(argv)
    if args.command == "schedule":
        schedule = build_schedule(args.seed, args.lanes)
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(schedule, handle, indent=1)
        return 0
    if args.command == "arm":
        print(json.dumps(arm(args.url, args.fault)))
        return 0
    if args.command == "settle":
        print(json.dumps(settle(args.url, args.names, args.request_log, args.delayed)))
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
