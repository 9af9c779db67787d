"""``mm/oom_kill_parent.c`` (Tvrtko A. Ursulin): the classic killer that also kills parents
that keep producing bad children.

The classic logic (:mod:`moomtui.modules.classic`, with this module's own statics) plus a
32-slot blacklist of original parents. Each OOM kill whose victim's original parent is not
init (``p_opptr->pid > 1``) adds that parent with ``value = 0`` or, if it is listed,
increments ``value`` and restarts its clock. At the start of every ``out_of_memory()`` call —
before the swap check, so even with swap free — ``process_blacklist`` forgets parents that
are gone or whose last child kill is ``oom_parent_expire`` seconds old, and kills (alone,
not its threads) a parent whose ``value`` reached ``oom_parent_max``: with the defaults, on
the call after its 11th child was killed.

The tunables are module parameters and, while the module is loaded, the files
``/proc/sys/vm/oom/oom_parent_max`` and ``oom_parent_expire`` (mode 0644). Both are
``unsigned int`` read and written with ``proc_dointvec``: a write of -1 stores 4294967295.
The parameter and the file are the same variable, here the same
:class:`~moomtui.kernel.sysctl.IntCell`.

Copied quirks: expiry compares ``abs((int)(jiffies - last_kill))`` with the ``unsigned int``
``oom_parent_expire * HZ`` (which wraps for values above 42949672, so -1 never expires and
0 forgets at once); a full blacklist silently drops new parents; ``find_in_blacklist``
matches pid *and* task, so a recycled pid is a new parent. The ``dbg()`` lines are compiled
out, as in the seed. Init's original parent is ``None`` here (pid 0, the idle task, in C),
which ``p_opptr->pid > 1`` treats the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kernel.arith import c_abs
from ..kernel.constants import HZ, JIFFIES_MASK, UINT_MAX
from ..kernel.module import KernelLike, ModuleParam
from ..kernel.notifier import NotifierBlock
from ..kernel.sysctl import CtlEntry, IntCell, SysctlHeader
from .classic import (
    ClassicKiller,
    get_nr_swap_pages,
    kill_mm_users,
    oom_kill_task,
)
from .messages import error, info
from .ranking import ClassicRanking

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task

OOM_HISTORY_SIZE = 32
OOM_DEFAULT_VALUE = 10
OOM_DEFAULT_EXPIRE = 5 * 60


@dataclass(slots=True, eq=False)
class ParentRecord:
    """``struct parent_record``: one blacklist slot; free while ``pid`` is 0."""

    pid: int = 0
    task: Task | None = None
    last_kill: int = 0
    value: int = 0


class OomKillParent(ClassicKiller):
    name = "oom_kill_parent"
    description = """This option enables an out-of-memory handler that not only attempts
    to kill bad processes to free up memory, but also kills parents
    that repeatedly produce bad children.

    Two tunables, oom_parent_max and oom_parent_expire, will be added
    and to /proc/sys/vm/ to control how many children a parent is
    allowed to have terminated, and how long between terminated children
    before a parent is forgiven."""
    author = "Tvrtko A. Ursulin"
    size = 4224
    kconfig = "CONFIG_OOM_KPPID"
    params = (
        ModuleParam(
            "oom_parent_max",
            "i",
            "Maximum number of bad childs parent can produce",
            OOM_DEFAULT_VALUE,
            ctype="uint",
        ),
        ModuleParam(
            "oom_parent_expire",
            "i",
            "Time period in seconds after which parents past sins are forgotten",
            OOM_DEFAULT_EXPIRE,
            ctype="uint",
        ),
    )

    kernel: Kernel
    oom_nb: NotifierBlock
    oom_root_table_header: SysctlHeader | None

    def __init__(self, kernel: KernelLike, **params: int) -> None:
        self.parent_max_cell = IntCell(OOM_DEFAULT_VALUE, "uint")
        self.parent_expire_cell = IntCell(OOM_DEFAULT_EXPIRE, "uint")
        super().__init__(kernel, **params)
        self.blacklist = [ParentRecord() for _ in range(OOM_HISTORY_SIZE)]
        self.oom_root_table_header = None

    # The module parameters live in the cells /proc/sys/vm/oom shows.
    @property
    def oom_parent_max(self) -> int:
        return self.parent_max_cell.value

    @oom_parent_max.setter
    def oom_parent_max(self, value: int) -> None:
        self.parent_max_cell.value = value

    @property
    def oom_parent_expire(self) -> int:
        return self.parent_expire_cell.value

    @oom_parent_expire.setter
    def oom_parent_expire(self, value: int) -> None:
        self.parent_expire_cell.value = value

    # ------------------------------------------------------------------ the blacklist
    def _age(self, p: ParentRecord) -> int:
        """``abs(jiffies - p->last_kill)`` as the ``unsigned int`` it is compared as."""
        return c_abs((self.kernel.jiffies - p.last_kill) & JIFFIES_MASK) & UINT_MAX

    def _expire_jiffies(self) -> int:
        """``oom_parent_expire*HZ``: unsigned int arithmetic, wrapping."""
        return (self.oom_parent_expire * HZ) & UINT_MAX

    def forget_after(self) -> float | None:
        """How many seconds after a parent's last child kill ``process_blacklist`` forgets
        it, as C's ``abs(jiffies - p->last_kill) >= (oom_parent_expire*HZ)`` works out:
        the limit wraps as ``unsigned int`` (``oom_parent_expire=42949673`` is 4 jiffies)
        and the age, an ``int``'s ``abs``, never passes 2^31, so a limit above that is
        never reached (None: never forgotten, e.g. ``oom_parent_expire=-1``)."""
        limit = self._expire_jiffies()
        return None if limit > 1 << 31 else limit / HZ

    def process_blacklist(self) -> None:
        """Forget parents that are gone or forgiven; kill those with too many bad children."""
        k = self.kernel
        for p in self.blacklist:
            if not p.pid:
                continue
            task = k.find_task_by_pid(p.pid)
            gone = task is not p.task
            if gone or self._age(p) >= self._expire_jiffies():
                p.pid = 0
            elif p.value >= self.oom_parent_max:
                assert p.task is not None
                error(k, f"Will kill parent process {p.pid} ({p.task.comm})")
                p.pid = 0
                oom_kill_task(k, p.task, module=self.name, reason="parent")

    def find_in_blacklist(self, task: Task | None) -> ParentRecord | None:
        if task is None:
            return None
        for p in self.blacklist:
            if p.pid and task.pid == p.pid and task is p.task:
                return p
        return None

    def blacklist_parent(self, task: Task | None) -> ParentRecord | None:
        """Put ``task`` in the first free slot with ``value = 0``; None when all are used."""
        if task is None:
            return None
        # The C's loop leaves p at the last slot when none is free.
        p = next((slot for slot in self.blacklist if not slot.pid), self.blacklist[-1])
        if p.pid:
            return None
        p.pid = task.pid
        p.task = task
        p.last_kill = self.kernel.jiffies
        p.value = 0
        return p

    # ------------------------------------------------------------------ the killer
    def oom_kill(self) -> None:
        """The classic ``oom_kill``, charging the victim to its original parent."""
        k = self.kernel
        p = ClassicRanking.of(k).select()
        if p is None:
            k.panic("Out of memory and no killable processes...\n")
        opptr = p.p_opptr
        if opptr is not None and opptr.pid > 1:
            parent = self.find_in_blacklist(opptr)
            if parent is None:
                self.blacklist_parent(opptr)
            else:
                parent.value = (parent.value + 1) & UINT_MAX
                parent.last_kill = k.jiffies
        kill_mm_users(k, p, module=self.name)

    def out_of_memory_killer(self) -> None:
        self.process_blacklist()
        if get_nr_swap_pages(self.kernel) > 0:
            return
        self.timing.shortage(self.kernel.jiffies, self.oom_kill)

    def oom_notify(self, s: NotifierBlock, v: int, d: object) -> int:
        self.out_of_memory_killer()
        return 0

    # ------------------------------------------------------------------ load / unload
    def init(self) -> int:
        k = self.kernel
        info(k, "Installing oom_kill_parent handler")
        self.oom_nb = NotifierBlock(notifier_call=self.oom_notify, priority=0, name=self.name)
        err = k.oom.register_oom_notifier(self.oom_nb)
        if err:
            error(k, "Error installing oom_kill_parent handler!")
        # Never NULL here: 2.4's register_sysctl_table fails only when kmalloc does, so
        # `error("Error installing oom sysctl table!")` is never printed. Names already in
        # vm/oom are no obstacle: these become second entries, the ones a lookup finds.
        self.oom_root_table_header = k.sysctl.register_sysctl_table(
            "vm/oom",
            [
                CtlEntry("oom_parent_max", self.parent_max_cell, 0o644),
                CtlEntry("oom_parent_expire", self.parent_expire_cell, 0o644),
            ],
        )
        return err

    def exit(self) -> None:
        if self.oom_root_table_header is not None:
            self.kernel.sysctl.unregister_sysctl_table(self.oom_root_table_header)
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
        info(self.kernel, "Unregistered oom_kill_parent handler")

    # ------------------------------------------------------------------ views
    def blacklist_view(self) -> list[dict[str, Any]]:
        """The used slots: ``slot``, ``pid``, ``comm``, ``value``, ``last_kill`` (jiffies) and
        ``expires_in`` (seconds until ``process_blacklist`` would forget the parent; None
        if it never will, see :meth:`forget_after`)."""
        limit = self._expire_jiffies()
        never = self.forget_after() is None
        return [
            {
                "slot": i,
                "pid": p.pid,
                "comm": p.task.comm if p.task is not None else "",
                "value": p.value,
                "last_kill": p.last_kill,
                "expires_in": None if never else max(0, limit - self._age(p)) / HZ,
            }
            for i, p in enumerate(self.blacklist)
            if p.pid
        ]
