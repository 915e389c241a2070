# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""HTTP transport behind a small interface, so the client never touches ``requests`` directly.

Tests inject a fake transport (or a fake ``requests.Session``); modules get ``RequestsTransport``.
Transport failures are mapped here, once, to the collection's exception hierarchy, and each one
records whether the request may have reached the server: that is what decides whether a mutation
can be retried safely.

Messages are in this module's own words. The text of an error ``requests`` raises while it
prepares a request quotes the header or URL it refused, the token with it, so it is never shown;
only connection and TLS failures keep their reason, which comes from the socket, the resolver or
OpenSSL and names hosts, ports and errors, and even that is withheld if it quotes the token.
"""

from __future__ import annotations

import re
import traceback
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionFailure,
    RequestTimeout,
    TLSFailure,
    TransportError,
)

try:
    import requests
    from urllib3.exceptions import ConnectTimeoutError, LocationValueError, NameResolutionError, NewConnectionError
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
        _check_headers(url, headers)
        secrets = _secrets_in(headers)
        try:
            response = self.session.post(
                url, json=body, headers=headers, timeout=timeout, verify=self.verify, allow_redirects=follow_redirects
            )
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(
                f"TLS verification failed for {url}: {_reason(exc, secrets)}. Fix the certificate, point ca_path at "
                "the CA bundle that signed it, or (only for testing) set validate_certs=false.",
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
                    f"The connection to {url} broke before the server answered ({_reason(exc, secrets)}). "
                    "Check the server's logs and any proxy in between."
                )
            else:
                msg = (
                    f"Could not connect to {url} ({_reason(exc, secrets)}). Check server_url and that the server is "
                    "running and reachable from this host."
                )
            raise ConnectionFailure(msg, sent=sent) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            requests.exceptions.URLRequired,
            LocationValueError,
        ):
            # Raised while the request is prepared, so nothing was sent; the library's text quotes the URL.
            raise ConfigurationError(
                f"The request to {url} was not sent: requests cannot use that address (its host or port is "
                "malformed). Check server_url; give the server's base address, for example https://speckle.example.org."
            ) from None
        except requests.exceptions.InvalidHeader:
            # Raised while the request is prepared; the library's text quotes the whole header, token included.
            raise ConfigurationError(_header_message(url, "a")) from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"The request to {url} failed ({_description(exc)}).", sent=True) from None
        except ValueError as exc:
            # http.client refuses some header values with a plain ValueError or UnicodeEncodeError that quotes them.
            # The header check above should leave none; whatever this is, when it happened is unknown, so count the
            # request as sent: a mutation is then never repeated.
            raise TransportError(
                f"The request to {url} failed ({type(exc).__name__}; its text is withheld, as it may quote the "
                "request).",
                sent=True,
            ) from None
        return HTTPResponse(
            status=response.status_code,
            headers={key.lower(): value for key, value in response.headers.items()},
            text=response.text,
        )


# Visible ASCII, with single spaces inside: requests and http.client refuse other header values with an
# error that quotes them (a line break), or send them as they are (a NUL, a leading space, Latin-1 letters).
_SENDABLE_HEADER_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*\Z")


def _check_headers(url: str, headers: dict[str, str]) -> None:
    """Refuse a header value HTTP cannot carry before anything is sent, without showing it."""
    for name, value in headers.items():
        if not _SENDABLE_HEADER_VALUE.match(value):
            raise ConfigurationError(_header_message(url, f"its {name}"))


def _header_message(url: str, which: str) -> str:
    return (
        f"The request to {url} was not sent: {which} header holds a character an HTTP header cannot carry (a line "
        "break, a control character or a non-ASCII character). The value is not shown; if it is the token, check "
        "token or SPECKLE_TOKEN."
    )


def _secrets_in(headers: dict[str, str]) -> list[str]:
    """The Authorization header and the token in it: text that must never reach a message."""
    value = next((value for name, value in headers.items() if name.lower() == "authorization"), "")
    return [part for part in (value, value.partition(" ")[2]) if part]


def _quotes(text: str, secret: str) -> bool:
    """True when ``text`` holds ``secret`` or any 16 characters of it in a row."""
    if len(secret) <= 16:
        return secret in text
    return any(secret[start : start + 16] in text for start in range(len(secret) - 15))


def _description(exc: BaseException) -> str:
    """A failure after the request was handed to requests, in words that quote nothing of it."""
    described = (
        (requests.exceptions.ChunkedEncodingError, "the answer broke off while it was read"),
        (requests.exceptions.ContentDecodingError, "the answer could not be decoded"),
        (requests.exceptions.TooManyRedirects, "too many redirects"),
        (requests.exceptions.InvalidJSONError, "the request body could not be encoded as JSON"),
    )
    return next((words for kind, words in described if isinstance(exc, kind)), type(exc).__name__)


def _reason(exc: BaseException, secrets: t.Sequence[str] = ()) -> str:
    """A short, secret-free reason: the innermost exception's class and message, trimmed.

    Only for connection and TLS failures, whose text comes from the socket, the resolver or OpenSSL;
    withheld all the same if it quotes any of ``secrets``.
    """
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
    if any(_quotes(text, secret) for secret in secrets):
        return f"{type(inner).__name__}; its text is withheld, as it quotes the token"
    return text if len(text) <= 300 else text[:297] + "..."
