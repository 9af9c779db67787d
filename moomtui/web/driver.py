"""The served child's end of the pipe: Textual's web driver, made to end with its server.

``moomtui serve`` starts ``python -m moomtui --served`` for each browser tab and speaks
Textual's web driver protocol to it over its stdin and stdout. The stock
:class:`~textual.drivers.web_driver.WebDriver` can outlive its server, and did:

- at end of file on stdin (the server died, or closed the pipe) its input thread ends
  quietly and the app runs on, simulating and drawing frames nobody reads, at a fifth of a
  core, for ever;
- when nobody reads its stdout, the app's thread blocks in ``write()``; SIGTERM then reaches
  asyncio's handler, which runs on that blocked loop, so SIGTERM does nothing.

:class:`ServedDriver` closes both doors. SIGTERM and SIGINT end the process at once (a served
session has nothing to save: its history is in memory and it writes no file). End of input,
an input thread that fails, or a write that fails, means the server is gone: the app is
asked to exit, and the process ends :data:`EXIT_GRACE` seconds later whatever the app does.
On Linux the kernel also kills the child when the server process dies (``PR_SET_PDEATHSIG``).

A screenshot waits in memory for the page to download it; the driver keeps a few, for a
minute (:class:`~moomtui.web.retention.KeptFiles`), and closes the others, which frees them.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from textual import messages
from textual.app import App
from textual.drivers.web_driver import WebDriver

from . import SERVER_PID_ENV
from .retention import KeptFiles

EXIT_GRACE = 2.0
"""Seconds the app has to exit on its own once its server is gone."""

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_server() -> None:
    """Linux: have the kernel SIGKILL this process when the server that started it dies.

    The server's pid comes from :data:`moomtui.web.SERVER_PID_ENV`; if the parent is already
    another process (the server died before the request took effect), exit now.
    """
    server = os.environ.get(SERVER_PID_ENV, "")
    if not sys.platform.startswith("linux") or not server.isdigit():
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(server):
        os._exit(1)


class ServedDriver(WebDriver):
    """Textual's web driver for a served session: it never outlives its server."""

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        self.served_app = app  # the app to ask to exit when the server goes
        # WebDriver writes through self._write, typed as the partial(os.write, fd) it makes.
        self._write = self._write_all  # type: ignore[assignment]
        self._leaving = threading.Event()
        self._kept_files = KeptFiles(app.set_timer)
        die_with_server()

    def _write_all(self, data: bytes) -> None:
        """Write a whole packet to the server (``os.write`` may write part of it)."""
        if self._leaving.is_set():
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fileno, view) :]
        except OSError:
            self.server_gone()

    def start_application_mode(self) -> None:
        super().start_application_mode()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            signal.signal(sig, signal.SIG_DFL)

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        finally:
            if not self.exit_event.is_set():  # not our own stop: end of input
                self.server_gone()

    def server_gone(self) -> None:
        """Leave: ask the app to exit, and end the process after :data:`EXIT_GRACE` anyway."""
        if self._leaving.is_set():
            return
        self._leaving.set()
        deadline = threading.Timer(EXIT_GRACE, os._exit, (1,))
        deadline.daemon = True
        deadline.start()
        self.served_app.post_message(messages.ExitApp())

    # ------------------------------------------------------------------ files for the page
    def deliver_binary(
        self,
        binary: BinaryIO | TextIO,
        *,
        delivery_key: str,
        save_path: Path,
        open_method: Literal["browser", "download"] = "download",
        encoding: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
    ) -> None:
        """Offer ``binary`` to the page, and keep it only as long as :class:`KeptFiles`
        allows: a file closed before the page asks for it is a failed delivery (Textual
        tells the visitor)."""
        super().deliver_binary(
            binary,
            delivery_key=delivery_key,
            save_path=save_path,
            open_method=open_method,
            encoding=encoding,
            mime_type=mime_type,
            name=name,
        )
        self._kept_files.offer(delivery_key, binary)
