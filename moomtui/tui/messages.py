"""The app's own messages: small dataclasses, one place."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class CommandSubmitted(Message):
    """Run ``line`` through the shell, as if typed at the console.

    ``source`` says who asked (console, key, click, palette) — the console echoes them all.
    """

    line: str
    source: str = "console"
