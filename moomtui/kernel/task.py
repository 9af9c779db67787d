"""``struct task_struct`` and ``struct mm_struct``: what the OOM policies look at.

A task carries the fields of 2.4's task_struct that the 2003 patch and the rest of this
simulator read: ``pid``, ``comm`` (15 characters), ``mm`` (shared by the threads of a
LinuxThreads group, ``None`` for kernel threads), ``uid``/``euid``, ``cap_effective``,
``nice``, ``times.tms_utime``/``tms_stime`` (here ``utime``/``stime``), ``start_time``,
``flags``, ``p_opptr``/``p_pptr`` and ``counter``. One field is from a later kernel:
``oom_score_adj`` (2.6.36's ``signal->oom_score_adj``: -1000..1000, inherited on fork and
shared by a thread group), read by the policies written after the seed.

CPU time is accounted lazily (see :class:`moomtui.kernel.sched.Scheduler`): a task that
sleeps costs nothing per jiffy and ``utime``/``stime`` are computed when read.

What is left out: process groups, sessions, ttys, file descriptors, ptrace, rlimits. The
state letter follows ``ps``: R (runnable), S (sleeping), D (uninterruptible: stuck in the
allocator or waiting for a swap-in), Z (zombie). A program says how much of the time it
wants the CPU (``busy``, percent), not when: a task is R during ``busy`` percent of the
jiffies of every second, at an offset its pid and the second choose. ps,
vmstat's ``r``, ``/proc/loadavg``'s running count and the load average all read that one
state, as 2.4's ``count_active_tasks`` and procps read ``p->state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .constants import HZ, PF_MEMDIE

if TYPE_CHECKING:
    from .program import Program
    from .sched import Scheduler

TASK_COMM_LEN = 16  # including the terminating NUL: 15 visible characters

_PHASE_PID, _PHASE_SECOND = 2654435761, 2246822519
"""Multipliers that scatter a task's running jiffies within each second (by pid and second),
so tasks neither all run at once nor beat with the load average's 5-second samples."""

Blocked = Literal["", "alloc", "swapin"]
"""What a task waits on: nothing, the allocator's retry loop (``yield(); goto rebalance``),
or its working set coming back from swap."""

SigtermAction = Literal["exit", "ignore", "linger"]
"""The action for SIGTERM: ``SIG_DFL`` (exit), ``SIG_IGN``, or a handler that lingers and
then exits."""


@dataclass(slots=True, eq=False)
class Mm:
    """``struct mm_struct``: one address space, shared by all threads that use it.

    ``total_vm`` is the virtual size in pages (what ``badness()`` uses); ``rss`` the
    resident anonymous pages; ``swap`` the pages that live in swap slots. ``ws`` is the hot
    working set the owner keeps touching: resident pages beyond it are cold and go to swap
    first, and a task whose hot pages were swapped out must read them back before it runs.
    """

    id: int
    total_vm: int = 0
    rss: int = 0
    swap: int = 0
    ws: int = 0
    users: int = 1
    oom_reaped: bool = False
    """``MMF_OOM_SKIP`` (4.6): the OOM reaper has freed its pages; killers pass it over."""
    tasks: list[Task] = field(default_factory=list, repr=False)
    """The live tasks using it (``users`` of them), oldest first: what a change of its size
    is told to (:mod:`.watch`), and the victim's threads without a walk of the task list."""

    @property
    def cold(self) -> int:
        return max(0, self.rss - self.ws)

    @property
    def missing_ws(self) -> int:
        """Hot pages that are in swap and must be read back before the owner runs."""
        return min(self.swap, max(0, self.ws - self.rss))


@dataclass(slots=True, eq=False)
class Task:
    pid: int
    comm: str
    mm: Mm | None
    uid: int = 0
    euid: int = 0
    cap_effective: int = 0
    nice: int = 0
    oom_score_adj: int = 0
    start_time: int = 0
    flags: int = 0
    p_opptr: Task | None = None
    p_pptr: Task | None = None
    counter: int = 0
    program: Program | None = None
    role: str = ""
    children: dict[int, Task] = field(default_factory=dict)
    # Zombie / exit bookkeeping.
    exit_code: int = 0
    exit_signal: int = 0
    dead: bool = False
    # Signals pending delivery (delivered when the task next returns to user mode).
    sigpending: set[int] = field(default_factory=set)
    # Set from the program at exec; a forced signal resets "ignore" to "exit".
    sigterm: SigtermAction = "exit"
    # A SIGTERM handler is running: the task exits when its linger time is up.
    lingering: bool = False
    blocked: Blocked = ""
    stall_pages: int = 0
    stall_since: int = 0
    # Timer bookkeeping: a wake-up in the kernel's timer heap is valid only while its
    # generation matches.
    timer_gen: int = 0
    wake_at: int | None = None
    # The program's wake-up came while the task was blocked: it runs once unblocked.
    wake_pending: bool = False
    # Lazy CPU accounting (see sched.Scheduler).
    base_utime: int = 0
    base_stime: int = 0
    cpu_fp: int = 0
    sched_weight: int = 0
    sched_v0: int = 0
    sched_t0: int = 0
    sched_busy: int = 0  # the ``busy`` the time since sched_t0 is capped by
    busy: int = 0
    sys_pct: int = 10
    sched: Scheduler | None = field(default=None, repr=False)
    thread_leader: Task | None = None
    # The command line ``/proc/PID/cmdline`` shows, when what started the task recorded one
    # (``spawn``, a daemon); otherwise it is the ``comm``.
    argv: list[str] | None = None
    # Place on the task list: the order of ``for_each_task`` (ties in badness go to the
    # lower), counted from each boot.
    seq: int = 0

    # --- times -------------------------------------------------------------------------
    def cpu_jiffies(self) -> int:
        """CPU jiffies used since the task started in this simulation (not the base)."""
        if self.sched is None:
            return self.cpu_fp >> 32
        return self.sched.cpu_fp(self) >> 32

    @property
    def utime(self) -> int:
        cpu = self.cpu_jiffies()
        return self.base_utime + cpu - cpu * self.sys_pct // 100

    @property
    def stime(self) -> int:
        return self.base_stime + self.cpu_jiffies() * self.sys_pct // 100

    # --- state -------------------------------------------------------------------------
    def wants_cpu(self, now: int) -> bool:
        """Whether the task is runnable (state R) at jiffy ``now`` (ticks since boot).

        ``busy`` percent of every second: a hog (100) always, an idle daemon (0) never, a
        leak at 5 % for 5 jiffies of each second, which 5 depending on the pid and the
        second (a fixed hash: the same run gives the same states).
        """
        busy = self.busy
        if busy <= 0 or self.dead or self.blocked:
            return False
        if busy >= 100:
            return True
        second, jiffy = divmod(now, HZ)
        phase = (((self.pid * _PHASE_PID) ^ (second * _PHASE_SECOND)) & 0xFFFFFFFF) >> 16
        return (jiffy + phase) % HZ * 100 < busy * HZ

    @property
    def state(self) -> str:
        """``ps``'s letter now: Z, D, R (wants the CPU now, :meth:`wants_cpu`) or S."""
        if self.dead:
            return "Z"
        if self.blocked:
            return "D"
        if self.busy <= 0 or self.sched is None:
            return "S"
        return "R" if self.wants_cpu(self.sched.clock()) else "S"

    @property
    def is_kernel_thread(self) -> bool:
        return self.mm is None and not self.dead

    @property
    def memdie(self) -> bool:
        return bool(self.flags & PF_MEMDIE)

    @property
    def ppid(self) -> int:
        return self.p_pptr.pid if self.p_pptr is not None else 0

    def __repr__(self) -> str:
        return f"<Task {self.pid} ({self.comm}) {self.state}>"


def truncate_comm(name: str) -> str:
    """``comm`` holds at most 15 characters (``char comm[16]``)."""
    return name[: TASK_COMM_LEN - 1]
