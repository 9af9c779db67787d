"""What must hold of a machine at every step, checked from scratch: the soak, the fuzzers
and the property tests call :func:`check_invariants` between steps.

The page counts add up (:meth:`VM.check <moomtui.kernel.mm.VM.check>`); the kernel owns
two pages per task; no zombie holds an mm and no task a parent that is gone; each mm's users
are the tasks using it, in task-list order; the modules and every watcher agree with a plain
walk (:mod:`.watch`); and the load average's count of active tasks, taken without a walk
(:func:`~moomtui.kernel.loadavg.count_active`), is the walk's (``count_active_tasks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bootspec import boot_kernel_pages
from .loadavg import count_active, count_active_tasks

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


def check_invariants(k: Kernel) -> list[str]:
    """Every broken invariant of the machine, as text (empty when all hold)."""
    errors = k.vm.check(list(k.iter_mms()))
    live_tasks = len(k.tasks)
    booted = boot_kernel_pages(k.spec.ram_pages) + k.spec.kernel_memory
    if k.vm.kernel_pages != booted + 2 * live_tasks:
        errors.append(f"kernel pages {k.vm.kernel_pages} for {live_tasks} tasks")
    for task in k.tasks.values():
        if task.dead and task.mm is not None:
            errors.append(f"zombie {task.pid} holds an mm")
        if task.utime < 0 or task.stime < 0:
            errors.append(f"task {task.pid} has negative times")
        if task.p_pptr is not None and task.p_pptr.pid and task.p_pptr.pid not in k.tasks:
            errors.append(f"task {task.pid} has a parent {task.p_pptr.pid} that is gone")
    users: dict[int, list[Task]] = {}
    for task in k.tasks.values():
        if task.mm is not None:
            users.setdefault(task.mm.id, []).append(task)
    for mm in k.iter_mms():
        if mm.users != len(users[mm.id]):
            errors.append(f"mm {mm.id} has {mm.users} users, {len(users[mm.id])} tasks use it")
        if mm.tasks != users[mm.id]:
            errors.append(f"mm {mm.id}: its list of tasks is not the tasks using it")
    active = count_active(k.blocked, k.sched.runnable, k.ticks)
    if active != count_active_tasks(k.tasks.values(), k.ticks):
        errors.append(f"{active} active tasks counted without a walk, not the walk's")
    errors += k.modules.check()
    for watcher in k.watchers:
        errors += watcher.check()
    return errors
