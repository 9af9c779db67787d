"""``mm/oom_panic.c`` (Rusty Lynch): panic on out-of-memory conditions.

No swap check and no timing rules: the first call of ``out_of_memory()`` panics, even with
swap free. Whether the machine then hangs or reboots is ``/proc/sys/kernel/panic``'s
business (:meth:`moomtui.kernel.kernel.Kernel.panic`). Its exit prints nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..kernel.module import KernelModule
from ..kernel.notifier import NotifierBlock
from .messages import error, info

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel


class OomPanic(KernelModule):
    name = "oom_panic"
    description = """This option enables panic() to be called when a system is out of
    memory. This feature along with /proc/sys/kernel/panic allows a
    different behavior on out-of-memory conditions when the standard
    behavior (killing processes in an attempt to recover) does not
    make sense."""
    author = "Rusty Lynch"
    size = 1088
    kconfig = "CONFIG_OOM_PANIC"

    kernel: Kernel
    oom_nb: NotifierBlock

    def oom_notify(self, s: NotifierBlock, v: int, d: object) -> int:
        self.kernel.panic("Out-Of-Memory")
        return 0

    def init(self) -> int:
        info(self.kernel, "Installing oom_panic handler")
        self.oom_nb = NotifierBlock(notifier_call=self.oom_notify, priority=0, name=self.name)
        err = self.kernel.oom.register_oom_notifier(self.oom_nb)
        if err:
            error(self.kernel, "Error installing oom_panic handler!")
        return err

    def exit(self) -> None:
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
