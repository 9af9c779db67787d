"""The columns of the process view: what each cell says about a task, and which fit a width.

Each :class:`Column` has a value (what the rows sort by) and a text (what the cell shows),
both read from a task and a :class:`Context` — the time, the loaded policy's score, the next
victim, oom_kill_parent's blacklist. :func:`columns_for_width` drops the least needed columns
on a narrow screen; COMMAND is always last. :func:`select_victim` is ``select_bad_process``'s
rule, for the OOM column's mark of the next victim.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel.constants import HZ, JIFFIES_MASK, PF_MEMDIE
from ..kernel.units import format_size_short
from ..shell.session import user_name

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

Badness = Callable[["Task", int], int]


@dataclass(slots=True)
class Context:
    """What the cells need besides the task: the time, the victim, the blacklist."""

    jiffies: int
    badness: Badness | None = None
    victim: int | None = None
    strikes: dict[int, tuple[int, int]] = field(default_factory=dict)
    _points: dict[int, int] = field(default_factory=dict)

    def points(self, task: Task) -> int:
        cached = self._points.get(task.pid)
        if cached is None:
            cached = self.badness(task, self.jiffies) if self.badness is not None else 0
            self._points[task.pid] = cached
        return cached


def format_cpu(jiffies: int) -> str:
    """CPU time as ``top``'s TIME+: minutes, seconds and hundredths."""
    seconds, hundredths = divmod(jiffies, HZ)
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes}:{seconds:02d}.{hundredths * 100 // HZ:02d}"


def task_flags(task: Task, ctx: Context) -> str:
    parts = []
    if task.flags & PF_MEMDIE:
        parts.append("MEMDIE")
    strikes = ctx.strikes.get(task.pid)
    if strikes is not None:
        parts.append(f"BL{strikes[0]}/{strikes[1]}")
    return " ".join(parts)


def _mm_value(task: Task, attr: str) -> int:
    mm = task.mm
    return getattr(mm, attr) if mm is not None else 0


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the process view.

    ``priority``: narrow screens drop the columns with the highest number first.
    """

    key: str
    title: str
    width: int
    priority: int
    value: Callable[[Task, Context], int | str]
    text: Callable[[Task, Context], str]
    right: bool = True
    help: str = ""


def _size_column(key: str, title: str, attr: str, priority: int, help: str) -> Column:
    return Column(
        key,
        title,
        6,
        priority,
        lambda t, c: _mm_value(t, attr),
        lambda t, c: format_size_short(_mm_value(t, attr)) if t.mm is not None else "-",
        help=help,
    )


COLUMNS: tuple[Column, ...] = (
    Column("pid", "PID", 5, 0, lambda t, c: t.pid, lambda t, c: str(t.pid), help="process id"),
    Column(
        "user",
        "USER",
        8,
        7,
        lambda t, c: t.uid,
        lambda t, c: user_name(t.uid) or str(t.uid),
        right=False,
        help="owner, from /etc/passwd (root tasks score a quarter in badness())",
    ),
    Column(
        "nice",
        "NI",
        3,
        6,
        lambda t, c: t.nice,
        lambda t, c: str(t.nice),
        help="nice value, -20 .. 19 (niced tasks score double in badness())",
    ),
    Column(
        "state",
        "S",
        1,
        2,
        lambda t, c: t.state,
        lambda t, c: t.state,
        right=False,
        help="R runnable, S sleeping, D in the allocator or waiting for swap-in, Z zombie, X gone",
    ),
    _size_column("virt", "VIRT", "total_vm", 2, "virtual size (total_vm), what badness() uses"),
    _size_column("rss", "RSS", "rss", 1, "resident memory"),
    _size_column("swap", "SWAP", "swap", 5, "memory in swap"),
    Column(
        "cpu",
        "CPU",
        8,
        4,
        lambda t, c: t.utime + t.stime,
        lambda t, c: format_cpu(t.utime + t.stime),
        help="CPU time, utime + stime, as min:sec.hundredths",
    ),
    Column(
        "oom",
        "OOM",
        6,
        1,
        lambda t, c: c.points(t),
        lambda t, c: str(c.points(t)),
        help="the score the loaded killer would give (the classic badness() when none "
        "scores); ► marks the next victim",
    ),
    Column(
        "flags",
        "FLAGS",
        7,
        3,
        task_flags,
        task_flags,
        right=False,
        help="PF_MEMDIE; BLn/max: oom_kill_parent blacklist strikes",
    ),
)
COMMAND = Column(
    "command",
    "COMMAND",
    20,
    0,
    lambda t, c: t.comm,
    lambda t, c: t.comm,
    right=False,
    help="the tree of comm names: [kernel thread], {thread}, <killed> or <exited> when gone",
)
COLUMN_BY_KEY = {c.key: c for c in (*COLUMNS, COMMAND)}


def columns_for_width(
    width: int, keep: Collection[str] = (), chosen: Sequence[str] | None = None
) -> tuple[Column, ...]:
    """The columns that fit ``width`` cells (one space between them), COMMAND last.

    COMMAND keeps at least :attr:`COMMAND.width` cells, or half the width on a narrow view.
    Without a user's ``chosen`` columns (the ``columns`` command, F2) every column is a
    candidate, and those named in ``keep`` (a preset's ``columns``: the lesson is read in
    them) are left out last, after every other but PID. With ``chosen``, those columns are
    shown in that order, and a narrow view leaves out the rightmost first: the user said
    what matters most by putting it first.
    """
    command = min(COMMAND.width, max(12, width // 2))
    if chosen is not None:
        picked = [COLUMN_BY_KEY[key] for key in chosen if key in COLUMN_BY_KEY]
        while len(picked) > 1 and sum(c.width + 1 for c in picked) + command > width:
            picked.pop()
        return (*picked, COMMAND)
    candidates = list(COLUMNS)
    while candidates:
        used = sum(c.width + 1 for c in candidates) + command
        if used <= width:
            break
        others = [c for c in candidates if c.key not in keep and c.priority > 0]
        candidates.remove(max(others or candidates, key=lambda c: c.priority))
    return (*candidates, COMMAND)


def select_victim(tasks: Iterable[Task], ctx: Context) -> int | None:
    """``select_bad_process``: strictly more points wins, so ties go to the oldest task."""
    best, maxpoints = None, 0
    for task in tasks:
        if task.pid == 0 or task.dead:
            continue
        points = ctx.points(task)
        if points > maxpoints:
            best, maxpoints = task.pid, points
    return best


def blacklist_strikes(kernel: Kernel) -> dict[int, tuple[int, int]]:
    """pid → (strikes, oom_parent_max) for the parents on oom_kill_parent's blacklist."""
    module = kernel.modules.get("oom_kill_parent")
    view = getattr(module, "blacklist_view", None)
    if view is None:
        return {}
    limit = getattr(module, "oom_parent_max", 10)
    return {entry["pid"]: (entry["value"], limit) for entry in view()}


def since_jiffies(now: int, then: int) -> int:
    """``now - then`` in jiffies with the kernel's unsigned jiffies arithmetic."""
    return (now - then) & JIFFIES_MASK


def since_seconds(now: int, then: int) -> float:
    """``now - then`` in seconds with the kernel's unsigned jiffies arithmetic."""
    return since_jiffies(now, then) / HZ
