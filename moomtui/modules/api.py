"""The API for OOM policies written outside the tree: subclass :class:`Policy`.

The seed's promise was "changing/adding new oom policies without rebooting". A policy is a
module like the seed's three: loaded, it puts a notifier block on the OOM chain and is
called on every ``out_of_memory()``; unloaded, it takes it off. :class:`Policy` does that
plumbing, so a policy is one method::

    from moomtui.modules.api import ModuleParam, Policy


    class OomKillBiggest(Policy):
        \"\"\"Kill the task with the most resident pages.\"\"\"

        name = "oom_kill_biggest"
        params = (ModuleParam("min_rss", "i", "Spare tasks smaller than this (pages)", 0),)

        def on_out_of_memory(self) -> None:
            tasks = [t for t in self.tasks() if t.mm is not None and t.pid != 1]
            tasks = [t for t in tasks if t.mm.rss >= self.min_rss]
            if tasks:
                self.oom_kill(max(tasks, key=lambda t: t.mm.rss))

Two ways in, neither open to a preset: ``insmod_file("./oom_kill_biggest.py")`` (the
console's ``insmod ./oom_kill_biggest.py``: the file defines exactly one Policy subclass;
root only), or an installed package that lists the class in its ``moomtui.modules``
entry-point group (found at boot). See docs/policies.md.

What the kernel guarantees: a handler that raises is an oops — logged at ``KERN_ALERT``
with the file and line, the module removed, the kernel tainted — and the machine goes on.
What it cannot do: stop a handler that never returns. Python code cannot be preempted, so a
policy that loops forever hangs the program, as it would have hung a 2003 kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, NoReturn

from ..kernel.module import KernelLike, KernelModule, ModuleParam
from ..kernel.notifier import NOTIFY_DONE, NOTIFY_OK, NOTIFY_STOP_MASK, NotifierBlock
from ..kernel.printk import (
    KERN_ALERT,
    KERN_CRIT,
    KERN_DEBUG,
    KERN_EMERG,
    KERN_ERR,
    KERN_INFO,
    KERN_NOTICE,
    KERN_WARNING,
)
from ..kernel.sysctl import CtlEntry, IntCell, SysctlHeader
from .classic import badness, kill_mm_users, oom_kill_task
from .messages import info

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task


class Policy(KernelModule):
    """Base class of an OOM policy: override :meth:`on_out_of_memory`.

    Class attributes: ``name`` (for a file, the file's stem unless set), ``description``
    (the class docstring unless set), ``author``, ``license``, ``params`` (a tuple of
    :class:`ModuleParam`; each becomes an attribute of the same name) and ``priority``
    (the notifier block's; the seed's modules use 0, and a higher one runs first).

    :meth:`init` and :meth:`exit` put the handler on the chain and take it off, and print
    the seed's install messages. A subclass that overrides them calls ``super()`` first
    (``init``) or last (``exit``), as the example in docs/policies.md shows.
    """

    author: ClassVar[str] = "unknown"
    description: ClassVar[str] = ""
    size: ClassVar[int] = 1024
    priority: ClassVar[int] = 0

    kernel: Kernel

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "description" not in vars(cls) and cls.__doc__:
            cls.description = cls.__doc__.strip()

    def __init__(self, kernel: KernelLike, **params: int | str) -> None:
        super().__init__(kernel, **params)
        self._sysctl_headers: list[SysctlHeader] = []
        self.oom_nb = NotifierBlock(
            notifier_call=self._oom_notify, priority=self.priority, name=self.name
        )

    # ------------------------------------------------------------------ to override
    def on_out_of_memory(self) -> int | None:
        """Called on every ``out_of_memory()``; decide whether and what to kill.

        What it returns is the notifier block's return: None (or ``NOTIFY_DONE``) lets the
        walk go on to the next handler; ``NOTIFY_OK | NOTIFY_STOP_MASK`` ends it here, as
        ``notifier_call_chain`` stops at a return with ``NOTIFY_STOP_MASK`` set: the
        handlers after this one (lower priority, or registered later) are not called."""
        return None

    def init(self) -> int:
        """``module_init``: put the handler on the OOM chain; 0 or a negative errno."""
        info(self.kernel, f"Installing {self.name} handler")
        return self.kernel.oom.register_oom_notifier(self.oom_nb)

    def exit(self) -> None:
        """``module_exit``: remove the sysctls and the handler."""
        for header in reversed(self._sysctl_headers):
            self.kernel.sysctl.unregister_sysctl_table(header)
        self._sysctl_headers.clear()
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
        info(self.kernel, f"Unregistered {self.name} handler")

    # ------------------------------------------------------------------ helpers
    @property
    def current(self) -> Task | None:
        """The task whose allocation called ``out_of_memory()`` (``current``); None outside
        a call."""
        return self.kernel.oom.current

    @property
    def jiffies(self) -> int:
        return self.kernel.jiffies

    def tasks(self) -> list[Task]:
        """Every live task, oldest first, init and the kernel threads (``mm is None``)
        included; zombies are left out."""
        return [t for t in self.kernel.for_each_task() if not t.dead]

    def badness(self, task: Task) -> int:
        """The classic 2.4 ``badness()`` of ``task`` now (what ``oom_kill`` maximises)."""
        return badness(task, self.kernel.jiffies)

    def oom_kill_task(self, task: Task, reason: str = "victim") -> None:
        """The seed's ``oom_kill_task``: log ``Killed process``, give ``task`` PF_MEMDIE and
        SIGKILL (SIGTERM with CAP_SYS_RAWIO). Only ``task``: its threads live on."""
        oom_kill_task(self.kernel, task, module=self.name, reason=reason)

    def oom_kill(self, task: Task) -> None:
        """The end of the seed's ``oom_kill``: ``task`` and every task sharing its mm."""
        kill_mm_users(self.kernel, task, module=self.name)

    def printk(self, level: int, text: str) -> None:
        self.kernel.printk(level, text)

    def panic(self, message: str) -> NoReturn:
        """``panic()``: never returns. Nothing after it in this call runs, nor any later
        handler on the chain; the machine stops (see :mod:`moomtui.kernel.panic`)."""
        self.kernel.panic(message)

    def register_sysctl(self, name: str, cell: IntCell, mode: int = 0o644) -> SysctlHeader:
        """Add ``/proc/sys/DIR/FILE`` for ``name`` = ``"DIR.FILE"`` (e.g. ``"vm.my_knob"``)
        while the policy is loaded; :meth:`exit` removes it."""
        directory, _, leaf = name.replace("/", ".").rpartition(".")
        header = self.kernel.sysctl.register_sysctl_table(directory, [CtlEntry(leaf, cell, mode)])
        self._sysctl_headers.append(header)
        return header

    def _oom_notify(self, nb: NotifierBlock, val: int, data: object) -> int:
        ret = self.on_out_of_memory()
        return NOTIFY_DONE if ret is None else ret


__all__ = [
    "KERN_ALERT",
    "KERN_CRIT",
    "KERN_DEBUG",
    "KERN_EMERG",
    "KERN_ERR",
    "KERN_INFO",
    "KERN_NOTICE",
    "KERN_WARNING",
    "NOTIFY_DONE",
    "NOTIFY_OK",
    "NOTIFY_STOP_MASK",
    "IntCell",
    "ModuleParam",
    "Policy",
]
