"""``mm/oom_kill.c``: Rik van Riel's classic OOM killer, behind the OOM notifier chain.

On each ``out_of_memory()`` call: swap free means not OOM; otherwise the timing rules of
:class:`~moomtui.modules.classic.ClassicHeuristic` decide whether this is really OOM, and if
so ``oom_kill`` picks the task with the highest :func:`~moomtui.modules.classic.badness` and
kills it together with every task sharing its mm. Nothing killable panics the machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.notifier import NotifierBlock
from .classic import (
    ClassicKiller,
    get_nr_swap_pages,
    kill_mm_users,
)
from .messages import error, info
from .ranking import ClassicRanking

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel


class OomKill(ClassicKiller):
    name = "oom_kill"
    description = """This option enables the traditional oom_kill.c mechanism for
    killing processes in an attempt to recover from an out-of-memory
    condition."""
    author = "Rik van Riel"
    size = 2560
    kconfig = "CONFIG_OOM_KILL"

    kernel: Kernel
    oom_nb: NotifierBlock

    def oom_kill(self) -> None:
        """Kill the "best" process: we don't have to be perfect, we just have to be good."""
        k = self.kernel
        p = ClassicRanking.of(k).select()
        if p is None:
            k.panic("Out of memory and no killable processes...\n")
        kill_mm_users(k, p, module=self.name)

    def out_of_memory_killer(self) -> None:
        """Is the system out of memory? Kill something if it really is."""
        if get_nr_swap_pages(self.kernel) > 0:
            return
        self.timing.shortage(self.kernel.jiffies, self.oom_kill)

    def oom_notify(self, s: NotifierBlock, v: int, d: object) -> int:
        self.out_of_memory_killer()
        return 0

    def init(self) -> int:
        info(self.kernel, "Installing oom_kill handler")
        self.oom_nb = NotifierBlock(notifier_call=self.oom_notify, priority=0, name=self.name)
        err = self.kernel.oom.register_oom_notifier(self.oom_nb)
        if err:
            error(self.kernel, "Error installing oom_kill handler!")
        return err

    def exit(self) -> None:
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
        info(self.kernel, "Unregistered oom_kill handler")
