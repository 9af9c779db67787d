"""Quoting what a stranger wrote: values cut short, escapes shown, messages one line.

A preset's text ends up in error messages, listings and on the screen; everything quoted
from it goes through here, so a value can neither run on for pages nor move a terminal's
cursor: an escape sequence is shown as ``\\x1b``, never sent (:mod:`moomtui.text`, the one
rule for text from data).
"""

from __future__ import annotations

from ..patterns import anchored
from ..text import clip, one_line, quote, visible

BARE_KEY = anchored(r"[A-Za-z0-9_-]+")
"""A TOML bare key: what a key path shows unquoted."""

__all__ = ["BARE_KEY", "clip", "key_path", "one_line", "printable", "quote", "show_value"]


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
    """``text`` with anything a terminal would act on (escape sequences…) shown as its
    escape (``\\x1b``), its lines kept (a description's)."""
    return visible(text, keep="\n")
