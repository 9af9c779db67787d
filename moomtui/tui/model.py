"""The process view's model: rows of the task tree, built from the kernel without Textual.

The screen shows thousands of tasks that fork, exit and change size many times a second. This
module turns ``Kernel.tasks`` into a flat list of :class:`Row` objects — a pstree hierarchy or
a flat list, sorted by any column, filtered, with collapsed subtrees left out — and keeps an
index from pid to row so the selection can follow a pid while rows move. After forks and exits
the tree is mended in place (:meth:`ProcessModel.update`) rather than built again. The widget
(:mod:`moomtui.tui.components.process_view`) draws only the visible rows and asks
:mod:`.columns` for their cells; :mod:`.changes` tells it when the rows must change.

The names of :mod:`.changes` and :mod:`.columns` are importable from here too, as they were
when this module held them all.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from operator import neg
from typing import TYPE_CHECKING

from ..shell.session import lookup_user
from .changes import FLASH_SECONDS, ChangeTracker, Ghost
from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    COMMAND,
    Badness,
    Column,
    Context,
    blacklist_strikes,
    columns_for_width,
    format_cpu,
    select_victim,
    since_seconds,
    task_flags,
)

SPLICE_FROM = 64
"""Children from which a task's are mended by :meth:`ProcessModel._splice`."""

USER_FILTER = "user:"
"""The filter's word for one user's tasks: ``user:mysql``."""

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

__all__ = [
    "COLUMNS",
    "COLUMN_BY_KEY",
    "COMMAND",
    "FLASH_SECONDS",
    "Badness",
    "ChangeTracker",
    "Column",
    "Context",
    "Ghost",
    "ProcessModel",
    "Row",
    "blacklist_strikes",
    "columns_for_width",
    "format_cpu",
    "select_victim",
    "since_seconds",
    "task_flags",
]


@dataclass(slots=True)
class Kids:
    """A task's children as last laid out: their pids in the rows' order, and which are
    alive and which are ghosts."""

    pids: list[int]
    live: set[int]
    ghosts: set[int]


@dataclass(slots=True)
class Row:
    pid: int
    task: Task
    prefix: str
    children: int
    collapsed: bool
    ghost: Ghost | None = None
    ancestor_only: bool = False


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
        self.kids: dict[int, Kids] = {}
        """The children of each task that has :data:`SPLICE_FROM` or more, in the rows'
        order, as last laid out (see :meth:`_splice`)."""

    @property
    def sorts_by_value(self) -> bool:
        """True when the order depends on values that change without any event."""
        return self.sort_key not in ("pid", "user", "command")

    def matches(self, task: Task) -> bool:
        """Whether ``task`` passes the filter: a pid, part of a name, or ``user:NAME`` (the
        tasks of one user, as htop's ``u`` shows them; a uid works too)."""
        text = self.filter.strip().lower()
        if not text:
            return True
        if text.startswith(USER_FILTER):
            uid = lookup_user(text[len(USER_FILTER) :].strip())
            return uid is not None and task.uid == uid
        if text.isdigit():
            return str(task.pid) == text
        return text in task.comm.lower()

    def rebuild(self, kernel: Kernel, ghosts: dict[int, Ghost], ctx: Context) -> None:
        """Recompute :attr:`rows` and :attr:`index` from ``kernel``'s tasks and ``ghosts``."""
        tasks = kernel.tasks
        ghost_rows = {pid: g for pid, g in ghosts.items() if pid not in tasks}
        column = COLUMN_BY_KEY[self.sort_key]
        self.kids = {}

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
        big: list[Task] = []
        for start in starts:
            row = rows[start]
            task = tasks.get(row.pid)
            if task is not row.task or row.ghost is not None:
                continue  # gone from under this row: its own parent is touched too
            if task.pid in self.kids and self.sort_key == "pid" and task.pid not in self.collapsed:
                big.append(task)  # after the others, with the rows' places as they are then
                continue
            self._mend(rows, start, task, key, ghost_children)
        self.index = {row.pid: i for i, row in enumerate(rows)}
        for task in big:  # from the last row up; each with the places as they are now
            if not self._splice(rows, task, key, ghost_children):
                self._mend(rows, self.index[task.pid], task, key, ghost_children)
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
        self._note_kids(task, kids)
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

    def _note_kids(self, task: Task, kids: list[tuple[Task, Ghost | None]]) -> None:
        """Keep the order of ``task``'s children, if it has many (:meth:`_splice`)."""
        if len(kids) < SPLICE_FROM:
            self.kids.pop(task.pid, None)
            return
        pids = [child.pid for child, _ in kids]
        ghosts = {child.pid for child, ghost in kids if ghost is not None}
        self.kids[task.pid] = Kids(pids, set(pids) - ghosts, ghosts)

    def _splice(
        self,
        rows: list[Row],
        task: Task,
        key: Callable[[Task], tuple[int | str, int]],
        ghost_children: dict[int, list[Ghost]],
    ) -> bool:
        """Mend the children of a task that has thousands (init under a machine of
        daemons) without walking them: from the order they were last laid out in
        (:attr:`kids`), the set operations on their pids give the few that went and came;
        the subtrees of those gone are taken out and those new put in at their place — a
        pid's place among the others never changes, as the rows are sorted by pid. The rows
        are what :meth:`_mend` lays out. False (nothing done) if the rows are not as kept."""
        kids = self.kids[task.pid]
        index = self.index
        start = index[task.pid]
        width = len(rows[start].prefix) + 2  # of a child's prefix
        now_ghosts = {g.task.pid: g for g in ghost_children.get(task.pid, ())}
        live = task.children.keys()
        gone = (kids.live - live) | (kids.ghosts - now_ghosts.keys())
        came = sorted((live - kids.live) | (now_ghosts.keys() - kids.ghosts))
        if not gone and not came:
            return True
        pids = kids.pids
        if any(index.get(pid) is None for pid in pids[:1] + pids[-1:]):
            return False
        # Where each old child's block ends: the next one's head, or the subtree's end.
        last_head = index[pids[-1]]
        end = last_head + 1
        while end < len(rows) and len(rows[end].prefix) > width:
            end += 1

        def head(j: int) -> int:
            return index[pids[j]] if j < len(pids) else end

        ops: list[tuple[int, int, int, list[Row]]] = []  # (place, order, end, rows put in)
        places = {pid: j for j, pid in enumerate(pids) if pid in gone} if gone else {}
        for pid, j in places.items():
            ops.append((index[pid], -1, head(j + 1), []))
        new_pids = [pid for pid in pids if pid not in gone] if gone else list(pids)
        reverse = self.reverse
        for pid in came:
            if reverse:
                j = bisect_left(pids, -pid, key=neg)
                at = bisect_left(new_pids, -pid, key=neg)
            else:
                j = bisect_left(pids, pid)
                at = bisect_left(new_pids, pid)
            new_pids.insert(at, pid)
            while j < len(pids) and pids[j] in gone:
                j += 1
            ops.append((head(j), pid if not reverse else -pid, 0, []))
        indent = _indent(rows[start].prefix) if rows[start].prefix else ""
        last_pid = new_pids[-1]
        for i, (place, order, _, _) in enumerate(ops):
            if order == -1:
                continue
            pid = order if not reverse else -order
            child, ghost = (
                (now_ghosts[pid].task, now_ghosts[pid])
                if pid in now_ghosts
                else (task.children[pid], None)
            )
            branch, carry = ("└─", "  ") if pid == last_pid else ("├─", "│ ")
            block = self._subtree(
                child, ghost, indent + branch, indent + carry, key, ghost_children
            )
            ops[i] = (place, order, 0, block)
        # From the last place up; at one place, the last in the order first.
        for place, order, stop, block in sorted(ops, key=lambda op: (op[0], op[1]), reverse=True):
            if order == -1:
                del rows[place:stop]
            else:
                rows[place:place] = block
        kids.pids = new_pids
        kids.live -= gone
        kids.live |= {pid for pid in came if pid not in now_ghosts}
        kids.ghosts -= gone
        kids.ghosts |= {pid for pid in came if pid in now_ghosts}
        rows[start].children = len(new_pids)  # the places changed are all below it
        rows[start].collapsed = False
        old_last = pids[-1]
        if old_last != last_pid:  # └─ goes from the one that was last to the one now last
            self.index = {row.pid: i for i, row in enumerate(rows)}
            for pid, branch, carry in ((old_last, "├─", "│ "), (last_pid, "└─", "  ")):
                first = self.index.get(pid)
                if first is None or pid in came:
                    continue
                cut = len(indent)
                rows[first].prefix = indent + branch
                stop = first + 1
                while stop < len(rows) and len(rows[stop].prefix) > width:
                    row = rows[stop]
                    row.prefix = row.prefix[:cut] + carry + row.prefix[cut + 2 :]
                    stop += 1
        if len(new_pids) < SPLICE_FROM:
            del self.kids[task.pid]
        return True

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
        return self._lay_out(
            [(task, ghost, prefix, indent)],
            lambda t: self._kids(t, ghost_children, key, None),
        )

    def _kids(
        self,
        task: Task,
        ghost_children: dict[int, list[Ghost]],
        key: Callable[[Task], tuple[int | str, int]],
        included: set[int] | None,
    ) -> list[tuple[Task, Ghost | None]]:
        """``task``'s children in the tree's order, the ghosts of its dead ones among them."""
        out: list[tuple[Task, Ghost | None]] = [(c, None) for c in task.children.values()]
        out += [(g.task, g) for g in ghost_children.get(task.pid, ())]
        if included is not None:
            out = [item for item in out if item[0].pid in included]
        out.sort(key=lambda item: key(item[0]), reverse=self.reverse)
        return out

    def _lay_out(
        self,
        stack: list[tuple[Task, Ghost | None, str, str]],
        kids: Callable[[Task], list[tuple[Task, Ghost | None]]],
    ) -> list[Row]:
        """The rows of the trees on ``stack`` (its last entry first), depth-first and
        iteratively: a fork bomb makes trees deeper than Python's stack. A ghost has no
        children; a folded task's are left out."""
        rows: list[Row] = []
        while stack:
            task, ghost, prefix, indent = stack.pop()
            children = kids(task) if ghost is None else []
            self._note_kids(task, children)
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

        top: list[tuple[Task, Ghost | None]] = [(t, None) for t in roots]
        top += [(g.task, g) for g in root_ghosts]
        if included is not None:
            top = [item for item in top if item[0].pid in included]
        top.sort(key=lambda item: key(item[0]), reverse=self.reverse)
        return self._lay_out(
            [(task, ghost, "", "") for task, ghost in reversed(top)],
            lambda t: self._kids(t, ghost_children, key, included),
        )

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
