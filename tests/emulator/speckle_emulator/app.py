"""The Emulator object: configuration, store, schema, limiter and faults, and its HTTP server lifecycle."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .constants import (
    ADMIN_NAME,
    ALL_SCOPES,
    DEFAULT_ADMIN_EMAIL,
    DEFAULT_ADMIN_PASSWORD,
    DEFAULT_SERVER_VERSION,
    TOKEN_LENGTH,
    WEBAPP_ID,
)
from .faults import FaultRegistry
from .http_handler import EmulatorHTTPServer
from .ratelimit import RateLimiter
from .reqlog import RequestLog
from .schema import build_schema
from .store import Store, User
from .tls import server_context


@dataclass
class EmulatorConfig:
    """Everything the CLI can set (see README.md)."""

    server_version: str = DEFAULT_SERVER_VERSION
    legacy: bool = False
    state: str | None = None
    token: str | None = None
    admin_email: str = DEFAULT_ADMIN_EMAIL
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    request_log: str | None = None
    rate_limit: bool = True
    rate_limits: dict[str, int] = field(default_factory=dict)  # RATELIMIT_* name -> count, over the defaults
    canonical_url: str | None = None
    tls_cert: str | None = None  # PEM certificate (chain): serve HTTPS instead of HTTP
    tls_key: str | None = None  # PEM private key of tls_cert


def check_seed_token(token: str) -> None:
    """Reject a --token that cannot be a Speckle token (10-char id + 32-char secret, printable)."""
    if len(token) != TOKEN_LENGTH:
        raise ValueError(
            f"--token must be exactly {TOKEN_LENGTH} characters (a 10-character id followed by a 32-character "
            f"secret); got {len(token)}"
        )
    if not token.isascii() or not token.isalnum():
        raise ValueError("--token must contain only ASCII letters and digits")


class Emulator:
    """A local Speckle server emulator, usable in-process (tests) or from the CLI."""

    def __init__(
        self, config: EmulatorConfig | None = None, clock: Callable[[], float] | None = None, **options: Any
    ) -> None:
        """``clock`` (epoch seconds) drives the rate limiter, so tests can move time instead of sleeping."""
        self.config = config if config is not None else EmulatorConfig(**options)
        if self.config.token is not None:
            check_seed_token(self.config.token)
        if (self.config.tls_cert is None) != (self.config.tls_key is None):
            raise ValueError("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither")
        # Loaded before anything else, so a bad certificate or key stops the CLI before it listens.
        self.tls_context = (
            server_context(self.config.tls_cert, self.config.tls_key)
            if self.config.tls_cert is not None and self.config.tls_key is not None
            else None
        )
        self.store = Store(self.config.state)
        self.admin = self._ensure_admin()
        if self.config.token is not None:
            self.seed_login_token(self.config.token)
        self.schema = build_schema(legacy=self.config.legacy)
        self.limiter = RateLimiter(self.config.rate_limits, enabled=self.config.rate_limit, clock=clock or time.time)
        self.faults = FaultRegistry()
        self.request_log = RequestLog(self.config.request_log) if self.config.request_log else None
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    # -- fixtures ---------------------------------------------------------------------------------------------
    def _ensure_admin(self) -> User:
        """Create the admin user once per store (stable id), keeping its credentials in line with the config."""
        admin_id = self.store.get_meta("admin_user_id")
        admin = self.store.get_user(admin_id) if admin_id else None
        if admin is None:
            admin = self.store.create_user(ADMIN_NAME, self.config.admin_email, role="server:admin")
            self.store.set_meta("admin_user_id", admin.id)
        elif admin.email != self.config.admin_email:
            self.store.update_user(admin.id, admin.name, self.config.admin_email)
            admin = self.store.get_user(admin.id) or admin
        self.store.set_password(admin.id, self.config.admin_password)
        return admin

    def seed_login_token(self, token: str, user_id: str | None = None) -> str:
        """Store ``token`` as a web-app login token with every scope (unless it is already live)."""
        check_seed_token(token)
        existing = self.store.get_token(token[:10])
        if existing is None or self.store.validate_token(token) is None:
            self.store.create_token(
                user_id or self.admin.id, "Speckle Web Manager", list(ALL_SCOPES), app_id=WEBAPP_ID, token=token
            )
        return token

    def create_personal_token(self, scopes: list[str], name: str = "test token", **kwargs: Any) -> str:
        """Insert an admin PAT straight into the store (no scope rules, so tokens:write is possible)."""
        user_id = kwargs.pop("user_id", self.admin.id)
        return self.store.create_token(user_id, name, scopes, **kwargs)

    # -- server -----------------------------------------------------------------------------------------------
    @property
    def canonical_url(self) -> str:
        """The server's public URL (its own address unless configured)."""
        return self.config.canonical_url or self.base_url or "http://127.0.0.1"

    def bind(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind the HTTP(S) server and return its base URL (actual port when 0; https when TLS is on)."""
        self._server = EmulatorHTTPServer((host, port), self, self.tls_context)
        bound_port = self._server.server_address[1]
        scheme = "https" if self.tls_context is not None else "http"
        self.base_url = f"{scheme}://{host}:{bound_port}"
        return self.base_url

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve in the calling thread until ``shutdown`` (the CLI)."""
        if self._server is None:
            raise RuntimeError("call bind() first")
        self._server.serve_forever(poll_interval=poll_interval)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread (tests); returns the base URL."""
        url = self.bind(host, port)
        # A short poll interval makes stop() quick, which matters when a suite starts hundreds of emulators.
        self._thread = threading.Thread(target=self.serve_forever, args=(0.01,), name="speckle-emulator", daemon=True)
        self._thread.start()
        return url

    def stop(self) -> None:
        """Stop serving and release the port, the log file and the database."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
            self._server.server_close()
            self._server = None
        if self.request_log is not None:
            self.request_log.close()
        self.store.close()

    def info(self) -> dict[str, Any]:
        """Instance facts for the control endpoint."""
        return {
            "baseUrl": self.base_url,
            "canonicalUrl": self.canonical_url,
            "serverVersion": self.config.server_version,
            "legacy": self.config.legacy,
            "adminUserId": self.admin.id,
            "adminEmail": self.config.admin_email,
            "rateLimit": self.limiter.enabled,
        }

    def __enter__(self) -> Emulator:
        """Context manager support: ``with Emulator() as emu: emu.start()``."""
        return self

    def __exit__(self, *_exc: Any) -> None:
        """Stop on leaving the block."""
        self.stop()
