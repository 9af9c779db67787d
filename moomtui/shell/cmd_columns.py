"""``columns``: which columns the task panel shows, and in which order (the screen's F2).

The choice is the session's (:attr:`~.session.Session.columns`): the screen draws the task
panel with it and keeps it in the user's config file; in a headless run or a script the
command is the same and says the same, so a script may set the panel it will open on.
COMMAND is always the last column and cannot be hidden. Without a choice every column is
shown and a narrow panel leaves out the least needed first (a preset's ``columns`` last);
with one, the chosen columns are shown in their order, and a narrow panel leaves out the
rightmost first — put first what must stay at 80 columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import ArgParser, CommandError, command, parse

if TYPE_CHECKING:
    from .shell import Shell

TASK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pid", "PID"),
    ("user", "USER"),
    ("nice", "NI"),
    ("state", "S"),
    ("virt", "VIRT"),
    ("rss", "RSS"),
    ("swap", "SWAP"),
    ("cpu", "CPU"),
    ("oom", "OOM"),
    ("flags", "FLAGS"),
)
"""The task panel's columns before COMMAND: key and title, in their first order (the keys
of ``moomtui.tui.columns.COLUMNS``)."""

COLUMN_KEYS = tuple(key for key, _ in TASK_COLUMNS)
TITLES = dict(TASK_COLUMNS)
_BY_NAME = {**{key: key for key in COLUMN_KEYS}, **{t.lower(): k for k, t in TASK_COLUMNS}}
ACTIONS = ("show", "hide", "reset")


def column_key(name: str) -> str | None:
    """The key of the column ``name`` names (its key or its title, any case), or None."""
    return _BY_NAME.get(name.lower())


def check_columns(names: list[str]) -> tuple[str, ...]:
    """``names`` as column keys, in order; CommandError naming the first unknown or repeated
    one."""
    keys: list[str] = []
    for name in names:
        key = column_key(name)
        if key is None:
            known = " ".join(COLUMN_KEYS)
            raise CommandError(f"columns: {name}: no such column (columns: {known})")
        if key in keys:
            raise CommandError(f"columns: {name}: named twice")
        keys.append(key)
    return tuple(keys)


def describe(chosen: tuple[str, ...] | None) -> str:
    """What ``columns`` prints: the columns shown, in order, and those hidden."""
    shown = COLUMN_KEYS if chosen is None else chosen
    hidden = [key for key in COLUMN_KEYS if key not in shown]
    titles = " ".join([*(TITLES[key] for key in shown), "COMMAND"])
    how = (
        "every column; a narrow panel leaves out the least needed"
        if chosen is None
        else ("as chosen; a narrow panel leaves out the rightmost first")
    )
    lines = [f"shown:  {titles}  ({how})"]
    lines.append(f"hidden: {' '.join(TITLES[key] for key in hidden) if hidden else '-'}")
    return "\n".join(lines)


def _columns_parser() -> ArgParser:
    p = ArgParser(
        "columns",
        "Choose the task panel's columns and their order (F2 on the screen); COMMAND is "
        "always last. Without arguments, show the choice.",
        epilog="examples: columns pid nice oom rss · columns show flags · columns hide swap "
        "· columns reset",
    )
    p.add_argument(
        "words",
        nargs="*",
        metavar="NAME",
        help="the columns to show, in order; or show NAME…, hide NAME…, reset",
    )
    return p


def _complete_columns(sh: Shell, before: list[str], prefix: str) -> list[str]:
    words = [*ACTIONS, *COLUMN_KEYS] if not before else list(COLUMN_KEYS)
    return [word for word in words if word.startswith(prefix)]


@command(
    "columns",
    "choose the task panel's columns (F2)",
    parser=_columns_parser,
    complete=_complete_columns,
    record=False,
)
def columns(sh: Shell, argv: list[str]) -> str:
    words: list[str] = parse(_columns_parser(), argv).words
    session = sh.session
    current = COLUMN_KEYS if session.columns is None else session.columns
    if not words:
        return describe(session.columns)
    action, names = words[0], words[1:]
    chosen: tuple[str, ...] | None
    if action == "reset":
        if names:
            raise CommandError("columns: reset takes no column")
        chosen = None
    elif action in ("show", "hide"):
        if not names:
            raise CommandError(f"columns: {action}: which column?")
        keys = check_columns(names)
        if action == "show":
            chosen = (*current, *(key for key in keys if key not in current))
        else:
            chosen = tuple(key for key in current if key not in keys)
    else:
        chosen = check_columns(words)
    session.columns = chosen
    if session.on_columns is not None:
        session.on_columns()
    return describe(chosen)
