"""``mkpolicy``: write a starter OOM policy file to edit and ``insmod``.

The file goes where the person at the console says (``oom_mine.py`` in the folder moomtui
was started in, by default) and is created whole, never over a file that is there
(:func:`moomtui.userfiles.create_user_text`). Only a profile that writes host files and
runs a policy file's code may: a script, a preset and a served session are refused.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import TYPE_CHECKING

from ..modules.starter import starter_text
from ..patterns import anchored
from ..userfiles import UserFileError, create_user_text
from .base import ArgParser, CommandError, clip, command, parse, refused_in

if TYPE_CHECKING:
    from .profile import Profile
    from .shell import Shell

DEFAULT_FILE = "oom_mine.py"
_STEM = anchored(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
"""A policy file's stem is its module's name: a C identifier."""


def _mkpolicy_parser() -> ArgParser:
    p = ArgParser(
        "mkpolicy",
        "Write a starter OOM policy (Python) to FILE, never over an existing file; "
        "edit it, then insmod ./FILE.",
    )
    p.add_argument("file", nargs="?", default=DEFAULT_FILE, help=f"default {DEFAULT_FILE}")
    return p


def _mkpolicy_guard(profile: Profile, argv: list[str]) -> str | None:
    """A host file, and code to run: only where both are allowed."""
    if profile.write_files and profile.run_code:
        return None
    args = parse(_mkpolicy_parser(), argv)
    return f"mkpolicy: {clip(args.file, 120)}: {refused_in(profile)} (a policy file runs code)"


@command(
    "mkpolicy",
    "write a starter OOM policy file to edit and insmod",
    parser=_mkpolicy_parser,
    guard=_mkpolicy_guard,
)
def mkpolicy(sh: Shell, argv: list[str]) -> str:
    args = parse(_mkpolicy_parser(), argv)
    shown = clip(args.file, 120)
    path = Path(args.file).expanduser()
    stem = path.stem
    if path.suffix != ".py" or _STEM.fullmatch(stem) is None:
        raise CommandError(
            f"mkpolicy: {shown}: the name must be NAME.py, NAME a C identifier "
            "(it becomes the module's name)"
        )
    try:
        create_user_text(path, starter_text(stem, path.name), name=args.file)
    except UserFileError as err:
        if err.errno == errno.EEXIST:
            raise CommandError(
                f"mkpolicy: {shown}: File exists, not replaced (insmod ./{shown} loads it; "
                "mkpolicy OTHER.py writes a new one)"
            ) from None
        raise CommandError(f"mkpolicy: {err}") from None
    where = args.file if "/" in args.file else f"./{args.file}"
    return (
        f"wrote {clip(str(path.resolve()), 200)}: edit it, then insmod {clip(where, 120)} "
        f"(after an edit: rmmod {stem}, and insmod it again)"
    )
