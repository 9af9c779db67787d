"""Who is told that a task changed in a way an OOM score could see: the hook of the rankings.

Not a part of 2.4: 2.4 walks the whole task list at every OOM kill (``select_bad_process``),
and so does the simulator's plain transcription of it. A killer that kills a thousand
times a simulated second (a fork bomb under a policy without timing rules) cannot afford a
walk per kill, so the policies keep their candidates ranked as the machine runs
(:mod:`moomtui.modules.ranking`) and the kernel tells them what changed: a
:class:`TaskWatcher` is called with each task whose score inputs may have moved —

* the task appeared (``new_task``), exited (``do_exit``: no mm, a zombie) or was reaped;
* its address space grew or shrank (``brk``, a page fault, ``munmap``, the OOM reaper;
  moving pages between RAM and swap leaves ``rss + swap`` and ``total_vm`` alone and is not
  told);
* its credentials, nice value, ``oom_score_adj``, thread group or ``PF_MEMDIE`` changed;
* and, for scores that read CPU time (:meth:`TaskWatcher.task_runs`), it started to be
  given CPU time after none (lazily accounted CPU time grows only while a task has a
  weight on the run queue, see :mod:`.sched`).

A watcher is told, not asked: it keeps the tasks it was told about and looks at them when
it next needs its answer. A watcher whose class sets ``MARKS = True`` is told without a
call: the kernel puts the task in its ``dirty`` table (a dict used as an ordered set), and
when reaping lets it know (``over_limit()``) once that table holds more than its
``mark_limit`` tasks; a fork bomb makes a dozen changes per OOM kill. ``RUNS = False``
says it does not need :meth:`TaskWatcher.task_runs`. Anything above the kernel that changes
one of those fields directly calls
:meth:`Kernel.task_changed <moomtui.kernel.kernel.Kernel.task_changed>`. The watchers
belong to one boot: a reboot forgets them (the tasks they know are gone).

Every watcher can check itself against the plain walk (:meth:`TaskWatcher.check`), which
:meth:`Kernel.check_invariants <moomtui.kernel.kernel.Kernel.check_invariants>` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .sched import Scheduler
    from .task import Mm, Task


class TaskWatcher(Protocol):
    """What the kernel tells; see the module docstring."""

    def task_changed(self, task: Task) -> None:
        """``task``'s score inputs may have changed (or it appeared, exited, was reaped)."""

    def task_runs(self, task: Task) -> None:
        """``task`` was given a weight on the run queue after none: its CPU time grows."""

    def check(self) -> list[str]:
        """What is wrong with the watcher's view of the machine (empty when all holds)."""


class Watchers:
    """The kernel's side: its table of watchers and how it tells them (a base of
    :class:`~moomtui.kernel.kernel.Kernel`, which sets these fields at each boot)."""

    watchers: list[TaskWatcher]
    sched: Scheduler
    _markers: tuple[Any, ...]
    _callers: tuple[TaskWatcher, ...]
    _runs_told: tuple[TaskWatcher, ...]

    def watch(self, watcher: TaskWatcher) -> None:
        """Tell ``watcher`` of every task change an OOM score could see (see :mod:`.watch`)."""
        if watcher not in self.watchers:
            self.watchers.append(watcher)
            self._sort_watchers()

    def unwatch(self, watcher: TaskWatcher) -> None:
        if watcher in self.watchers:
            self.watchers.remove(watcher)
            self._sort_watchers()

    def _sort_watchers(self) -> None:
        """Who is told by a mark in its ``dirty`` table, who by a call, who needs
        :meth:`TaskWatcher.task_runs` (see :mod:`.watch`)."""
        self._markers = tuple(w for w in self.watchers if getattr(w, "MARKS", False))
        self._callers = tuple(w for w in self.watchers if not getattr(w, "MARKS", False))
        runs = [w for w in self.watchers if getattr(w, "RUNS", True)]
        self._runs_told = tuple(runs)
        self.sched.on_run = self._task_runs if runs else None

    def task_changed(self, task: Task) -> None:
        """``task``'s score inputs may have changed: tell the watchers."""
        for watcher in self._markers:
            watcher.dirty[task] = None
        for watcher in self._callers:
            watcher.task_changed(task)

    def mm_size_changed(self, mm: Mm) -> None:
        """``mm``'s ``total_vm`` or ``rss + swap`` changed: every task using it changed."""
        markers, callers = self._markers, self._callers
        for task in mm.tasks:
            for watcher in markers:
                watcher.dirty[task] = None
            for watcher in callers:
                watcher.task_changed(task)

    def _task_runs(self, task: Task) -> None:
        for watcher in self._runs_told:
            watcher.task_runs(task)

    def _bound_marks(self) -> None:
        """A watcher told by marks keeps at most about twice the task list (a task reaped
        while nobody asked stays marked): past that it is told by a call, which puts it to
        sleep (:class:`~moomtui.modules.ranking.Watching`)."""
        for watcher in self._markers:
            if len(watcher.dirty) > watcher.mark_limit:
                watcher.over_limit()
