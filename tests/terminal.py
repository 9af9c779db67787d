"""A real terminal for tests: a command runs on a pseudo-terminal, and pyte (a terminal
emulator) keeps the screen a person would see.

The screen is read the way a person reads it: as lines of text (``Terminal.text()``), after
the program's own escape sequences have moved the cursor and painted. ``Terminal.wait_for``
waits for a line to show; ``send`` types keys; ``wait_exit`` gives the exit status.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping
from fcntl import ioctl
from pathlib import Path

import pyte


class Terminal:
    """``argv`` on a ``columns``×``lines`` pseudo-terminal, read through pyte."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: Mapping[str, str],
        cwd: Path | None = None,
        columns: int = 120,
        lines: int = 40,
    ) -> None:
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.master = master
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)

    def _read(self, timeout: float) -> bool:
        """Feed what the program wrote within ``timeout`` seconds; False once it is gone."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every writer of the terminal has closed it
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def text(self) -> str:
        """The screen as a person sees it, one line per row."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, found: Callable[[str], bool] | str, timeout: float = 30.0) -> str:
        """Read until the screen shows ``found`` (a string, or a test of the screen's
        text); the screen's text then. On a time-out, an AssertionError shows the screen."""
        test = (lambda text: found in text) if isinstance(found, str) else found
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if test(text):
                return text
            left = deadline - time.monotonic()
            alive = self._read(min(0.1, max(left, 0)))
            if left <= 0 or (not alive and not test(self.text())):
                raise AssertionError(
                    f"waited {timeout:.0f} s for {found!r}; the screen shows:\n{self.text()}\n"
                    f"--- the last bytes written:\n{bytes(self.raw[-2000:])!r}"
                )

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_exit(self, timeout: float = 30.0) -> int:
        """Read to the end and return the program's exit status."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            if not self._read(0.1):
                break
        try:
            return self.proc.wait(max(deadline - time.monotonic(), 0.1))
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
