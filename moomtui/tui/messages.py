"""The app's own messages: small dataclasses, one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

Source = Literal["console", "key", "click", "palette", "dialog"]
"""Who asked for a command: typed at the console's prompt, a key binding, a click on a
panel's button, the command palette, or a dialog's answer (renice, spawn, a preset picked)."""


@dataclass
class CommandSubmitted(Message):
    """Run ``line`` through the shell, for ``source``: every command the screen runs is one.

    The console's prompt and the module panel post it; the app's keys, the palette and the
    dialogs hand it to :meth:`~moomtui.tui.app.MoomApp.submit` directly. The app echoes
    every command at the console, whatever its source, so the user sees (and can retype)
    what happened. ``source`` decides the rest: a line from the ``console`` was typed, so
    it goes into the command history (↑ recalls it) and an empty one echoes a bare prompt;
    a line from anywhere else was made for the user and is not in their history.
    """

    line: str
    source: Source
