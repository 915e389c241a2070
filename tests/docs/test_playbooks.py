"""The guides' playbooks: the files are what the guides show, they pass a syntax check, and they work.

Each playbook runs for real with ansible-playbook against the bundled emulator on loopback, with the login
limits of a real server, and the emulator's control endpoints say what it did to the tokens and sessions.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import select
import stat
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCSITE = REPO / "docs" / "docsite"
PLAYBOOKS = sorted((DOCSITE / "playbooks").glob("*.yml"))
EMULATOR = REPO / "tests" / "emulator"
ADMIN_EMAIL = "admin@example.org"
INVENTORY_RUNNERS = "[ci_runners]\nrunner1 ansible_connection=local\n"
USER = pwd.getpwuid(os.getuid()).pw_name
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")  # the ansible-core beside this Python
CODE_BLOCK = re.compile(r"^\.\. code-block:: (yaml|yaml\+jinja)\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)


def yaml_blocks() -> list[tuple[str, str]]:
    """(guide, text) of every YAML code block in the guides."""
    blocks = []
    for rst in sorted((DOCSITE / "rst").glob("*.rst")):
        source = rst.read_text(encoding="utf-8")
        blocks.extend(
            (rst.name, textwrap.dedent(match.group(2)).strip("\n") + "\n") for match in CODE_BLOCK.finditer(source)
        )
    return blocks


def test_every_playbook_a_guide_shows_is_a_file_and_every_file_is_shown():
    files = {path.read_text(encoding="utf-8"): path.name for path in PLAYBOOKS}
    shown = set()
    for guide, text in yaml_blocks():
        if isinstance(yaml.safe_load(text), list):  # a list of plays; mappings are other YAML (EE, AWX, CI)
            assert text in files, f"{guide} shows a playbook that is not a file in docs/docsite/playbooks/:\n{text}"
            shown.add(files[text])
    assert shown == {path.name for path in PLAYBOOKS}
    guides = " ".join(rst.read_text(encoding="utf-8") for rst in (DOCSITE / "rst").glob("*.rst"))
    for path in PLAYBOOKS:
        assert f"docs/docsite/playbooks/{path.name}" in guides, f"no guide names {path.name}'s path"


# --------------------------------------------------------------------------------------------------
# Running them


@dataclass
class Emulator:
    url: str
    password: str

    def control(self, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/__emulator__/{path}", data=data, method="GET" if data is None else "POST"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def tokens(self, kind: str = "personal") -> list[dict]:
        return [token for token in self.control("tokens")["tokens"] if token["kind"] == kind]

    def named(self, name: str) -> list[dict]:
        return [token for token in self.tokens() if token["name"] == name]


@pytest.fixture(name="emulator")
def emulator_fixture() -> Iterator[Emulator]:
    """A fresh emulator on loopback with a generated admin password and the real server's login limits."""
    password = secrets.token_urlsafe(18)
    command = [sys.executable, str(EMULATOR), "--host", "127.0.0.1", "--port", "0", "--admin-email", ADMIN_EMAIL]
    with subprocess.Popen(
        [*command, f"--admin-password={password}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            readable = select.select([process.stdout], [], [], 30)[0]
            line = process.stdout.readline() if readable else ""
            if not line.startswith("listening on "):
                process.kill()
                pytest.fail(f"the emulator did not start: {line!r} {process.stderr.read()}")
            yield Emulator(line.removeprefix("listening on ").strip(), password)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(name="play")
def play_fixture(collections: Path, tmp_path: Path):
    """Run a guide's playbook with ansible-playbook; the environment holds only what the test gives it."""

    def run(
        name: str,
        *,
        env: dict[str, str] | None = None,
        extra: dict[str, str] | None = None,
        inventory: str = "",
        flags: tuple[str, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith(("SPECKLE_", "ANSIBLE_"))}
        environment.update(
            ANSIBLE_COLLECTIONS_PATH=str(collections),
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            **(env or {}),
        )
        hosts = tmp_path / "inventory.ini"
        hosts.write_text(inventory or "localhost ansible_connection=local\n", encoding="utf-8")
        command = [str(ANSIBLE_PLAYBOOK), "-i", str(hosts), "-e", f"ansible_python_interpreter={sys.executable}"]
        for key, value in (extra or {}).items():
            command += ["-e", f"{key}={value}"]
        return subprocess.run(
            [*command, *flags, str(DOCSITE / "playbooks" / name)],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    return run


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def task_status(output: str, task: str) -> str:
    """What ansible-playbook printed for ``task``'s single host: ok, changed, skipping or fatal."""
    match = re.search(rf"TASK \[{re.escape(task)}\] \**\n(ok|changed|skipping|fatal): ", output)
    assert match, f"no result for task {task!r} in:\n{output}"
    return match.group(1)


@pytest.mark.parametrize("path", PLAYBOOKS, ids=lambda path: path.name)
def test_syntax_check(play, path):
    ok(play(path.name, inventory=INVENTORY_RUNNERS, flags=("--syntax-check",)))


def test_quickstart_reads_the_public_facts(play, emulator):
    output = ok(play("quickstart.yml", env={"SPECKLE_SERVER_URL": emulator.url}))
    assert "Version: 2.23.4" in output
    assert emulator.tokens("app") == []  # no credentials were needed: nobody logged in


def test_session_ci_tokens_provisions_keeps_and_replaces_the_runner_token(play, emulator, tmp_path):
    token_dir = tmp_path / "speckle"
    run_vars = {
        "speckle_url": emulator.url,
        "speckle_token_dir": str(token_dir),
        "speckle_token_owner": USER,
        "speckle_become": "false",
    }
    credentials = {"SPECKLE_EMAIL": ADMIN_EMAIL, "SPECKLE_PASSWORD": emulator.password}  # the CI way

    first = ok(play("session_ci_tokens.yml", env=credentials, extra=run_vars, inventory=INVENTORY_RUNNERS))
    assert task_status(first, "The runner's token, in a file only the CI user can read") == "changed"
    [token] = emulator.named("ci-runner1")
    assert sorted(token["scopes"]) == ["profile:read", "streams:read", "streams:write"]
    secret_file = token_dir / "ci-token"
    secret = secret_file.read_text(encoding="utf-8").strip()
    assert secret[:10] == token["id"]
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_dir.stat().st_mode) == 0o700
    assert secret not in first
    assert emulator.tokens("app") == []  # the session was logged out

    again = ok(play("session_ci_tokens.yml", env=credentials, extra=run_vars, inventory=INVENTORY_RUNNERS))
    assert task_status(again, "The runner's token, in a file only the CI user can read") == "ok"
    assert task_status(again, "A directory only the CI user can enter") == "ok"
    assert [tok["id"] for tok in emulator.named("ci-runner1")] == [token["id"]]

    forced = {**run_vars, "speckle_recreate": "always"}
    ok(play("session_ci_tokens.yml", env=credentials, extra=forced, inventory=INVENTORY_RUNNERS))
    [replaced] = emulator.named("ci-runner1")
    assert replaced["id"] != token["id"]
    assert secret_file.read_text(encoding="utf-8").strip()[:10] == replaced["id"]
    assert emulator.tokens("app") == []


def test_session_shared_token_is_created_once_and_copied_to_every_runner(play, emulator, tmp_path):
    runners = "[ci_runners]\n" + "".join(f"runner{n} ansible_connection=local\n" for n in (1, 2, 3))
    run_vars = {
        "speckle_url": emulator.url,
        "speckle_secret_dir": str(tmp_path / "secrets"),
        "speckle_token_dir": str(tmp_path / "speckle"),
        "speckle_token_owner": USER,
        "speckle_become": "false",
    }
    credentials = {"SPECKLE_EMAIL": ADMIN_EMAIL, "SPECKLE_PASSWORD": emulator.password}
    task = "The shared token, created (and rotated) once, on the controller"

    first = ok(play("session_shared_token.yml", env=credentials, extra=run_vars, inventory=runners))
    assert task_status(first, task) == "changed"
    [token] = emulator.named("ci-shared")
    secret = (tmp_path / "secrets" / "ci-shared").read_text(encoding="utf-8").strip()
    assert secret[:10] == token["id"]
    copied = tmp_path / "speckle" / "ci-shared"
    assert copied.read_text(encoding="utf-8").strip() == secret
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert secret not in first
    assert emulator.tokens("app") == []

    again = ok(play("session_shared_token.yml", env=credentials, extra=run_vars, inventory=runners))
    assert task_status(again, task) == "ok"
    assert [tok["id"] for tok in emulator.named("ci-shared")] == [token["id"]]
    assert emulator.tokens("app") == []


def test_session_audit_cleanup_revokes_the_retired_runner_token(play, emulator, tmp_path):
    run_vars = {
        "speckle_url": emulator.url,
        "speckle_token_dir": str(tmp_path),
        "speckle_token_owner": USER,
        "speckle_become": "false",
    }
    credentials = {"SPECKLE_EMAIL": ADMIN_EMAIL, "SPECKLE_PASSWORD": emulator.password}
    ok(play("session_ci_tokens.yml", env=credentials, extra=run_vars, inventory=INVENTORY_RUNNERS))
    assert len(emulator.named("ci-runner1")) == 1
    # Vault-style variables this time, instead of the environment.
    vault_vars = {"speckle_admin_email": ADMIN_EMAIL, "speckle_admin_password": emulator.password}
    ok(
        play(
            "session_audit_cleanup.yml",
            extra={"speckle_url": emulator.url, "speckle_retired_runner": "runner1", **vault_vars},
        )
    )
    assert emulator.named("ci-runner1") == []
    assert emulator.tokens("app") == []


def test_awx_job_template_rotates_with_credentials_from_the_environment(play, emulator):
    credential = {
        "SPECKLE_SERVER_URL": emulator.url,
        "SPECKLE_EMAIL": ADMIN_EMAIL,
        "SPECKLE_PASSWORD": emulator.password,
    }
    first = ok(play("awx_job_template.yml", env=credential))
    assert {token["name"] for token in emulator.tokens()} == {"ci-build", "ci-deploy"}
    assert "ci-build: new token" in first
    second = ok(play("awx_job_template.yml", env=credential))
    assert "ci-build: kept" in second
    assert "ci-deploy: kept" in second
    assert len(emulator.tokens()) == 2
    assert emulator.tokens("app") == []


def test_environment_variables_playbook_lets_the_task_token_win(play, emulator):
    env = {
        "SPECKLE_SERVER_URL": emulator.url,
        "SPECKLE_EMAIL": ADMIN_EMAIL,
        "SPECKLE_PASSWORD": emulator.password,
        # A token that does not work: the session login ignores it, and the module_defaults token wins over it.
        "SPECKLE_TOKEN": "0000000000" + "x" * 32,
    }
    output = ok(play("environment_variables.yml", env=env))
    assert "Show the tokens that expire soon" in output
    assert emulator.tokens("app") == []


def test_failure_handling_works_and_says_why_a_refused_login_failed(play, emulator):
    vault_vars = {"speckle_admin_email": ADMIN_EMAIL, "speckle_admin_password": emulator.password}
    ok(play("failure_handling.yml", extra={"speckle_url": emulator.url, **vault_vars}))
    assert len(emulator.named("deploy")) == 1
    assert emulator.tokens("app") == []

    # Every login refused from now on, for minutes, as after a burst of logins on a real server.
    emulator.control("ratelimit", {"RATELIMIT_GET_AUTH": 0, "RATELIMIT_BURST_GET_AUTH": 0})
    refused = play("failure_handling.yml", extra={"speckle_url": emulator.url, **vault_vars})
    assert refused.returncode != 0
    assert "The server refused the login (HTTP 429 at /auth/local/login) and asks to wait" in refused.stdout
    assert "Run the play again after" in refused.stdout
    assert emulator.password not in refused.stdout + refused.stderr
