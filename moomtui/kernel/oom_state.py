"""The machine's state in one word, for the screen's header and the score card.

Not a part of 2.4: what a person watching the machine would call it — panicked,
livelocked, thrashing, out of memory, reclaiming, under pressure or fine — read from the
kernel's counters (``out_of_memory()`` calls, the tasks waiting for memory, kswapd, the last
reclaim) without walking the task list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .constants import HZ, JIFFIES_MASK

if TYPE_CHECKING:
    from .kernel import Kernel

LIVELOCK_STALL = 5 * HZ
"""A task waiting in the allocator longer than this, with ``out_of_memory()`` still being
called, is a livelock (:func:`oom_state`)."""
PRESSURE_SHARE = 8
"""Memory pressure: what could still be had without a kill is at most RAM / this."""


def oom_state(k: Kernel) -> str:
    """One word for the header, the first of these that holds (docs/game.md):

    - ``panic``: the kernel has panicked (it hangs, or reboots after ``kernel.panic`` s);
    - ``livelock``: a task has waited in the allocator for more than 5 s and
      ``out_of_memory()`` was called within the last second — nothing frees memory;
    - ``thrashing``: a task waits for its pages to come back from swap (swap-in);
    - ``OOM``: ``out_of_memory()`` was called within the last second (reclaim failed);
    - ``reclaim``: pages were reclaimed — by kswapd or a task's direct reclaim — within
      the last second, or a task waits in the allocator;
    - ``pressure``: free memory is at or below ``pages_low``, or what could still be had
      without a kill — free pages, page cache and free swap — is at most an eighth of RAM;
    - ``ok``: none of these.
    """
    if k.panicked is not None:
        return "panic"
    recent_oom = k.last_oom_call is not None and k.ticks - k.last_oom_call < HZ
    swapin = False
    stalled = False
    since = k.ticks - LIVELOCK_STALL  # stalled: waiting since before this
    for task in k.blocked:  # the look stops once the answer is known
        why = task.blocked
        if why == "swapin":
            swapin = True
            if not recent_oom:  # then a stall does not matter: thrashing
                break
        elif recent_oom and why == "alloc" and task.stall_since < since:
            stalled = True  # livelock, whatever else waits
            break
    if stalled and recent_oom:
        return "livelock"
    if swapin:
        return "thrashing"
    if recent_oom:
        return "OOM"
    return vm_state(k)


def vm_state(k: Kernel) -> str:
    """The last three words of :func:`oom_state`, read from the VM alone: ``reclaim``,
    ``pressure`` or ``ok`` (for a machine no task is stuck on and no OOM call troubles)."""
    vm = k.vm
    reclaimed = vm.last_reclaim >= 0 and (k.jiffies - vm.last_reclaim) & JIFFIES_MASK < HZ
    if reclaimed or vm.kswapd_awake or k.blocked:
        return "reclaim"
    available = vm.free + vm.cache + vm.nr_swap_pages
    if vm.free <= vm.pages_low or available * PRESSURE_SHARE <= vm.totalram:
        return "pressure"
    return "ok"
