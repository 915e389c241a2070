# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Count the emulator's request-log lines after a mark: python counts.py LOG MARK -> JSON on stdout."""

from __future__ import annotations

import collections
import json
import sys

TOKEN_OPERATIONS = {"SpeckleActiveUserTokens", "SpeckleApiTokenCreate", "SpeckleApiTokenRevoke"}


def main(log: str, mark: int) -> None:
    with open(log, encoding="utf-8") as handle:
        entries = [json.loads(line) for line in handle.read().splitlines()[mark:]]
    logins = [entry for entry in entries if entry["path"] == "/auth/local/login"]
    statuses = collections.Counter(str(entry["status"]) for entry in logins)
    counts = {
        "requests": len(entries),
        "logins": len(logins),
        "login_statuses": dict(statuses),
        "exchanges": sum(entry["path"] == "/auth/token" for entry in entries),
        "logouts": sum(entry["path"] == "/auth/logout" for entry in entries),
        "graphql": sum(entry["path"] == "/graphql" for entry in entries),
        "token_graphql": sum(entry.get("operationName") in TOKEN_OPERATIONS for entry in entries),
    }
    json.dump(counts, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
