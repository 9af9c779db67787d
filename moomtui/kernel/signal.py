"""Signals, as far as the OOM story needs them: ``send_sig``, ``force_sig``, delivery.

What a signal does to a task (``kernel/signal.c`` and ``arch/i386/kernel/signal.c``):

* a kernel thread never acts on one (it never returns to user mode, where signals are
  acted on; the 2.4 threads flush what they get), and init gets none it has no handler for
  (``do_signal``: only SIGCHLD reaches it);
* the signals whose default action is to be ignored (SIGCHLD, SIGCONT, SIGWINCH, SIGURG:
  ``do_signal``'s ``case SIGCONT: case SIGCHLD: case SIGWINCH: case SIGURG: continue;``) do
  nothing, nor does SIGTERM for a task that ignores it; nor, here, do the stop signals
  (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: there is no job control);
* a pending SIGKILL, or any other signal (the default action of the rest, the real-time
  signals included, is to terminate, with a core dump or not), makes the task exit on the
  next jiffy
  (``Kernel.dying``); a SIGTERM handler (``sigterm = "linger"``) runs for the program's
  ``linger`` time and then exits;
* a task blocked in the allocator takes its signals when the allocation completes (the
  return to user mode); one waiting for swap-in leaves the wait to exit.

Simplified: no signal masks, no queued real-time signals, no handlers but SIGTERM's; the
console's user has no task, so the ``sender`` of its signals is the user's uid (0 for root).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import events as ev
from .constants import (
    SIGCHLD,
    SIGCONT,
    SIGKILL,
    SIGSTOP,
    SIGTERM,
    SIGTSTP,
    SIGTTIN,
    SIGTTOU,
    SIGURG,
    SIGWINCH,
)
from .page_alloc import run_first, unblock_silently

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import Task

SIG_KERNEL_IGNORE = frozenset((SIGCHLD, SIGCONT, SIGWINCH, SIGURG))
"""Signals whose default action is to do nothing."""
SIG_KERNEL_STOP = frozenset((SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU))
"""Signals whose default action stops the task: no job control here, so nothing happens."""


def send_sig(k: Kernel, task: Task, sig: int, *, sender: int = 0, force: bool = False) -> None:
    """Send a signal. Kernel threads never act on one; init ignores default actions.

    ``force`` is ``force_sig`` (what the OOM killers send). 2.4's ``force_sig_info`` does
    ``if (t->sig->action[sig-1].sa.sa_handler == SIG_IGN) t->sig->action[sig-1].sa.sa_handler
    = SIG_DFL; sigdelset(&t->blocked, sig);``: a task that ignores SIGTERM has its action
    reset to the default for good, and dies of it; a handler (``sigterm = "linger"``) is
    kept. Init still skips every default action (``do_signal``), and a kernel thread never
    returns to user mode, where signals are acted on — the 2.4 threads flush what they get —
    so not even a forced signal ends one (a user policy may pick one; the seed's never do,
    since a task without an mm has badness 0).
    """
    if task.dead:
        return
    if force and task.counter > 0 and task in k.blocked:
        run_first(k)  # oom_kill_task: p->counter = 5 * HZ; then force_sig
    if force and task.sigterm == "ignore" and sig == SIGTERM:
        task.sigterm = "exit"
    ignored = False
    if task.mm is None:
        ignored = True
    elif task.pid == 1:
        # arch/i386/kernel/signal.c do_signal(): init gets no signals it doesn't want.
        ignored = sig != SIGCHLD
    else:
        ignored = (
            sig in SIG_KERNEL_IGNORE
            or sig in SIG_KERNEL_STOP
            or (sig == SIGTERM and task.sigterm == "ignore")
        )
    if k.wants(ev.Signal):
        k.emit(ev.Signal(pid=task.pid, comm=task.comm, sig=sig, sender=sender, ignored=ignored))
    if ignored:
        return
    task.sigpending.add(sig)
    if task.blocked == "alloc":
        return  # delivered when the allocation completes (return to user mode)
    deliver_pending(k, task)


def deliver_pending(k: Kernel, task: Task) -> None:
    """Act on ``task``'s pending signals: an exit next jiffy, or a SIGTERM handler."""
    if SIGKILL in task.sigpending or task.program is None:
        k.dying[task] = SIGKILL if SIGKILL in task.sigpending else min(task.sigpending)
    elif SIGTERM in task.sigpending and task.sigterm == "linger":
        task.sigpending.discard(SIGTERM)
        if not task.lingering:
            task.lingering = True
            k.add_timer(task.program.linger, linger_exit, k, task)
    elif task.sigpending:
        k.dying[task] = min(task.sigpending)
    if task.blocked == "swapin" and task in k.dying:
        unblock_silently(k, task)


def linger_exit(k: Kernel, task: Task) -> None:
    """A SIGTERM handler's time is up: the task exits (once its allocation completes)."""
    if not task.dead:
        if task.blocked:
            task.sigpending.add(SIGKILL)
            if task.blocked == "swapin":
                unblock_silently(k, task)
                k.dying[task] = SIGTERM
            return
        k.do_exit(task, 0, SIGTERM)


def deliver_exits(k: Kernel) -> None:
    """The tasks a signal killed on the previous jiffy exit."""
    dying, k.dying = k.dying, {}
    for task, sig in dying.items():
        if not task.dead:
            k.do_exit(task, 0, sig)
