"""The load average: ``calc_load`` of ``kernel/timer.c`` and ``/proc/loadavg``'s figures.

Every ``LOAD_FREQ`` (5 s and a tick) the number of active tasks is folded into three
exponentially decaying averages, in 11-bit fixed point, as 2.4 does it::

    load = (load * exp + active * (FIXED_1 - exp)) >> FSHIFT

with ``exp`` the 1-, 5- and 15-minute factors ``EXP_1``, ``EXP_5``, ``EXP_15``. Active means
runnable (state R: :meth:`~moomtui.kernel.task.Task.wants_cpu`) or uninterruptible (state D:
stuck in the allocator or waiting for a swap-in). 2.4's ``count_active_tasks`` walks every
task (:func:`count_active_tasks`); the kernel counts the same tasks without the walk
(:func:`count_active`): only a task with a weight on the run queue can be in state R and
only a task in the kernel's line of waiting tasks in state D, so ten thousand sleepers cost
nothing every 5 s. ``Kernel.check_invariants`` holds the two to the same count.
``/proc/loadavg`` prints each with two decimals, rounding up by ``FIXED_1/200`` as
``LOAD_INT``/``LOAD_FRAC`` do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .constants import HZ

if TYPE_CHECKING:
    from .task import Task

LOAD_FREQ = 5 * HZ + 1
"""``include/linux/sched.h``: 5 s intervals (and one tick, so as not to beat with HZ)."""
FSHIFT = 11
"""Bits of precision."""
FIXED_1 = 1 << FSHIFT
"""1.0 as fixed point."""
EXP_1, EXP_5, EXP_15 = 1884, 2014, 2037
"""``1/exp(5sec/1min)``, ``…/5min)``, ``…/15min)`` as fixed point."""


def nr_running(tasks: Iterable[Task], now: int) -> int:
    """Tasks in state R at jiffy ``now`` (``now`` in ticks since boot)."""
    return sum(1 for t in tasks if t.busy > 0 and t.wants_cpu(now))


def nr_uninterruptible(tasks: Iterable[Task]) -> int:
    """Tasks in state D."""
    return sum(1 for t in tasks if t.blocked and not t.dead)


def count_active_tasks(tasks: Iterable[Task], now: int) -> int:
    """``count_active_tasks``: ``p->state == TASK_RUNNING || p->state &
    TASK_UNINTERRUPTIBLE`` for every task."""
    return sum(1 for t in tasks if (t.blocked and not t.dead) or (t.busy > 0 and t.wants_cpu(now)))


def count_active(blocked: Iterable[Task], runnable: Iterable[Task], now: int) -> int:
    """:func:`count_active_tasks` over the only tasks it can count: those waiting in the
    allocator or for a swap-in (``Kernel.blocked``) and those with a weight on the run
    queue (``Scheduler.runnable``)."""
    waiting = sum(1 for t in blocked if t.blocked and not t.dead)
    return waiting + sum(1 for t in runnable if t.busy > 0 and t.wants_cpu(now))


def calc_load(avenrun: list[int], active: int) -> None:
    """``CALC_LOAD`` for each average, with ``active`` tasks."""
    load = active * FIXED_1
    for i, exp in enumerate((EXP_1, EXP_5, EXP_15)):
        avenrun[i] = (avenrun[i] * exp + load * (FIXED_1 - exp)) >> FSHIFT


def load_text(avg: int) -> str:
    """One average as ``/proc/loadavg`` prints it: ``"0.42"``."""
    a = avg + FIXED_1 // 200
    return f"{a >> FSHIFT}.{((a & (FIXED_1 - 1)) * 100) >> FSHIFT:02d}"
