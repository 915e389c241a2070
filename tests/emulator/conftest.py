"""Pytest setup for the emulator suite: import paths and an in-process emulator fixture."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for entry in (HERE, HERE / "tests", HERE / "tools"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from speckle_emulator import Emulator  # noqa: E402  # pylint: disable=wrong-import-position
from speckle_emulator.constants import ALL_SCOPES  # noqa: E402  # pylint: disable=wrong-import-position


class Running:
    """A started in-process emulator plus an admin PAT holding every scope (inserted like the recordings')."""

    def __init__(self, emulator: Emulator, url: str) -> None:
        self.emulator = emulator
        self.url = url
        self.admin_token = emulator.create_personal_token(list(ALL_SCOPES), "admin-all-scopes (db-inserted)")


@pytest.fixture(name="running")
def running_fixture():
    """A fresh emulator (in-memory state, default limits) for one test."""
    emulator = Emulator()
    url = emulator.start()
    try:
        yield Running(emulator, url)
    finally:
        emulator.stop()
