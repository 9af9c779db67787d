"""``moomtui serve`` in a real browser: headless Chromium, driven by Playwright.

The page loads from the server alone (any other request is refused and fails the test), the
screen comes up with the kernel's banner, keys typed in the browser run a console command,
and a screenshot of the page is written and checked: a whole PNG of the window's size that
is not blank. The text on the screen is read from the websocket frames the page received
(xterm.js draws on a canvas, which has no text to read), through the same terminal model as
the other web tests.

The browser is the system's Chromium (``apt-get install chromium``; ``.ci/run`` installs it),
or one named by ``$MOOMTUI_CHROMIUM``, or one Playwright installed; without one the test
fails with one line saying how to get one. It is never skipped, and it never downloads a
browser itself.
"""

from __future__ import annotations

import base64
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, WebSocket, sync_playwright

from .helpers import BANNER, Screen, ServerProcess, alive, find_chromium, no_chromium, wait_until

pytestmark = pytest.mark.slow  # a real browser against a real server

VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    path = find_chromium(playwright.chromium.executable_path)
    if path is None:
        pytest.fail(no_chromium(), pytrace=False)
    launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
    try:
        yield launched
    finally:
        launched.close()


class Tab:
    """A page on the server; what its websocket received, as a terminal screen."""

    def __init__(self, browser: Browser, server_url: str) -> None:
        self.server_url = server_url
        self.context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        self.elsewhere: list[str] = []
        self.fetched: list[str] = []
        self.context.route("**/*", self._route)
        self.page: Page = self.context.new_page()
        self.screen = Screen(400, 200)
        self.size: tuple[int, int] | None = None
        self.page.on("websocket", self._websocket)

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.server_url + "/"):
            self.fetched.append(url[len(self.server_url) :])
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()

    def _websocket(self, socket: WebSocket) -> None:
        query = parse_qs(urlsplit(socket.url).query)
        self.size = (int(query["width"][0]), int(query["height"][0]))
        socket.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.screen.feed(payload)

    def until(self, done: Any, seconds: float, what: str) -> None:
        """Let the page run until ``done(screen)``; fail after ``seconds``."""
        deadline = time.monotonic() + seconds
        while not done(self.screen):
            if time.monotonic() > deadline:
                raise AssertionError(f"not {what} after {seconds} s:\n{self.screen.text()}")
            self.page.wait_for_timeout(50)  # Playwright delivers the frames meanwhile

    def close(self) -> None:
        self.context.close()


def png_facts(data: bytes) -> tuple[int, int, int]:
    """Width, height and bytes per pixel of a PNG, after checking every chunk and the data."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks[kind] = body
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    assert b"IEND" in chunks
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    per_pixel = 3 if colour == 2 else 4
    assert len(zlib.decompress(idat)) == height * (1 + width * per_pixel)
    return width, height, per_pixel


PIXEL_STATS = """async (b64) => {
    const image = new Image();
    image.src = "data:image/png;base64," + b64;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const counts = new Map();
    for (let i = 0; i < pixels.length; i += 4) {
        const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
        counts.set(key, (counts.get(key) || 0) + 1);
    }
    return {colours: counts.size, commonest: Math.max(...counts.values()) / (pixels.length / 4)};
}"""


def test_the_game_in_a_real_browser(
    browser: Browser, server: ServerProcess, tmp_path: Path
) -> None:
    number = server.next_session()
    tab = Tab(browser, server.url)
    try:
        tab.page.goto(server.url + "/")
        tab.page.wait_for_selector("body.-first-byte", timeout=20_000)  # the terminal drew
        tab.until(lambda s: BANNER in s.text(), 20, "the kernel banner on screen")
        tab.until(lambda s: "╭─ console" in s.text(), 10, "the console on screen")
        assert tab.page.title() == "moomtui"
        assert tab.page.evaluate("document.fonts.check(\"16px 'Roboto Mono'\")")
        assert "/static/fonts/RobotoMono-VariableFont_wght.ttf" in tab.fetched
        pid = server.session_pid(number)

        row, col = tab.screen.find("╭─ console")
        before = tab.screen.style(row, col)
        tab.page.focus(".xterm-helper-textarea")
        tab.page.keyboard.press(":")
        tab.until(lambda s: s.style(row, col) != before, 10, "the console focused")
        tab.page.keyboard.type("lsmod")
        tab.page.keyboard.press("Enter")
        tab.until(
            lambda s: "Used by" in s.text() and "OOM chain: out_of_memory() → oom_kill" in s.text(),
            10,
            "the module list on screen",
        )

        shot = tmp_path / "moomtui.png"
        tab.page.screenshot(path=shot)
        data = shot.read_bytes()
        assert png_facts(data)[:2] == (VIEWPORT["width"], VIEWPORT["height"])
        stats = tab.page.evaluate(PIXEL_STATS, base64.b64encode(data).decode())
        assert stats["colours"] >= 16, stats  # panels, text, gauges: not a blank page
        assert stats["commonest"] < 0.9, stats

        assert tab.size is not None and tab.size[0] >= 100, tab.size  # the window's width
        assert tab.elsewhere == []
    finally:
        tab.close()
    wait_until(lambda: not alive(pid), 10, "the session's process gone after its tab closed")


OPEN_SOCKET = """(url) => new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.onopen = () => { socket.close(); resolve("open"); };
    socket.onclose = (event) => resolve(`closed ${event.code}`);
})"""


def test_a_page_of_another_origin_cannot_open_a_session(
    browser: Browser, server: ServerProcess
) -> None:
    """The browser says where a page came from (``Origin``): a page served as
    ``http://localhost:PORT`` is another site than ``http://127.0.0.1:PORT``, and its script
    may not open a session there — while its own origin's may."""
    other = server.url.replace("127.0.0.1", "localhost")
    socket_url = server.url.replace("http:", "ws:") + "/ws?width=80&height=24"
    tab = Tab(browser, other)
    try:
        tab.page.goto(other + "/")
        assert tab.page.evaluate(OPEN_SOCKET, socket_url) == "closed 1006"  # refused: 403
        own = other.replace("http:", "ws:") + "/ws?width=80&height=24"
        assert tab.page.evaluate(OPEN_SOCKET, own) == "open"
        assert tab.elsewhere == []
    finally:
        tab.close()
    server.wait_for(rf"^refused a request from 127\.0\.0\.1: Origin '{other}' is not {server.url}$")
