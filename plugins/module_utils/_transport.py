# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP transport behind a small interface, so the client never touches ``requests`` directly.

Tests inject a fake transport (or a fake ``requests.Session``); modules get ``RequestsTransport``.
Transport failures are mapped here, once, to the collection's exception hierarchy, and each one
records whether the request may have reached the server: that is what decides whether a mutation
can be retried safely.
"""

from __future__ import annotations

import traceback
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConnectionFailure,
    RequestTimeout,
    TLSFailure,
    TransportError,
)

try:
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


@dataclass
class HTTPResponse:
    """The parts of an HTTP answer the client needs; header names are lower-cased."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Transport(t.Protocol):
    """What the GraphQL client needs from HTTP: one POST of a JSON body."""

    def post_json(
        self, url: str, body: t.Any, headers: dict[str, str], timeout: float, follow_redirects: bool = False
    ) -> HTTPResponse: ...


def _never_reached_server(exc: BaseException) -> bool:
    """True when the failure happened before any byte of the request left this host."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectTimeoutError, NameResolutionError)):
            return True
        pending.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


class RequestsTransport:
    """``Transport`` on a ``requests.Session``; the session is injectable for tests."""

    def __init__(
        self,
        session: t.Any = None,
        *,
        validate_certs: bool = True,
        ca_path: str | None = None,
    ) -> None:
        self.session = session if session is not None else requests.Session()
        # verify=False only when the user asked for it; a CA bundle path replaces the default store.
        self.verify: bool | str = (ca_path or True) if validate_certs else False

    def post_json(
        self, url: str, body: t.Any, headers: dict[str, str], timeout: float, follow_redirects: bool = False
    ) -> HTTPResponse:
        try:
            response = self.session.post(
                url, json=body, headers=headers, timeout=timeout, verify=self.verify, allow_redirects=follow_redirects
            )
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(
                f"TLS verification failed for {url}: {_reason(exc)}. Fix the certificate, point ca_path at the "
                "CA bundle that signed it, or (only for testing) set validate_certs=false.",
                sent=False,
            ) from None
        except requests.exceptions.Timeout as exc:
            sent = not _never_reached_server(exc)
            raise RequestTimeout(
                f"{url} did not answer within {timeout:g} seconds. Check that the server is up, or raise timeout.",
                sent=sent,
            ) from None
        except requests.exceptions.ConnectionError as exc:
            sent = not _never_reached_server(exc)
            if sent:
                msg = (
                    f"The connection to {url} broke before the server answered ({_reason(exc)}). "
                    "Check the server's logs and any proxy in between."
                )
            else:
                msg = (
                    f"Could not connect to {url} ({_reason(exc)}). Check server_url and that the server is running "
                    "and reachable from this host."
                )
            raise ConnectionFailure(msg, sent=sent) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"The request to {url} failed: {_reason(exc)}.", sent=True) from None
        return HTTPResponse(
            status=response.status_code,
            headers={key.lower(): value for key, value in response.headers.items()},
            text=response.text,
        )


def _reason(exc: BaseException) -> str:
    """A short, secret-free reason: the innermost exception's class and message, trimmed."""
    inner: BaseException = exc
    while True:
        nxt = getattr(inner, "reason", None)
        if isinstance(nxt, BaseException) and nxt is not inner:
            inner = nxt
            continue
        if inner.args and isinstance(inner.args[0], BaseException) and inner.args[0] is not inner:
            inner = inner.args[0]
            continue
        break
    text = str(inner).strip() or type(inner).__name__
    return text if len(text) <= 300 else text[:297] + "..."
