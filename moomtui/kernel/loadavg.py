"""The load average: ``calc_load`` of ``kernel/timer.c`` and ``/proc/loadavg``'s figures.

Every ``LOAD_FREQ`` (5 s and a tick) the number of active tasks is folded into three
exponentially decaying averages, in 11-bit fixed point, as 2.4 does it::

    load = (load * exp + active * (FIXED_1 - exp)) >> FSHIFT

with ``exp`` the 1-, 5- and 15-minute factors ``EXP_1``, ``EXP_5``, ``EXP_15``. Active means
runnable, and, as in 2.4, a task stuck in the allocator (state D) counts too.
``/proc/loadavg`` prints each with two decimals, rounding up by ``FIXED_1/200`` as
``LOAD_INT``/``LOAD_FRAC`` do.
"""

from __future__ import annotations

from .constants import HZ

LOAD_FREQ = 5 * HZ + 1
"""``include/linux/sched.h``: 5 s intervals (and one tick, so as not to beat with HZ)."""
FSHIFT = 11
"""Bits of precision."""
FIXED_1 = 1 << FSHIFT
"""1.0 as fixed point."""
EXP_1, EXP_5, EXP_15 = 1884, 2014, 2037
"""``1/exp(5sec/1min)``, ``…/5min)``, ``…/15min)`` as fixed point."""


def calc_load(avenrun: list[int], active: int) -> None:
    """``CALC_LOAD`` for each average, with ``active`` tasks."""
    load = active * FIXED_1
    for i, exp in enumerate((EXP_1, EXP_5, EXP_15)):
        avenrun[i] = (avenrun[i] * exp + load * (FIXED_1 - exp)) >> FSHIFT


def load_text(avg: int) -> str:
    """One average as ``/proc/loadavg`` prints it: ``"0.42"``."""
    a = avg + FIXED_1 // 200
    return f"{a >> FSHIFT}.{((a & (FIXED_1 - 1)) * 100) >> FSHIFT:02d}"
