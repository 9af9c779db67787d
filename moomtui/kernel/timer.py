"""``kernel/timer.c``'s timer list: functions to call on a later jiffy.

``add_timer`` queues a function for the jiffy its timer ``expires`` at; the timer interrupt
runs every timer that is due (``run_timer_list``), in the order of their expiry and, for one
jiffy, in the order they were added. The kernel's own timers are the programs' wake-ups
(``schedule_wake``), the lingering exits of SIGTERM handlers and the load average; kswapd's
sleep after a failed pass is a deadline the VM checks instead.

Simplified: a heap rather than 2.4's timer wheel (``tv1`` … ``tv5``), with the same order;
``del_timer`` is not needed — a program's wake-up carries a generation number and one that
was replaced does nothing when it fires. Expiry is counted in ``ticks`` (jiffies since this
boot, which never wrap), not in ``jiffies``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from .numbers import Numbers

Timer = tuple[int, int, Callable[..., None], tuple[Any, ...]]
"""``(expires, sequence, function, arguments)``: the sequence keeps equal expiries in order."""


class TimerList:
    """The pending timers, soonest first."""

    __slots__ = ("_heap", "_seq")

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._seq = Numbers()

    def add_timer(self, expires: int, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` at tick ``expires``."""
        heapq.heappush(self._heap, (expires, next(self._seq), fn, args))

    def next_expires(self) -> int | None:
        """The tick the soonest timer is due at, or None with no timer pending."""
        return self._heap[0][0] if self._heap else None

    def run_timers(self, now: int) -> None:
        """``run_timer_list``: call every timer due at or before tick ``now``."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, fn, args = heapq.heappop(heap)
            fn(*args)

    def __len__(self) -> int:
        return len(self._heap)
