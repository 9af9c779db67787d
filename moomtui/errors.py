"""The last resort: how moomtui tells of an exception nobody expected.

A user's mistake is a one-line message naming what was wrong, from the code that found it.
What reaches the last-resort guards — in the command line (:func:`moomtui.cli.main`), the
screen (``MoomApp``) and the console's shell — is a bug, and is told the same way
everywhere: one line, ``internal error: ValueError: … (a bug in moomtui: …)``, with a hint
to report it; ``MOOMTUI_DEBUG=1`` in the environment adds the traceback. Every input that
once reached a guard has its own regression test, so the guards stay for what nobody has
found yet.

A leaf module: it imports nothing of moomtui but the other leaf :mod:`moomtui.text` (an
exception's text may quote data: it is shown, never sent to the terminal).
"""

from __future__ import annotations

import os

from .text import one_line

INTERNAL_ERROR = 70
"""The exit status of a bug (``EX_SOFTWARE`` in sysexits.h)."""

HINT = "a bug in moomtui: please report it with what you did; MOOMTUI_DEBUG=1 shows the traceback"


def describe(exc: BaseException, limit: int = 200) -> str:
    """``ValueError: text`` on one line, the text cut to ``limit`` characters, what a
    terminal would act on shown (:func:`moomtui.text.one_line`)."""
    text = one_line(" ".join(str(exc).split()))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def internal_error(exc: BaseException) -> str:
    """``internal error: ValueError: … (a bug in moomtui: …)``: one line."""
    return f"internal error: {describe(exc)} ({HINT})"


def debugging() -> bool:
    """Whether the user asked for tracebacks (``MOOMTUI_DEBUG`` set and not empty)."""
    return bool(os.environ.get("MOOMTUI_DEBUG"))
