"""The web server of ``moomtui serve``: textual-serve's, made fit for strangers.

textual-serve brings the page (xterm.js in its ``textual.js``), the websocket protocol and
:class:`~textual_serve.app_service.AppService`, which relays a child process's screen and
keys. :class:`MoomServer` subclasses its ``Server`` and changes what a public server needs:

- **The child.** Each visitor's app is ``sys.executable -m moomtui --served``, started
  directly (textual-serve runs its command through ``/bin/sh``, whose pid is not the app's:
  stopping that "child" left the app running), in a session and process group of its own,
  with a small environment and :mod:`moomtui.web.driver` as its Textual driver.
- **No stuck children.** A session stops by asking the app to quit, then SIGTERM, then
  SIGKILL to its process group, each after a grace period; after the socket has gone, the
  child's output is still read (and dropped) so that it never blocks in ``write()``. When the
  child ends, its socket is closed. Stopping the server stops every session that way, at
  once; if the server itself dies, each child sees it and ends (:mod:`.driver`).
- **Sandboxed.** ``--served`` (see :mod:`moomtui.tui.app`): no host file read or written, no
  code run. At most ``max_sessions`` sessions at once, a polite "busy" page past that; a
  session without input for ``idle_timeout`` seconds is closed. Sizes and messages from the
  browser are checked and bounded. It listens on 127.0.0.1 unless told otherwise.
- **Offline.** The page is ours (``index.html``): the terminal's font is the
  Roboto Mono that textual-serve ships, served from here (its page links a web font), and
  the favicon is ours. Nothing is fetched from elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from . import DRIVER, SERVED_FLAG, SERVER_PID_ENV

HERE = Path(__file__).resolve().parent

QUIT_GRACE = 3.0
"""Seconds a child has to quit when asked, before SIGTERM."""
TERM_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL."""
READ_GRACE = 2.0
"""Seconds to finish reading a dead child's output."""

MIN_SIZE, MAX_SIZE = (20, 8), (400, 200)
"""The terminal sizes a browser may ask for, in cells (width, height)."""
MAX_MESSAGE = 64 * 1024
"""The largest websocket message taken from a browser, in bytes."""

ENVIRONMENT_KEPT = ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LANG", "LC_ALL", "TZ")
"""What a child inherits of the server's environment (no HOME: it reads no user file)."""


def say(line: str, *, err: bool = False) -> None:
    print(line, file=sys.stderr if err else sys.stdout, flush=True)


def child_command() -> list[str]:
    """A served session: this interpreter running moomtui, whatever PATH says."""
    return [sys.executable, "-m", "moomtui", SERVED_FLAG]


def child_environment(width: int, height: int) -> dict[str, str]:
    env = {key: os.environ[key] for key in ENVIRONMENT_KEPT if key in os.environ}
    env.update(
        TEXTUAL_DRIVER=DRIVER,
        TEXTUAL_FPS="60",
        TEXTUAL_COLOR_SYSTEM="truecolor",
        TERM_PROGRAM="textual",
        TERM_PROGRAM_VERSION=version("textual-serve"),
        COLUMNS=str(width),
        ROWS=str(height),
        LC_CTYPE="C.UTF-8",
        PYTHONIOENCODING="utf-8",
    )
    env[SERVER_PID_ENV] = str(os.getpid())
    return env


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size from the browser, as whole cells within the bounds."""

    def whole(value: object, default: int) -> int:
        try:
            return int(str(value))
        except ValueError:
            return default

    w = min(max(whole(width, 80), MIN_SIZE[0]), MAX_SIZE[0])
    h = min(max(whole(height, 24), MIN_SIZE[1]), MAX_SIZE[1])
    return w, h


def font_size(text: str | None) -> int:
    """The page's font size in pixels (``?fontsize=N``): 16 by default, 8 to 48."""
    try:
        return min(max(int(text or "16"), 8), 48)
    except ValueError:
        return 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    if not minutes:
        return f"{secs}s"
    return f"{minutes}m {secs:02d}s" if secs else f"{minutes}m"


class ServedApp(AppService):
    """One visitor's app: a child process in its own process group, stopped for sure."""

    def __init__(
        self,
        argv: list[str],
        *,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[Any]],
        server: MoomServer,
    ) -> None:
        super().__init__(
            " ".join(argv),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=server.download_manager,
        )
        self.argv = argv
        self.socket_open = True
        self._stopping: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=child_environment(width, height),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """Relay the child's output until it ends; then close the socket."""
        await super().run()
        await self._close_socket()

    async def _close_socket(self) -> None:
        if self.socket_open:
            self.socket_open = False
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.remote_close()

    async def on_data(self, payload: bytes) -> None:
        if not self.socket_open:
            return  # keep reading, so the child never blocks in write()
        try:
            await self.remote_write_bytes(payload)
        except (ConnectionError, RuntimeError):
            self.socket_open = False

    async def on_meta(self, data: bytes) -> None:
        try:
            await super().on_meta(data)
        except (ConnectionError, RuntimeError):
            self.socket_open = False

    async def stop(self) -> None:
        """Stop the child: quit, SIGTERM, SIGKILL (each after a grace period); idempotent."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        self.socket_open = False
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        process = self._process
        if process is not None and process.returncode is None:
            # The child may have exited without being reaped yet: its stdin is then a broken
            # pipe, and the signals below find nobody.
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send_meta({"type": "quit"})
            for sig, grace in ((signal.SIGTERM, QUIT_GRACE), (signal.SIGKILL, TERM_GRACE)):
                if await self._exited(process, grace):
                    break
                self._signal_group(process, sig)
            await process.wait()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, READ_GRACE)
            except TimeoutError:
                self._task.cancel()
            self._task = None

    @staticmethod
    async def _exited(process: asyncio.subprocess.Process, seconds: float) -> bool:
        try:
            await asyncio.wait_for(process.wait(), seconds)
        except TimeoutError:
            return False
        return True

    @staticmethod
    def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
        if process.returncode is None:  # not reaped yet: its pid is still its group's id
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)


@dataclass(eq=False)
class Session:
    """A visitor: the websocket, the app, and when they last typed."""

    number: int
    remote: str
    socket: web.WebSocketResponse
    app: ServedApp | None = None
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)


class MoomServer(Server):
    """textual-serve's server, serving ``moomtui --served`` to strangers (see the module)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        public_url: str | None = None,
        max_sessions: int = 8,
        idle_timeout: float = 600.0,
    ) -> None:
        super().__init__(
            " ".join(child_command()),
            host=host,
            port=port,
            title="moomtui",
            public_url=public_url,
            templates_path=HERE,
        )
        self.public_url_given = public_url.rstrip("/") if public_url else None
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.sessions: dict[int, Session] = {}
        self._numbers = itertools.count(1)
        self.favicon = (HERE / "favicon.svg").read_bytes()

    # ------------------------------------------------------------------------- the web app
    async def _make_app(self) -> web.Application:
        app = web.Application()
        loader = jinja2.FileSystemLoader(self.templates_path)
        aiohttp_jinja2.setup(app, loader=loader, autoescape=True)
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.get("/favicon.svg", self.handle_favicon),
                web.get("/favicon.ico", self.handle_favicon),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    def _url(self, request: web.Request, path: str, *, websocket: bool = False) -> str:
        """An absolute URL of ``path``: under ``--public-url``, or where the page came from."""
        base = self.public_url_given or f"{request.scheme}://{request.host}"
        scheme, rest = base.split(":", 1)
        if websocket:
            scheme = "wss" if scheme == "https" else "ws"
        return f"{scheme}:{rest}{path}"

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if len(self.sessions) >= self.max_sessions:
            return aiohttp_jinja2.render_template(
                "busy.html", request, {"seats": self.max_sessions}, status=503
            )
        context = {
            "font_size": font_size(request.query.get("fontsize")),
            "static_url": self._url(request, "/static/"),
            "favicon_url": self._url(request, "/favicon.svg"),
            "websocket_url": self._url(request, "/ws", websocket=True),
        }
        response = aiohttp_jinja2.render_template("index.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_favicon(self, request: web.Request) -> web.Response:
        return web.Response(body=self.favicon, content_type="image/svg+xml")

    # ------------------------------------------------------------------------- sessions
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=15, timeout=3, max_msg_size=MAX_MESSAGE)
        await socket.prepare(request)
        remote = request.remote or "?"
        if len(self.sessions) >= self.max_sessions:
            say(f"busy: refused a session from {remote} ({self.max_sessions} seats taken)")
            await socket.send_bytes(busy_text(self.max_sessions).encode())
            await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"busy")
            return socket
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))
        session = Session(next(self._numbers), remote, socket)
        self.sessions[session.number] = session
        idle: asyncio.Task[None] | None = None
        try:
            session.app = ServedApp(
                child_command(),
                write_bytes=socket.send_bytes,
                write_str=socket.send_str,
                close=socket.close,
                server=self,
            )
            await session.app.start(width, height)
            say(
                f"session {session.number} from {remote}: started, pid {session.app.pid} "
                f"({len(self.sessions)} of {self.max_sessions} seats taken)"
            )
            idle = asyncio.create_task(self._close_when_idle(session))
            await self._relay_input(session)
        finally:
            if idle is not None:
                idle.cancel()
            try:
                if session.app is not None:
                    await session.app.stop()
            finally:
                # Whatever stopping the app met, the seat is given back and the socket closed
                # with a close frame: returning with it half closed would reset the connection.
                del self.sessions[session.number]
                await socket.close()
            lasted = format_seconds(time.monotonic() - session.started)
            say(f"session {session.number}: ended after {lasted}")
        return socket

    async def _relay_input(self, session: Session) -> None:
        """Pass the browser's keys, sizes and focus to the app; ignore anything else."""
        app = session.app
        assert app is not None
        async for message in session.socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                session.last_input = time.monotonic()
                await app.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                session.last_input = time.monotonic()
                await app.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping" and isinstance(data, str):
                await session.socket.send_json(["pong", data[:64]])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    async def _close_when_idle(self, session: Session) -> None:
        while True:
            left = session.last_input + self.idle_timeout - time.monotonic()
            if left <= 0:
                idle = format_seconds(self.idle_timeout)
                say(f"session {session.number}: closed after {idle} without input")
                await session.socket.close(code=WSCloseCode.GOING_AWAY, message=b"idle")
                return
            await asyncio.sleep(left)

    async def stop_all(self) -> None:
        """Stop every session at once: close its socket, stop its app."""
        sessions = list(self.sessions.values())
        await asyncio.gather(
            *(s.socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
              for s in sessions),
            *(s.app.stop() for s in sessions if s.app is not None),
            return_exceptions=True,
        )  # fmt: skip

    # ------------------------------------------------------------------------- life cycle
    async def on_shutdown(self, app: web.Application) -> None:
        await self.stop_all()

    def serve(self, debug: bool = False) -> None:
        asyncio.run(self.run())

    async def run(self) -> None:
        """Listen until SIGINT or SIGTERM, then stop every session and return."""
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, shutdown_timeout=QUIT_GRACE)
            try:
                await site.start()
            except OSError as err:
                reason = os.strerror(err.errno) if err.errno else str(err)
                raise ServeError(f"cannot listen on {self.host}:{self.port}: {reason}") from None
            port = runner.addresses[0][1] if runner.addresses else self.port
            self.announce(port)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            say("moomtui serve: stopping every session")
        finally:
            await self.stop_all()
            await runner.cleanup()

    def announce(self, port: int) -> None:
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = self.public_url_given or f"http://{host}:{port}"
        limits = (
            f"at most {self.max_sessions} sessions at once, each closed after "
            f"{format_seconds(self.idle_timeout)} without input"
        )
        say(f"moomtui serve: {url}  ({limits}; Ctrl+C stops)")
        if is_loopback(self.host):
            say("Only this machine can connect (--host 0.0.0.0 lets other machines in).")
            return
        say("")
        say(f"WARNING: listening on {host}:{port}, not only on this machine.", err=True)
        say(
            "WARNING: anyone who can reach this address can open a session. Each one is "
            "sandboxed (no files of this machine, no code) but costs memory and CPU.",
            err=True,
        )
        say("")


class ServeError(Exception):
    """The server cannot start (the port is taken, the address is not this machine's)."""


def busy_text(seats: int) -> str:
    """What a browser past the last seat sees in its terminal."""
    return (
        f"\r\n  moomtui is busy: all {seats} seats are taken.\r\n"
        "  Please try again in a few minutes.\r\n"
    )
