"""The allocator's retry loop across jiffies: tasks in state D, waiting for memory.

``__alloc_pages`` (:meth:`moomtui.kernel.mm.VM.alloc_pages`) gives a task what it can at
once. A page fault that got fewer pages than it needs does not fail in 2.4: the task loops
``yield(); goto rebalance`` until it gets them. A task whose hot pages were swapped out
waits likewise for them to be read back before it runs. Here such a task is *blocked*
(``Task.blocked`` is ``"alloc"`` or ``"swapin"``) and put in a line, ``Kernel.blocked``;
each jiffy the line retries in order (:func:`retry_blocked`):

* a task gets pages while ``free > pages_min + 1`` (``__alloc_pages``' check for an order-0
  page); with PF_MEMALLOC or PF_MEMDIE, as long as any page is free;
* otherwise it retries direct reclaim — one task per CPU per jiffy, the others wait for the
  CPU — and goes to the back of the line;
* an OOM victim goes to the front (:func:`run_first`): ``oom_kill_task`` gave it ``counter =
  5 * HZ``, the biggest time slice on the machine, so after ``yield()`` it runs first;
* a victim that finds even the reserve empty is killed by the fault handler's
  ``out_of_memory:`` label (``VM: killing process``).

A blocked task's signals wait until the allocation completes (the return to user mode), and
so does a program wake-up that came meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev
from .constants import PF_MEMALLOC, PF_MEMDIE, SIGKILL, SIGTERM
from .printk import KERN_ERR

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Blocked, Mm, Task


def block(k: Kernel, task: Task, why: Blocked, pages: int) -> None:
    """``task`` waits for ``pages`` pages (``alloc``) or for its working set (``swapin``)."""
    task.blocked = why
    task.stall_pages = pages
    task.stall_since = k.ticks
    k.blocked[task] = None
    if task.counter > 0:
        run_first(k)
    k.sched.update(task)
    if why == "alloc" and k.wants(ev.AllocStall):
        k.emit(ev.AllocStall(pid=task.pid, comm=task.comm, pages=pages, stalled=True))


def run_first(k: Kernel) -> None:
    """Put the OOM victims at the front of the allocator's line, in their order: a victim's
    ``oom_kill_task`` gave it ``counter = 5 * HZ``, the biggest time slice on the machine,
    so after ``yield()`` the scheduler runs it before the others. Called when a victim
    blocks or a blocked task becomes one; the line keeps the order, since a victim
    (PF_MEMDIE) never goes to its back."""
    line = k.blocked
    first = [task for task in line if task.counter > 0]
    k.blocked = dict.fromkeys(first + [task for task in line if task.counter <= 0])


def unblock(k: Kernel, task: Task) -> None:
    """The wait is over: the task runs, and takes the signals and wake-up that waited."""
    from .signal import deliver_pending  # signal.py uses this module

    why = task.blocked
    task.blocked = ""
    task.stall_pages = 0
    k.blocked.pop(task, None)
    k.sched.update(task)
    if why == "alloc" and k.wants(ev.AllocStall):
        k.emit(ev.AllocStall(pid=task.pid, comm=task.comm, pages=0, stalled=False))
    if task.sigpending & {SIGKILL, SIGTERM}:
        deliver_pending(k, task)
    elif task.wake_pending:
        task.wake_pending = False
        k.schedule_wake(task, 1)


def unblock_silently(k: Kernel, task: Task) -> None:
    """Out of the line without running on: the task is about to exit."""
    task.blocked = ""
    k.blocked.pop(task, None)


def retry_blocked(k: Kernel) -> None:
    """Tasks in ``yield(); goto rebalance`` and in swap-in take their turn (see the module
    docstring)."""
    vm = k.vm
    reclaims = k.sched.ncpus
    for task in list(k.blocked):
        if task.dead or not task.blocked:
            k.blocked.pop(task, None)
            continue
        mm = task.mm
        if mm is None:
            unblock(k, task)
            continue
        if task.blocked == "swapin":
            need = min(mm.missing_ws, vm.disk_pages_available())
            if mm.missing_ws == 0:
                unblock(k, task)
                continue
            if need <= 0:  # the disk is busy (reclaim may have overdrawn its budget)
                continue
        else:
            need = task.stall_pages
        memalloc = task.flags & (PF_MEMALLOC | PF_MEMDIE)
        got = vm.rmqueue(need, None if memalloc else vm.pages_min)
        if got < need and not memalloc:
            if reclaims == 0:
                _apply_pages(k, task, mm, got)
                break
            reclaims -= 1
            got += vm.rebalance(task, need - got)
            if task.dead:  # an OOM policy made the allocating task exit
                vm.free_pages(got)
                continue
            if task.counter <= 0:  # to the back, unless it just became the victim
                del k.blocked[task]
                k.blocked[task] = None
        _apply_pages(k, task, mm, got)
        if memalloc and got < need and vm.free == 0 and task.blocked == "alloc":
            # arch/i386/mm/fault.c, out_of_memory: label: the reserve is gone too.
            k.printk(KERN_ERR, f"VM: killing process {task.comm}")
            unblock_silently(k, task)
            k.do_exit(task, 0, SIGKILL)


def _apply_pages(k: Kernel, task: Task, mm: Mm, got: int) -> None:
    if task.blocked == "swapin":
        k.vm.swap_in(mm, got)
        if mm.missing_ws == 0:
            unblock(k, task)
        return
    k.vm.map_anon(mm, got)
    task.stall_pages -= got
    if task.stall_pages <= 0:
        unblock(k, task)
