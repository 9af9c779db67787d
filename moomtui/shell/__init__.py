"""The console shell: one command language for the screen, scripts and presets."""

from .base import ArgParser, Command, CommandError, ParseExit, Result
from .script import ScriptError, format_script, format_time, parse_script, parse_time
from .session import PASSWD, Session, lookup_user, user_name
from .shell import Shell, check_command, check_line, command_names, split_line

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
