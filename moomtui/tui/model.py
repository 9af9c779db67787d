"""The process view's model: rows of the task tree, built from the kernel without Textual.

The screen shows thousands of tasks that fork, exit and change size many times a second. This
module turns ``Kernel.tasks`` into a flat list of :class:`Row` objects — a pstree hierarchy or
a flat list, sorted by any column, filtered, with collapsed subtrees left out — and keeps an
index from pid to row so the selection can follow a pid while rows move. The widget
(:mod:`moomtui.tui.components.process_view`) draws only the visible rows and asks this model
for their cells.

:class:`ChangeTracker` listens to the kernel's event stream and gives a cheap generation
number: the rows are rebuilt only when it changed (a task forked, exited or was reaped, or a
value the rows are sorted by moved on). It also remembers which tasks are new and which just
died, so they can be highlighted for a moment after they are gone from the kernel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.constants import HZ, JIFFIES_MASK, PF_MEMDIE
from ..kernel.units import format_size
from ..shell.session import user_name

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

FLASH_SECONDS = 1.5
"""How long (wall time) a new task stays highlighted and a dead one stays on the screen."""

Badness = Callable[["Task", int], int]


# ============================================================================ change tracking
@dataclass(slots=True)
class Ghost:
    """A task that exited recently: shown, greyed, for :data:`FLASH_SECONDS`."""

    task: Task
    ppid: int
    rss: int
    swap: int
    until: float
    killed: bool


class ChangeTracker:
    """Follows a kernel's events: a generation counter, new tasks and the recently dead.

    It also counts the changes that come with no event of their own — a renice, a write to
    ``oom_score_adj``, a new size, a signal on its way — as the kernel tells its watchers
    (:mod:`moomtui.kernel.watch`): ``values`` moves on with each, so a paused screen shows
    a command's effect at once.
    """

    STRUCTURAL = (ev.Fork, ev.Exit, ev.Reap, ev.Exec, ev.Reboot)
    WANTED = (*STRUCTURAL, ev.OomKill, ev.Signal)

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.flash = FLASH_SECONDS
        self.generation = 0
        self.new: dict[int, float] = {}
        self.ghosts: dict[int, Ghost] = {}
        self.killed: dict[int, float] = {}
        self.values = 0
        """Counts the changes of task values (see the class docstring)."""
        self.touched: set[int] = set()
        """Tasks whose children changed since the rows last took them (:meth:`take`)."""
        self.whole = True
        """Something only a whole rebuild of the rows shows (a reboot, another machine)."""
        self._ghost_parents: set[int] = set()
        self._ghosts_settled = 0
        self._init_children = 0
        self._kernel: Kernel | None = None
        self._boot = -1
        self._unsubscribe: Callable[[], None] | None = None
        self._pending: list[tuple[ev.Event, Task | None]] = []

    def attach(self, kernel: Kernel) -> None:
        """Follow ``kernel`` (a new simulation after a preset switch) and forget the old one."""
        if kernel is self._kernel:
            if kernel.boot != self._boot:  # a reboot forgot the kernel's watchers
                self._boot = kernel.boot
                kernel.watch(self)
            return
        self.detach()
        self._kernel = kernel
        self._boot = kernel.boot
        self._unsubscribe = kernel.bus.subscribe(self._on_event, kinds=self.WANTED)
        kernel.watch(self)
        self.new.clear()
        self.ghosts.clear()
        self.killed.clear()
        self.generation += 1
        self.whole = True
        self._init_children = len(kernel.init_task.children)

    def take(self) -> tuple[set[int], bool]:
        """The tasks whose children changed, and whether the rows need a whole rebuild, since
        the last call."""
        touched, whole = self.touched, self.whole
        self.touched, self.whole = set(), False
        return touched, whole

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._kernel is not None:
            self._kernel.unwatch(self)
        self._unsubscribe = None
        self._kernel = None

    # The kernel's watcher protocol (moomtui.kernel.watch): count, nothing more.
    RUNS = False

    def task_changed(self, task: Task) -> None:
        self.values += 1

    def task_runs(self, task: Task) -> None:
        """CPU time is shown as it is read; nothing to count."""

    def check(self) -> list[str]:
        return []

    def _on_event(self, event: ev.Event) -> None:
        # Runs inside the kernel's tick: only remember, the frame does the work. An exiting
        # task is looked up now: by the frame it may have been reaped.
        if isinstance(event, ev.Signal):
            self.values += 1
        elif isinstance(event, self.WANTED):
            task = None
            kernel = self._kernel
            if kernel is not None and isinstance(event, (ev.Fork, ev.Exit, ev.Reap)):
                if isinstance(event, ev.Exit):
                    task = kernel.tasks.get(event.pid)
                    if len(kernel.init_task.children) > self._init_children:
                        self.touched.add(1)  # its children went to init
                self._init_children = len(kernel.init_task.children)
            elif isinstance(event, ev.Reboot):
                self._init_children = -1  # a new init: the next exit looks at it afresh
            self._pending.append((event, task))

    def _orphans(self, pid: int) -> list[Ghost]:
        """The ghosts shown under ``pid``, which go to the top of the tree when it goes."""
        if pid not in self._ghost_parents:
            return []
        return [ghost for ghost in self.ghosts.values() if ghost.ppid == pid]

    def _touch_parent_of(self, pid: int) -> None:
        """The parent under which ``pid``'s ghost is (or was) shown; a ghost at the top of
        the tree needs the whole tree."""
        ghost = self.ghosts.get(pid)
        if ghost is None:
            return
        if self._kernel is not None and ghost.ppid in self._kernel.tasks:
            self.touched.add(ghost.ppid)
        else:
            self.whole = True

    def settle(self) -> bool:
        """Take in the events since the last frame; True if the rows must be rebuilt."""
        now = self.clock()
        changed = False
        pending, self._pending = self._pending, []
        touched = self.touched
        if len(self.ghosts) != self._ghosts_settled:
            self.whole = True  # the ghosts were changed from outside (cleared, say)
        self._ghost_parents = {ghost.ppid for ghost in self.ghosts.values()}
        for event, task in pending:
            if isinstance(event, ev.Fork):
                self.new[event.pid] = now + self.flash
                if self.ghosts.pop(event.pid, None) is not None:
                    self.whole = True  # a pid used again while its ghost was shown
                touched.add(event.ppid)
            elif isinstance(event, ev.Reap):
                touched.add(event.by)
                self._touch_parent_of(event.pid)
                if any(ghost.ppid == event.pid for ghost in self._orphans(event.pid)):
                    self.whole = True  # its ghost children go to the top of the tree
            elif isinstance(event, ev.OomKill):
                self.killed[event.pid] = now + self.flash
            elif isinstance(event, ev.Exit):
                touched.add(event.pid)  # its children, if any, went to init
                if task is not None and self.flash > 0:
                    self._ghost_parents.add(task.ppid)
                    self.ghosts[event.pid] = Ghost(
                        task=task,
                        ppid=task.ppid,
                        rss=event.rss,
                        swap=event.swap,
                        until=now + self.flash,
                        killed=event.pid in self.killed,
                    )
            elif isinstance(event, ev.Reboot):
                self.new.clear()
                self.ghosts.clear()
                self.killed.clear()
                self.whole = True
            changed = changed or isinstance(event, self.STRUCTURAL)
        for table in (self.new, self.killed):
            for pid in [pid for pid, until in table.items() if until <= now]:
                del table[pid]
        expired = [pid for pid, ghost in self.ghosts.items() if ghost.until <= now]
        for pid in expired:
            self._touch_parent_of(pid)
            del self.ghosts[pid]
        self._ghosts_settled = len(self.ghosts)
        if changed or expired:
            self.generation += 1
        return changed or bool(expired)


# ============================================================================ columns
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
        lambda t, c: format_size(_mm_value(t, attr)) if t.mm is not None else "-",
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


def columns_for_width(width: int) -> tuple[Column, ...]:
    """The columns that fit ``width`` cells (one space between them), COMMAND last.

    COMMAND keeps at least :attr:`COMMAND.width` cells, or half the width on a narrow view.
    """
    command = min(COMMAND.width, max(12, width // 2))
    chosen = list(COLUMNS)
    while chosen:
        used = sum(c.width + 1 for c in chosen) + command
        if used <= width:
            break
        chosen.remove(max(chosen, key=lambda c: c.priority))
    return (*chosen, COMMAND)


# ============================================================================ rows
@dataclass(slots=True)
class Row:
    pid: int
    task: Task
    prefix: str
    children: int
    collapsed: bool
    ghost: Ghost | None = None
    ancestor_only: bool = False


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


class ProcessModel:
    """The rows of the process view, rebuilt from the kernel on demand."""

    def __init__(self) -> None:
        self.sort_key = "pid"
        self.reverse = False
        self.tree = True
        self.filter = ""
        self.collapsed: set[int] = set()
        self.rows: list[Row] = []
        self.index: dict[int, int] = {}

    @property
    def sorts_by_value(self) -> bool:
        """True when the order depends on values that change without any event."""
        return self.sort_key not in ("pid", "user", "command")

    def matches(self, task: Task) -> bool:
        text = self.filter.strip().lower()
        if not text:
            return True
        if text.isdigit():
            return str(task.pid) == text
        return text in task.comm.lower()

    def rebuild(self, kernel: Kernel, ghosts: dict[int, Ghost], ctx: Context) -> None:
        """Recompute :attr:`rows` and :attr:`index` from ``kernel``'s tasks and ``ghosts``."""
        tasks = kernel.tasks
        ghost_rows = {pid: g for pid, g in ghosts.items() if pid not in tasks}
        column = COLUMN_BY_KEY[self.sort_key]

        def key(task: Task) -> tuple[int | str, int]:
            return (column.value(task, ctx), task.pid)

        included: set[int] | None = None
        if self.filter.strip():
            included = set()
            for task in [*tasks.values(), *(g.task for g in ghost_rows.values())]:
                if self.matches(task):
                    included.add(task.pid)
            hits = set(included)
            for pid in hits:
                parent = self._parent_pid(pid, tasks, ghost_rows)
                while parent and parent not in included:
                    included.add(parent)
                    parent = self._parent_pid(parent, tasks, ghost_rows)
        if self.tree:
            self.rows = self._tree_rows(tasks, ghost_rows, key, included)
        else:
            self.rows = self._flat_rows(tasks, ghost_rows, key, included)
        self.index = {row.pid: i for i, row in enumerate(self.rows)}
        if included is not None:
            for row in self.rows:
                row.ancestor_only = not self.matches(row.task)

    def can_update(self) -> bool:
        """Whether :meth:`update` may mend the rows in place: the tree, in an order no value
        moves, with no filter (else the rows are rebuilt whole)."""
        return self.tree and not self.sorts_by_value and not self.filter.strip() and bool(self.rows)

    def update(
        self, kernel: Kernel, ghosts: dict[int, Ghost], ctx: Context, touched: set[int]
    ) -> None:
        """Mend the rows in place after forks, exits, reaps and ghosts that came and went:
        only the children of the ``touched`` tasks are laid out again, each subtree that did
        not change is kept as it is (the same rows, their prefixes mended if a sibling came
        or went after them). Gives the rows :meth:`rebuild` would (a test holds it to that).
        """
        tasks = kernel.tasks
        ghost_children: dict[int, list[Ghost]] = {}
        for pid, gone in ghosts.items():
            if pid not in tasks and gone.ppid in tasks:
                ghost_children.setdefault(gone.ppid, []).append(gone)
        column = COLUMN_BY_KEY[self.sort_key]

        def key(task: Task) -> tuple[int | str, int]:
            return (column.value(task, ctx), task.pid)

        index = self.index
        rows = self.rows
        starts = sorted((index[pid] for pid in touched if pid in index), reverse=True)
        for start in starts:
            row = rows[start]
            task = tasks.get(row.pid)
            if task is not row.task or row.ghost is not None:
                continue  # gone from under this row: its own parent is touched too
            self._mend(rows, start, task, key, ghost_children)
        self.index = {row.pid: i for i, row in enumerate(rows)}

    def _mend(
        self,
        rows: list[Row],
        start: int,
        task: Task,
        key: Callable[[Task], tuple[int | str, int]],
        ghost_children: dict[int, list[Ghost]],
    ) -> None:
        """Lay out the children of the task on row ``start`` again, keeping the subtrees of
        those that stay."""
        row = rows[start]
        depth = len(row.prefix) // 2
        end = start + 1
        while end < len(rows) and len(rows[end].prefix) // 2 > depth:
            end += 1
        kids: list[tuple[Task, Ghost | None]] = [(c, None) for c in task.children.values()]
        kids += [(g.task, g) for g in ghost_children.get(task.pid, ())]
        kids.sort(key=lambda item: key(item[0]), reverse=self.reverse)
        collapsed = task.pid in self.collapsed and bool(kids)
        row.children, row.collapsed = len(kids), collapsed
        if collapsed:
            del rows[start + 1 : end]
            return
        blocks: dict[int, tuple[int, int]] = {}
        i = start + 1
        while i < end:
            j = i + 1
            while j < end and len(rows[j].prefix) // 2 > depth + 1:
                j += 1
            blocks[rows[i].pid] = (i, j)
            i = j
        indent = _indent(row.prefix) if row.prefix or depth else ""
        mended: list[Row] = []
        last = len(kids) - 1
        for n, (child, ghost) in enumerate(kids):
            branch, carry = ("└─", "  ") if n == last else ("├─", "│ ")
            old = blocks.get(child.pid)
            if (
                old is not None
                and rows[old[0]].task is child
                and (rows[old[0]].ghost is None) == (ghost is None)
            ):
                block = rows[old[0] : old[1]]
                if block[0].prefix != indent + branch:
                    at = len(indent)
                    block[0].prefix = indent + branch
                    for r in block[1:]:
                        r.prefix = r.prefix[:at] + carry + r.prefix[at + 2 :]
                mended += block
            else:
                mended += self._subtree(
                    child, ghost, indent + branch, indent + carry, key, ghost_children
                )
        rows[start + 1 : end] = mended

    def _subtree(
        self,
        task: Task,
        ghost: Ghost | None,
        prefix: str,
        indent: str,
        key: Callable[[Task], tuple[int | str, int]],
        ghost_children: dict[int, list[Ghost]],
    ) -> list[Row]:
        """The rows of ``task`` and its subtree, as :meth:`_tree_rows` lays them out."""
        out: list[Row] = []
        stack = [(task, ghost, prefix, indent)]
        while stack:
            task, ghost, prefix, indent = stack.pop()
            kids: list[tuple[Task, Ghost | None]] = []
            if ghost is None:
                kids = [(c, None) for c in task.children.values()]
                kids += [(g.task, g) for g in ghost_children.get(task.pid, ())]
                kids.sort(key=lambda item: key(item[0]), reverse=self.reverse)
            collapsed = task.pid in self.collapsed and bool(kids)
            out.append(Row(task.pid, task, prefix, len(kids), collapsed, ghost=ghost))
            if collapsed:
                continue
            last = len(kids) - 1
            for i, (child, child_ghost) in reversed(list(enumerate(kids))):
                branch = "└─" if i == last else "├─"
                carry = "  " if i == last else "│ "
                stack.append((child, child_ghost, indent + branch, indent + carry))
        return out

    @staticmethod
    def _parent_pid(pid: int, tasks: dict[int, Task], ghosts: dict[int, Ghost]) -> int:
        task = tasks.get(pid)
        if task is not None:
            return task.ppid
        ghost = ghosts.get(pid)
        return ghost.ppid if ghost is not None else 0

    def _flat_rows(
        self,
        tasks: dict[int, Task],
        ghosts: dict[int, Ghost],
        key: Callable[[Task], tuple[int | str, int]],
        included: set[int] | None,
    ) -> list[Row]:
        rows = [Row(t.pid, t, "", 0, False) for t in tasks.values()]
        rows += [Row(pid, g.task, "", 0, False, ghost=g) for pid, g in ghosts.items()]
        if included is not None:
            rows = [r for r in rows if r.pid in included and self.matches(r.task)]
        rows.sort(key=lambda r: key(r.task), reverse=self.reverse)
        return rows

    def _tree_rows(
        self,
        tasks: dict[int, Task],
        ghosts: dict[int, Ghost],
        key: Callable[[Task], tuple[int | str, int]],
        included: set[int] | None,
    ) -> list[Row]:
        ghost_children: dict[int, list[Ghost]] = {}
        roots: list[Task] = []
        root_ghosts: list[Ghost] = []
        for task in tasks.values():
            parent = task.p_pptr
            if parent is None or tasks.get(parent.pid) is not parent:
                roots.append(task)
        for gone in ghosts.values():
            if gone.ppid in tasks:
                ghost_children.setdefault(gone.ppid, []).append(gone)
            else:
                root_ghosts.append(gone)

        def kids(task: Task) -> list[tuple[Task, Ghost | None]]:
            out: list[tuple[Task, Ghost | None]] = [(c, None) for c in task.children.values()]
            out += [(g.task, g) for g in ghost_children.get(task.pid, ())]
            if included is not None:
                out = [item for item in out if item[0].pid in included]
            out.sort(key=lambda item: key(item[0]), reverse=self.reverse)
            return out

        rows: list[Row] = []
        top = [(t, None) for t in roots] + [(g.task, g) for g in root_ghosts]
        if included is not None:
            top = [item for item in top if item[0].pid in included]
        top.sort(key=lambda item: key(item[0]), reverse=self.reverse)
        # Depth-first, iteratively: a fork bomb makes trees deeper than Python's stack.
        stack: list[tuple[Task, Ghost | None, str, str]] = [
            (task, ghost, "", "") for task, ghost in reversed(top)
        ]
        while stack:
            task, ghost, prefix, indent = stack.pop()
            children = kids(task) if ghost is None else []
            collapsed = task.pid in self.collapsed and bool(children)
            rows.append(Row(task.pid, task, prefix, len(children), collapsed, ghost=ghost))
            if collapsed:
                continue
            last = len(children) - 1
            for i, (child, child_ghost) in reversed(list(enumerate(children))):
                branch = "└─" if i == last else "├─"
                carry = "  " if i == last else "│ "
                stack.append((child, child_ghost, indent + branch, indent + carry))
        return rows

    # --- navigation helpers -------------------------------------------------------------------
    def row_of(self, pid: int | None) -> int | None:
        return None if pid is None else self.index.get(pid)

    def parent_row(self, row: int) -> int | None:
        """The row of the parent of the task on ``row`` (tree mode), if it is shown."""
        if not self.tree or not 0 <= row < len(self.rows):
            return None
        r = self.rows[row]
        ppid = r.ghost.ppid if r.ghost is not None else r.task.ppid
        return self.index.get(ppid)


def _indent(prefix: str) -> str:
    """What a row's children are indented by: its prefix with its own branch carried on."""
    return prefix[:-2] + ("  " if prefix.endswith("└─") else "│ ")


def blacklist_strikes(kernel: Kernel) -> dict[int, tuple[int, int]]:
    """pid → (strikes, oom_parent_max) for the parents on oom_kill_parent's blacklist."""
    module = kernel.modules.get("oom_kill_parent")
    view = getattr(module, "blacklist_view", None)
    if view is None:
        return {}
    limit = getattr(module, "oom_parent_max", 10)
    return {entry["pid"]: (entry["value"], limit) for entry in view()}


def since_seconds(now: int, then: int) -> float:
    """``now - then`` in seconds with the kernel's unsigned jiffies arithmetic."""
    return ((now - then) & JIFFIES_MASK) / HZ
