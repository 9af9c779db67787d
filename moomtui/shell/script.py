"""Console scripts: ``TIME COMMAND`` lines, for ``--script`` runs, presets and ``script save``.

::

    # comments and blank lines are skipped
    0s      insmod oom_kill_parent oom_parent_max=5
    2.5s    spawn hog rate=1M/s
    250j    sysctl -w kernel.panic=10

``TIME`` is when the command runs — from the start of the run for a ``--script``, as the
session's clock counted when ``script save`` wrote it — as a duration the units module reads
(``12s``, ``500ms``, ``1m``, ``250j`` jiffies, a bare number of seconds). Times need not
increase: a runner runs each command as soon as its time has come. Every line is checked
when the script is parsed — its time, its quoting and that its command exists, with its
options where the command's parser can tell, and that the script's profile allows it
(:data:`~moomtui.shell.profile.SCRIPT`: nothing that reaches the host) — so a typo fails at
load with ``file:line: …``, not when it fires. A line is what ``str.splitlines()`` says it
is, and the command after the time is one command line of the console's grammar.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..kernel.constants import HZ
from ..kernel.units import UnitError, parse_duration
from .profile import SCRIPT, Profile

HEADER = "# moomtui console script: one TIME COMMAND per line"


class ScriptError(ValueError):
    """A bad script line; the message is ``file:line: what is wrong``."""


def parse_time(text: str) -> int:
    """A script time in jiffies (``"12.34s"`` → 1234); UnitError if it is not one."""
    return parse_duration(text)


def format_time(ticks: int) -> str:
    """Jiffies as a script time, exact at HZ=100: 1234 → ``"12.34s"``."""
    seconds, rest = divmod(ticks, HZ)
    return f"{seconds}.{rest * 100 // HZ:02d}s"


def parse_script(
    text: str, source: str = "<script>", profile: Profile = SCRIPT
) -> list[tuple[int, str]]:
    """The ``(jiffies, command line)`` pairs of script ``text``, in file order; each line
    is checked as ``profile`` will run it."""
    from .base import clip
    from .shell import check_line

    out: list[tuple[int, str]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        stamp, *tail = line.split(None, 1)
        rest = tail[0].strip() if tail else ""
        where = f"{source}:{lineno}"
        try:
            ticks = parse_time(stamp)
        except UnitError as err:
            raise ScriptError(f"{where}: bad time {clip(stamp)!r}: {err}") from None
        if not rest:
            raise ScriptError(f"{where}: no command after the time {clip(stamp)!r}")
        problem = check_line(rest, profile)
        if problem is not None:
            raise ScriptError(f"{where}: {problem}")
        out.append((ticks, rest))
    return out


def format_script(recorded: Iterable[tuple[int, str]]) -> str:
    """A script that replays ``recorded`` (the inverse of :func:`parse_script`)."""
    lines = [HEADER]
    lines += [f"{format_time(ticks)} {line}" for ticks, line in recorded]
    return "\n".join(lines) + "\n"
