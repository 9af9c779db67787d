"""``kernel/exit.c``: a task exits, becomes a zombie, and its parent reaps it.

``do_exit`` releases the address space (the last thread's exit frees every page and swap
slot), gives the children to init (``forget_original_parent``: ``p_opptr = p_pptr =
init``), runs the program's exit hook and tells the parent (``exit_notify``). The task
stays a zombie — its pid and task_struct taken — until its parent ``wait()``s for it:
init and a parent without a program reap on the next jiffy, another parent when its
program says so (``Kernel.reap_later``, its SIGCHLD handler). Reaping frees the
task_struct. ``do_exit`` of init panics, as in 2.4.

Simplified: no exit of the thread group as a whole (LinuxThreads had none either: each
thread is a process), no ``wait()`` status beyond the exit code and signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev
from .constants import TASK_STRUCT_PAGES

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task


def do_exit(k: Kernel, task: Task, code: int = 0, sig: int = 0) -> None:
    """``do_exit``: release the mm, reparent the children to init, become a zombie."""
    if task.dead:
        return
    if task.pid == 1:
        k.panic("Attempted to kill init!")
    cpu = task.cpu_jiffies()
    task.dead = True
    task.exit_code, task.exit_signal = code, sig
    task.timer_gen += 1
    k.blocked.pop(task, None)
    task.blocked = ""
    k.dying.pop(task, None)
    k.sched.update(task)
    mm = task.mm
    rss = swap = 0
    if mm is not None:
        rss, swap = mm.rss, mm.swap
        mm.users -= 1
        mm.tasks.remove(task)
        if mm.users == 0:
            k.vm.release_mm(mm)
        task.mm = None
    if k.watchers:
        k.task_changed(task)
    init = k.init_task
    for child in list(task.children.values()):
        child.p_opptr = child.p_pptr = init
        init.children[child.pid] = child
        if child.dead:
            k.to_reap[child] = None
    task.children.clear()
    if task.program is not None:
        task.program.on_exit(k, task)
    if k.wants(ev.Exit):
        k.emit(
            ev.Exit(
                pid=task.pid, comm=task.comm, code=code, signal=sig, rss=rss, swap=swap, cpu=cpu
            )
        )
    parent = task.p_pptr
    if parent is None or parent.pid == 1 or parent.program is None or parent.dead:
        k.to_reap[task] = None
    else:
        parent.program.on_child_exit(k, parent, task)


def reap_later(k: Kernel, child: Task) -> None:
    """The parent will ``wait()`` for this zombie on the next jiffy."""
    if child.dead:
        k.to_reap[child] = None


def reap_zombies(k: Kernel) -> None:
    """The parents ``wait()``: each zombie queued on the previous jiffy is gone."""
    reap, k.to_reap = k.to_reap, {}
    for task in reap:
        if task.pid in k.tasks and k.tasks[task.pid] is task:
            del k.tasks[task.pid]
            parent = task.p_pptr
            if parent is not None:
                parent.children.pop(task.pid, None)
            k.vm.release_kernel_pages(TASK_STRUCT_PAGES)
            if k.watchers:
                k.task_changed(task)
            if k.wants(ev.Reap):
                k.emit(ev.Reap(pid=task.pid, by=parent.pid if parent else 0))
    if k._markers:
        k._bound_marks()
