"""`make bench`: python -m bench --request-log FILE --ansible-venv DIR [--repeats N] [--loops K] [--scenario S].

bench/run.sh starts the emulator and exports SPECKLE_SERVER_URL and SPECKLE_TOKEN. The URL must be on
loopback: the benchmark never sends a request anywhere else.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from bench.ansible_side import Ansible
from bench.emulator_admin import Admin
from bench.measure import BenchError, RequestLog
from bench.report import format_scenario, scenario_result, write_json
from bench.runner import Runner, measure
from bench.scenarios import SCENARIOS, select
from bench.sdk_side import Sdk

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# What each number in the JSON file means.
NOTES = {
    "requests_per_op": "HTTP requests per operation, counted in the emulator's request log",
    "op_s": "seconds per operation: Ansible from the play's own clock around the looped tasks (module start-up "
    "included); the SDK in-process, without interpreter start-up, import or client set-up",
    "task_s": "op_s divided by the Ansible tasks (loop items) one operation takes",
    "wall_s": "a whole ansible-playbook run of K operations, or a whole SDK process doing K operations "
    "(interpreter start-up, import and set-up included)",
    "peak_rss_mib": "peak RSS of the largest process in the run's tree (for Ansible, the controller), via wait4",
    "logins_per_run": "email and password logins an Ansible run spent (/auth/local/login in the request log); "
    "the emulator runs with --no-rate-limit, a real server refuses them after about 14",
    "ratios": "first side / second side, as keyed (ours/uri: our module over uri tasks; per_task/session: "
    "per-task login over one speckle_session); below 1 means the first needs less",
}
# Variables that would make the modules log in instead of using the token, or colour the output we parse.
DROPPED_ENV = ("SPECKLE_EMAIL", "SPECKLE_PASSWORD", "ANSIBLE_FORCE_COLOR")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Options; N and K also come from BENCH_REPEATS and BENCH_LOOPS so that make can pass them."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "3")), help="N runs")
    parser.add_argument(
        "--loops",
        type=int,
        default=int(os.environ["BENCH_LOOPS"]) if os.environ.get("BENCH_LOOPS") else None,
        help="K ops a run, for every scenario chosen; default: each scenario's own ("
        + ", ".join(f"{s.name} {s.loops}" for s in SCENARIOS)
        + ")",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[*(s.name for s in SCENARIOS), "all"],
        help="repeatable; default: " + ", ".join(s.name for s in SCENARIOS if s.default),
    )
    parser.add_argument("--request-log", type=Path, required=True, help="the emulator's --request-log file")
    parser.add_argument("--ansible-venv", type=Path, required=True, help="the venv with ansible-core")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first run of each scenario")
    args = parser.parse_args(argv)
    if args.repeats < 1 or (args.loops is not None and args.loops < 1):
        parser.error("--repeats and --loops must be at least 1")
    return args


def loopback_url(url: str) -> str:
    """``url`` if it points at this machine's loopback, else an error: only the emulator is benchmarked."""
    host = urlsplit(url).hostname or ""
    try:
        is_loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        is_loopback = False
    if not is_loopback:
        raise BenchError(f"SPECKLE_SERVER_URL={url!r} is not on loopback; the benchmark only runs against the emulator")
    return url


def run_env() -> dict[str, str]:
    """The environment every run gets: ours, Ansible's quiet settings, no login credentials."""
    env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
    if not env.get("ANSIBLE_COLLECTIONS_PATH"):
        raise BenchError("ANSIBLE_COLLECTIONS_PATH must point at an installed copy of the collection (make bench does)")
    env.update(
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="False",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
    )
    return env


def versions(ansible_python: Path) -> dict[str, str]:
    """What was measured, for the JSON file."""
    core = subprocess.run(
        [str(ansible_python), "-c", "import ansible.release as r; print(r.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    galaxy = (ROOT / "galaxy.yml").read_text(encoding="utf-8")
    found = re.search(r"^version:\s*(\S+)", galaxy, flags=re.M)
    return {
        "speckle.server": found.group(1) if found else "unknown",
        "ansible-core": core,
        "specklepy": metadata.version("specklepy"),
        "python": platform.python_version(),
    }


def main(argv: list[str]) -> int:
    """Run the scenarios, print the tables and write the JSON file."""
    args = parse_args(argv)
    url = loopback_url(os.environ.get("SPECKLE_SERVER_URL", ""))
    env = run_env()
    token = env.get("SPECKLE_TOKEN")
    if not token:
        raise BenchError("SPECKLE_TOKEN must hold the emulator's admin token (bench/run.sh sets it)")
    admin = Admin(url, token)
    admin.seed_tokens()
    log = RequestLog(args.request_log)
    venv_python = args.ansible_venv / "bin" / "python"
    runner = Runner(
        ansible=Ansible(bin_dir=args.ansible_venv / "bin", python=venv_python, env=env, log=log),
        sdk=Sdk(python=Path(sys.executable), root=ROOT, env=env, log=log),
        admin=admin,
    )
    chosen = select(args.scenario)
    print(
        f"speckle.server benchmark against the emulator at {url}: N={args.repeats} runs of K operations each, medians",
        flush=True,
    )
    started = time.perf_counter()
    results = []
    for scenario in chosen:
        loops, samples = measure(scenario, runner, args.repeats, args.loops, warmup=not args.no_warmup)
        result = scenario_result(scenario, loops, samples)
        results.append(result)
        print("\n" + format_scenario(scenario, result), flush=True)
    meta = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "repeats": args.repeats,
        "cpus": os.cpu_count(),
        "versions": versions(venv_python),
        "duration_s": round(time.perf_counter() - started, 1),
        "server": "tests/emulator on loopback, --no-rate-limit",
        "notes": NOTES,
    }
    if args.output.parent == RESULTS:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / ".gitignore").write_text("# make bench writes here; results stay out of git\n*\n", encoding="utf-8")
    write_json(args.output, {"meta": meta, "scenarios": results})
    print(
        "\ntime/op: Ansible from the play's own clock around the looped tasks (module start-up included); the SDK "
        "in-process.\nrun wall: a whole ansible-playbook run, or a whole SDK process (interpreter start-up, "
        "import, set-up).\nratios are as labelled (ours / uri: ours over uri): below 1.00x means the first needs less. "
        f"Took {meta['duration_s']} s; JSON in {args.output}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        sys.exit(1)
