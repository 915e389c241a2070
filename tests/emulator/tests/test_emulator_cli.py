"""The command line: first line, port 0, signals, --token, --state, --request-log, --legacy, --server-version, TLS."""

from __future__ import annotations

import json
import os
import select
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from emulator_testlib import ACTIVE_USER, CREATE_TOKEN, graphql, login, request
from make_certs import write_certificates

EMULATOR_DIR = Path(__file__).resolve().parents[1]
SEED_TOKEN = "c0ffee0000" + "0123456789abcdef" * 2


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without RATELIMIT_* variables, plus ``extra``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RATELIMIT_")}
    return {**environment, **(extra or {})}


@contextmanager
def cli(
    *args: str, env: dict[str, str] | None = None, scheme: str = "http"
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start ``python tests/emulator ...``, yield (process, base URL), then SIGTERM it and expect exit 0.

    ``scheme`` is the one the first line must name: ``https`` when the arguments turn TLS on.
    """
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, str(EMULATOR_DIR), "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(env),
    )
    try:
        ready = select.select([process.stdout], [], [], 20)[0]
        assert ready, "the emulator printed nothing within 20 s"
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith(f"listening on {scheme}://127.0.0.1:"), line
        port = int(line.rsplit(":", 1)[1])
        assert port > 0
        yield process, line.split(" ", 2)[2]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


def test_first_line_port_zero_and_sigterm_exit_zero() -> None:
    """Prints the actual port, serves, and exits 0 on SIGTERM."""
    with cli() as (process, url):
        assert request(url, "GET", "/api/ping").text == "pong"
    assert process.returncode == 0


def test_sigint_exits_zero() -> None:
    """Ctrl-C (SIGINT) also ends cleanly."""
    with cli() as (process, url):
        assert request(url, "GET", "/liveness").status == 200
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_bad_token_length_is_rejected() -> None:
    """--token must be 42 characters."""
    result = subprocess.run(
        [sys.executable, str(EMULATOR_DIR), "--port", "0", "--token", "too-short"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "42 characters" in result.stderr
    assert result.stdout == ""


def test_seed_token_state_persists_across_restarts(tmp_path: Path) -> None:
    """--token is a login token with tokens:write; --state keeps users and tokens (hashed) across restarts."""
    state = str(tmp_path / "state.sqlite")
    with cli("--state", state, "--token", SEED_TOKEN) as (_process, url):
        me = graphql(url, ACTIVE_USER, token=SEED_TOKEN).json()["data"]["activeUser"]
        assert me["name"] == "Local Admin" and me["role"] == "server:admin"
        assert me["email"] == "admin@example.org"
        created = graphql(url, CREATE_TOKEN, {"token": {"name": "kept", "scopes": ["profile:read"]}}, SEED_TOKEN)
        pat = created.json()["data"]["apiTokenCreate"]
        assert len(pat) == 42
    raw = (tmp_path / "state.sqlite").read_bytes()
    assert pat[10:].encode() not in raw and SEED_TOKEN[10:].encode() not in raw
    with cli("--state", state) as (_process, url):
        again = graphql(url, ACTIVE_USER, token=pat).json()["data"]["activeUser"]
        assert again["id"] == me["id"]
        assert graphql(url, ACTIVE_USER, token=SEED_TOKEN).status == 200


def test_request_log_lines(tmp_path: Path) -> None:
    """One flushed JSON line per request with the documented fields, and never a token."""
    log = tmp_path / "requests.jsonl"
    with cli("--request-log", str(log), "--token", SEED_TOKEN) as (_process, url):
        graphql(url, ACTIVE_USER, token=SEED_TOKEN, operation_name="ActiveUserBasic")
        graphql(url, CREATE_TOKEN, {"token": {"name": "x", "scopes": ["profile:read"]}}, SEED_TOKEN)
        request(url, "GET", "/api/ping")
        graphql(url, "{ serverInfo { version } }", token="0123456789" + "0" * 32)
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 4
    keys = {"method", "path", "operationName", "operationType", "status", "auth", "fault"}
    assert all(set(line) == keys for line in lines)
    assert lines[0] == {
        "method": "POST",
        "path": "/graphql",
        "operationName": "ActiveUserBasic",
        "operationType": "query",
        "status": 200,
        "auth": True,
        "fault": None,
    }
    assert lines[1]["operationName"] == "ApiTokenCreate" and lines[1]["operationType"] == "mutation"
    assert lines[2] == {
        "method": "GET",
        "path": "/api/ping",
        "operationName": None,
        "operationType": None,
        "status": 200,
        "auth": False,
        "fault": None,
    }
    assert lines[3]["status"] == 403
    text = log.read_text(encoding="utf-8")
    assert SEED_TOKEN[10:] not in text and "0" * 32 not in text


def test_legacy_and_server_version() -> None:
    """--legacy answers the real unknown-field error for newer fields; --server-version sets version."""
    with cli("--legacy", "--server-version", "2.6.4-alpha.4711") as (_process, url):
        version = graphql(url, "{ serverInfo { version } }").json()
        assert version == {"data": {"serverInfo": {"version": "2.6.4-alpha.4711"}}}
        for field in ("workspaces { workspacesEnabled }", "configuration { isEmailEnabled }", "serverRoles { id }"):
            answer = graphql(url, f"{{ serverInfo {{ {field} }} }}")
            assert answer.status == 400
            error = answer.json()["errors"][0]
            name = field.split(" ", 1)[0]
            # graphql-js may append a suggestion ("Did you mean ...?"), as the real server would.
            assert error["message"].startswith(f'Cannot query field "{name}" on type "ServerInfo".')
            assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize("option", ["--token=" + "x" * 41, "--token=" + "\u00e9" * 42])
def test_token_must_be_42_ascii_alphanumerics(option: str) -> None:
    """Malformed seed tokens are refused before anything listens."""
    result = subprocess.run(
        [sys.executable, str(EMULATOR_DIR), "--port", "0", option],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --token")


def test_password_starting_with_a_dash() -> None:
    """A random password can start with '-': the scripts pass it as --admin-password=VALUE, which argparse accepts.

    CI once failed when secrets.token_urlsafe() gave such a password to '--admin-password VALUE'.
    """
    password = "-Zx9_generated-password"
    with cli("--admin-email=dash@example.org", f"--admin-password={password}") as (_process, url):
        info = json.loads(request(url, "GET", "/__emulator__/info").text)
        assert info["adminEmail"] == "dash@example.org"
        assert login(url, "dash@example.org", password).status == 302


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the emulator CLI expecting it to refuse to start."""
    return subprocess.run(
        [sys.executable, str(EMULATOR_DIR), "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=_environment(env),
    )


def test_rate_limits_from_environment_and_options() -> None:
    """RATELIMIT_* variables set limits like the server's; --rate-limit NAME=COUNT overrides them."""
    environment = {"RATELIMIT_GET_AUTH": "2", "RATELIMIT_BURST_GET_AUTH": "0", "RATELIMIT_POST_GRAPHQL": "7"}
    with cli(env=environment) as (_process, url):
        answers = [login(url, "admin@example.org", "speckle-local-admin") for _index in range(3)]
        assert [a.status for a in answers] == [302, 302, 429]
        assert [a.header("X-RateLimit-Remaining") for a in answers[:2]] == ["1", "0"]
        assert graphql(url, "{ serverInfo { version } }").header("X-RateLimit-Remaining") == "6"
    options = ("--rate-limit", "RATELIMIT_GET_AUTH=5", "--rate-limit=RATELIMIT_POST_GRAPHQL=3")
    with cli(*options, env=environment) as (_process, url):
        assert login(url, "admin@example.org", "speckle-local-admin").header("X-RateLimit-Remaining") == "4"
        assert graphql(url, "{ serverInfo { version } }").header("X-RateLimit-Remaining") == "2"


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--rate-limit", "RATELIMIT_GETAUTH=1"], None, "unknown rate limit 'RATELIMIT_GETAUTH'; the known names are"),
        (["--rate-limit", "RATELIMIT_GET_AUTH=-1"], None, "RATELIMIT_GET_AUTH must be a whole number, 0 or more"),
        (["--rate-limit", "RATELIMIT_GET_AUTH"], None, "expected NAME=COUNT such as RATELIMIT_GET_AUTH=100"),
        ([], {"RATELIMIT_BURST_GET_AUTH": "ten"}, "error: environment: RATELIMIT_BURST_GET_AUTH must be a whole"),
    ],
)
def test_bad_rate_limits_are_refused(args: list[str], env: dict[str, str] | None, message: str) -> None:
    """A bad name or count stops the emulator before it listens, with exit code 2 and the reason."""
    result = _run(*args, env=env)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_tls_first_line_names_https_and_serves_verified(tmp_path: Path) -> None:
    """--tls-cert/--tls-key: the first line says https://, and a client trusting the test CA gets answers."""
    certificates = write_certificates(tmp_path)
    options = ("--tls-cert", str(certificates.server_cert), "--tls-key", str(certificates.server_key))
    with cli(*options, scheme="https") as (process, url):
        trusted = ssl.create_default_context(cafile=str(certificates.ca))
        assert request(url, "GET", "/api/ping", tls=trusted).text == "pong"
        with pytest.raises(ssl.SSLCertVerificationError):
            request(url, "GET", "/api/ping", tls=ssl.create_default_context())
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("cert only", "error: --tls-cert and --tls-key go together: give both to serve HTTPS, or neither"),
        ("missing key", "error: --tls-cert/--tls-key: "),
        ("key of another certificate", "are not a PEM certificate and its private key"),
    ],
)
def test_bad_tls_options_are_refused(tmp_path: Path, which: str, message: str) -> None:
    """A half-given, missing or mismatched certificate and key stop the emulator before it listens."""
    certificates = write_certificates(tmp_path)
    args = {
        "cert only": ["--tls-cert", str(certificates.server_cert)],
        "missing key": ["--tls-cert", str(certificates.server_cert), "--tls-key", str(tmp_path / "absent.key")],
        "key of another certificate": ["--tls-cert", str(certificates.ca), "--tls-key", str(certificates.server_key)],
    }[which]
    result = _run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
