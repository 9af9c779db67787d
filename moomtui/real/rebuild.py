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

from collections.abc import Iterator, Mapping

from .eras import era_for_version, parse_version
from .records import Decision, Machine, Memcg, TaskRecord
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
    for i in range(1, len(log.reports) + 1):
        yield rebuild_nth(log, i, source)


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
    reaper, before it."""
    m = Machine(source=source, line=raw.line, kernel=raw.kernel, layout=raw.layout)
    if first_kills is not None:
        m.first_kills = first_kills
    if reaped is not None:
        m.reaped = reaped
    m.uptime = raw.uptime
    m.invoker = raw.invoker
    m.meminfo = dict(raw.meminfo)
    m.zones_kb = dict(raw.zones_kb)
    m.decision = _decision(raw)
    m.page_size = _page_size(raw, m)
    _era(raw, m)
    for rec in raw.rows:
        if rec.pgtables_bytes is not None:
            rec.pgtables = rec.pgtables_bytes // m.page_size
    m.tasks = list(raw.rows)
    _memory(raw, m)
    _assumptions(raw, m)
    return m


def _decision(raw: RawReport) -> Decision | None:
    d = raw.decision
    if d is None:
        return None
    summary = raw.summary
    if d.pid is None and "pid" in summary and summary["pid"].isdigit():
        d.pid, d.comm = int(summary["pid"]), summary.get("task")
    if d.pid is None:
        d.pid, d.comm = d.killed_pid, d.killed_comm
    return d


def _page_size(raw: RawReport, m: Machine) -> int:
    """From the victim's ``total-vm:NkB`` against its ``total_vm`` pages, else from the
    buddy allocator's smallest block (``Node 0 DMA: 2*4kB …``), else 4 KiB (said)."""
    d = m.decision
    victim = _row(raw.rows, d.killed_pid if d is not None else None)
    kb = raw.killed_total_vm_kb
    if victim is not None and kb and victim.total_vm and kb % victim.total_vm == 0:
        ratio = kb // victim.total_vm
        if ratio in PAGE_SIZES_KB:
            return ratio * 1024
    if raw.buddy_page_kb in PAGE_SIZES_KB:
        return raw.buddy_page_kb * 1024
    m.assumptions.append("the page size is not in the report: 4 KiB assumed")
    return 4096


def _row(rows: list[TaskRecord], pid: int | None) -> TaskRecord | None:
    return next((r for r in rows if r.pid == pid), None) if pid is not None else None


def _era(raw: RawReport, m: Machine) -> None:
    m.era, m.era_source, note = era_of(raw)
    if note is not None:
        m.notes.append(note)


def era_of(raw: RawReport) -> tuple[str | None, str, str | None]:
    """The era a report's kernel follows, how it was found (``version``, ``layout`` or
    ``none``) and a note to say (a 2.6 kernel with the 2.6.36 rewrite backported)."""
    if raw.kernel is not None:
        era = era_for_version(raw.kernel)
        version = parse_version(raw.kernel)
        backport = (
            era is None
            and version is not None
            and version[:2] == (2, 6)
            and raw.columns is not None
            and "oom_score_adj" in raw.columns
        )
        if backport:
            return (
                infer_era(raw),
                "layout",
                f"{raw.kernel} prints the 2.6.36 rewrite's table: a distribution kernel "
                "with the rewrite backported, read by its layout",
            )
        return era, "version", None
    by_layout = infer_era(raw)  # read only when the version does not decide
    return by_layout, "layout" if by_layout is not None else "none", None


def infer_era(raw: RawReport) -> str | None:
    """The era a report's layout and wording point to, when its version is not shown."""
    cols = set(raw.columns or ())
    kill_wording = raw.decision is not None and raw.decision.score is not None
    if "rss_anon" in cols:
        return "5.9"
    if "pgtables_bytes" in cols:
        if not raw.tasks_state:
            return "3.14"  # 4.15–4.18
        return "4.17" if kill_wording else "5.9"
    if "nr_pmds" in cols:
        return "3.14"  # 4.0–4.14
    if "nr_ptes" in cols:
        return "3.6"  # 3.6–3.19
    if "oom_score_adj" in cols:
        return "2.6.37"  # 2.6.36–3.5
    return None


def _kb_to_pages(kb: int | None, page_size: int) -> int | None:
    if kb is None:
        return None
    return kb * 1024 // page_size


def _memory(raw: RawReport, m: Machine) -> None:
    ps = m.page_size
    m.ram_pages = raw.pages_ram
    if raw.pages_ram is not None:
        if raw.pages_reserved is not None:
            m.totalram = raw.pages_ram - raw.pages_reserved
        else:
            m.totalram = raw.pages_ram
            m.assumptions.append("no 'pages reserved' line: all RAM taken as managed")
    m.swap_total = _kb_to_pages(raw.swap_total_kb, ps)
    m.swap_free = _kb_to_pages(raw.swap_free_kb, ps)
    m.constraint = constraint_of(raw)
    if m.constraint == "memcg":
        m.memcg = _memcg(raw, ps)
        m.totalpages = _memcg_totalpages(m)
        if m.totalram is None:
            m.assumptions.append(
                "the machine's RAM is not in a memory cgroup report: /proc/PID/oom_score "
                "(what earlyoom reads) is taken over the cgroup's totalpages"
            )
    elif m.totalram is not None:
        m.totalpages = m.totalram + (m.swap_total or 0)
        if m.swap_total is None:
            m.assumptions.append("no 'Total swap' line: no swap assumed")
        if m.constraint in ("cpuset", "mempolicy"):
            m.notes.append(
                f"a {m.constraint} OOM counts only the allowed nodes' pages, which the "
                "report does not show: the whole machine's totalpages is used"
            )
    if m.totalpages is None:
        estimate = sum(r.rss + (r.swap or 0) + (r.pgtables or 0) for r in m.tasks) or 1
        m.totalpages = estimate
        m.totalpages_estimated = True
        m.assumptions.append(
            f"totalpages is not in the report: estimated as the tasks' own pages ({estimate})"
        )
        m.notes.append("totalpages estimated: scores in 1000ths are approximate")


def constraint_of(raw: RawReport) -> str:
    """``global``, ``memcg``, ``cpuset`` or ``mempolicy``: ``oom-kill:constraint=``, else
    a memory cgroup's wording."""
    constraint = raw.summary.get("constraint")
    if constraint in CONSTRAINTS:
        return CONSTRAINTS[constraint]
    return "memcg" if _memcg_words(raw) else "global"


def memcg_path(raw: RawReport) -> str | None:
    """The memory cgroup whose limit was hit, as the report names it."""
    return raw.summary.get("oom_memcg") or raw.memcg_path


def _memcg_words(raw: RawReport) -> bool:
    """A memory cgroup OOM before ``oom-kill:constraint=`` (5.0): its wording, or a
    cgroup's usage and limit where ``show_mem()`` would be."""
    if raw.memcg_task_in or any("cgroup" in msg for msg in raw.kill_messages):
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


def _memcg_totalpages(m: Machine) -> int | None:
    """``mem_cgroup_get_max()``: the limit, plus the swap the cgroup may use."""
    cg = m.memcg
    assert cg is not None
    if cg.limit is None:
        m.notes.append("the memory cgroup's limit is not in the report")
        return None
    if cg.memsw_limit is not None:
        allowance: int | None = max(0, cg.memsw_limit - cg.limit)
    elif cg.swap_limit is not None:
        allowance = cg.swap_limit
    else:
        allowance = None  # unlimited
    if allowance == 0:
        return cg.limit
    swap = m.swap_total
    if swap is None:
        m.assumptions.append(
            "the machine's swap is not in a memory cgroup report: taken as 0, so "
            "totalpages is the cgroup's limit alone"
        )
        return cg.limit
    m.assumptions.append(
        "the cgroup's swappiness is not in the report: taken as not 0 (the default is "
        "60), so the swap it may use is added to its limit"
    )
    return cg.limit + (swap if allowance is None else min(allowance, swap))


def _assumptions(raw: RawReport, m: Machine) -> None:
    cols = set(raw.columns or ())
    layout = m.layout or ""  # raw.layout, joined once for the machine
    if "swapents" not in cols:
        m.assumptions.append(f"this table ({layout}) shows no swap entries: taken as 0")
    if not cols & {"nr_ptes", "pgtables_bytes"}:
        m.assumptions.append(f"this table ({layout}) shows no page tables: taken as 0")
    m.assumptions.extend((A_TIMES, A_PARENTS, A_CAPS, A_THREADS))
    if m.uptime is None:
        m.assumptions.append("no timestamps: the uptime is unknown, 2.4's run time is 0")
