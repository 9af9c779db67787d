"""The console shell: one command language for the screen, scripts and presets.

The names below are loaded when first used (PEP 562): a headless run whose preset has no
``[[events]]`` and no ``--script`` never needs the commands, and does not pay for importing
them (nor :mod:`asyncio`, which the screen's clock brings).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import ArgParser, Command, CommandError, ParseExit, Result
    from .lines import split_line
    from .script import ScriptError, format_script, format_time, parse_script, parse_time
    from .session import PASSWD, Session, lookup_user, user_name
    from .shell import Shell, check_command, check_line, command_names

_HOMES = {
    "base": ("ArgParser", "Command", "CommandError", "ParseExit", "Result"),
    "script": ("ScriptError", "format_script", "format_time", "parse_script", "parse_time"),
    "session": ("PASSWD", "Session", "lookup_user", "user_name"),
    "lines": ("split_line",),
    "shell": ("Shell", "check_command", "check_line", "command_names"),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "PASSWD",
    "ArgParser",
    "Command",
    "CommandError",
    "ParseExit",
    "Result",
    "ScriptError",
    "Session",
    "Shell",
    "check_command",
    "check_line",
    "command_names",
    "format_script",
    "format_time",
    "lookup_user",
    "parse_script",
    "parse_time",
    "split_line",
    "user_name",
]


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
