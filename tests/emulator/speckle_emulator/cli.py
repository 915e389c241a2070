"""Command line: ``python tests/emulator --host 127.0.0.1 --port 0 [...]`` (see README.md)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from .app import Emulator, EmulatorConfig
from .constants import DEFAULT_ADMIN_EMAIL, DEFAULT_ADMIN_PASSWORD, DEFAULT_SERVER_VERSION
from .ratelimit import check_settings, settings_from_environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python tests/emulator", description="Local Speckle server emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on the first line)")
    parser.add_argument("--state", metavar="FILE", help="SQLite file to keep users and tokens (default: memory)")
    parser.add_argument("--token", help="seed a 42-character login token (web app, every scope) for the admin")
    parser.add_argument("--admin-email", default=DEFAULT_ADMIN_EMAIL)
    parser.add_argument("--admin-password", default=DEFAULT_ADMIN_PASSWORD)
    parser.add_argument("--server-version", default=DEFAULT_SERVER_VERSION)
    parser.add_argument(
        "--legacy", action="store_true", help="older schema without serverInfo workspaces/configuration/serverRoles"
    )
    parser.add_argument("--request-log", metavar="FILE", help="append one JSON line per request")
    parser.add_argument("--no-rate-limit", action="store_true", help="count requests but never answer 429")
    parser.add_argument(
        "--rate-limit",
        action="append",
        type=_rate_limit_option,
        default=[],
        metavar="NAME=COUNT",
        help="set a limit like the server's environment variable NAME, e.g. RATELIMIT_GET_AUTH=100 (repeatable; "
        "overrides the same RATELIMIT_* variable in the emulator's environment)",
    )
    parser.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate (chain)")
    parser.add_argument("--tls-key", metavar="FILE", help="the PEM private key of --tls-cert")
    parser.add_argument("--canonical-url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _rate_limit_option(text: str) -> tuple[str, int]:
    """Parse ``--rate-limit NAME=COUNT``."""
    name, equals, count = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError(f"expected NAME=COUNT such as RATELIMIT_GET_AUTH=100, got {text!r}")
    try:
        return next(iter(check_settings({name.strip(): count}).items()))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _stop(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM: leave serve_forever through the normal shutdown path."""
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until SIGTERM or SIGINT; exit 0 on either."""
    args = parse_args(argv)
    try:
        rate_limits = settings_from_environment(os.environ)
    except ValueError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    rate_limits.update(args.rate_limit)
    config = EmulatorConfig(
        server_version=args.server_version,
        legacy=args.legacy,
        state=args.state,
        token=args.token,
        admin_email=args.admin_email,
        admin_password=args.admin_password,
        request_log=args.request_log,
        rate_limit=not args.no_rate_limit,
        rate_limits=rate_limits,
        canonical_url=args.canonical_url,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )
    try:
        emulator = Emulator(config)
    except ValueError as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    signal.signal(signal.SIGTERM, _stop)
    try:
        url = emulator.bind(args.host, args.port)
        sys.stdout.write(f"listening on {url}\n")
        sys.stdout.flush()
        emulator.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        emulator.stop()
    return 0
