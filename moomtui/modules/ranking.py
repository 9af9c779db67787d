"""``select_bad_process`` without a walk: the OOM candidates kept ranked as the machine runs.

2.4's ``select_bad_process`` scores every task at every kill; so does
:func:`~moomtui.modules.classic.select_bad_process`, the plain transcription, which stays the
reference. A policy that kills often on a big machine cannot afford a walk per kill, so the
killers ask a ranking instead, which gives the same task, bit for bit (a property test holds
it to the plain walk, and :meth:`Kernel.check_invariants
<moomtui.kernel.kernel.Kernel.check_invariants>` does too):

* :class:`Ranked` keeps tasks by an integer key, highest first and ties to the oldest task
  (the lowest place on the task list, ``Task.seq``): a heap whose stale entries are dropped
  when they come to the top;
* :class:`ClassicRanking` keeps, for every task, a key that its ``badness()`` cannot pass
  until the kernel tells of a change (:mod:`moomtui.kernel.watch`: ``total_vm``, nice,
  credentials, ``PF_MEMDIE``, the mm, a new or a dead task). A changed task is keyed by
  its bound (:func:`bound`): ``badness()`` with the CPU and run time taken as nothing,
  which time can only divide down — so it costs no score, time cannot make it wrong, and
  for a task young in CPU and run time it is the score. The answer is the top key once
  ``badness()`` gives that key exactly; a top key that is more than the task's score is
  replaced by the score and the next is looked at. Every key is at least its task's
  score, so the first exact one is the highest score, ties to the oldest task — what the
  walk gives. A key that is a score can grow with time alone, where the CPU time (units
  of 1024 jiffies: ``(utime + stime) >> (SHIFT_HZ + 3)``) or the run time (units of
  131072: ``(jiffies - start_time) >> (SHIFT_HZ + 10)``) wraps, so such a task is keyed
  by its bound again when one of them can next move — its run time's next boundary is
  known, and its CPU time grows by at most ``ncpus`` jiffies a jiffy (a task's share of
  the CPUs is at most all of them), and not at all while it has no weight on the run
  queue (the kernel tells when it gets one). (A task whose ``total_vm`` is too big for a
  bound to hold through the 32-bit arithmetic is scored instead, and looked at again the
  same way.)
* so ten thousand sleepers cost one cheap key each, when they first appear, and nothing
  when their run time crosses a unit; and a decrease nobody was told of (a task that got
  ``PF_MEMDIE`` behind the kernel's back) still cannot make a wrong choice.

A ranking belongs to one boot of one kernel (``Kernel.rankings``) and is shared by the
modules that use it (``oom_kill`` and ``oom_kill_parent`` loaded together). Unused while
many tasks come and go, it stops listening and forgets everything; it is built again, with
one walk, the next time it is asked.
"""

from __future__ import annotations

import heapq
from heapq import heappop, heappush
from typing import TYPE_CHECKING

from ..kernel.constants import INT_MAX, JIFFIES_MASK, PF_MEMDIE, SHIFT_HZ
from .classic import _CAP_SYS_ADMIN, _CAP_SYS_RAWIO, badness, select_bad_process

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task

CPU_SHIFT = SHIFT_HZ + 3
"""``cpu_time = (utime + stime) >> (SHIFT_HZ + 3)``: CPU time in units of 1024 jiffies."""
RUN_SHIFT = SHIFT_HZ + 10
"""``run_time = (jiffies - start_time) >> (SHIFT_HZ + 10)``: run time in units of 131072."""
_CPU_UNIT = 1 << CPU_SHIFT
_RUN_UNIT = 1 << RUN_SHIFT
NEVER = 1 << 62
"""A tick no machine reaches: a task whose score cannot move with time alone."""


class Ranked:
    """Tasks by an integer key, highest first; ties go to the oldest task (lowest ``seq``).

    ``keys`` is the truth; the heap may hold stale entries, dropped when they reach the
    top, and is rebuilt when they outnumber the live ones.
    """

    __slots__ = ("_heap", "keys")

    def __init__(self) -> None:
        self.keys: dict[Task, int] = {}
        self._heap: list[tuple[int, int, Task]] = []

    def set(self, task: Task, key: int) -> None:
        keys = self.keys
        if keys.get(task) != key:
            keys[task] = key
            heap = self._heap
            heappush(heap, (-key, task.seq, task))
            if len(heap) > 2 * len(keys) + 64:
                self._heap = [(-k, t.seq, t) for t, k in self.keys.items()]
                heapq.heapify(self._heap)

    def discard(self, task: Task) -> None:
        self.keys.pop(task, None)

    def top(self) -> tuple[Task, int] | None:
        """The task with the highest key (the oldest of those tied), and the key."""
        heap, keys = self._heap, self.keys
        while heap:
            negkey, _, task = heap[0]
            if keys.get(task) == -negkey:
                return task, -negkey
            heappop(heap)
        return None

    def clear(self) -> None:
        self.keys.clear()
        self._heap.clear()

    def __len__(self) -> int:
        return len(self.keys)


class Watching:
    """What every ranking does with the kernel's news: remember which tasks changed.

    The kernel tells it by a mark in :attr:`dirty` (``MARKS``: no call per change, see
    :mod:`moomtui.kernel.watch`). It listens from its first use; while nobody asks it
    anything and the tasks it was told about outnumber twice the task list (plus
    :attr:`SLACK`), it stops listening and forgets (:meth:`sleep`), so an idle ranking costs
    nothing and holds no dead task.
    """

    SLACK = 1024
    MARKS = True
    RUNS = False
    """Told when a task starts to be given CPU time (only scores that read it are)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.dirty: dict[Task, None] = {}
        self.awake = False
        self.mark_limit = self.SLACK
        """Twice the task list plus :attr:`SLACK`, as of when it was last worked out: only
        past it is the task list counted again (a stale bound only sleeps later)."""

    def task_changed(self, task: Task) -> None:
        dirty = self.dirty
        dirty[task] = None
        if len(dirty) > self.mark_limit:
            self.over_limit()

    def over_limit(self) -> None:
        """More tasks marked than :attr:`mark_limit`: count the task list again, and sleep
        if they still outnumber twice it (plus :attr:`SLACK`)."""
        self.mark_limit = 2 * len(self.kernel.tasks) + self.SLACK
        if len(self.dirty) > self.mark_limit:
            self.sleep()

    def task_runs(self, task: Task) -> None:
        """CPU time starting to grow matters only to scores that read it."""

    def wake(self) -> None:
        """Listen again and rank every task: one walk."""
        self.kernel.watch(self)
        self.awake = True
        self.dirty = dict.fromkeys(self.kernel.tasks.values())

    def sleep(self) -> None:
        self.kernel.unwatch(self)
        self.awake = False
        self.dirty.clear()
        self.forget()

    def forget(self) -> None:
        """Drop what the ranking keeps (a subclass's tables)."""

    def check(self) -> list[str]:
        return []


BOUND_MAX = INT_MAX // 2
"""The biggest ``total_vm`` a bound is given for: doubled for a niced task, it stays an
``int`` (no 32-bit wrap, which could make ``badness()`` anything)."""


def bound(task: Task) -> int | None:
    """What ``badness(task, jiffies)`` is at most, at any ``jiffies``, until the task's
    ``total_vm``, nice value, credentials or ``PF_MEMDIE`` change; None for a ``total_vm``
    above :data:`BOUND_MAX` (or a task without an mm).

    ``badness()`` divides ``points = total_vm`` by ``int_sqrt`` of the CPU time and of the
    run time's square root (each at least 1), then doubles it if niced (without a wrap,
    from at most :data:`BOUND_MAX`) and divides it by 4 for root and by 4 for
    ``CAP_SYS_RAWIO``. Each step keeps a smaller number no bigger, so the same steps with
    both divisors 1 — this — bound it at any time, and are it while the CPU time is under
    4 units and the run time under 16. ``PF_MEMDIE`` makes it 0.
    """
    mm = task.mm
    if mm is None:
        return None
    if task.flags & PF_MEMDIE:
        return 0
    points = mm.total_vm
    if points > BOUND_MAX:
        return None
    if task.nice > 0:
        points *= 2
    caps = task.cap_effective
    if caps & _CAP_SYS_ADMIN or task.uid == 0 or task.euid == 0:
        points //= 4  # c_div of a number >= 0
    if caps & _CAP_SYS_RAWIO:
        points //= 4
    return points


class ClassicRanking(Watching):
    """The classic ``badness()`` of every task on the task list, ranked (see the module
    docstring); :meth:`select` is :func:`~moomtui.modules.classic.select_bad_process`."""

    KIND = "classic"
    RUNS = True

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.ranked = Ranked()
        self.check_at: dict[Task, int] = {}
        """Per task, the tick at which its CPU or run time can next change units."""
        self._timers: list[tuple[int, int, Task]] = []

    @classmethod
    def of(cls, kernel: Kernel) -> ClassicRanking:
        """The kernel's classic ranking (made on first use)."""
        ranking = kernel.rankings.get(cls.KIND)
        if not isinstance(ranking, ClassicRanking):
            ranking = kernel.rankings[cls.KIND] = cls(kernel)
        return ranking

    def task_runs(self, task: Task) -> None:
        self.task_changed(task)

    def forget(self) -> None:
        self.ranked.clear()
        self.check_at.clear()
        self._timers.clear()

    def select(self) -> Task | None:
        """``select_bad_process``: the task with the most points (ties: the oldest), None
        when none scores above 0."""
        k = self.kernel
        if not self.awake:
            self.wake()
        now, jiffies = k.ticks, k.jiffies
        timers, check_at, dirty = self._timers, self.check_at, self.dirty
        while timers and timers[0][0] <= now:
            at, _, task = heapq.heappop(timers)
            if check_at.get(task) == at:
                dirty[task] = None
        if dirty:
            self.dirty = {}
            for task in dirty:
                self._score(task, now, jiffies)
        ranked = self.ranked
        while (top := ranked.top()) is not None:
            task, points = top
            again = badness(task, jiffies)
            if again == points:
                return task if points > 0 else None
            self._key(task, again, now, jiffies)  # a bound above the score: the score
        return None

    def _score(self, task: Task, now: int, jiffies: int) -> None:
        k = self.kernel
        if task.mm is None or not task.pid or k.tasks.get(task.pid) is not task:
            self.ranked.discard(task)
            self.check_at.pop(task, None)
            return
        key = bound(task)
        if key is None:
            self._key(task, badness(task, jiffies), now, jiffies)
            return
        self.ranked.set(task, key)
        self.check_at.pop(task, None)  # no time can take the score past its bound

    def _key(self, task: Task, points: int, now: int, jiffies: int) -> None:
        """Key ``task`` by its score ``points``, to be looked at again when the score can
        next move with time alone."""
        self.ranked.set(task, points)
        at = min(self._next_run_unit(task, now, jiffies), self._next_cpu_unit(task, now))
        check_at = self.check_at
        if check_at.get(task) != at:
            check_at[task] = at
            if at < NEVER:
                timers = self._timers
                heapq.heappush(timers, (at, task.seq, task))
                if len(timers) > 2 * len(check_at) + 64:
                    self._timers = [(a, t.seq, t) for t, a in check_at.items() if a < NEVER]
                    heapq.heapify(self._timers)

    @staticmethod
    def _next_run_unit(task: Task, now: int, jiffies: int) -> int:
        """The tick at which ``(jiffies - start_time) >> 17`` next changes (it wraps with
        jiffies, at a multiple of the unit too)."""
        run = (jiffies - task.start_time) & JIFFIES_MASK
        return now + _RUN_UNIT - (run & (_RUN_UNIT - 1))

    def _next_cpu_unit(self, task: Task, now: int) -> int:
        """A tick before which ``(utime + stime) >> 10`` cannot change.

        CPU time grows only while the task has a weight (else it waits for
        :meth:`task_runs`), by at most ``ncpus`` jiffies a jiffy, plus one for the rounding
        of the fixed point: from ``cpu`` to the next multiple of 1024 (where the 32-bit
        wrap falls too) takes at least ``ceil((left - 1) / ncpus)`` jiffies.
        """
        sched = task.sched
        if not task.sched_weight or sched is None:
            return NEVER
        cpu = task.base_utime + task.base_stime + (sched.cpu_fp(task) >> 32)
        left = _CPU_UNIT - (cpu & (_CPU_UNIT - 1))
        return now + max(1, -(-(left - 1) // max(1, sched.ncpus)))

    def check(self) -> list[str]:
        if not self.awake:
            return []
        chosen = self.select()
        plain = select_bad_process(self.kernel)
        if chosen is not plain:
            return [
                f"classic ranking chose {getattr(chosen, 'pid', None)}, "
                f"the walk {getattr(plain, 'pid', None)}"
            ]
        return []
