"""Ctrl+C from the user, told apart from a ``KeyboardInterrupt`` that code raised.

A policy is Python and may raise ``KeyboardInterrupt`` (or ``GeneratorExit``, or any other
``BaseException``) itself; the kernel's guard makes that an oops, like any exception a
policy raises. A real Ctrl+C must still stop the program. The difference is made here: the
command line runs under :func:`recording`, whose SIGINT handler remembers the exception
object it raises before raising it, and :func:`is_user_interrupt` answers by identity, so
an exception a policy builds and raises is never mistaken for the user's.

Without the handler installed (a test runner, an embedding program) no interrupt is
recorded: a Ctrl+C that lands inside a policy is then taken as that policy's oops.

A leaf module: it imports nothing of moomtui, so the kernel's guard can use it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_KEEP = 8
_raised: list[BaseException] = []


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    exc = KeyboardInterrupt()
    _raised.append(exc)
    del _raised[:-_KEEP]
    raise exc


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Run the body with the recording SIGINT handler (main thread only), then restore."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def is_user_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the interrupt a real SIGINT raised under :func:`recording`."""
    return any(exc is raised for raised in _raised)
