"""One visitor's app in ``moomtui serve``: the child process, how it is started, stopped
for sure and measured."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual_serve.app_service import AppService

from ..patterns import scanning
from . import CPU_ENV, DRIVER, MEMORY_ENV, SERVED_FLAG, SERVER_PID_ENV
from .frames import draws

if TYPE_CHECKING:
    from .server import MoomServer

PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The folder that holds the ``moomtui`` package this server runs: its children run it too."""

QUIT_GRACE = 3.0
"""Seconds a child has to quit when asked, before SIGTERM."""
TERM_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL."""
READ_GRACE = 2.0
"""Seconds to finish reading a dead child's output."""
MAX_PACKET = 32 << 20
"""The largest packet taken from a child (a 400×200 frame in true colour is a few MB)."""
STDERR_TAIL = 4096
"""What the server keeps of a child's stderr: the end, to tell why it ended."""
ENVIRONMENT_KEPT = ("PATH", "LANG", "LC_ALL", "TZ")
"""What a child inherits of the server's environment: no HOME (it reads no user file), no
PYTHON* variable (``-I`` would ignore it anyway)."""
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from moomtui.cli import main; sys.exit(main())"
)
"""A child's ``-c`` program: moomtui from the folder that follows it on the command line."""


def child_command() -> list[str]:
    """A served session: this interpreter, isolated, running this server's moomtui."""
    return [sys.executable, "-I", "-c", BOOTSTRAP, str(PACKAGE_ROOT), SERVED_FLAG]


def child_environment(
    width: int, height: int, *, memory: int | None = None, cpu: int | None = None
) -> dict[str, str]:
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
    if memory is not None:
        env[MEMORY_ENV] = str(memory)
    if cpu is not None:
        env[CPU_ENV] = str(cpu)
    return env


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
        on_end: Callable[[int | None], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(
            " ".join(argv),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=server.download_manager,
        )
        self.argv = argv
        self.memory, self.cpu = server.session_memory, server.session_cpu
        self.socket_open = True
        self.first_output: float | None = None
        """When the app first drew (the visitor can type from then on): its terminal's
        set-up, written at once, is not a frame (:mod:`.frames`)."""
        self.stderr_tail = bytearray()
        """The end of what the app wrote on stderr (a traceback, a fatal error)."""
        self.memory_error = False
        """Whether the app wrote ``MemoryError`` on stderr, however long ago."""
        self._on_end = on_end
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
            env=child_environment(width, height, memory=self.memory, cpu=self.cpu),
            cwd=os.path.abspath(os.sep),
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """Relay the child's output until it ends; tell why it ended; close the socket."""
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        reader = asyncio.create_task(self._read_stderr(process.stderr))
        try:
            await self._relay_output(process.stdout)
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader, READ_GRACE)
            reader.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), READ_GRACE)
        if self._on_end is not None:
            await self._on_end(process.returncode)
        await self._close_socket()

    async def _read_stderr(self, stderr: asyncio.StreamReader) -> None:
        """Keep the end of the child's stderr, and whether it ever said MemoryError."""
        tail = self.stderr_tail
        while data := await stderr.read(4096):
            seam = bytes(tail[-16:]) + data
            self.memory_error = self.memory_error or b"MemoryError" in seam
            tail += data
            del tail[:-STDERR_TAIL]

    async def _relay_output(self, stdout: asyncio.StreamReader) -> None:
        """textual-serve's packets from the child: data, meta, packed; bounded in size."""
        try:
            for _ in range(10):  # the prelude that says a Textual app is there
                line = await stdout.readline()
                if not line:
                    return
                if line == b"__GANGLION__\n":
                    break
            else:
                return
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                if size > MAX_PACKET:
                    return  # not the protocol: the socket closes, the app is stopped
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    await self.on_data(payload)
                elif kind == b"M":
                    await self.on_meta(payload)
                elif kind == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            return

    async def _close_socket(self) -> None:
        if self.socket_open:
            self.socket_open = False
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.remote_close()

    async def on_data(self, payload: bytes) -> None:
        if self.first_output is None and draws(payload):
            self.first_output = time.monotonic()
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
            # pipe, and the signals below find nobody. Or its stdin may be full (a visitor
            # typed faster than it reads): asking it to quit then waits with the keys, so
            # the grace period runs meanwhile, not after.
            asking = asyncio.ensure_future(self.send_meta({"type": "quit"}))
            for sig, grace in ((signal.SIGTERM, QUIT_GRACE), (signal.SIGKILL, TERM_GRACE)):
                if await self._exited(process, grace):
                    break
                self._signal_group(process, sig)
            await process.wait()
            asking.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await asking
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, READ_GRACE + READ_GRACE)
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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_VM_DATA = scanning(r"^VmData:[ \t]+(\d+) kB", re.M | re.ASCII)


def process_usage(pid: int) -> tuple[int, float] | None:
    """The data memory (bytes, what ``RLIMIT_DATA`` limits) and CPU time (seconds) of
    ``pid``, from ``/proc``; None where there is no ``/proc`` or the process has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(errors="replace")
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    match = _VM_DATA.search(status)
    fields = stat.rpartition(b")")[2].split()
    if match is None or len(fields) < 13:
        return None  # a zombie has no memory left to tell
    return int(match.group(1)) * 1024, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
