"""Run the local Speckle server emulator: ``python tests/emulator --host 127.0.0.1 --port 0``."""

import sys

from speckle_emulator.cli import main

sys.exit(main())
