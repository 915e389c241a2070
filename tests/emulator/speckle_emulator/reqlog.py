"""The --request-log file: one JSON line per HTTP request, written and flushed at once, without secrets."""

from __future__ import annotations

import json
import threading
from typing import Any


class RequestLog:
    """Append-only JSON-lines log shared by the request threads."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        # Kept open for the emulator's lifetime, closed by close().
        self._file = open(path, "a", encoding="utf-8")  # noqa: SIM115 # pylint: disable=consider-using-with

    def write(self, entry: dict[str, Any]) -> None:
        """Append one entry and flush, so a reader sees it as soon as the response is sent."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if not self._file.closed:
                self._file.write(line + "\n")
                self._file.flush()

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._file.close()
