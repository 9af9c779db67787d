"""A pickle made by a forked copy of this process, so that the screen does not wait for it.

Pickling a machine of 5,000 tasks takes a sixth of a second or more, all of it inside
``pickle.dumps``, which holds the interpreter: on the screen's loop it stops the frames and
the keys for that long every few seconds (a rewind's checkpoint, :mod:`.checkpoint`). A
thread would not help — it holds the same lock, and the machine would run on under it.

``fork()`` copies the process as it stands, the machine frozen at that instant, in a few
milliseconds (the pages are shared until one side writes to them). The copy pickles the
machine, writes the bytes to a pipe and ends with ``os._exit`` — no clean-up of the
parent's, no terminal set-up undone, no buffered output flushed twice; it first puts the
signals a terminal or the user may send back to their defaults, so none of the screen's
handlers ever runs in it. A thread of the parent reads the pipe (the read waits outside
the interpreter's lock) and reaps the copy; the screen's loop only looks whether the
bytes are in (:attr:`Forked.done`).

By construction, never by luck:

- the copy runs only ``pickle.dumps`` on objects the parent has stopped using for that
  instant, then writes to its pipe and exits — it takes no lock another thread could have
  held at the fork (the reason forking a threaded process is discouraged);
- a copy that has not answered within :data:`LIMIT` seconds is killed, and the pickle is
  an error, as is a copy that died or wrote less than it announced;
- the bytes are the same as ``pickle.dumps`` in the parent would have made (a test holds
  them equal).

Only on Linux (:data:`FORKS`), where a forked copy of a Python process is safe to run
Python in; elsewhere, and in a served session (whose CPU budget a copy would escape), the
pickle is made in the process as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import warnings

FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")
"""Whether pickles may be made in a forked copy here."""
LIMIT = 30.0
"""Wall seconds a copy may take before it is killed (a pickle takes well under one)."""
_HEAD = struct.Struct("<cdQ")
"""What the copy writes first: ``K`` (the pickle follows) or ``E`` (an error's text
follows), the CPU seconds the pickle took, the length of what follows."""
_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGWINCH", "SIGTSTP", "SIGCONT")
    if hasattr(signal, name)
)
PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError, RecursionError)
"""What ``pickle.dumps`` raises for an object it cannot pickle."""


class Forked:
    """One pickle being made by a forked copy (see the module docstring). When
    :attr:`done` is set, :attr:`data` holds the bytes; else :attr:`error` says why the
    object could not be pickled, or :attr:`failed` why the copy gave no answer (killed,
    too slow, died)."""

    def __init__(self, obj: object) -> None:
        read, write = os.pipe()
        try:
            with warnings.catch_warnings():  # "this process is multi-threaded": see above
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        if pid == 0:  # the copy
            _make(obj, read, write)
        os.close(write)
        self.pid = pid
        self.data: bytes | None = None
        self.error: str | None = None
        self.failed: str | None = None
        self.cost = 0.0
        """CPU seconds the copy took to pickle."""
        self.done = threading.Event()
        threading.Thread(
            target=self._collect, args=(read,), name="moomtui-snapshot", daemon=True
        ).start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the pickle (tests; a rewind does not wait); whether it is in."""
        return self.done.wait(timeout)

    def _collect(self, fd: int) -> None:
        chunks: list[bytes] = []
        failed = None
        deadline = time.monotonic() + LIMIT
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    os.kill(self.pid, signal.SIGKILL)
                    failed = f"the pickle took more than {LIMIT:g} s"
                    break
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError as err:
            failed = f"reading the pickle: {err.strerror or err}"
        finally:
            os.close(fd)
            with contextlib.suppress(ChildProcessError):  # reaped by somebody else
                os.waitpid(self.pid, 0)
        self.failed = failed or self._read(b"".join(chunks))
        self.done.set()

    def _read(self, got: bytes) -> str | None:
        """Take what the copy wrote; why it is no answer, if it is not one."""
        if len(got) < _HEAD.size:
            return "the forked copy ended without its pickle"
        kind, cost, length = _HEAD.unpack_from(got)
        body = got[_HEAD.size :]
        if len(body) != length:
            return "the forked copy's pickle was cut short"
        if kind == b"E":
            self.error = body.decode("utf-8", "replace")
        else:
            self.data, self.cost = body, cost
        return None


def _make(obj: object, read: int, write: int) -> None:
    """In the copy: pickle ``obj``, write it to ``write``, end. Never returns."""
    status = 1
    try:
        os.close(read)
        signal.set_wakeup_fd(-1)  # the parent's loop is woken by its own signals only
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_DFL)
        start = time.process_time()
        try:
            body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
            kind = b"K"
        except PICKLE_ERRORS as err:
            body, kind = f"{type(err).__name__}: {err}".encode("utf-8", "replace"), b"E"
        view = memoryview(_HEAD.pack(kind, time.process_time() - start, len(body)) + body)
        while view:
            view = view[os.write(write, view) :]
        status = 0
    finally:
        os._exit(status)
