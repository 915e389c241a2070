"""Pytest setup for the docs site tests: where the built site and collection are, and the browser.

`make docs-test` builds the site first (`make docs`) and says where with DOCS_SITE and SPECKLE_COLLECTIONS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from docs_testlib import Browser, SiteServer, find_chromium  # noqa: E402  # pylint: disable=wrong-import-position


@pytest.fixture(name="site", scope="session")
def site_fixture() -> Path:
    """The built HTML site (`make docs`)."""
    site = Path(os.environ.get("DOCS_SITE", REPO / ".build" / "docs")).resolve()
    if not (site / "index.html").is_file():
        pytest.fail(f"no docs site at {site}: run `make docs` first (or `make docs-test`, which does)")
    return site


@pytest.fixture(name="collections", scope="session")
def collections_fixture() -> Path:
    """A directory holding ansible_collections/speckle/server (`make collection`)."""
    path = Path(os.environ.get("SPECKLE_COLLECTIONS", REPO / ".build")).resolve()
    if not (path / "ansible_collections" / "speckle" / "server" / "galaxy.yml").is_file():
        pytest.fail(f"no collection under {path}/ansible_collections: run `make collection` first")
    return path


@pytest.fixture(name="browser", scope="session")
def browser_fixture() -> Browser:
    """Debian's headless Chromium; .ci/run installs it, a developer runs `apt-get install chromium`."""
    executable = find_chromium()
    if executable is None:
        pytest.fail("chromium is not installed: `apt-get update && apt-get install -y chromium` (.ci/run does it)")
    return Browser(executable)


@pytest.fixture(name="server", scope="session")
def server_fixture(site: Path):
    """The site served on loopback, as a browser would get it from a web server."""
    with SiteServer(site) as server:
        yield server
