"""`make bench`: speckle.server modules against plain uri tasks and the Python SDK, on the emulator."""
