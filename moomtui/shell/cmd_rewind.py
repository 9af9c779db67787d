"""``rewind``: back to an earlier moment of this run, to try another command from there.

The shell only reads the command line; going back is its session's (``session.on_rewind``:
the screen's game and a headless run replay the run's record, :mod:`moomtui.game.rewind`).
A session without it — a bare shell — cannot rewind. A preset's events may not rewind
(it is not on their allow-list): the player's lines and scripts may.

The line is not recorded: after a rewind the console's record (``history``, ``script
save``) is the branch's — the lines up to the moment gone back to — so a saved script
replays to where the player is now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.units import DURATION_HELP, UnitError, parse_duration
from .base import ArgParser, CommandError, clip, command, parse

if TYPE_CHECKING:
    from .shell import Shell


def _rewind_parser() -> ArgParser:
    p = ArgParser(
        "rewind",
        "Go back DURATION of this run (same preset, seed and commands), to try another "
        "command from there; alone, tell how far back it can go and what it costs.",
    )
    p.add_argument("duration", nargs="?", metavar="DURATION", help='how far back: "5s", "5m"')
    return p


@command(
    "rewind",
    "go back in this run (rewind 5s; rewind alone: how far)",
    parser=_rewind_parser,
    record=False,
)
def rewind(sh: Shell, argv: list[str]) -> str:
    args = parse(_rewind_parser(), argv)
    hook = sh.session.on_rewind
    if hook is None:
        raise CommandError("rewind: this session keeps no record of its run to replay")
    jiffies: int | None = None
    if args.duration is not None:
        try:
            jiffies = parse_duration(args.duration)
        except UnitError as err:
            detail = "at most 24h" if err.detail == "at most 24h" else f"expected {DURATION_HELP}"
            raise CommandError(f"rewind: {clip(args.duration)}: {detail}") from None
    try:
        return hook(jiffies)
    except ValueError as err:
        raise CommandError(f"rewind: {err}") from None
