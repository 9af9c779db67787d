"""A report, read (:mod:`.report`), made into the machine it describes (:class:`Machine`).

``totalpages`` is computed as the kernel computed it for that OOM (``constrained_alloc()``):

* a global OOM: ``totalram_pages + total_swap_pages``, where ``totalram_pages`` is ``N pages
  RAM`` less ``N pages reserved`` (``show_mem()`` prints ``reserved`` as present less managed
  pages) and the swap is ``Total swap = NkB``;
* a memory cgroup OOM: the cgroup's limit plus the swap it may use, ``mem_cgroup_get_max()``:
  cgroup v1 ``min(memory+swap limit − memory limit, total swap)``, cgroup v2 ``min(swap.max,
  total swap)`` — added only when the cgroup's swappiness is not 0, which a report does not
  show (assumed not 0: the default is 60);
* a cpuset or mempolicy OOM counts the allowed nodes' pages, which a report does not show:
  the global figure is used, and said.

The era the report's own kernel follows comes from the version in the stack trace's header;
without one it is inferred from the table's layout and the decision's wording (and said). A
version before 2.6.36 whose table already has ``oom_score_adj`` is a distribution kernel with
the 2.6.36 rewrite backported, and is read as one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence

from .eras import era_for_version, parse_version
from .records import Decision, Machine, Memcg
from .report import Log, RawReport

PAGE_SIZES_KB = (4, 8, 16, 64)
UNLIMITED_KB = 1 << 50
"""A memory cgroup limit this large is ``max`` (``PAGE_COUNTER_MAX`` pages, in kB)."""

CONSTRAINTS = {
    "CONSTRAINT_NONE": "global",
    "CONSTRAINT_MEMCG": "memcg",
    "CONSTRAINT_CPUSET": "cpuset",
    "CONSTRAINT_MEMORY_POLICY": "mempolicy",
}

A_TIMES = (
    "CPU time, start time and nice are not in a report: every task is taken to have "
    "started at boot with no CPU time and nice 0 (2.4's divisors are then the same for all)"
)
A_PARENTS = "parents are not in a report: every task is taken to be a child of init"
A_CAPS = (
    "capabilities are not in a report: uid 0 is taken to hold every capability "
    "(CAP_SYS_ADMIN, CAP_SYS_RAWIO), other users none; the effective uid is the uid shown"
)
A_THREADS = "threads are not in a report: one task per process"


def rebuild_log(log: Log, source: str) -> list[Machine]:
    """Every report of ``log`` as a machine, numbered from 1 in ``source``."""
    return list(rebuild_each(log, source))


def rebuild_each(log: Log, source: str) -> Iterator[Machine]:
    """The machines of ``log`` one after the other, each made when it is asked for: a log
    of thousands of reports is judged and printed one machine at a time."""
    kills, reaped, where = log.first_kills, log.reaped, f" ({source}:"
    for n, raw in enumerate(log.reports, 1):
        yield rebuild(
            raw,
            f"report {n}{where}{raw.line})",
            raw.first_kills if raw.first_kills is not None else kills,
            raw.reaped if raw.reaped is not None else reaped,
        )


def rebuild_nth(log: Log, n: int, source: str) -> Machine:
    """Report ``n`` (from 1) of ``log`` as a machine."""
    raw = log.reports[n - 1]
    kills = raw.first_kills if raw.first_kills is not None else log.first_kills
    reaped = raw.reaped if raw.reaped is not None else log.reaped
    return rebuild(raw, f"report {n} ({source}:{raw.line})", kills, reaped)


def rebuild(
    raw: RawReport,
    source: str,
    first_kills: Mapping[int, int] | None = None,
    reaped: Mapping[int, int] | None = None,
) -> Machine:
    """The machine of one report; ``first_kills`` and ``reaped`` (the log's, shared by all
    its reports, not copied) tell which tasks the log shows killed, or emptied by the OOM
    reaper, before it.

    What the report's kernel, table and wording decide — the era, the layout in words, what
    the table lacks — is worked out once for every report that shares them
    (:func:`_shape`); the machine is then built in one call, field by field."""
    assumptions: list[str] = []
    notes: list[str] = []
    rows = raw.rows
    d = _decision(raw)
    page_size = _page_size(raw, d, assumptions)
    columns = raw.columns
    layout, era, era_source, note, table = _shape(
        raw.kernel,
        tuple(columns) if columns is not None else None,
        raw.tasks_state,
        d is not None and d.score is not None,
    )
    if note is not None:
        notes.append(note)
    for rec in rows:
        if rec.pgtables_bytes is not None:
            rec.pgtables = rec.pgtables_bytes // page_size
    # _memory(): totalpages as constrained_alloc() computed it.
    ram = raw.pages_ram
    totalram = None
    if ram is not None:
        if raw.pages_reserved is not None:
            totalram = ram - raw.pages_reserved
        else:
            totalram = ram
            assumptions.append("no 'pages reserved' line: all RAM taken as managed")
    kb = raw.swap_total_kb
    swap_total = None if kb is None else kb * 1024 // page_size
    kb = raw.swap_free_kb
    swap_free = None if kb is None else kb * 1024 // page_size
    constraint = constraint_of(raw)
    memcg = None
    totalpages = None
    if constraint == "memcg":
        memcg = _memcg(raw, page_size)
        totalpages = _memcg_totalpages(memcg, swap_total, assumptions, notes)
        if totalram is None:
            assumptions.append(
                "the machine's RAM is not in a memory cgroup report: /proc/PID/oom_score "
                "(what earlyoom reads) is taken over the cgroup's totalpages"
            )
    elif totalram is not None:
        totalpages = totalram + (swap_total or 0)
        if swap_total is None:
            assumptions.append("no 'Total swap' line: no swap assumed")
        if constraint in ("cpuset", "mempolicy"):
            notes.append(
                f"a {constraint} OOM counts only the allowed nodes' pages, which the "
                "report does not show: the whole machine's totalpages is used"
            )
    estimated = totalpages is None
    if estimated:
        own = 0
        for rec in rows:
            own += rec.rss + (rec.swap or 0) + (rec.pgtables or 0)
        totalpages = own or 1
        # (the estimate is on the report's totalpages line: the same assumption in every
        # report of a log reads as one, said once)
        assumptions.append(
            "totalpages is not in the report: estimated as the tasks' own pages (their rss, "
            "swap entries and page tables)"
        )
        notes.append("totalpages estimated: scores in 1000ths are approximate")
    assumptions.extend(table)
    uptime = raw.uptime
    if uptime is None:
        assumptions.append("no timestamps: the uptime is unknown, 2.4's run time is 0")
    return Machine(
        source,
        page_size,
        raw.kernel,
        era,
        era_source,
        ram,
        totalram,
        swap_total,
        swap_free,
        constraint,
        memcg,
        totalpages,
        uptime,
        list(rows),
        d,
        raw.invoker,
        dict(raw.meminfo),
        assumptions,
        notes,
        raw.line,
        layout,
        1,
        {} if first_kills is None else first_kills,
        dict(raw.zones_kb),
        {} if reaped is None else reaped,
        estimated,
        (),
    )


def _decision(raw: RawReport) -> Decision | None:
    d = raw.decision
    if d is None:
        return None
    if d.pid is None:
        pid = raw.summary.get("pid")
        if pid is not None and pid.isdigit():
            d.pid, d.comm = int(pid), raw.summary.get("task")
        else:
            d.pid, d.comm = d.killed_pid, d.killed_comm
    return d


def _page_size(raw: RawReport, d: Decision | None, assumptions: list[str]) -> int:
    """From the victim's ``total-vm:NkB`` against its ``total_vm`` pages, else from the
    buddy allocator's smallest block (``Node 0 DMA: 2*4kB …``), else 4 KiB (said)."""
    kb = raw.killed_total_vm_kb
    pid = d.killed_pid if d is not None else None
    if kb and pid is not None:
        for rec in raw.rows:
            if rec.pid == pid:
                pages = rec.total_vm
                if pages and kb % pages == 0 and kb // pages in PAGE_SIZES_KB:
                    return kb // pages * 1024
                break
    if raw.buddy_page_kb in PAGE_SIZES_KB:
        return raw.buddy_page_kb * 1024
    assumptions.append("the page size is not in the report: 4 KiB assumed")
    return 4096


@functools.lru_cache(maxsize=64)
def _shape(
    kernel: str | None, columns: tuple[str, ...] | None, tasks_state: bool, score_printed: bool
) -> tuple[str | None, str | None, str, str | None, tuple[str, ...]]:
    """What a report's kernel, table and wording decide, the same for every report that
    shares them (most of a log's): the table's layout in words, the era (:func:`era_of`),
    how it was found, a note to say, and the assumptions the table's columns call for
    followed by those every report makes."""
    layout = " ".join(columns) if columns is not None else None
    era, source, note = _era_by(kernel, columns, tasks_state, score_printed)
    cols = set(columns or ())
    said = layout or ""
    table: list[str] = []
    if "swapents" not in cols:
        table.append(f"this table ({said}) shows no swap entries: taken as 0")
    if not cols & {"nr_ptes", "pgtables_bytes"}:
        table.append(f"this table ({said}) shows no page tables: taken as 0")
    return layout, era, source, note, (*table, A_TIMES, A_PARENTS, A_CAPS, A_THREADS)


def era_of(raw: RawReport) -> tuple[str | None, str, str | None]:
    """The era a report's kernel follows, how it was found (``version``, ``layout`` or
    ``none``) and a note to say (a 2.6 kernel with the 2.6.36 rewrite backported)."""
    columns = raw.columns
    d = raw.decision
    return _era_by(
        raw.kernel,
        tuple(columns) if columns is not None else None,
        raw.tasks_state,
        d is not None and d.score is not None,
    )


def _era_by(
    kernel: str | None, columns: tuple[str, ...] | None, tasks_state: bool, score_printed: bool
) -> tuple[str | None, str, str | None]:
    """:func:`era_of` over what it reads of a report."""
    if kernel is not None:
        era = era_for_version(kernel)
        version = parse_version(kernel)
        backport = (
            era is None
            and version is not None
            and version[:2] == (2, 6)
            and columns is not None
            and "oom_score_adj" in columns
        )
        if backport:
            return (
                _infer(columns, tasks_state, score_printed),
                "layout",
                f"{kernel} prints the 2.6.36 rewrite's table: a distribution kernel "
                "with the rewrite backported, read by its layout",
            )
        return era, "version", None
    by_layout = _infer(columns, tasks_state, score_printed)  # only when no version decides
    return by_layout, "layout" if by_layout is not None else "none", None


def infer_era(raw: RawReport) -> str | None:
    """The era a report's layout and wording point to, when its version is not shown."""
    d = raw.decision
    return _infer(raw.columns, raw.tasks_state, d is not None and d.score is not None)


def _infer(columns: Sequence[str] | None, tasks_state: bool, kill_wording: bool) -> str | None:
    """:func:`infer_era` over what it reads of a report."""
    cols = set(columns or ())
    if "rss_anon" in cols:
        return "5.9"
    if "pgtables_bytes" in cols:
        if not tasks_state:
            return "3.14"  # 4.15–4.18
        return "4.17" if kill_wording else "5.9"
    if "nr_pmds" in cols:
        return "3.14"  # 4.0–4.14
    if "nr_ptes" in cols:
        return "3.6"  # 3.6–3.19
    if "oom_score_adj" in cols:
        return "2.6.37"  # 2.6.36–3.5
    return None


def constraint_of(raw: RawReport) -> str:
    """``global``, ``memcg``, ``cpuset`` or ``mempolicy``: ``oom-kill:constraint=``, else
    a memory cgroup's wording."""
    constraint = CONSTRAINTS.get(raw.summary.get("constraint", ""))
    if constraint is not None:
        return constraint
    return "memcg" if _memcg_words(raw) else "global"


def memcg_path(raw: RawReport) -> str | None:
    """The memory cgroup whose limit was hit, as the report names it."""
    return raw.summary.get("oom_memcg") or raw.memcg_path


def _memcg_words(raw: RawReport) -> bool:
    """A memory cgroup OOM before ``oom-kill:constraint=`` (5.0): its wording, or a
    cgroup's usage and limit where ``show_mem()`` would be."""
    if raw.memcg_task_in:
        return True
    for msg in raw.kill_messages:
        if "cgroup" in msg:
            return True
    return "memory" in raw.memcg_kb and raw.pages_ram is None


def _memcg(raw: RawReport, page_size: int) -> Memcg:
    cg = Memcg(path=memcg_path(raw))

    def limit(kb: int) -> int | None:
        return None if kb >= UNLIMITED_KB else kb * 1024 // page_size

    if "memory" in raw.memcg_kb:
        usage, lim = raw.memcg_kb["memory"]
        cg.usage, cg.limit = usage * 1024 // page_size, limit(lim)
    if "memory+swap" in raw.memcg_kb:
        cg.memsw_limit = limit(raw.memcg_kb["memory+swap"][1])
    if "swap" in raw.memcg_kb:
        cg.swap_limit = limit(raw.memcg_kb["swap"][1])
    files = raw.memcg_files
    for key in ("memory.max", "memory.limit_in_bytes"):
        if key in files and cg.limit is None and files[key] is not None:
            cg.limit = (files[key] or 0) // page_size
    for key in ("memory.swap.max", "swap.max"):
        if key in files and cg.swap_limit is None and files[key] is not None:
            cg.swap_limit = (files[key] or 0) // page_size
    size = files.get("memory.memsw.limit_in_bytes")
    if size is not None and cg.memsw_limit is None:
        cg.memsw_limit = size // page_size
    return cg


def _memcg_totalpages(
    cg: Memcg, swap: int | None, assumptions: list[str], notes: list[str]
) -> int | None:
    """``mem_cgroup_get_max()``: the limit, plus the swap the cgroup may use."""
    if cg.limit is None:
        notes.append("the memory cgroup's limit is not in the report")
        return None
    if cg.memsw_limit is not None:
        allowance: int | None = max(0, cg.memsw_limit - cg.limit)
    elif cg.swap_limit is not None:
        allowance = cg.swap_limit
    else:
        allowance = None  # unlimited
    if allowance == 0:
        return cg.limit
    if swap is None:
        assumptions.append(
            "the machine's swap is not in a memory cgroup report: taken as 0, so "
            "totalpages is the cgroup's limit alone"
        )
        return cg.limit
    assumptions.append(
        "the cgroup's swappiness is not in the report: taken as not 0 (the default is "
        "60), so the swap it may use is added to its limit"
    )
    return cg.limit + (swap if allowance is None else min(allowance, swap))
