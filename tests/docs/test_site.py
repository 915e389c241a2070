"""The built docs site, opened in headless Chromium: pages render, assets load, internal links resolve."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from docs_testlib import Browser, Page, SiteServer, internal_target, parse_html, read_png

REPO = Path(__file__).resolve().parents[2]
DOCSITE = REPO / "docs" / "docsite"
PLAYBOOKS = DOCSITE / "playbooks"
MODULES = ("speckle_server_info", "speckle_session", "speckle_token", "speckle_token_info")


def guide_names() -> list[str]:
    """The guides listed in extra-docs.yml, in order."""
    index = yaml.safe_load((DOCSITE / "extra-docs.yml").read_text(encoding="utf-8"))
    return [entry for section in index["sections"] for entry in section["toctree"]]


def guide_title(name: str) -> str:
    """The first heading of a guide's RST source: the line above the first ``===`` underline."""
    lines = (DOCSITE / "rst" / f"{name}.rst").read_text(encoding="utf-8").splitlines()
    for above, line in itertools.pairwise(lines):
        if re.fullmatch(r"=+", line) and above.strip() and len(line) >= len(above.strip()):
            return above.strip()
    raise AssertionError(f"{name}.rst has no title")


def playbooks_named_in(name: str) -> list[Path]:
    text = (DOCSITE / "rst" / f"{name}.rst").read_text(encoding="utf-8")
    return [PLAYBOOKS / file for file in sorted(set(re.findall(r"docs/docsite/playbooks/([\w.-]+\.yml)", text)))]


@dataclass
class Visit:
    """A page as Chromium rendered it, and what it requested from the server meanwhile."""

    page: Page
    loaded: list[str]
    failed: list[str]


def visit(browser: Browser, server: SiteServer, path: str) -> Visit:
    before = len(server.requests)
    page = parse_html(browser.dom(server.url + path))
    served = server.requests[before:]
    return Visit(
        page=page,
        loaded=[entry.path for entry in served],
        failed=[f"{entry.path} -> {entry.status}" for entry in served if entry.status >= 400],
    )


def test_extra_docs_list_every_guide():
    listed = set(guide_names())
    written = {path.stem for path in (DOCSITE / "rst").glob("*.rst")}
    assert listed == written
    assert len(listed) >= 5


def test_index_renders_and_links_every_guide_and_module(browser, server):
    seen = visit(browser, server, "index.html")
    page = seen.page
    assert seen.failed == []
    assert any(path.endswith(".css") for path in seen.loaded), seen.loaded  # the theme's style sheets were fetched
    assert "speckle.server" in page.title
    assert [h1.text.strip() for h1 in page.find("h1")] == ["Speckle.Server"]
    hrefs = {element.attrs.get("href", "").split("#")[0] for element in page.find("a")}
    for name in guide_names():
        assert f"docsite/{name}.html" in hrefs, name
    for module in MODULES:
        assert f"{module}_module.html" in hrefs, module


def test_module_page_renders_title_option_table_and_examples(browser, server):
    seen = visit(browser, server, "speckle_token_module.html")
    page = seen.page
    assert seen.failed == []
    assert page.title.startswith("speckle.server.speckle_token module")
    heading = page.find("h1")[0].text
    assert heading.startswith("speckle.server.speckle_token module – Create, rotate and revoke")
    tables = page.find("table", "ansible-option-table")
    assert len(tables) >= 2  # parameters and return values
    for option in ("dest", "rotate_before", "server_url", "token"):
        assert f"parameter-{option}" in page.ids, option
    assert "return-revoked_ids" in page.ids
    examples = " ".join(pre.text for pre in page.find("pre"))
    assert "speckle.server.speckle_token:" in examples
    assert "rotate_before:" in examples


@pytest.mark.parametrize("name", guide_names())
def test_guide_renders_title_and_its_playbooks(browser, server, name):
    seen = visit(browser, server, f"docsite/{name}.html")
    page = seen.page
    assert seen.failed == []
    assert [h1.text.strip() for h1 in page.find("h1")] == [guide_title(name)]
    assert page.title.startswith(guide_title(name))
    blocks = [pre.text for pre in page.find("pre")]
    assert blocks, "no code block rendered"
    assert all(block.strip() for block in blocks)
    shown = playbooks_named_in(name)
    assert shown, f"{name} names no playbook of docs/docsite/playbooks"
    for playbook in shown:
        # The highlighted block, tags stripped, is the playbook file itself.
        assert playbook.read_text(encoding="utf-8") in [block.rstrip("\n") + "\n" for block in blocks], playbook.name
    # The sidebar of every guide lists every guide.
    hrefs = {element.attrs.get("href", "").split("#")[0] for element in page.find("a")}
    assert {f"{other}.html" for other in guide_names() if other != name} <= hrefs


def test_every_internal_link_resolves(site):
    pages = sorted(site.rglob("*.html"))
    parsed = {path.resolve(): parse_html(path.read_text(encoding="utf-8")) for path in pages}
    broken = []
    checked = 0
    for path, page in parsed.items():
        for link in page.links():
            target = internal_target(path, link, site)
            if target is None:
                continue
            checked += 1
            file, fragment = target
            if not file.is_file():
                broken.append(f"{path.relative_to(site)}: {link} (no file {file})")
            elif fragment and file.suffix == ".html" and fragment not in parsed[file].ids:
                broken.append(f"{path.relative_to(site)}: {link} (no id {fragment!r} in {file.name})")
    assert not broken, "broken internal links:\n" + "\n".join(broken)
    guides = {site / "docsite" / f"{name}.html" for name in guide_names()}
    assert guides <= set(parsed), "a guide page is missing from the site"
    assert checked > 500, checked  # the walk did look at the site's links


def test_guide_screenshot_shows_a_rendered_page(browser, server):
    out = Path(os.environ.get("DOCS_TEST_OUT", REPO / ".build" / "docs-test"))
    out.mkdir(parents=True, exist_ok=True)
    shot = out / "sessions_and_tokens.png"
    shot.unlink(missing_ok=True)
    browser.screenshot(server.url + "docsite/sessions_and_tokens.html", shot, width=1280, height=1000)
    image = read_png(shot)
    assert (image.width, image.height) == (1280, 1000)
    samples = [image.pixel(x, y) for y in range(0, image.height, 20) for x in range(0, image.width, 20)]
    assert len(set(samples)) > 20, "the screenshot is nearly one colour: the page did not render"
    dark = sum(1 for pixel in samples if sum(pixel) < 150)
    light = sum(1 for pixel in samples if sum(pixel) > 700)
    # The theme's dark navigation bar and sidebar beside a light content area with text on it.
    assert dark > len(samples) // 20
    assert light > len(samples) // 3
