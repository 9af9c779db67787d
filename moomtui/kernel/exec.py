"""A task runs a program: ``exec``, and the timers that wake the program.

2.4's ``do_execve`` loads a binary and returns to user mode; from then on the CPU runs it.
The simulator's programs are state machines instead (:mod:`moomtui.kernel.program`):
:func:`exec_program` gives a task its program — its SIGTERM action, how busy it is — and
starts it; the program answers with the delay until it wants to run again, and
:func:`schedule_wake` sets the timer. A wake-up that finds the task blocked in the allocator
waits until it is unblocked; a task whose hot pages were swapped out must first read them
back (it blocks on ``swapin``). A panicked machine runs no program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from . import events as ev
from .page_alloc import block

if TYPE_CHECKING:
    from .kernel import Kernel
    from .program import Program
    from .task import Task


def exec_program(k: Kernel, task: Task, program: Program) -> None:
    """``task`` starts running ``program`` (an Exec event), which starts at once."""
    task.program = program
    task.sigterm = program.sigterm
    task.busy = program.busy
    task.sys_pct = program.sys_pct
    k.sched.update(task)
    if k.wants(ev.Exec):
        k.emit(ev.Exec(pid=task.pid, comm=task.comm, program=program.name))
    run_program(k, task, "start")


def run_program(k: Kernel, task: Task, what: Literal["start", "step"]) -> None:
    """Call the program's ``start`` or ``step`` and set the timer for its next step."""
    program = task.program
    if program is None or task.dead or k.panicked is not None:
        return
    mm = task.mm
    if what == "step" and mm is not None and mm.missing_ws:
        block(k, task, "swapin", mm.missing_ws)
        task.wake_pending = True
        return
    delay = program.start(k, task) if what == "start" else program.step(k, task)
    if delay is not None and not task.dead:
        schedule_wake(k, task, delay)


def schedule_wake(k: Kernel, task: Task, delay: int) -> None:
    """Wake ``task``'s program after ``delay`` jiffies (replacing an earlier wake-up)."""
    task.timer_gen += 1
    task.wake_at = expires = k.ticks + max(1, delay)
    k.timers.add_timer(expires, wake, k, task, task.timer_gen)  # k.add_timer, inlined


def wake(k: Kernel, task: Task, gen: int) -> None:
    """The timer of wake-up number ``gen`` fired: step the program, unless the wake-up was
    replaced, the task died, or it is blocked (then it steps once unblocked)."""
    if gen != task.timer_gen or task.dead:
        return
    task.wake_at = None
    if task.blocked:
        task.wake_pending = True
        return
    run_program(k, task, "step")
