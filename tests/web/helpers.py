"""``moomtui serve`` in a subprocess, a terminal screen to read what a session draws, visitors.

:func:`moomtui_server` starts ``python -m moomtui serve --port 0`` (any free port) in a
temporary folder, reads the URL it announces, and stops it, and every child it reported,
whatever the test did. :class:`Screen` is just enough of a terminal to read Textual's output
(cursor moves and text; colours ignored). :class:`Visitor` connects to the websocket the way
the page's ``textual.js`` does. :func:`find_chromium` finds the browser the browser test
drives.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]

BANNER = "Linux version 2.4.22-moom"
"""The kernel's first printk: the screen is up once the dmesg panel shows it."""

_CSI = re.compile(rb"\x1b\[([0-?]*)[ -/]*([@-~])")
_OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


class Screen:
    """The cells of a terminal after the bytes a served session sent.

    Each cell also keeps the last SGR parameters written before its character (Textual
    resets the style before each segment), enough to see a border change colour.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.rows = [[" "] * width for _ in range(height)]
        self.styles = [[""] * width for _ in range(height)]
        self.row = self.col = 0
        self.sgr = ""
        self._pending = b""

    def feed(self, data: bytes) -> None:
        data = self._pending + data
        self._pending = b""
        i = 0
        while i < len(data):
            byte = data[i]
            if byte == 0x1B:
                match = _CSI.match(data, i) or _OSC.match(data, i)
                if match is None:
                    if len(data) - i < 64 and b"\x1b" not in data[i + 1 :]:
                        self._pending = data[i:]  # a sequence cut in two
                        return
                    i += 2  # ESC and one character (ESC 7, ESC =, …)
                    continue
                if match.re is _CSI:
                    self._csi(match.group(1).decode(), match.group(2).decode())
                i = match.end()
                continue
            if byte == 0x0D:
                self.col = 0
            elif byte == 0x0A:
                self.row = min(self.row + 1, self.height - 1)
            elif byte >= 0x20:
                end = i + 1
                while end < len(data) and data[end] >= 0x20 and data[end] != 0x7F:
                    end += 1
                try:
                    text = data[i:end].decode("utf-8")
                except UnicodeDecodeError as err:
                    if err.reason.startswith("unexpected end"):
                        self._pending = data[i + err.start :]
                        text = data[i : i + err.start].decode("utf-8")
                        end = len(data)
                    else:
                        text = data[i:end].decode("utf-8", "replace")
                self._put(text)
                i = end
                continue
            i += 1

    def _put(self, text: str) -> None:
        for char in text:
            if self.col < self.width and 0 <= self.row < self.height:
                self.rows[self.row][self.col] = char
                self.styles[self.row][self.col] = self.sgr
            self.col += 2 if unicodedata.east_asian_width(char) in "WF" else 1

    def _csi(self, params: str, final: str) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.lstrip("?").split(";")]
        first = numbers[0] or 1
        if final == "m":
            self.sgr = "" if params in ("", "0") else params
        elif final in "Hf":
            row = numbers[0] if numbers[0] else 1
            col = numbers[1] if len(numbers) > 1 and numbers[1] else 1
            self.row, self.col = min(row, self.height) - 1, min(col, self.width) - 1
        elif final == "G":
            self.col = min(first, self.width) - 1
        elif final == "C":
            self.col = min(self.col + first, self.width - 1)
        elif final == "D":
            self.col = max(self.col - first, 0)
        elif final == "A":
            self.row = max(self.row - first, 0)
        elif final == "B":
            self.row = min(self.row + first, self.height - 1)
        elif final == "J" and numbers[0] == 2:
            self.rows = [[" "] * self.width for _ in range(self.height)]
        elif final == "K":
            self.rows[self.row][self.col :] = [" "] * (self.width - self.col)

    def text(self) -> str:
        return "\n".join("".join(row).rstrip() for row in self.rows)

    def find(self, text: str) -> tuple[int, int]:
        """Row and column of the first ``text`` on the screen."""
        for row, cells in enumerate(self.rows):
            col = "".join(cells).find(text)
            if col >= 0:
                return row, col
        raise AssertionError(f"{text!r} is not on the screen:\n{self.text()}")

    def style(self, row: int, col: int) -> str:
        return self.styles[row][col]


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_until(done: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} after {seconds} s")
        time.sleep(0.05)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """Status, content type and body of ``GET url``."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


class ServerProcess:
    """A running ``moomtui serve`` and what it printed."""

    def __init__(self, proc: subprocess.Popen[str], cwd: Path) -> None:
        self.proc = proc
        self.cwd = cwd
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        announced = self.wait_for(r"^moomtui serve: (http://\S+)", 20)
        self.url = announced.group(1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, seconds: float = 10) -> re.Match[str]:
        """The first line printed (from now on, or already) that matches ``pattern``."""
        compiled = re.compile(pattern)
        for line in self.lines:
            if match := compiled.search(line):
                return match
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
            if match := compiled.search(line):
                return match
        raise AssertionError(f"the server did not print {pattern!r}:\n" + "\n".join(self.lines))

    def session_pid(self, number: int) -> int:
        """The pid of session ``number``'s app, as the server reported it."""
        return int(self.wait_for(rf"^session {number} from .*: started, pid (\d+)").group(1))

    def session_pids(self) -> list[int]:
        """The pids of every session started so far."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        pattern = re.compile(r"started, pid (\d+)")
        return [int(m.group(1)) for line in self.lines if (m := pattern.search(line))]

    def next_session(self) -> int:
        """The number the next session will have (sessions are numbered from 1)."""
        return len(self.session_pids()) + 1

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 15) -> int:
        """Signal the server; its exit status once it has ended (SIGKILL after ``seconds``)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the server did not end within {seconds} s") from None


def server_environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_DATA_HOME"] = str(home / "data")
    return env


@contextlib.contextmanager
def moomtui_server(cwd: Path, *args: str, python: tuple[str, ...] = ()) -> Iterator[ServerProcess]:
    """``moomtui serve --port 0 ARGS`` running in ``cwd`` (``python``: the interpreter's
    own options); stopped, with every child, after."""
    proc = subprocess.Popen(
        [sys.executable, *python, "-m", "moomtui", "serve", "--port", "0", *args],
        cwd=cwd,
        env=server_environment(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = None
    try:
        server = ServerProcess(proc, cwd)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in server.session_pids() if server is not None else []:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)


class Visitor:
    """A browser tab, as far as the server can tell: ``textual.js``'s messages."""

    def __init__(
        self, url: str, width: int = 160, height: int = 48, *, origin: str | None = None
    ) -> None:
        self.url, self.width, self.height = url, width, height
        self.origin = origin
        """The ``Origin`` header to send, as a browser does (none by default, as a script)."""
        self.screen = Screen(width, height)
        self.closed = False
        self.close_code: int | None = None
        self.texts: list[str] = []
        """The text messages the server sent (``["deliver_file_start", KEY]``, …)."""
        self._http: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> Visitor:
        self._http = aiohttp.ClientSession()
        ws_url = self.url.replace("http:", "ws:", 1) + "/ws"
        try:
            self._socket = await self._http.ws_connect(
                f"{ws_url}?width={self.width}&height={self.height}", origin=self.origin
            )
        except BaseException:
            await self._http.close()
            raise
        await self._socket.send_json(["resize", {"width": self.width, "height": self.height}])
        await self._socket.send_json(["ping", str(int(time.time() * 1000))])
        await self._socket.send_json(["focus"])
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._http is not None:
            await self._http.close()

    async def type(self, text: str) -> None:
        assert self._socket is not None
        await self._socket.send_json(["stdin", text])

    async def resize(self, width: int, height: int) -> None:
        """What the page sends when its window changes size (not a key: not input)."""
        assert self._socket is not None
        await self._socket.send_json(["resize", {"width": width, "height": height}])

    async def send(self, text: str) -> None:
        """Any text message, as a hostile page would send it."""
        assert self._socket is not None
        await self._socket.send_str(text)

    async def get(self, url: str) -> tuple[int, str, bytes]:
        """:func:`get` ``url`` from another thread while this visitor reads what the server
        sends, as a browser does: a page that stopped reading its socket would hold up its
        own session's output, a download's chunks among it (they come on the same pipe)."""
        fetch = asyncio.ensure_future(asyncio.to_thread(get, url))
        while not fetch.done():
            await self.pump(0.05)
        return fetch.result()

    async def pump(self, seconds: float) -> None:
        """Read what the server sends for ``seconds`` (or until it closes the socket)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.closed and (left := deadline - loop.time()) > 0:
            await self._receive(left)

    async def until(self, done: Callable[[Screen], bool], seconds: float, what: str) -> None:
        """Read what the server sends until ``done(screen)``; fail after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not done(self.screen):
            left = deadline - loop.time()
            if left <= 0 or self.closed:
                raise AssertionError(f"not {what} after {seconds} s:\n{self.screen.text()}")
            await self._receive(left)

    async def open_console(self) -> None:
        """Press ``:`` and wait until the console has the focus (its border lights up).

        Keys sent before that go to the task tree: the app focuses the prompt after the
        keys already queued, as for a person who pastes ``:lsmod``. The first screen can come
        in two updates (the console's border in the second), so wait for the border first.
        """
        await self.until(lambda s: "╭─ console" in s.text(), 10, "the console on screen")
        row, col = self.screen.find("╭─ console")
        before = self.screen.style(row, col)
        await self.type(":")
        await self.until(lambda s: s.style(row, col) != before, 10, "the console focused")

    async def until_closed(self, seconds: float) -> None:
        """Read until the server closes the socket."""
        await self.until(lambda _: self.closed, seconds, "closed by the server")

    async def _receive(self, seconds: float) -> None:
        assert self._socket is not None
        try:
            message = await asyncio.wait_for(self._socket.receive(), seconds)
        except TimeoutError:
            return
        if message.type == aiohttp.WSMsgType.BINARY:
            self.screen.feed(message.data)
        elif message.type == aiohttp.WSMsgType.TEXT:
            self.texts.append(message.data)
        elif message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
        ):
            self.closed = True
            # The code the server's close frame carries, as a browser's CloseEvent reports it.
            # (aiohttp's own close_code turns into 1006 when the server drops the connection
            # before the client's automatic reply is written, which says nothing about how
            # the server closed.)
            if message.type == aiohttp.WSMsgType.CLOSE:
                self.close_code = message.data
            else:
                self.close_code = self._socket.close_code


CHROMIUM_ENV = "MOOMTUI_CHROMIUM"
"""Names the Chromium (or Chrome) binary the browser test drives, if not the system's."""


def no_chromium() -> str:
    """The one line the browser test fails with when it finds no browser."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return f"{CHROMIUM_ENV}={named}: no such file (name a Chromium or Chrome binary)"
    return (
        "the browser test needs Chromium: apt-get install chromium (Debian), or "
        f"python -m playwright install chromium, or set {CHROMIUM_ENV} to a Chromium binary"
    )


def find_chromium(playwright_chromium_path: str | None = None) -> str | None:
    """A Chromium to drive: $MOOMTUI_CHROMIUM, the system's, or Playwright's own download."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if Path(named).is_file() else None
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(path).is_file():
            return path
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    if playwright_chromium_path and Path(playwright_chromium_path).is_file():
        return playwright_chromium_path
    return None
