"""SQLite persistence for users, tokens, access codes and refresh tokens.

One connection shared by all request threads, guarded by a lock, so a ``--state`` file lets a restarted
emulator still know its tokens. Token secrets are never stored: only their SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

from .constants import DEFAULT_LIFESPAN_MS, TOKEN_ID_LENGTH, TOKEN_LENGTH, TOKEN_SECRET_LENGTH

ACCESS_CODE_TTL_MS = 10 * 60 * 1000  # inferred: not recorded

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    password_salt TEXT, password_hash TEXT, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,
    last_chars TEXT NOT NULL, scopes TEXT NOT NULL, created_at INTEGER NOT NULL, lifespan INTEGER NOT NULL,
    last_used INTEGER NOT NULL, app_id TEXT, limit_resources TEXT, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, app_id TEXT NOT NULL, user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_codes (
    digest TEXT PRIMARY KEY, app_id TEXT NOT NULL, user_id TEXT NOT NULL, challenge TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
"""


def now_ms() -> int:
    """Current time in epoch milliseconds (the resolution the real server stores)."""
    return int(time.time() * 1000)


def digest(secret: str) -> str:
    """SHA-256 hex digest of a secret (what is stored instead of the secret)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def random_hex(length: int) -> str:
    """Lowercase hex string of the given length, like the server's crypto-random-string ids."""
    return secrets.token_hex((length + 1) // 2)[:length]


@dataclass(frozen=True)
class User:
    """A server user."""

    id: str
    name: str
    email: str
    role: str
    created_at: int


@dataclass(frozen=True)
class Token:
    """Metadata of a stored token (never its secret)."""

    id: str
    owner: str
    name: str
    last_chars: str
    scopes: list[str]
    created_at: int
    lifespan: int
    last_used: int
    app_id: str | None
    limit_resources: list[dict[str, Any]] | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly metadata for the control endpoint."""
        return {
            "id": self.id,
            "owner": self.owner,
            "name": self.name,
            "lastChars": self.last_chars,
            "scopes": list(self.scopes),
            "createdAt": self.created_at,
            "lifespan": self.lifespan if abs(self.lifespan) <= 2**53 - 1 else str(self.lifespan),
            "lastUsed": self.last_used,
            "appId": self.app_id,
            "kind": "app" if self.app_id else "personal",
            "limitResources": self.limit_resources,
        }


@dataclass(frozen=True)
class RefreshToken:
    """A stored refresh token, and whether the secret part presented with its id matched."""

    id: str
    app_id: str
    user_id: str
    secret_matches: bool


def is_expired(token: Token, at_ms: int) -> bool:
    """Whether a token is dead: past its lifespan, or with a lifespan of 1 ms or less (dead on first use)."""
    return token.lifespan <= 1 or abs(at_ms - token.created_at) > token.lifespan


class Store:
    """Thread-safe SQLite store (in memory unless a path is given)."""

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.executescript(SCHEMA)
            self._db.commit()
            if self.get_meta("created_at") is None:
                self.set_meta("created_at", str(now_ms()))

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    # -- meta -------------------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """Read a value from the key/value table."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Write a value to the key/value table."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
            self._db.commit()

    @property
    def created_at(self) -> int:
        """When this store (the "server") was first created, in epoch ms."""
        return int(self.get_meta("created_at") or 0)

    # -- users ------------------------------------------------------------------------------------------------
    def create_user(
        self,
        name: str,
        email: str,
        role: str = "server:user",
        password: str | None = None,
        user_id: str | None = None,
    ) -> User:
        """Insert a user (id: 10 hex chars unless given)."""
        user = User(id=user_id or random_hex(10), name=name, email=email, role=role, created_at=now_ms())
        with self._lock:
            self._db.execute(
                "INSERT INTO users (id, name, email, role, created_at) VALUES (?, ?, ?, ?, ?)",
                (user.id, user.name, user.email, user.role, user.created_at),
            )
            self._db.commit()
        if password is not None:
            self.set_password(user.id, password)
        return user

    def get_user(self, user_id: str) -> User | None:
        """A user by id."""
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return None if row is None else _user(row)

    def find_user_by_email(self, email: str) -> User | None:
        """A user by e-mail (case-insensitive, like the server)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE lower(email) = lower(?)", (email,)).fetchone()
        return None if row is None else _user(row)

    def update_user(self, user_id: str, name: str, email: str) -> None:
        """Change a user's name and e-mail."""
        with self._lock:
            self._db.execute("UPDATE users SET name = ?, email = ? WHERE id = ?", (name, email, user_id))
            self._db.commit()

    def set_password(self, user_id: str, password: str) -> None:
        """Store a salted PBKDF2 hash of a password."""
        salt = secrets.token_hex(16)
        hashed = _hash_password(password, salt)
        with self._lock:
            self._db.execute(
                "UPDATE users SET password_salt = ?, password_hash = ? WHERE id = ?", (salt, hashed, user_id)
            )
            self._db.commit()

    def check_password(self, email: str, password: str) -> User | None:
        """The user with these credentials, or None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE lower(email) = lower(?)", (email,)).fetchone()
        if row is None or not row["password_hash"]:
            return None
        if not hmac.compare_digest(_hash_password(password, row["password_salt"]), row["password_hash"]):
            return None
        return _user(row)

    # -- tokens -----------------------------------------------------------------------------------------------
    def create_token(
        self,
        user_id: str,
        name: str,
        scopes: list[str],
        lifespan_ms: int | None = None,
        app_id: str | None = None,
        token: str | None = None,
        limit_resources: list[dict[str, Any]] | None = None,
    ) -> str:
        """Insert a token as-is (no scope rules: like a row inserted straight into the database).

        Returns the full 42-character token. ``token`` fixes its value (the first 10 characters are its id);
        ``lifespan_ms`` None or 0 means the default lifespan; ``app_id`` makes it an app (login) token.
        """
        if token is not None and len(token) != TOKEN_LENGTH:
            raise ValueError(f"a token must be {TOKEN_LENGTH} characters long")
        lifespan = DEFAULT_LIFESPAN_MS if not lifespan_ms else int(lifespan_ms)
        created = now_ms()
        with self._lock:
            if token is None:
                token = self._new_token_value()
            token_id, secret = token[:TOKEN_ID_LENGTH], token[TOKEN_ID_LENGTH:]
            seq = self._db.execute("SELECT coalesce(max(seq), 0) + 1 FROM tokens").fetchone()[0]
            self._db.execute(
                "INSERT OR REPLACE INTO tokens (id, digest, owner, name, last_chars, scopes, created_at, lifespan,"
                " last_used, app_id, limit_resources, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    digest(secret),
                    user_id,
                    name,
                    secret[-6:],
                    json.dumps(list(scopes)),
                    created,
                    lifespan,
                    created,
                    app_id,
                    None if limit_resources is None else json.dumps(limit_resources),
                    seq,
                ),
            )
            self._db.commit()
        return token

    def _new_token_value(self) -> str:
        """A fresh token whose id is not taken yet."""
        while True:
            token = random_hex(TOKEN_ID_LENGTH) + random_hex(TOKEN_SECRET_LENGTH)
            if self._db.execute("SELECT 1 FROM tokens WHERE id = ?", (token[:TOKEN_ID_LENGTH],)).fetchone() is None:
                return token

    def get_token(self, token_id: str) -> Token | None:
        """Token metadata by id."""
        with self._lock:
            row = self._db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        return None if row is None else _token(row)

    def list_tokens(self, user_id: str | None = None, personal_only: bool = False) -> list[Token]:
        """Tokens (newest first), optionally only one user's and only personal access tokens."""
        query, params = "SELECT * FROM tokens WHERE 1 = 1", []
        if user_id is not None:
            query += " AND owner = ?"
            params.append(user_id)
        if personal_only:
            query += " AND app_id IS NULL"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq DESC", params).fetchall()
        return [_token(row) for row in rows]

    def revoke_token(self, token_id: str, owner: str | None = None) -> bool:
        """Delete a token (only if ``owner`` owns it, when given). True when a row was deleted."""
        query, params = "DELETE FROM tokens WHERE id = ?", [token_id]
        if owner is not None:
            query += " AND owner = ?"
            params.append(owner)
        with self._lock:
            deleted = self._db.execute(query, params).rowcount
            self._db.commit()
        return deleted > 0

    def validate_token(self, token: str) -> Token | None:
        """The live token matching a presented token string, updating its lastUsed; None when invalid.

        Like the server, only characters 0-9 (id) and 10-41 (secret) count, and an expired token is deleted.
        """
        token_id, secret = token[:TOKEN_ID_LENGTH], token[TOKEN_ID_LENGTH:TOKEN_LENGTH]
        at = now_ms()
        with self._lock:
            row = self._db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None or not hmac.compare_digest(row["digest"], digest(secret)):
                return None
            found = _token(row)
            if is_expired(found, at):
                self._db.execute("DELETE FROM tokens WHERE id = ?", (token_id,))
                self._db.commit()
                return None
            self._db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (at, token_id))
            self._db.commit()
        return Token(**{**found.__dict__, "last_used": at})

    # -- login flow -------------------------------------------------------------------------------------------
    def create_access_code(self, app_id: str, user_id: str, challenge: str) -> str:
        """A single-use access code for the token exchange."""
        code = random_hex(42)
        with self._lock:
            self._db.execute(
                "INSERT INTO access_codes (digest, app_id, user_id, challenge, created_at) VALUES (?, ?, ?, ?, ?)",
                (digest(code), app_id, user_id, challenge, now_ms()),
            )
            self._db.commit()
        return code

    def find_access_code(self, code: str) -> dict[str, Any] | None:
        """An access code's row (app_id, user_id, challenge, created_at), None if unknown; it stays stored."""
        with self._lock:
            row = self._db.execute("SELECT * FROM access_codes WHERE digest = ?", (digest(code),)).fetchone()
        return None if row is None else dict(row)

    def delete_access_code(self, code: str) -> bool:
        """Delete an access code; False when it was already gone (a concurrent exchange used it)."""
        with self._lock:
            deleted = self._db.execute("DELETE FROM access_codes WHERE digest = ?", (digest(code),)).rowcount
            self._db.commit()
        return deleted > 0

    def create_refresh_token(self, app_id: str, user_id: str) -> str:
        """A refresh token (10-char id + 32-char secret, like access tokens)."""
        token = random_hex(TOKEN_ID_LENGTH) + random_hex(TOKEN_SECRET_LENGTH)
        with self._lock:
            self._db.execute(
                "INSERT INTO refresh_tokens (id, digest, app_id, user_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (token[:TOKEN_ID_LENGTH], digest(token[TOKEN_ID_LENGTH:]), app_id, user_id, now_ms()),
            )
            self._db.commit()
        return token

    def find_refresh_token(self, token: str) -> RefreshToken | None:
        """The refresh token with this id part (None if unknown). Using it neither rotates nor consumes it."""
        token_id = token[:TOKEN_ID_LENGTH]
        with self._lock:
            row = self._db.execute("SELECT * FROM refresh_tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None:
            return None
        matches = hmac.compare_digest(row["digest"], digest(token[TOKEN_ID_LENGTH:TOKEN_LENGTH]))
        return RefreshToken(token_id, str(row["app_id"]), str(row["user_id"]), matches)

    def revoke_refresh_token(self, token: str) -> bool:
        """Delete a refresh token by its id part."""
        with self._lock:
            deleted = self._db.execute("DELETE FROM refresh_tokens WHERE id = ?", (token[:TOKEN_ID_LENGTH],)).rowcount
            self._db.commit()
        return deleted > 0


def _hash_password(password: str, salt: str) -> str:
    """PBKDF2-SHA256 of a password (hex)."""
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), 20000).hex()


def _user(row: sqlite3.Row) -> User:
    """Build a User from a row."""
    return User(id=row["id"], name=row["name"], email=row["email"], role=row["role"], created_at=row["created_at"])


def _token(row: sqlite3.Row) -> Token:
    """Build a Token from a row."""
    return Token(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        last_chars=row["last_chars"],
        scopes=json.loads(row["scopes"]),
        created_at=row["created_at"],
        lifespan=int(row["lifespan"]),
        last_used=row["last_used"],
        app_id=row["app_id"],
        limit_resources=None if row["limit_resources"] is None else json.loads(row["limit_resources"]),
    )
