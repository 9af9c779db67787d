"""A time-sharing scheduler reduced to what the OOM story needs: who got how much CPU.

2.4's ``schedule()`` hands out time slices of ``NICE_TO_TICKS(nice)`` ticks; over time a
runnable task's share of the machine is its slice over the sum of the slices of all runnable
tasks, at most one CPU. This class keeps that proportion without touching any task per jiffy:
a global virtual clock ``V`` advances by ``ncpus / W`` per jiffy (``W`` the total weight of
the runnable tasks) and a task's CPU time is ``weight × (V − V₀)``, settled only when its
weight changes or when someone reads it. A task's ``busy`` percentage says how much of the
time it wants the CPU at all (an idle daemon 0, a number cruncher 100), and it never gets more
than that fraction of wall time.

Simplifications (documented in docs/faithfulness.md): no run queue order, no ``counter``
recalculation epochs, no SMP affinity; a task capped at its ``busy`` share does not hand its
leftover to the others. Numbers are fixed point (32 fraction bits), so runs are exact and
deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from .constants import NICE_TO_TICKS
from .task import Task

FP_SHIFT = 32


class Scheduler:
    __slots__ = ("V", "W", "_v_time", "clock", "ncpus", "nr_running", "on_run", "runnable")

    def __init__(self, ncpus: int, clock: Callable[[], int]) -> None:
        """``ncpus`` CPUs; ``clock()`` tells the jiffies since boot."""
        self.ncpus = ncpus
        self.clock = clock
        self.W = 0
        self.V = 0
        self._v_time = clock()
        self.nr_running = 0
        self.runnable: dict[Task, None] = {}
        """The tasks with a weight on the run queue (``nr_running`` of them): the only ones
        that can be in state R (:func:`~moomtui.kernel.loadavg.count_active`)."""
        self.on_run: Callable[[Task], None] | None = None
        """Called when a task gets a weight after none: its CPU time starts to grow."""

    def _v_at(self, now: int) -> int:
        if self.W == 0:
            return self.V
        return self.V + (((now - self._v_time) * self.ncpus) << FP_SHIFT) // self.W

    def _advance(self, now: int) -> None:
        self.V = self._v_at(now)
        self._v_time = now

    def _share(self, task: Task, now: int, v: int) -> int:
        share = task.sched_weight * (v - task.sched_v0)
        cap = (((now - task.sched_t0) * task.busy) << FP_SHIFT) // 100
        return min(share, cap)

    def cpu_fp(self, task: Task) -> int:
        """The task's CPU time in fixed point, as of now (read-only)."""
        if not task.sched_weight:
            return task.cpu_fp
        now = self.clock()
        return task.cpu_fp + self._share(task, now, self._v_at(now))

    def update(self, task: Task) -> None:
        """Settle the task's CPU time and put it on (or off) the run queue as its state says.

        Call after changing ``busy``, ``nice``, ``blocked`` or ``dead``; the time since the
        last settle is charged at the old weight.
        """
        now = self.clock()
        W = self.W
        if W and now != self._v_time:  # self._advance(now), inlined
            self.V += (((now - self._v_time) * self.ncpus) << FP_SHIFT) // W
        self._v_time = now
        V = self.V
        old_weight = task.sched_weight
        if old_weight:
            # task.cpu_fp += self._share(task, now, V), inlined
            share = old_weight * (V - task.sched_v0)
            cap = (((now - task.sched_t0) * task.busy) << FP_SHIFT) // 100
            task.cpu_fp += share if share < cap else cap
            self.W = W - old_weight
            self.nr_running -= 1
        weight = 0
        if not (task.dead or task.blocked) and task.busy > 0:
            weight = NICE_TO_TICKS(task.nice) * task.busy
        task.sched_weight = weight
        task.sched_v0 = self.V
        task.sched_t0 = now
        if weight:
            self.W += weight
            self.nr_running += 1
            if not old_weight:
                self.runnable[task] = None
                if self.on_run is not None:
                    self.on_run(task)
        elif old_weight:
            del self.runnable[task]
        task.sched = self
