"""The web server of ``moomtui serve``: textual-serve's, made fit for strangers.

textual-serve brings the page (xterm.js in its ``textual.js``), the websocket protocol and
:class:`~textual_serve.app_service.AppService`, which relays a child process's screen and
keys. :class:`MoomServer` subclasses its ``Server`` and changes what a public server needs:

- **The child.** Each visitor's app is this interpreter in isolated mode (``-I``: neither
  the working directory nor ``PYTHON*`` variables reach ``sys.path``) running the moomtui
  package the server itself runs — found by its path, not by the working directory, so a
  ``moomtui/`` folder where the server was started is never imported — with ``--served``.
  It runs in ``/``, in a session and process group of its own, with a small environment
  and :mod:`moomtui.web.driver` as its Textual driver. It is started directly
  (textual-serve runs its command through ``/bin/sh``, whose pid is not the app's: stopping
  that "child" left the app running).
- **A share per session.** The child limits itself (:mod:`.share`) to ``session_memory``
  bytes (``RLIMIT_DATA``) and ``session_cpu`` seconds of CPU (``RLIMIT_CPU``); the server
  reads its memory and CPU from ``/proc`` every :data:`METER_PERIOD` seconds, stops a
  session that comes within a sixteenth of its memory ceiling (or would by the next
  reading, at its pace), and tells the visitor in the page which share ran out — also when
  the kernel's limit ended the child first. A session lives at most ``max_life`` seconds,
  and is closed after ``idle_timeout`` seconds without a key from the visitor (a resize, a
  focus change, a ping are not input). At most ``max_sessions`` sessions at once,
  ``seats_per_client`` of them per visitor's address.
- **No stuck children.** A session stops by asking the app to quit, then SIGTERM, then
  SIGKILL to its process group, each after a grace period; after the socket has gone, the
  child's output is still read (and dropped) so that it never blocks in ``write()``. When the
  child ends, its socket is closed. Stopping the server stops every session that way, at
  once; if the server itself dies, each child sees it and ends (:mod:`.driver`).
- **Strangers' input bounded.** The page and its websocket answer only to their own origin
  (the ``Origin`` header, against ``--public-url`` or the address the page was served at;
  on a loopback address, only to a loopback host name). A message from the browser is at
  most :data:`MAX_MESSAGE` bytes and :data:`MAX_DEPTH` levels deep (checked before it is
  parsed); sizes are clamped; anything else is ignored, and a browser that keeps sending
  malformed messages is disconnected. Screenshots wait for their download only as
  :class:`~moomtui.web.retention.Retention` allows. It listens on 127.0.0.1 unless told
  otherwise.
- **Offline.** The page is ours (``index.html``): the terminal's font is the
  Roboto Mono that textual-serve ships, served from here (its page links a web font), and
  the favicon is ours. Nothing is fetched from elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server

from .child import QUIT_GRACE, TERM_GRACE, ServedApp, child_command, process_usage
from .downloads import Downloads
from .messages import MAX_MESSAGE, MessageError, clamp_size, font_size, parse_message
from .seats import SeatKeeper
from .visitors import client_key, is_loopback, origin_of
from .wording import (
    ENDED_HINT,
    SEATS_HINT,
    STOPPING_HINT,
    STOPPING_LINE,
    busy_line,
    busy_text,
    format_bytes,
    format_seconds,
    plural,
    seats_line,
    shown,
    terminal_text,
)

HERE = Path(__file__).resolve().parent
METER_PERIOD = 0.5
"""Seconds between two readings of a session's memory and CPU (and its deadlines)."""

MALFORMED_LIMIT = 16
"""Malformed messages a session takes before its socket is closed (a page sends none)."""

CLOSE_POLICY = WSCloseCode.POLICY_VIOLATION
"""The close code of a session stopped for its share (1008)."""


def say(line: str, *, err: bool = False) -> None:
    print(line, file=sys.stderr if err else sys.stdout, flush=True)


@dataclass(eq=False)
class Session:
    """A visitor: the websocket, the app, when they last typed, what the app has used."""

    number: int
    remote: str
    client: str
    socket: web.WebSocketResponse
    app: ServedApp | None = None
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    reason: str | None = None
    """Why the server ended it (``"memory"``, ``"cpu"``, ``"life"``, ``"idle"``, …)."""
    memory: int = 0
    """The app's data memory at the last reading, in bytes."""
    peak: int = 0
    cpu: float = 0.0
    malformed: int = 0


class MoomServer(SeatKeeper[Session], Server):
    """textual-serve's server, serving ``moomtui --served`` to strangers (see the module)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        public_url: str | None = None,
        max_sessions: int = 8,
        idle_timeout: float = 600.0,
        max_life: float = 7200.0,
        session_memory: int = 512 << 20,
        session_cpu: int = 1800,
        seats_per_client: int = 2,
        behind_proxy: bool = False,
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
        self.idle_timeout = idle_timeout
        self.max_life = max_life
        self.session_memory = session_memory
        self.session_cpu = session_cpu
        self.behind_proxy = behind_proxy
        self.keep_seats(max_sessions, seats_per_client)
        self._numbers = itertools.count(1)
        self.favicon = (HERE / "favicon.svg").read_bytes()
        self.download_manager = Downloads()

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

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file the session offered, answered once its first chunk has come.

        textual-serve sent ``200`` and the headers before asking the app for anything, so a
        session too busy to answer within :data:`DOWNLOAD_WAIT` gave the page an empty file
        that looked whole. Here an answer that never came is a ``504``, and nothing else.
        """
        key = request.match_info["key"]
        try:
            meta = await self.download_manager.get_download_metadata(key)
        except KeyError:
            gone = f"no download {key!r} (taken, dropped or expired)"
            raise web.HTTPNotFound(text=gone) from None
        chunks = self.download_manager.download(key)
        try:
            first = await anext(chunks, None)
            if first is None:
                raise web.HTTPGatewayTimeout(text="the session did not send the file in time")
            response = web.StreamResponse()
            kind = meta.mime_type + (f"; charset={meta.encoding}" if meta.encoding else "")
            response.headers["Content-Type"] = kind
            disposition = "inline" if meta.open_method == "browser" else "attachment"
            response.headers["Content-Disposition"] = f"{disposition}; filename={meta.file_name}"
            await response.prepare(request)
            await response.write(first)
            async for chunk in chunks:
                await response.write(chunk)
            await response.write_eof()
            return response
        finally:
            await chunks.aclose()

    def _url(self, request: web.Request, path: str, *, websocket: bool = False) -> str:
        """An absolute URL of ``path``: under ``--public-url``, or where the page came from."""
        base = self.public_url_given or f"{request.scheme}://{request.host}"
        scheme, rest = base.split(":", 1)
        if websocket:
            scheme = "wss" if scheme == "https" else "ws"
        return f"{scheme}:{rest}{path}"

    def notice(
        self, request: web.Request, status: int, lines: list[str], *, refresh: int = 0
    ) -> web.Response:
        """A page of a few lines (busy, refused), as plain text in our page."""
        context = {"title": lines[0], "lines": lines, "refresh": refresh}
        text = aiohttp_jinja2.render_string("notice.html", request, context)
        response = web.Response(text=text, status=status, content_type="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        refused = self.refuse_stranger(request)
        if refused is not None:
            return refused
        client = self.client_of(request)
        taken = self.seats_of(client)
        # A visitor who holds a seat may be reloading: the browser keeps the old page, and
        # its session, until this answer arrives. Their page is served, and its websocket
        # waits for the seat the old page gives back (handle_websocket); a visitor who holds
        # none has nothing to wait for.
        if len(self.sessions) >= self.max_sessions and not taken:
            lines = [busy_line(self.max_sessions), "This page tries again every 30 seconds."]
            return self.notice(request, 503, lines, refresh=30)
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

    # ------------------------------------------------------------------------- who asks
    def origin(self, request: web.Request) -> str:
        """The one origin whose pages may use this server: the public URL's, or this one's."""
        return origin_of(self.public_url_given or f"{request.scheme}://{request.host}")

    def refuse_stranger(self, request: web.Request) -> web.Response | None:
        """A 403 page for a request from another site's page (its ``Origin``), or for a host
        name that is not this machine's when it listens on loopback only (a DNS rebinding
        page calls it by its own name); None for a request to serve."""
        origin = request.headers.get("Origin")
        ours = self.origin(request)
        remote = request.remote or "?"
        if origin is not None and origin_of(origin) != ours:
            say(f"refused a request from {remote}: Origin {shown(origin)} is not {ours}")
            lines = [
                "moomtui: refused: this page was opened from another site.",
                f"Open {ours}/ in your browser to play.",
            ]
            return self.notice(request, 403, lines)
        if self.public_url_given is None and is_loopback(self.host):
            name = urlsplit(f"//{request.host}").hostname or ""
            if not is_loopback(name):
                say(f"refused a request from {remote}: Host {shown(request.host)} is not local")
                lines = [
                    "moomtui: refused: this server answers only to this machine's own names.",
                    "Open it at the address moomtui serve printed (localhost, 127.0.0.1).",
                ]
                return self.notice(request, 403, lines)
        return None

    def client_of(self, request: web.Request) -> str:
        """The visitor's seat key: their address — behind a proxy (``behind_proxy``), the
        last address of ``X-Forwarded-For``, the one the proxy itself added."""
        address = request.remote or "?"
        if self.behind_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "").rsplit(",", 1)[-1].strip()
            address = forwarded or address
        return client_key(address)

    # ------------------------------------------------------------------------- sessions
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        refused = self.refuse_stranger(request)
        if refused is not None:
            raise web.HTTPForbidden(
                text=refused.text, content_type="text/html", headers={"Cache-Control": "no-store"}
            )
        socket = web.WebSocketResponse(heartbeat=15, timeout=3, max_msg_size=MAX_MESSAGE)
        await socket.prepare(request)
        remote = request.remote or "?"
        client = self.client_of(request)
        await self.wait_for_seat(client)
        if self.stopping or socket.closed:  # the server stops, or the page left meanwhile
            await socket.close(code=WSCloseCode.GOING_AWAY)
            return socket
        if len(self.sessions) >= self.max_sessions:
            say(f"busy: refused a session from {remote} ({self.max_sessions} seats taken)")
            await socket.send_bytes(busy_text(self.max_sessions).encode())
            await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"busy")
            return socket
        taken = self.seats_of(client)
        if taken >= self.seats_per_client:
            say(f"refused a session from {remote}: {taken} open from {client} already")
            await socket.send_bytes(terminal_text(seats_line(taken), SEATS_HINT).encode())
            await socket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"seats")
            return socket
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))
        session = Session(next(self._numbers), remote, client, socket)
        self.sessions[session.number] = session
        warden: asyncio.Task[None] | None = None
        try:
            session.app = ServedApp(
                child_command(),
                write_bytes=socket.send_bytes,
                write_str=socket.send_str,
                close=socket.close,
                server=self,
                on_end=lambda code: self._app_ended(session, code),
            )
            await session.app.start(width, height)
            say(
                f"session {session.number} from {remote}: started, pid {session.app.pid} "
                f"({len(self.sessions)} of {self.max_sessions} seats taken)"
            )
            warden = asyncio.create_task(self._watch(session))
            await self._relay_input(session)
        finally:
            if session.reason is None:
                session.reason = "left"  # the socket closed: whatever the app does now
            if warden is not None:
                warden.cancel()
            try:
                if session.app is not None:
                    await session.app.stop()
            finally:
                # Whatever stopping the app met, the seat is given back and the socket closed
                # with a close frame: returning with it half closed would reset the connection.
                self.give_back_seat(session)
                await socket.close()
            lasted = format_seconds(time.monotonic() - session.started)
            used = (
                f" ({format_bytes(session.peak)} of memory at most, {session.cpu:.1f}s of CPU)"
                if session.peak
                else ""
            )
            say(f"session {session.number}: ended after {lasted}{used}")
        return socket

    async def _relay_input(self, session: Session) -> None:
        """Pass the browser's keys, sizes and focus to the app; ignore anything else."""
        app = session.app
        assert app is not None
        async for message in session.socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = parse_message(message.data)
            except MessageError as err:
                if await self._malformed(session, str(err)):
                    return
                continue
            if kind == "stdin" and isinstance(data, str):
                session.last_input = time.monotonic()
                await app.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await app.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping" and isinstance(data, str):
                with contextlib.suppress(ConnectionError, RuntimeError):  # closing meanwhile
                    await session.socket.send_json(["pong", data[:64]])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    async def _malformed(self, session: Session, why: str) -> bool:
        """Log the first malformed message of a session; past :data:`MALFORMED_LIMIT`,
        close its socket (True)."""
        session.malformed += 1
        if session.malformed == 1:
            say(f"session {session.number}: ignored a malformed message ({why})")
        if session.malformed < MALFORMED_LIMIT:
            return False
        say(f"session {session.number}: closed after {session.malformed} malformed messages")
        session.reason = "malformed"
        await session.socket.close(code=CLOSE_POLICY, message=b"malformed messages")
        return True

    # ------------------------------------------------------------------------- shares
    async def _watch(self, session: Session) -> None:
        """Read the app's memory and CPU; end the session at its ceiling, its maximum life,
        or after ``idle_timeout`` without input (counted from its first frame at the
        earliest: a visitor cannot type before the screen is up). The app is stopped then
        too: the relay of input may be waiting on an app that does not read it, and
        would not notice that the socket closed."""
        app = session.app
        assert app is not None and app.pid is not None
        margin = self.session_memory // 16
        while session.reason is None:
            usage = process_usage(app.pid)
            if usage is not None:
                before = session.memory
                session.memory, session.cpu = usage
                session.peak = max(session.peak, session.memory)
                # At the threshold, or there before the next reading at this pace — a pace
                # read once the app has drawn: its start (the imports, the first machine)
                # climbs fast to a size of its own, and taken as a pace it stopped sessions
                # that had done nothing yet.
                drawn = app.first_output is not None
                ahead = session.memory + max(session.memory - before, 0) if before and drawn else 0
                if max(session.memory, ahead) >= self.session_memory - margin:
                    await self.end_session(session, "memory")
                    break
            now = time.monotonic()
            if now - session.started >= self.max_life:
                await self.end_session(session, "life")
                break
            since = max(session.last_input, app.first_output or session.started)
            if now - since >= self.idle_timeout:
                await self.end_session(session, "idle")
                break
            await asyncio.sleep(METER_PERIOD)
        await app.stop()

    async def _app_ended(self, session: Session, code: int | None) -> None:
        """The app ended on its own: if a share ran out, tell the visitor; log a failure."""
        app = session.app
        if session.reason is not None or code in (0, None) or app is None:
            return  # the server ended it, or the visitor quit
        spent = share_spent(code, app.memory_error, session, self.session_memory, self.session_cpu)
        if spent is not None:
            await self.end_session(session, spent)
            return
        lines = app.stderr_tail.decode("utf-8", "replace").strip().splitlines()
        last = f": {shown(lines[-1], 200)}" if lines else ""
        say(f"session {session.number}: the app ended with status {code}{last}")

    def share_text(self, reason: str) -> str:
        """What the visitor reads when the server ended their session for ``reason``."""
        return {
            "memory": "this session used its share of memory "
            f"({format_bytes(self.session_memory)}) and was stopped.",
            "cpu": "this session used its share of CPU time "
            f"({format_seconds(self.session_cpu)}) and was stopped.",
            "life": f"this session reached its maximum life ({format_seconds(self.max_life)}) "
            "and was closed.",
            "idle": f"this session was closed after {format_seconds(self.idle_timeout)} "
            "without input.",
        }[reason]

    async def end_session(self, session: Session, reason: str) -> None:
        """End ``session`` for ``reason`` (a key of :meth:`share_text`): one line in the log,
        the reason on the visitor's screen, the socket closed; the app stops after that."""
        if session.reason is not None:
            return
        session.reason = reason
        if reason == "idle":
            line = f"closed after {format_seconds(self.idle_timeout)} without input"
        elif reason == "life":
            line = f"closed at its maximum life ({format_seconds(self.max_life)})"
        elif reason == "memory":
            used = f"{format_bytes(session.peak)} of {format_bytes(self.session_memory)}"
            line = f"stopped: it used its share of memory ({used})"
        else:
            used = f"{session.cpu:.1f}s of {format_seconds(self.session_cpu)}"
            line = f"stopped: it used its share of CPU time ({used})"
        say(f"session {session.number}: {line}")
        if session.app is not None:
            session.app.socket_open = False  # its next frames would cover the notice
        code = WSCloseCode.GOING_AWAY if reason in ("idle", "life") else CLOSE_POLICY
        notice = terminal_text(f"moomtui: {self.share_text(reason)}", ENDED_HINT).encode()

        async def tell_and_close() -> None:
            await session.socket.send_bytes(notice)
            await session.socket.close(code=code, message=reason.encode())

        # A browser that reads nothing (gone, or flooding) does not hold the session up.
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await asyncio.wait_for(tell_and_close(), QUIT_GRACE + TERM_GRACE)

    async def stop_all(self) -> None:
        """Stop every session at once: say why on its screen, close its socket, stop its
        app."""
        self.stopping = True  # a page waiting for a seat gives up rather than start one
        sessions = list(self.sessions.values())
        for session in sessions:
            session.reason = session.reason or "server stopping"
            if session.app is not None:
                session.app.socket_open = False  # its next frames would cover the notice
        notice = terminal_text(STOPPING_LINE, STOPPING_HINT).encode()

        async def tell_and_close(session: Session) -> None:
            with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
                await asyncio.wait_for(session.socket.send_bytes(notice), 1)
            await session.socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")

        await asyncio.gather(
            *(tell_and_close(s) for s in sessions),
            *(s.app.stop() for s in sessions if s.app is not None),
            return_exceptions=True,
        )

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
        per_visitor = min(self.seats_per_client, self.max_sessions)
        limits = (
            f"at most {plural(self.max_sessions, 'session')} at once, {per_visitor} per "
            f"visitor; each with {format_bytes(self.session_memory)} of memory and "
            f"{format_seconds(self.session_cpu)} of CPU, for {format_seconds(self.max_life)} "
            f"at most, closed after {format_seconds(self.idle_timeout)} without input"
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


def share_spent(
    code: int, memory_error: bool, session: Session, memory: int, cpu: int
) -> str | None:
    """Which share ended ``session``'s app, which exited with ``code`` (negative: killed by
    that signal) and said ``MemoryError`` on stderr or not: ``"cpu"``, ``"memory"``, None.

    ``RLIMIT_CPU`` ends an app with SIGXCPU (SIGKILL a few seconds later if that did not).
    Past ``RLIMIT_DATA`` an allocation fails, and how the app then ends depends on where:
    a ``MemoryError`` it reports, CPython's fatal error and SIGABRT, or Textual's own state
    broken and the last-resort line about something else. So an app that ended badly
    having used half its ``memory`` or more at the last reading is counted as memory.
    """
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and session.cpu >= cpu - 1):
        return "cpu"
    if memory_error or session.peak * 2 >= memory:
        return "memory"
    return None
