"""What a real machine looked like at one moment: its memory and every task's numbers.

A :class:`Machine` is built either from a kernel's OOM report (:mod:`.rebuild`) or from
``/proc`` (:mod:`.live`). Sizes are in the machine's own pages (``page_size`` bytes each),
as the kernel counts them; times are jiffies at HZ=100, the simulator's clock.

A field the source does not show is ``None`` in the record; the era rules
(:mod:`.eras`) read it through the defaults documented in docs/postmortem.md, and the
machine's ``assumptions`` say, in words, which defaults were used — nothing is invented
silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OOM_SCORE_ADJ_MIN = -1000
OOM_SCORE_ADJ_MAX = 1000
CAP_SYS_RAWIO = 17
CAP_SYS_ADMIN = 21
"""Capability numbers, the same from 2.2 to today (``include/uapi/linux/capability.h``)."""
CAP_FULL_2_4 = (1 << 29) - 1
"""The 29 capabilities of 2.4 (CAP_CHOWN … CAP_LEASE): what 2.4 gives a root process."""


@dataclass(slots=True)
class TaskRecord:
    """One process as the kernel saw it: ``dump_tasks()``'s row, or ``/proc/PID``.

    ``rss`` is ``get_mm_rss()`` (anonymous + file + shmem pages); ``swap`` is
    ``MM_SWAPENTS``; ``pgtables`` the page-table pages (``nr_ptes`` [+ ``nr_pmds``], or
    ``pgtables_bytes / PAGE_SIZE``). ``None`` means the source does not show it.
    """

    pid: int
    comm: str
    uid: int = 0
    tgid: int | None = None
    total_vm: int = 0
    rss: int = 0
    rss_anon: int | None = None
    rss_file: int | None = None
    rss_shmem: int | None = None
    swap: int | None = None
    pgtables: int | None = None
    pgtables_bytes: int | None = None
    """As printed from 4.15 (``mm_pgtables_bytes()``); ``pgtables`` is it in pages."""
    oom_score_adj: int = 0
    oom_adj: int | None = None
    euid: int | None = None
    caps: int | None = None
    nice: int | None = None
    utime: int | None = None
    stime: int | None = None
    start_time: int | None = None
    ppid: int | None = None
    threads: int | None = None
    kthread: bool = False
    has_mm: bool = True
    line: int | None = None

    @property
    def killable_mm(self) -> bool:
        """A process with an address space of its own (not a kernel thread, not a zombie)."""
        return self.has_mm and not self.kthread


@dataclass(slots=True)
class Memcg:
    """The memory cgroup an OOM happened in: its limits in pages (``None``: not shown)."""

    path: str | None = None
    usage: int | None = None
    limit: int | None = None
    memsw_limit: int | None = None
    """cgroup v1 ``memory.memsw.limit_in_bytes`` (the ``memory+swap:`` line)."""
    swap_limit: int | None = None
    """cgroup v2 ``memory.swap.max`` (the ``swap:`` line)."""


@dataclass(slots=True)
class Decision:
    """What the kernel did: the task it chose and the one it killed (a child may be
    sacrificed for the chosen parent), the score it printed, or a panic."""

    pid: int | None = None
    comm: str | None = None
    score: int | None = None
    killed_pid: int | None = None
    killed_comm: str | None = None
    message: str = ""
    panic: str | None = None
    line: int | None = None
    oom_score_adj: int | None = None
    """The victim's ``oom_score_adj:N`` as the ``Killed process`` line prints it (5.x)."""


@dataclass(slots=True)
class Invoker:
    """The task whose allocation failed: ``COMM invoked oom-killer: gfp_mask=…``."""

    comm: str
    pid: int | None = None
    gfp_mask: str | None = None
    order: int | None = None
    oom_score_adj: int | None = None


@dataclass(slots=True)
class Machine:
    """A real machine at one moment, rebuilt from a report or read from ``/proc``."""

    source: str
    page_size: int = 4096
    kernel: str | None = None
    era: str | None = None
    """The key of the :mod:`.eras` rule its own kernel follows (``None``: not modelled)."""
    era_source: str = "none"
    """How ``era`` was found: ``version``, ``layout`` (the report's wording) or ``none``."""
    ram_pages: int | None = None
    """``pages RAM``: every page the machine has."""
    totalram: int | None = None
    """``totalram_pages``: RAM less what the kernel reserved (``MemTotal``)."""
    swap_total: int | None = None
    swap_free: int | None = None
    constraint: str = "global"
    """``global``, ``memcg``, ``cpuset`` or ``mempolicy`` (``oom-kill:constraint=``)."""
    memcg: Memcg | None = None
    totalpages: int | None = None
    """What this OOM's badness is a share of, as the kernel computed it."""
    uptime: float | None = None
    """Seconds since boot (a dmesg timestamp, or ``/proc/uptime``)."""
    tasks: list[TaskRecord] = field(default_factory=list)
    decision: Decision | None = None
    invoker: Invoker | None = None
    meminfo: dict[str, int] = field(default_factory=dict)
    """``Mem-Info:`` counters (pages) or ``/proc/meminfo`` (kB), as the source gives them."""
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    line: int | None = None
    layout: str | None = None
    """The task table's columns after ``[ pid ]``, as the report printed them."""
    init_pid: int | None = 1
    """The global init's pid as the source numbers tasks; ``None`` when it is not visible
    (``/proc`` of a PID namespace, where pid 1 is not the kernel's ``is_global_init()``)."""
    first_kills: Mapping[int, int] = field(default_factory=dict)
    """Each pid the machine's log shows killed → the line of its first kill: one mapping for
    the whole log, shared by its reports (a copy per report grew with the square of the
    log)."""
    zones_kb: dict[str, int] = field(default_factory=dict)
    """``show_free_areas()``'s zone and node lines summed, in kB: ``free``, ``min``, ``low``,
    ``high`` (the watermarks), ``kernel_stack``, ``hugepages``, ``hugepages_free``."""
    reaped: Mapping[int, int] = field(default_factory=dict)
    """Each pid the log shows emptied by the OOM reaper (``oom_reaper: reaped process N``)
    → the line of the first: shared by the log's reports, as ``first_kills`` is."""
    totalpages_estimated: bool = False
    """Whether ``totalpages`` is an estimate (the report shows neither the machine's RAM
    nor the memory cgroup's limit)."""
    era_evidence: tuple[str, ...] = ()
    """What placed ``era``: the version, the table's layout, the decision's wording, the
    score the kernel printed — in words, for the verdict to show."""

    @property
    def global_totalpages(self) -> int | None:
        """``totalram_pages + total_swap_pages``: what ``/proc/PID/oom_score`` divides by."""
        if self.totalram is None:
            return None
        return self.totalram + (self.swap_total or 0)

    def killed_earlier(self, pid: int) -> bool:
        """Whether the log shows ``pid`` killed before this machine's report."""
        line = self.first_kills.get(pid)
        return line is not None and self.line is not None and line < self.line

    def task(self, pid: int | None) -> TaskRecord | None:
        if pid is None:
            return None
        for rec in self.tasks:
            if rec.pid == pid:
                return rec
        return None
