"""What ``moomtui serve`` says: durations and sizes in its log, a stranger's text quoted
for one log line, and the lines a visitor's terminal shows when a session ends or no seat
is free."""

from __future__ import annotations

from ..kernel.constants import PAGE_SIZE
from ..kernel.units import format_size


def format_seconds(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        if not (minutes or secs):
            return f"{hours}h"
        return f"{hours}h {minutes:02d}m" + (f" {secs:02d}s" if secs else "")
    if not minutes:
        return f"{secs}s"
    return f"{minutes}m {secs:02d}s" if secs else f"{minutes}m"


def format_bytes(size: int) -> str:
    return format_size(-(-size // PAGE_SIZE))


def shown(text: str, limit: int = 80) -> str:
    """Text from a stranger, quoted for one log line: escaped, cut short."""
    quoted = repr(text[:limit])
    return quoted + "…" if len(text) > limit else quoted


def terminal_text(*lines: str) -> str:
    """Lines for the visitor's terminal, on a cleared screen."""
    return "\x1b[0m\x1b[2J\x1b[H\r\n" + "".join(f"  {line}\r\n" for line in lines)


ENDED_HINT = "Other sessions go on. Start again opens a new one."
SEATS_HINT = "Close one of them, then reload this page."
STOPPING_LINE = "moomtui: the server was stopped, and every session with it."
STOPPING_HINT = "Start again opens a new session once it is back."


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def busy_line(seats: int) -> str:
    return f"moomtui is busy: all {seats} seats are taken."


def seats_line(taken: int) -> str:
    return f"moomtui: you have {taken} session{'s' * (taken != 1)} open here already."


def busy_text(seats: int) -> str:
    """What a browser past the last seat sees in its terminal."""
    return (
        f"\r\n  {busy_line(seats)}\r\n"
        "  Please try again in a few minutes.\r\n"
    )  # fmt: skip
