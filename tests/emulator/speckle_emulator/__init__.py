"""Local emulator of the Speckle server API used by the collection's tests (see tests/emulator/README.md)."""

from .app import Emulator, EmulatorConfig
from .store import Store, Token, User

__all__ = ["Emulator", "EmulatorConfig", "Store", "Token", "User"]
