"""2.4.24 without an OOM killer: the task whose allocation failed is the one that dies.

2.4.24 made the OOM killer optional (``CONFIG_OOM_KILLER``, "if unsure, say N"). Without
it nobody chooses a victim: the page fault that cannot get a page ends in the
``out_of_memory:`` label of ``arch/i386/mm/fault.c``, which kills the faulting task itself::

    if (tsk->pid == 1) { yield(); goto survive; }
    printk("VM: killing process %s\\n", tsk->comm);
    if (error_code & 4) do_exit(SIGKILL);

Here that is a handler on the seed's chain: ``out_of_memory()`` stands for "this
allocation failed", and ``kernel.oom.current`` is the task whose allocation it was. That
task exits at once (``do_exit``: no signal, no PF_MEMDIE, no memory reserves); init is
spared and retries, and a call made by kswapd or another kernel thread (no mm: not a page
fault) does nothing. The ``printk`` has no level, so the line is logged at the
``default_message_loglevel`` (``kernel.printk``'s second value, 4 at boot). Only the
faulting task dies: threads sharing its mm live on, as they did under LinuxThreads.

Simplified: every allocation that reaches ``out_of_memory()`` is treated as a page fault
(the simulator's forks ask the allocator for the child's task_struct on the parent's
behalf, so a fork that finds no memory kills the parent where 2.4.24 would have failed it
with ENOMEM). Not in the seed's Kconfig: it is always available as a module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.constants import SIGKILL
from ..kernel.module import KernelModule
from ..kernel.notifier import NotifierBlock
from .messages import error, info

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel


class OomKillAllocating(KernelModule):
    name = "oom_kill_allocating"
    description = """Linux 2.4.24 with CONFIG_OOM_KILLER=n: no victim is chosen; the task
    whose page fault cannot be satisfied is killed ("VM: killing process"), init excepted."""
    author = "moomtui, after arch/i386/mm/fault.c of Linux 2.4.24"
    size = 1152

    kernel: Kernel
    oom_nb: NotifierBlock

    def kill_allocating_task(self) -> None:
        """The ``out_of_memory:`` label of ``do_page_fault`` for the allocating task."""
        k = self.kernel
        tsk = k.oom.current
        if tsk is None or tsk.mm is None or tsk.dead:
            return
        if tsk.pid == 1:
            return  # yield(); goto survive;
        mm = tsk.mm
        k.printk(k.log.default_message_loglevel, f"VM: killing process {tsk.comm}")
        k.kills += 1
        k.emit(
            ev.OomKill(
                pid=tsk.pid,
                comm=tsk.comm,
                module=self.name,
                reason="victim",
                points=0,
                total_vm=mm.total_vm,
                rss=mm.rss,
                sig=SIGKILL,
            )
        )
        k.do_exit(tsk, 0, SIGKILL)

    def oom_notify(self, s: NotifierBlock, v: int, d: object) -> int:
        self.kill_allocating_task()
        return 0

    def init(self) -> int:
        info(self.kernel, "Installing oom_kill_allocating handler")
        self.oom_nb = NotifierBlock(notifier_call=self.oom_notify, priority=0, name=self.name)
        err = self.kernel.oom.register_oom_notifier(self.oom_nb)
        if err:
            error(self.kernel, "Error installing oom_kill_allocating handler!")
        return err

    def exit(self) -> None:
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
        info(self.kernel, "Unregistered oom_kill_allocating handler")
