"""Helpers for the docs site tests: a loopback server, headless Chromium, HTML parsing and PNG pixels.

Chromium is Debian's ``chromium`` package, driven from the command line (``--dump-dom``, ``--screenshot``):
no browser download and no browser tooling from PyPI. Every host but loopback is unresolvable for it, so a
page that reaches out to the internet fails here instead of working by luck.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_TIMEOUT = 120


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


# --------------------------------------------------------------------------------------------------
# A loopback web server for the built site, which remembers every request and its status


@dataclass
class Served:
    path: str
    status: int


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site; records each request instead of logging it to stderr."""

    log: list[Served]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log.append(Served(urlsplit(self.path).path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: object) -> None:  # pylint: disable=redefined-builtin
        pass


class SiteServer:
    """``http.server`` on 127.0.0.1 with a free port, serving ``root`` in a daemon thread."""

    def __init__(self, root: Path) -> None:
        self.requests: list[Served] = []
        handler = type("Handler", (_QuietHandler,), {"log": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# --------------------------------------------------------------------------------------------------
# Headless Chromium


class Browser:
    """Runs headless Chromium once per page, each time with a fresh profile directory."""

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def _run(self, url: str, *args: str) -> str:
        with tempfile.TemporaryDirectory(prefix="docs-test-chromium-") as profile:
            command = [
                self.executable,
                "--headless",
                "--no-sandbox",  # tests run as root in CI, where Chromium's sandbox refuses to start
                "--disable-gpu",
                "--disable-dev-shm-usage",  # containers often have a small /dev/shm
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                *args,
                url,
            ]
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT, check=False, stdin=subprocess.DEVNULL
            )
        if done.returncode != 0:
            raise AssertionError(f"chromium exited with {done.returncode} for {url}: {done.stderr[-2000:]}")
        return done.stdout

    def dom(self, url: str) -> str:
        """The page's DOM after its scripts ran, serialized."""
        return self._run(url, "--dump-dom")

    def screenshot(self, url: str, dest: Path, width: int = 1280, height: int = 1600) -> None:
        self._run(url, f"--screenshot={dest}", f"--window-size={width},{height}", "--hide-scrollbars")
        if not dest.is_file():
            raise AssertionError(f"chromium wrote no screenshot to {dest}")


# --------------------------------------------------------------------------------------------------
# HTML


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class Page:
    """What the tests look at in one HTML document."""

    title: str = ""
    elements: list[Element] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def find(self, tag: str, css_class: str | None = None) -> list[Element]:
        return [
            element
            for element in self.elements
            if element.tag == tag and (css_class is None or css_class in element.attrs.get("class", "").split())
        ]

    def links(self) -> list[str]:
        """Every URL the document refers to: a/link href, script/img src."""
        found = []
        for element in self.elements:
            for name in ("href", "src"):
                value = element.attrs.get(name)
                if value is not None and element.tag in ("a", "link", "script", "img", "iframe", "source"):
                    found.append(value)
        return found


TEXT_TAGS = {"title", "h1", "h2", "h3", "th", "pre", "code", "td", "a", "p", "li"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _PageParser(HTMLParser):
    """Collects elements with their attributes and, for the tags in TEXT_TAGS, their whole text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.page.elements.append(element)
        for key in ("id", "name"):
            if element.attrs.get(key) and (key == "id" or tag == "a"):
                self.page.ids.add(element.attrs[key])
        if tag in TEXT_TAGS and tag not in VOID_TAGS:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                element = self.open.pop(index)
                if tag == "title":
                    self.page.title = element.text.strip()
                return

    def handle_data(self, data: str) -> None:
        # A heading's permalink (its "¶" or icon) is not part of the heading's text.
        in_permalink = any("headerlink" in element.attrs.get("class", "").split() for element in self.open)
        for element in self.open:
            if not in_permalink or "headerlink" in element.attrs.get("class", "").split():
                element.text += data


def parse_html(text: str) -> Page:
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser.page


def internal_target(page_path: Path, link: str, site: Path) -> tuple[Path, str] | None:
    """The file (and fragment) an internal link points to, or None for external, mailto and data links."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None
    if not parts.path:
        return page_path, unquote(parts.fragment)
    base = site if parts.path.startswith("/") else page_path.parent
    target = (base / unquote(parts.path).lstrip("/")).resolve()
    if parts.path.endswith("/"):
        target /= "index.html"
    return target, unquote(parts.fragment)


# --------------------------------------------------------------------------------------------------
# PNG pixels (8-bit RGB or RGBA, not interlaced: what Chromium writes)


@dataclass
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        start = x * self.channels
        return tuple(self.rows[y][start : start + 3])


def read_png(path: Path) -> Image:
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG file")
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
    width, height, depth, color_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color_type not in (2, 6) or (compression, filtering, interlace) != (0, 0, 0):
        raise AssertionError(f"{path}: unsupported PNG (depth {depth}, color type {color_type}, interlace {interlace})")
    channels = 3 if color_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    position = 0
    while len(rows) < height:
        kind = raw[position]
        line = bytearray(raw[position + 1 : position + 1 + stride])
        position += 1 + stride
        _unfilter(kind, line, previous, channels)
        rows.append(bytes(line))
        previous = line
    return Image(width, height, channels, rows)


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> None:
    """Undo one PNG scanline filter in place (None, Sub, Up, Average, Paeth)."""
    for index in range(len(line)):
        left = line[index - bpp] if index >= bpp else 0
        up = previous[index]
        upper_left = previous[index - bpp] if index >= bpp else 0
        if kind == 1:
            line[index] = (line[index] + left) & 0xFF
        elif kind == 2:
            line[index] = (line[index] + up) & 0xFF
        elif kind == 3:
            line[index] = (line[index] + (left + up) // 2) & 0xFF
        elif kind == 4:
            estimate = left + up - upper_left
            distances = (abs(estimate - left), abs(estimate - up), abs(estimate - upper_left))
            nearest = (left, up, upper_left)[distances.index(min(distances))]
            line[index] = (line[index] + nearest) & 0xFF
