"""Quoting what a stranger wrote: values cut short, escapes shown, messages one line.

A preset's text ends up in error messages, listings and on the screen; everything quoted
from it goes through here, so a value can neither run on for pages nor move a terminal's
cursor (an escape sequence is shown as ``\\u001b`` or ``?``, never sent).
"""

from __future__ import annotations

import json

from ..patterns import anchored

BARE_KEY = anchored(r"[A-Za-z0-9_-]+")
"""A TOML bare key: what a key path shows unquoted."""


def clip(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (the last one an ellipsis), to quote it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str) -> str:
    """``text`` in double quotes, cut short, every character a terminal would not print as
    itself escaped (``\\n``, ``\\u2028``, ``\\u001b``): a message stays one line."""
    quoted = json.dumps(clip(text), ensure_ascii=False)
    return "".join(c if c.isprintable() else _escape(c) for c in quoted)


def _escape(c: str) -> str:
    return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"


def show_value(value: object) -> str:
    """A value as TOML writes it, cut short; a table or an array by its kind."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return clip(str(value))


def key_path(key: str) -> str:
    """A key as a key path shows it: bare, or quoted (and cut short)."""
    return key if BARE_KEY.fullmatch(key) and len(key) <= 60 else quote(key)


def printable(text: str) -> str:
    """``text`` with anything a terminal would act on (escape sequences…) shown as ``?``."""
    return "".join(c if c.isprintable() or c == "\n" else "?" for c in text)
