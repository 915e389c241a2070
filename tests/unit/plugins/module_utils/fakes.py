# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A scripted transport: each expected exchange is pinned (URL, body, auth) and answered in order."""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass, field

from ansible_collections.speckle.server.plugins.module_utils._transport import HTTPResponse

UNCHECKED = "<unchecked>"


@dataclass
class Exchange:
    """One expected request and the answer (or exception) to give."""

    url: str
    answer: HTTPResponse | BaseException
    operation: str | None = None
    variables: dict[str, t.Any] | None = None
    auth: str | None = UNCHECKED
    body: dict[str, t.Any] | None = None


def json_response(status: int, payload: t.Any, headers: dict[str, str] | None = None) -> HTTPResponse:
    all_headers = {"content-type": "application/json; charset=utf-8"}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return HTTPResponse(status=status, headers=all_headers, text=json.dumps(payload))


@dataclass
class FakeTransport:
    """Fails the test on any request that is not the next expected one."""

    exchanges: list[Exchange]
    seen: list[dict[str, t.Any]] = field(default_factory=list)

    def post_json(
        self, url: str, body: t.Any, headers: dict[str, str], timeout: float, follow_redirects: bool = False
    ) -> HTTPResponse:
        assert self.exchanges, f"unexpected extra request to {url}: {body!r}"
        expected = self.exchanges.pop(0)
        self.seen.append({"url": url, "body": body, "headers": headers, "timeout": timeout})
        assert url == expected.url
        if expected.operation is not None:
            assert body["operationName"] == expected.operation
            assert f" {expected.operation}" in body["query"]
        if expected.variables is not None:
            assert body["variables"] == expected.variables
        if expected.body is not None:
            assert body == expected.body
        if expected.auth != UNCHECKED:
            assert headers.get("Authorization") == (f"Bearer {expected.auth}" if expected.auth else None)
        if isinstance(expected.answer, BaseException):
            raise expected.answer
        return expected.answer

    def assert_done(self) -> None:
        assert not self.exchanges, f"{len(self.exchanges)} expected request(s) were never sent"
