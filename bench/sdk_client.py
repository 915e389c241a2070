"""Child process for the SDK side, run with .venv-bench's python; prints one JSON line.

Usage: python -m bench.sdk_client SCENARIO LOOPS REQUEST_LOG, with SPECKLE_SERVER_URL and SPECKLE_TOKEN
in the environment. It times the import, the client set-up and the operations separately, so that the
per-operation time is the SDK's in-process cost (no interpreter start-up, import or set-up).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from pathlib import Path

from bench.measure import RequestLog


def main(argv: list[str]) -> int:
    """Run LOOPS operations of SCENARIO and report times and request counts."""
    scenario, loops, log = argv[1], int(argv[2]), RequestLog(Path(argv[3]))
    start = time.perf_counter()
    ops = importlib.import_module("bench.sdk_ops")  # imported here so that its cost can be timed
    imported = time.perf_counter()
    mark = log.mark()
    client = ops.connect(os.environ["SPECKLE_SERVER_URL"], os.environ["SPECKLE_TOKEN"])
    connected = time.perf_counter()
    setup_requests = len(log.since(mark))
    operation = ops.OPERATIONS[scenario]
    mark = log.mark()
    for index in range(loops):
        operation(client, index)
    done = time.perf_counter()
    result = {
        "import_s": imported - start,
        "setup_s": connected - imported,
        "setup_requests": setup_requests,
        "ops_s": done - connected,
        "requests": len(log.since(mark)),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
