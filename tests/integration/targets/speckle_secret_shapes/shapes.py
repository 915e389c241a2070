# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Driver of the speckle_secret_shapes target: run every case through ansible-playbook -vvvv, then check.

    python shapes.py URL TOKEN_FILE PASSWORD_FILE EMAIL WORK_DIR [ansible-playbook options...]

Each secret-bearing option and environment variable (token / SPECKLE_TOKEN, password / SPECKLE_PASSWORD,
and email / SPECKLE_EMAIL, which is no secret but is tried too) gets six shapes: a trailing newline, a
trailing CRLF, a newline inside, a NUL inside, a "Bearer " prefix and 5,000 characters. An environment
variable cannot hold a NUL (the OS passes C strings), so 33 cases are possible; one more passes the token
exactly as the bug report did, slurp + b64decode of a file ending in a newline. The option cases run as one
play; the environment cases run as one play per shape, with the variables set in ansible-playbook's own
environment (a task's ``environment:`` keyword would show them in -vvv's command line, whatever the module does).

Checks: every case's outcome (works, or fails with its exact message), and that no output, log or result
holds any secret, its middle third, or any 16 characters of it in a row.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

OPTIONS = ("token", "password", "email")
ENV = {"token": "SPECKLE_TOKEN", "password": "SPECKLE_PASSWORD", "email": "SPECKLE_EMAIL"}
SHAPES = ("trailing_newline", "crlf", "embedded_newline", "nul", "bearer_prefix", "chars_5000")
WINDOW = 16

REJECTED_TOKEN = (
    "The server rejected the token: the token is invalid, expired or revoked (HTTP 403 'Your token is not valid.'). "
    "Check token or SPECKLE_TOKEN, or create a new token."
)
REJECTED_LOGIN = (
    "The server rejected the email and password (HTTP 401 Invalid credentials). Check email and password, or "
    "SPECKLE_EMAIL and SPECKLE_PASSWORD."
)
REFUSED = {
    "token": "{source} contains {kind} at character {position}, and a Speckle token never does. Whitespace around the "
    "token and a leading 'Bearer ' are removed, nothing inside it; check where the value comes from. The value is "
    "not shown.",
    "password": "{source} contains {kind} at character {position}. Line breaks around the password are removed and "
    "spaces are kept, as the login form does; a line break or control character inside it is refused, since the "
    "form cannot send one. The value is not shown.",
    "email": "{source} contains {kind} at character {position}, and an email address never does. Whitespace around "
    "it is removed, as the login form does; check the value.",
}


def random_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _position in range(length))


def shaped(value: str, shape: str, long_value: str) -> str:
    half = len(value) // 2
    return {
        "trailing_newline": value + "\n",
        "crlf": value + "\r\n",
        "embedded_newline": value[:half] + "\n" + value[half:],
        "nul": value[:half] + "\0" + value[half:],
        "bearer_prefix": "Bearer " + value,
        "chars_5000": long_value,
    }[shape]


def expected(option: str, source: str, shape: str, base: str) -> str | None:
    """None when the task must work; otherwise its exact message."""
    name = ENV[option] if source == "env" else option
    position = len(base) // 2 + 1
    refused = {
        "embedded_newline": REFUSED[option].format(source=name, kind="a line break", position=position),
        "nul": REFUSED[option].format(source=name, kind="a NUL character", position=position),
    }
    if shape in ("trailing_newline", "crlf") or (shape == "bearer_prefix" and option == "token"):
        return None
    if shape in refused:
        return refused[shape]
    if option == "email" and shape == "bearer_prefix":
        return REFUSED["email"].format(source=name, kind="whitespace", position=7)
    return REJECTED_TOKEN if option == "token" else REJECTED_LOGIN


def build_cases(token: str, password: str, email: str) -> list[dict]:
    base = {"token": token, "password": password, "email": email}
    long_values = {
        "token": random_text(5000),
        "password": random_text(5000),
        "email": random_text(5000 - len("@example.org")) + "@example.org",
    }
    cases = []
    for option in OPTIONS:
        for source in ("option", "env"):
            for shape in SHAPES:
                if source == "env" and shape == "nul":
                    continue  # no OS can carry it
                value = shaped(base[option], shape, long_values[option])
                cases.append(
                    {
                        "id": f"{option}-{source}-{shape}",
                        "option": option,
                        "source": source,
                        "shape": shape,
                        "value": value,
                        # The email is no secret (invocation shows it); what each case must never show:
                        "secret": (long_values[option] if shape == "chars_5000" else base[option])
                        if option != "email"
                        else None,
                        "expected": expected(option, source, shape, base[option]),
                    }
                )
    return cases


def option_play(cases: list[dict]) -> list[dict]:
    """One task per option case (a loop would print its items), then the results into a file."""
    tasks = [
        {
            "name": "Token from slurp + b64decode of a file that ends in a newline (the bug report)",
            "ansible.builtin.slurp": {"src": "{{ token_file }}"},
            "register": "slurped",
            "no_log": True,
        },
        {
            "name": "token-option-slurp",
            "speckle.server.speckle_token_info": {
                "server_url": "{{ url }}",
                "retries": 0,
                "token": "{{ slurped.content | b64decode }}",
            },
            "register": "result_slurp",
            "ignore_errors": True,
        },
    ]
    registered = {"token-option-slurp": "result_slurp"}
    for number, case in enumerate(cases):
        if case["source"] != "option":
            continue
        args = {"server_url": "{{ url }}", "retries": 0}
        if case["option"] == "token":
            args["token"] = f"{{{{ shapes[{case['id']!r}] }}}}"
        else:
            args.update({"email": "{{ email }}", "password": "{{ password }}"})
            args[case["option"]] = f"{{{{ shapes[{case['id']!r}] }}}}"
        tasks.append(
            {
                "name": case["id"],
                "speckle.server.speckle_token_info": args,
                "register": f"result_{number}",
                "ignore_errors": True,
            }
        )
        registered[case["id"]] = f"result_{number}"
    mapping = ", ".join(f"{key!r}: {name}" for key, name in registered.items())
    tasks.append(
        {
            "name": "Keep the results for the checks",
            "ansible.builtin.copy": {"content": f"{{{{ {{{mapping}}} | to_json }}}}", "dest": "{{ results }}"},
        }
    )
    return [{"name": "Secret shapes through options", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def env_play(cases: list[dict]) -> list[dict]:
    """The cases of one shape, whose secrets are in ansible-playbook's environment, all three at once.

    Each task reads only its own variable: the token task sets nothing, the password task sets email, the
    email task sets password (a task's own credentials win, and a variable it overrides is never read).
    """
    options = {"token": {}, "password": {"email": "{{ email }}"}, "email": {"password": "{{ password }}"}}
    tasks = [
        {
            "name": case["id"],
            "speckle.server.speckle_token_info": {"server_url": "{{ url }}", "retries": 0, **options[case["option"]]},
            "register": f"result_{number}",
            "ignore_errors": True,
        }
        for number, case in enumerate(cases)
    ]
    mapping = ", ".join(f"{case['id']!r}: result_{number}" for number, case in enumerate(cases))
    tasks.append(
        {
            "name": "Keep the results for the checks",
            "ansible.builtin.copy": {"content": f"{{{{ {{{mapping}}} | to_json }}}}", "dest": "{{ results }}"},
        }
    )
    return [
        {"name": "Secret shapes through the environment", "hosts": "localhost", "gather_facts": False, "tasks": tasks}
    ]


def playbook(work: Path, name: str, play: list[dict], variables: dict, env: dict, extra: list[str]) -> Path:
    """Run one play at -vvvv; return the file holding its output."""
    (work / f"{name}.yml").write_text(json.dumps(play, indent=1), encoding="utf-8")
    vars_file = work / f"{name}.vars.json"
    vars_file.write_text(json.dumps(variables), encoding="utf-8")
    out = work / f"{name}.out"
    command = [
        "ansible-playbook",
        "-vvvv",
        "-i",
        os.environ["INVENTORY_PATH"],
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        "-e",
        f"@{vars_file}",
        str(work / f"{name}.yml"),
        *extra,
    ]
    with out.open("wb") as handle:
        done = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"{name}: ansible-playbook exited with {done.returncode}; see {out}")
    return out


def check_outcome(case_id: str, want: str | None, result: dict) -> list[str]:
    if want is None:
        if result.get("failed") or not isinstance(result.get("tokens"), list):
            return [f"{case_id}: expected the task to work, got {result.get('msg')!r}"]
        return []
    if not result.get("failed") or result.get("msg") != want:
        return [f"{case_id}: expected the failure {want!r}, got {result.get('msg')!r}"]
    return []


def leaks(named_secrets: dict[str, str], texts: dict[str, str]) -> list[str]:
    """Each (secret, file) where the file holds the secret, its middle third, or WINDOW characters of it."""
    windows: dict[str, str] = {}
    for name, secret in named_secrets.items():
        for start in range(max(1, len(secret) - WINDOW + 1)):
            windows.setdefault(secret[start : start + WINDOW], name)
    found = set()
    for file_name, text in texts.items():
        for name, secret in named_secrets.items():
            middle = secret[len(secret) // 3 : 2 * len(secret) // 3]
            if secret in text or (middle and middle in text):
                found.add((name, file_name))
        for start in range(len(text) - WINDOW + 1):
            name = windows.get(text[start : start + WINDOW])
            if name is not None:
                found.add((name, file_name))
    return [f"LEAK: {name} appears in {file_name}" for name, file_name in sorted(found)]


def main() -> None:
    url, token_file, password_file, email, work_dir, *extra = sys.argv[1:]
    work = Path(work_dir)
    token = Path(token_file).read_text(encoding="utf-8").strip()
    password = Path(password_file).read_text(encoding="utf-8").strip()
    cases = build_cases(token, password, email)
    base_env = {key: value for key, value in os.environ.items() if key not in ENV.values()}
    base_env["ANSIBLE_LOG_PATH"] = str(work / "ansible.log")
    common = {"url": url, "email": email, "password": password, "token_file": token_file}

    outputs = [
        playbook(
            work,
            "options",
            option_play(cases),
            {**common, "results": str(work / "options.results.json"), "shapes": {c["id"]: c["value"] for c in cases}},
            base_env,
            extra,
        )
    ]
    results = json.loads((work / "options.results.json").read_text(encoding="utf-8"))
    for shape in SHAPES:
        shape_cases = [case for case in cases if case["source"] == "env" and case["shape"] == shape]
        if not shape_cases:
            continue  # a NUL: no environment variable can hold one
        name = f"env-{shape}"
        env = {**base_env, **{ENV[case["option"]]: case["value"] for case in shape_cases}}
        variables = {**common, "results": str(work / f"{name}.results.json")}
        outputs.append(playbook(work, name, env_play(shape_cases), variables, env, extra))
        results.update(json.loads((work / f"{name}.results.json").read_text(encoding="utf-8")))

    problems = check_outcome("token-option-slurp", None, results["token-option-slurp"])
    for case in cases:
        problems += check_outcome(case["id"], case["expected"], results[case["id"]])
        if case["option"] == "email" and email[:6] in str(results[case["id"]].get("msg")):
            problems.append(f"{case['id']}: the message quotes the email")
    # One name per distinct secret: most cases shape the admin token or password.
    by_value = {token: "the admin token", password: "the admin password"}
    for case in cases:
        if case["secret"]:
            by_value.setdefault(case["secret"], f"the 5,000 characters of {case['id']}")
    named_secrets = {name: value for value, name in by_value.items()}
    texts = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in outputs}
    texts.update({path.name: path.read_text(encoding="utf-8") for path in work.glob("*.results.json")})
    log = work / "ansible.log"
    texts[log.name] = log.read_text(encoding="utf-8", errors="replace")
    problems += leaks(named_secrets, texts)
    if "censored" not in texts["options.out"]:
        problems.append("expected the slurp task's output to be censored (no_log)")
    lines = sum(text.count("\n") for text in texts.values())
    if problems:
        sys.exit("\n".join(problems))
    by_env = sum(1 for case in cases if case["source"] == "env")
    print(
        f"speckle_secret_shapes: {len(cases) + 1} cases ran ({len(cases) - by_env + 1} through options in one play, "
        f"{by_env} through environment variables in {len(outputs) - 1} plays, one per shape); every outcome as "
        f"expected; no secret, middle third or {WINDOW} characters of one in {lines} lines of -vvvv output, "
        "Ansible log and results"
    )


if __name__ == "__main__":
    main()
