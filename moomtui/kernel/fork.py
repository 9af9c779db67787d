"""``kernel/fork.c``: pids, new tasks, ``do_fork`` and LinuxThreads' ``clone``.

``get_pid`` hands out the next free pid, wrapping past ``PID_MAX`` (32767) to
``RESERVED_PIDS`` (300). A new task takes its parent's credentials, nice value and
``oom_score_adj`` and goes to the tail of the task list, with an order-1 allocation for its
task_struct and kernel stack. ``do_fork`` copies the address space (``dup_mmap``: the
child starts with the parent's size and, without copy-on-write sharing, no resident pages
of its own); a thread shares it (``CLONE_VM``, as LinuxThreads creates its threads).

Deviation (docs/faithfulness.md): when the allocator cannot give the task_struct without
waiting, fork fails with ENOMEM at once; 2.4 would loop in the allocator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev
from .constants import PID_MAX, RESERVED_PIDS, TASK_STRUCT_ORDER, TASK_STRUCT_PAGES
from .errno import EAGAIN
from .exec import exec_program
from .task import TASK_COMM_LEN, Mm, Task, truncate_comm

if TYPE_CHECKING:
    from .kernel import Kernel
    from .program import Program


def get_pid(k: Kernel) -> int:
    """``kernel/fork.c`` get_pid(): the next free pid; past 32767 start again at 300."""
    last = k.last_pid + 1
    if last < PID_MAX and last not in k.tasks:  # the next pid is free, as nearly always
        k.last_pid = last
        return last
    last = k.last_pid
    for _ in range(PID_MAX):
        last += 1
        if last >= PID_MAX:
            last = RESERVED_PIDS
        if last not in k.tasks:
            k.last_pid = last
            return last
    return -EAGAIN


def new_mm(k: Kernel, total_vm: int = 0) -> Mm:
    """A new, empty address space of ``total_vm`` pages."""
    return Mm(next(k.mm_ids), total_vm)


def new_task(k: Kernel, pid: int, comm: str, mm: Mm | None, *, parent: Task | None) -> Task:
    """A task at the tail of the task list, with its parent's credentials and nice value;
    its task_struct takes its pages from the free pool."""
    if len(comm) >= TASK_COMM_LEN:
        comm = truncate_comm(comm)
    task = Task(pid, comm, mm, start_time=k.jiffies, sched=k.sched)
    task.p_opptr = task.p_pptr = parent
    if parent is not None:
        parent.children[pid] = task
        task.uid, task.euid = parent.uid, parent.euid
        task.cap_effective, task.nice = parent.cap_effective, parent.nice
        task.oom_score_adj = parent.oom_score_adj
        task.role = parent.role
    vm = k.vm  # take_kernel_pages(TASK_STRUCT_PAGES), inlined
    vm.free -= TASK_STRUCT_PAGES
    vm.kernel_pages += TASK_STRUCT_PAGES
    task.seq = next(k.task_seq)
    k.tasks[pid] = task
    if mm is not None:
        mm.tasks.append(task)
    if k.watchers:
        k.task_changed(task)
    return task


def task_slot(k: Kernel, parent: Task) -> int | None:
    """A pid and room for the child's task_struct, for a fork from ``parent``.

    None, with an :class:`~moomtui.kernel.events.AllocFail` event, when no pid is free
    (``EAGAIN``) or the allocator cannot give the order-1 allocation without waiting
    (``ENOMEM``); None too when the machine has panicked or the parent died meanwhile.
    The pages go back to the free pool here; :func:`new_task` takes them.
    """
    if parent.dead or k.panicked is not None:
        return None
    pid = get_pid(k)
    if pid < 0:
        k.emit(ev.AllocFail(pid=parent.pid, comm=parent.comm, pages=0, reason="EAGAIN"))
        return None
    vm = k.vm
    if vm.free > vm.pages_low + TASK_STRUCT_PAGES:
        # The first watermark check gives the block at once, and it goes straight back:
        # alloc_pages then free_pages would change nothing.
        return pid
    got = vm.alloc_pages(parent, TASK_STRUCT_PAGES, order=TASK_STRUCT_ORDER)
    vm.free_pages(got)
    if got < TASK_STRUCT_PAGES or parent.dead:
        k.emit(
            ev.AllocFail(pid=parent.pid, comm=parent.comm, pages=TASK_STRUCT_PAGES, reason="ENOMEM")
        )
        return None
    return pid


def do_fork(
    k: Kernel, parent: Task, program: Program, *, thread: bool = False, comm: str | None = None
) -> Task | None:
    """``do_fork``: a new task at the tail of the task list, running ``program``.

    ``thread``: it shares the parent's address space (``CLONE_VM``). Returns None on
    failure (see :func:`task_slot`).
    """
    pid = task_slot(k, parent)
    if pid is None:
        return None
    if thread:
        child = new_task(k, pid, parent.comm, parent.mm, parent=parent)
        assert parent.mm is not None
        parent.mm.users += 1
        child.thread_leader = parent.thread_leader or parent
        if k.watchers:
            k.task_changed(child)
    else:
        # dup_mmap(): the child has the parent's address space. Copy-on-write sharing is
        # not modelled: the child starts with no resident pages of its own.
        mm = new_mm(k, parent.mm.total_vm if parent.mm else 0)
        child = new_task(k, pid, comm or parent.comm, mm, parent=parent)
    if k.wants(ev.Fork):
        k.emit(ev.Fork(pid=child.pid, ppid=parent.pid, comm=child.comm, thread=thread))
    exec_program(k, child, program)
    return child


def spawn(
    k: Kernel, program: Program, *, comm: str, parent: Task, uid: int, nice: int, caps: int
) -> Task | None:
    """A new process (fork + exec) running ``program`` under ``parent``, as user ``uid``
    with ``caps``; None when :func:`task_slot` finds no room."""
    pid = task_slot(k, parent)
    if pid is None:
        return None
    task = new_task(k, pid, comm, new_mm(k), parent=parent)
    task.uid = task.euid = uid
    task.nice = nice
    task.cap_effective = caps
    if k.watchers:
        k.task_changed(task)
    if k.wants(ev.Fork):
        k.emit(ev.Fork(pid=task.pid, ppid=parent.pid, comm=task.comm, thread=False))
    exec_program(k, task, program)
    return task
