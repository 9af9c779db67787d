"""Where the memory went: a report's memory as an SRE would draw it.

For a global OOM (and a cpuset or mempolicy one, which report the whole machine) the whole
is ``totalram_pages``, split by ``Mem-Info:``'s counters, which the kernel keeps so that
they do not overlap:

* **user memory**: the anonymous pages (``active_anon + inactive_anon + isolated_anon``)
  less ``shmem``, which lives on the same lists since 2.6.28 — under it the task table's
  processes grouped by name, the largest first, each group's ``rss`` (``rss_anon`` where the
  table splits it). A real ``rss`` counts a shared page once per process that maps it, and
  its file-backed pages are page cache too: the groups are shown for who held the memory,
  not summed into the whole;
* **page cache** (``active_file + inactive_file + isolated_file``), **shmem/tmpfs**,
  **unevictable** (mlocked), **slab** unreclaimable and reclaimable, **kernel stacks and
  page tables**, **huge pages** (the pool, ``hugepages_total × hugepages_size``), **free**;
* **not in any counter**: what is left of ``totalram_pages`` — the kernel's own allocations
  that no counter names (``vmalloc``, drivers, ``alloc_pages()`` by modules, per-CPU lists).

A memory cgroup OOM is drawn within its limit: the tasks' ``rss``, what is charged to the
cgroup besides (its page cache, shmem, kernel memory: ``usage`` less the tasks' ``rss``),
and what was left below the limit.

Every figure is in the machine's pages; a counter the report does not print is ``None`` and
said.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .records import Machine, TaskRecord

TOP_GROUPS = 5
"""The task groups shown by name; the rest are summed."""


class Group(NamedTuple):
    """The tasks of one name: how many and their resident pages."""

    comm: str
    tasks: int
    pages: int


class Part(NamedTuple):
    """One bar: ``key`` (for JSON), its words, its pages (``None``: not in the report)."""

    key: str
    label: str
    pages: int | None


@dataclass(slots=True)
class Breakdown:
    scope: str
    """``machine`` (the whole is ``totalram_pages``) or ``memcg`` (the cgroup's limit)."""
    total: int | None
    page_size: int
    parts: list[Part] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    """The largest groups of tasks by name (:data:`TOP_GROUPS`), then ``others``."""
    others: Group | None = None
    notes: list[str] = field(default_factory=list)


def task_pages(rec: TaskRecord) -> int:
    """A task's resident pages for the breakdown: anonymous where the table says."""
    return rec.rss_anon if rec.rss_anon is not None else rec.rss


def groups(tasks: list[TaskRecord], top: int = TOP_GROUPS) -> tuple[list[Group], Group | None]:
    """The tasks with memory grouped by name, largest first (then by name), the first ``top``
    and the rest as one."""
    pages: dict[str, int] = {}
    count: dict[str, int] = {}
    for rec in tasks:
        if not rec.killable_mm:
            continue
        pages[rec.comm] = pages.get(rec.comm, 0) + task_pages(rec)
        count[rec.comm] = count.get(rec.comm, 0) + 1
    ranked = sorted(pages, key=lambda name: (-pages[name], name))
    shown = [Group(name, count[name], pages[name]) for name in ranked[:top]]
    rest = ranked[top:]
    others = Group("", sum(count[n] for n in rest), sum(pages[n] for n in rest)) if rest else None
    return shown, others


def _sum(meminfo: dict[str, int], *keys: str) -> int | None:
    if not any(k in meminfo for k in keys):
        return None
    return sum(meminfo.get(k, 0) for k in keys)


NO_MEMINFO = "the report prints no Mem-Info counters: only the tasks are known"
OLD_LISTS = "this kernel's Mem-Info does not split anonymous memory from the page cache"
_UNKNOWN = tuple(
    Part(key, label, None)
    for key, label in (
        ("user", "user memory (anonymous)"),
        ("page_cache", "page cache"),
        ("shmem", "shmem/tmpfs"),
        ("unevictable", "unevictable (mlocked)"),
        ("slab_unreclaimable", "slab, unreclaimable"),
        ("slab_reclaimable", "slab, reclaimable"),
        ("kernel_stacks_page_tables", "kernel stacks, page tables"),
        ("huge_pages", "huge pages"),
        ("free", "free"),
    )
)


def breakdown(m: Machine) -> Breakdown:
    """Where ``m``'s memory was at the OOM (see the module's docstring)."""
    shown, others = groups(m.tasks)
    if m.constraint == "memcg" and m.memcg is not None:
        return _memcg(m, shown, others)
    b = Breakdown("machine", m.totalram, m.page_size, groups=shown, others=others)
    mi = m.meminfo
    if not mi and not m.zones_kb:  # the usual in a log of small reports: drawn at once
        b.parts = list(_UNKNOWN)
        b.notes.append(NO_MEMINFO)
        return b
    kb_page = m.page_size // 1024

    def zone(key: str) -> int | None:
        return m.zones_kb[key] // kb_page if key in m.zones_kb else None

    anon = _sum(mi, "active_anon", "inactive_anon", "isolated_anon")
    shmem = mi.get("shmem")
    stacks = zone("kernel_stack")
    tables = mi.get("pagetables")
    kernel = None if stacks is None and tables is None else (stacks or 0) + (tables or 0)
    parts = [
        Part("user", "user memory (anonymous)", None if anon is None else anon - (shmem or 0)),
        Part("page_cache", "page cache", _sum(mi, "active_file", "inactive_file", "isolated_file")),
        Part("shmem", "shmem/tmpfs", shmem),
        Part("unevictable", "unevictable (mlocked)", mi.get("unevictable")),
        Part("slab_unreclaimable", "slab, unreclaimable", mi.get("slab_unreclaimable")),
        Part("slab_reclaimable", "slab, reclaimable", mi.get("slab_reclaimable")),
        Part("kernel_stacks_page_tables", "kernel stacks, page tables", kernel),
        Part("huge_pages", "huge pages", zone("hugepages")),
        Part("free", "free", mi.get("free")),
    ]
    if anon is None and "inactive" in mi:
        # 2.6.27 and before: "Active:… inactive:… … free:… slab:… mapped:… pagetables:…".
        parts.insert(
            1, Part("lru", "anonymous and page cache", _sum(mi, "Active", "active", "inactive"))
        )
        if "slab" in mi:
            parts.insert(5, Part("slab", "slab", mi["slab"]))
        b.notes.append(OLD_LISTS)
    elif anon is None:
        b.notes.append(NO_MEMINFO)
    elif stacks is None:
        b.notes.append("the report does not print kernel stacks: they are in the rest")
    known = [p.pages for p in parts if p.pages is not None]
    if m.totalram is not None and known:
        rest = m.totalram - sum(known)
        parts.append(Part("unaccounted", "in no counter (kernel, drivers)", rest))
        if rest < 0:
            b.notes.append("the counters add up to more than the RAM: read while they moved")
    b.parts = parts
    return b


def _memcg(m: Machine, shown: list[Group], others: Group | None) -> Breakdown:
    cg = m.memcg
    assert cg is not None
    b = Breakdown("memcg", cg.limit, m.page_size, groups=shown, others=others)
    rss = sum(task_pages(t) for t in m.tasks if t.killable_mm)
    charged = None if cg.usage is None else max(0, cg.usage - rss)
    left = None if cg.usage is None or cg.limit is None else max(0, cg.limit - cg.usage)
    b.parts = [
        Part("user", "the tasks' resident memory", rss),
        Part("charged_other", "charged besides (cache, kernel)", charged),
        Part("free", "left below the limit", left),
    ]
    if cg.usage is None:
        b.notes.append("the cgroup's usage is not in the report")
    return b


# --------------------------------------------------------------------------- output
def breakdown_json(b: Breakdown) -> dict[str, Any]:
    return {
        "scope": b.scope,
        "total": b.total,
        "parts": [{"key": p.key, "label": p.label, "pages": p.pages} for p in b.parts],
        "tasks": [{"comm": g.comm, "count": g.tasks, "pages": g.pages} for g in b.groups],
        "other_tasks": (
            {"count": b.others.tasks, "pages": b.others.pages} if b.others is not None else None
        ),
        "notes": b.notes,
    }


_HIDDEN_WHEN_ZERO = frozenset({"unevictable", "huge_pages", "shmem"})
BAR = 40
"""A bar's width for the whole, in characters."""
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(pages: int, total: int, width: int = BAR) -> str:
    """``pages`` of ``total`` as a bar of ``width`` characters, in eighths."""
    if total <= 0 or pages <= 0:
        return ""
    eighths = min(width * 8, pages * width * 8 // total)
    full, part = divmod(eighths, 8)
    return ("█" * full + _EIGHTHS[part]).rstrip() or "▏"


def size(pages: int | None, page_size: int) -> str:
    """Pages as ``1.5G``, ``12.0M``, ``640K``; ``?`` when unknown."""
    if pages is None:
        return "?"
    kb = pages * page_size // 1024
    sign = "-" if kb < 0 else ""
    kb = abs(kb)
    for unit, scale in (("G", 1 << 20), ("M", 1 << 10)):
        if kb >= scale:
            return f"{sign}{kb / scale:.1f}{unit}"
    return f"{sign}{kb}K"


def breakdown_lines(b: Breakdown, name: Callable[[str], str]) -> list[str]:
    """The chart, indented by two; ``name`` makes a process name safe to print. A log's
    reports often draw the same chart: the last 64 are kept drawn."""
    key = (b.scope, b.total, b.page_size, tuple(b.parts), tuple(b.groups), b.others)
    return [*_chart(key, name), *(f"    ({note})" for note in b.notes)]


@functools.lru_cache(maxsize=64)
def _chart(
    key: tuple[str, int | None, int, tuple[Part, ...], tuple[Group, ...], Group | None],
    name: Callable[[str], str],
) -> tuple[str, ...]:
    scope, total, ps, parts, groups, others = key
    if scope == "memcg":
        head = f"where the memory went: the cgroup's limit {size(total, ps)}"
    else:
        head = f"where the memory went: {size(total, ps)} of RAM (totalram_pages)"
    out = [f"  {head}"]

    def row(label: str, pages: int | None, indent: str = "") -> str:
        text = f"    {indent}{label}"
        cells = f"{text[:36]:<36} {size(pages, ps):>7}"
        if pages is None or not total:
            return cells.rstrip()
        pct = f"{pages * 100 // total:>3}%"
        return f"{cells} {pct}  {bar(pages, total)}".rstrip()

    missing = [p.label for p in parts if p.pages is None and p.key != "user"]
    for p in parts:
        if p.key == "user":
            if p.pages is None:
                held = sum(g.pages for g in groups) + (others.pages if others else 0)
                out.append(row("the tasks' resident memory", held))
            else:
                out.append(row(p.label, p.pages))
            for g in groups:
                many = f" ×{g.tasks}" if g.tasks > 1 else ""
                out.append(row(f"{name(g.comm)}{many}", g.pages, "  "))
            if others is not None:
                out.append(row(f"{others.tasks} other tasks", others.pages, "  "))
            continue
        if p.pages is None or (p.pages == 0 and p.key in _HIDDEN_WHEN_ZERO):
            continue
        out.append(row(p.label, p.pages))
    if missing and len(missing) < len(parts) - 1:
        out.append(f"    (not in the report: {', '.join(missing)})")
    return tuple(out)
