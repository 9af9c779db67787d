"""The tasks a machine boots with: ``init/main.c``'s idle task, init and kernel threads, then
the boot spec's tasks, as if they had been running for a while.

``start_kernel`` makes the idle task (pid 0, ``swapper``: init's parent, not on the task
list), init (pid 1) and the kernel threads of 2.4 (``keventd``, ``ksoftirqd_CPU0``,
``kswapd``, ``bdflush``, ``kupdated``: pids 2–6, no address space). The boot spec's tasks
come next, each with the memory, times and credentials the spec gives it — a snapshot of a
machine that was already running — and its threads (LinuxThreads: tasks sharing the mm).

A spec that cannot boot (a parent that does not exist, a pid taken, tasks that do not fit
in RAM) is a :class:`BootError`; presets are validated beforehand so that a user never sees
one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .constants import (
    CAP_FULL_SET,
    JIFFIES_MASK,
    PF_KSWAPD,
    PF_MEMALLOC,
    PID_MAX,
    UTS_RELEASE,
    UTS_VERSION,
)
from .exec import exec_program
from .fork import get_pid, new_mm, new_task
from .task import Mm, Task

if TYPE_CHECKING:
    from .bootspec import TaskSpec
    from .kernel import Kernel

BANNER = f"Linux version {UTS_RELEASE} (moom@moomtui) (gcc version 3.3.1) {UTS_VERSION}"
KERNEL_THREADS = ("keventd", "ksoftirqd_CPU0", "kswapd", "bdflush", "kupdated")


class BootError(ValueError):
    """The boot spec cannot be booted (it should have been caught by validation)."""


def create_boot_tasks(k: Kernel) -> None:
    """The idle task, init and the kernel threads."""
    # The idle task (pid 0, init_task in 2.4) is init's parent. It is not on the task
    # list that for_each_task walks.
    k.idle_task = Task(pid=0, comm="swapper", mm=None, cap_effective=CAP_FULL_SET)
    init = new_task(k, 1, "init", new_mm(k), parent=k.idle_task)
    init.cap_effective = CAP_FULL_SET
    k.task_changed(init)
    k.idle_task.children.clear()
    k.init_task = init
    exec_program(k, init, k.programs["init"]())
    map_boot(k, init.mm, 128, 64)
    for i, name in enumerate(KERNEL_THREADS, start=2):
        kt = new_task(k, i, name, None, parent=init)
        kt.cap_effective = CAP_FULL_SET
        if name == "kswapd":
            kt.flags |= PF_MEMALLOC | PF_KSWAPD
            k.kswapd = kt
    k.last_pid = 1 + len(KERNEL_THREADS)


def map_boot(k: Kernel, mm: Mm | None, total_vm: int, rss: int, swap: int = 0) -> None:
    """The memory a task boots with: ``rss`` resident pages, ``swap`` in swap."""
    if mm is None:
        return
    if rss > k.vm.free:
        raise BootError("boot-time tasks do not fit in RAM")
    if swap > k.vm.nr_swap_pages:
        raise BootError("boot-time tasks' swapped pages do not fit in swap")
    mm.total_vm = max(total_vm, rss + swap)
    k.vm.map_boot(mm, rss, swap)


def create_spec_task(k: Kernel, spec: TaskSpec) -> Task:
    """A task of the boot spec, with its threads, running its program."""
    parent = k.tasks.get(spec.ppid)
    if parent is None or parent.dead:
        raise BootError(f"task {spec.comm}: no parent with pid {spec.ppid}")
    pid = spec.pid if spec.pid is not None else get_pid(k)
    if pid < 0:
        raise BootError(f"task {spec.comm}: no free pid (pid_max is {PID_MAX})")
    if pid in k.tasks or pid == 0:
        raise BootError(f"task {spec.comm}: pid {pid} is taken")
    task = new_task(k, pid, spec.comm, new_mm(k), parent=parent)
    task.uid = spec.uid
    task.euid = spec.uid if spec.euid is None else spec.euid
    task.cap_effective = spec.effective_caps()
    task.nice = spec.nice
    task.oom_score_adj = spec.oom_score_adj
    task.base_utime, task.base_stime = spec.utime, spec.stime
    task.role = spec.role
    if spec.start_time is not None:
        task.start_time = spec.start_time & JIFFIES_MASK
    map_boot(k, task.mm, spec.total_vm, spec.rss, spec.swap)
    k.task_changed(task)
    program = k.programs[spec.program](spec.args)
    for _ in range(spec.threads - 1):
        _clone_thread(k, task)
    exec_program(k, task, program)
    return task


def _clone_thread(k: Kernel, leader: Task) -> Task:
    """A thread of ``leader`` as it was at boot: its credentials, times and start."""
    thread = new_task(k, get_pid(k), leader.comm, leader.mm, parent=leader)
    assert leader.mm is not None
    leader.mm.users += 1
    for attr in ("uid", "euid", "cap_effective", "nice", "start_time", "role", "oom_score_adj"):
        setattr(thread, attr, getattr(leader, attr))
    thread.thread_leader = leader
    k.task_changed(thread)
    exec_program(k, thread, k.programs["thread"]())
    return thread
