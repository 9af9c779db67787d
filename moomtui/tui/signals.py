"""SIGTERM and SIGHUP end the screen as ``q`` does: the terminal given back first.

Textual puts the terminal in its application mode — the alternate screen, mouse tracking,
bracketed paste, no echo — and gives it back when the app exits. It handles no SIGTERM or
SIGHUP: their default action ended the process at once, and left the user's terminal on
the alternate screen with mouse tracking on (every click printed escape codes at the
shell prompt).

:func:`ending_on_signals` installs a handler for both while the app runs. The first signal
asks the app to exit (:meth:`textual.app.App.exit`, from the event loop), so Textual stops
its application mode as after ``q``; the process then exits with status ``128 + signal``
(143 for SIGTERM, 129 for SIGHUP), as a shell reports a command a signal ended. The
history is on disk line by line already; nothing else is lost.

The handler is a Python one (``signal.signal``): it runs between two bytecodes of the main
thread even when the event loop is busy — a policy that never returns — where a handler of
the loop's own would wait for ever. If the app has not exited :data:`EXIT_GRACE` seconds
later (the loop is stuck), or at a second signal, the terminal is given back by hand — the
sequences Textual writes when it stops, and the terminal settings saved before the app
started — and the process ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

from textual.app import App

try:
    import termios
except ImportError:  # no terminal settings to give back
    termios = None  # type: ignore[assignment]

EXIT_GRACE = 3.0
"""Seconds the app has to exit on its own after a signal before the terminal is given back
by hand and the process ends."""

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

LEAVE_APPLICATION_MODE = (
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1015l\x1b[?1006l"  # mouse tracking off
    b"\x1b[?2004l"  # bracketed paste off
    b"\x1b[?1004l"  # focus events off
    b"\x1b[?7h"  # line wrap on
    b"\x1b[<u"  # the kitty keyboard protocol off
    b"\x1b[?1049l"  # the normal screen
    b"\x1b[?25h"  # the cursor shown
)
"""What Textual writes when it stops its application mode, written by hand when it cannot."""


def exit_status(signum: int) -> int:
    """``128 + signum``: how a shell reports a command that a signal ended."""
    return 128 + signum


class _Ending:
    """The handler's state: the app to stop and what to give back if it cannot stop."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.signum: int | None = None
        self.output = sys.__stderr__.fileno() if sys.__stderr__ is not None else None
        self.input = sys.__stdin__.fileno() if sys.__stdin__ is not None else None
        self.settings: Any = None
        self.deadline: threading.Timer | None = None
        if termios is not None and self.input is not None and os.isatty(self.input):
            with contextlib.suppress(termios.error):
                self.settings = termios.tcgetattr(self.input)

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:  # a second signal: no more waiting
            self.give_back_and_exit(signum)
        self.signum = signum
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # the app is not running (yet or any more)
            self.give_back_and_exit(signum)
            return
        loop.call_soon_threadsafe(self.app.exit, None, exit_status(signum))
        self.deadline = threading.Timer(EXIT_GRACE, self.give_back_and_exit, (signum,))
        self.deadline.daemon = True
        self.deadline.start()

    def give_back_and_exit(self, signum: int) -> None:
        """Give the terminal back by hand and end the process now."""
        if self.output is not None and os.isatty(self.output):
            with contextlib.suppress(OSError):
                os.write(self.output, LEAVE_APPLICATION_MODE)
        if self.settings is not None and self.input is not None and termios is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.input, termios.TCSANOW, self.settings)
        os._exit(exit_status(signum))


@contextlib.contextmanager
def ending_on_signals(app: App[Any]) -> Iterator[_Ending | None]:
    """Run the body (``app.run()``) with SIGTERM and SIGHUP ending ``app`` cleanly; then
    the handlers that were there before. Yields the handler's state (``signum`` is the
    signal that ended the app, if one did); None off the main thread, where Python
    cannot handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    ending = _Ending(app)
    previous = {sig: signal.signal(sig, ending) for sig in SIGNALS}
    try:
        yield ending
    finally:
        if ending.deadline is not None:  # the app exited: Textual gave the terminal back
            ending.deadline.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
