"""What changed in the machine since the last frame, as the task tree needs to know it.

:class:`ChangeTracker` listens to the kernel's event stream and gives a cheap generation
number: the rows are rebuilt or mended only when it changed (a task forked, exited or was
reaped, or a ghost came or went). It also remembers which tasks are new and which just died,
so they can be highlighted for a moment after they are gone from the kernel (:class:`Ghost`),
and which tasks' children changed, so the tree is mended only there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel import events as ev

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

FLASH_SECONDS = 1.5
"""How long (wall time) a new task stays highlighted and a dead one stays on the screen."""


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
        ended: set[int] = set()
        for event, task in pending:
            if isinstance(event, ev.Fork):
                self.new[event.pid] = now + self.flash
                if self.ghosts.pop(event.pid, None) is not None or event.pid in ended:
                    self.whole = True  # a pid used again while its ghost was shown (or its
                    # row: the rows of many children are told apart by pid, model._splice)
                touched.add(event.ppid)
            elif isinstance(event, ev.Reap):
                ended.add(event.pid)
                touched.add(event.by)
                self._touch_parent_of(event.pid)
                if any(ghost.ppid == event.pid for ghost in self._orphans(event.pid)):
                    self.whole = True  # its ghost children go to the top of the tree
            elif isinstance(event, ev.OomKill):
                self.killed[event.pid] = now + self.flash
            elif isinstance(event, ev.Exit):
                ended.add(event.pid)
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
