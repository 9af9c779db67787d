"""What would have saved it: estimates from a report's own numbers, each with its assumptions.

* **Protecting a process** (``--protect NAME``, every task of that name): for each era from
  2.6.36, the highest ``oom_score_adj`` that would have made the era's walk pass it over, and
  whom it would have chosen instead — found by choosing again with the adjustment changed,
  every other number as the report printed it (a task's points only grow with its
  ``oom_score_adj``, so the answer is found by halving). 2.4 has no ``oom_score_adj``:
  ``badness()`` divides by 4 for root (``p->uid == 0 || p->euid == 0`` or CAP_SYS_ADMIN)
  and by 4 again for CAP_SYS_RAWIO, so the answer is whether running it as root, or as root
  with CAP_SYS_RAWIO, would have spared it, and else below which ``total_vm`` it would have
  been spared. earlyoom reads ``/proc/PID/oom_score``, which ``oom_score_adj`` moves too (and
  its ``--avoid`` takes a name).
* **More memory**: the allocation needed ``2^order`` pages above the zones' ``min``
  watermarks; the report shows how short of that the free pages were — at least that much
  more RAM, swap or cgroup limit was needed *at that moment*. What the kill gave back (the
  victim's resident pages, swap and page tables) was enough to go on, if the demand stopped
  there. A leak outgrows any figure.
* **Acting first**: earlyoom's defaults (``-m 10 -s 10``: available memory and free swap
  both at or below 10 %), with ``MemAvailable`` estimated as ``si_mem_available()`` computes
  it; a cgroup v2 ``memory.high``, which throttles and reclaims a cgroup above it and never
  kills.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .breakdown import size
from .eras import ERAS, Era, earlyoom_select, select_bad_process
from .records import CAP_FULL_2_4, CAP_SYS_RAWIO, OOM_SCORE_ADJ_MIN, Machine, TaskRecord
from .verdict import EARLYOOM_FALLBACK, Judgement, contexts

EARLYOOM_PERCENT = 10
"""earlyoom's default ``-m 10 -s 10``: SIGTERM when both are at or below 10 %."""
MEMORY_HIGH_SHARE = 90
"""The ``memory.high`` suggested, in percent of the cgroup's limit."""

ASSUMED = (
    "the other tasks' numbers stay as the table printed them when one task's "
    "oom_score_adj, credentials or size changes",
    "the demand stopped at this OOM: a workload that keeps growing needs more than any "
    "figure here, and meets the OOM killer later",
    "the zones' min watermarks are summed for the allocation's zones (most allocations may "
    "use every zone)",
)

Who = tuple[int, str] | None


@dataclass(slots=True)
class Spare:
    """One rule's answer for the protected tasks."""

    key: str
    label: str
    now: Who
    """Whom the rule chooses on the report's numbers."""
    chosen: bool
    """Whether that is one of the protected tasks."""
    adj: int | None = None
    """The highest ``oom_score_adj`` that spares them (``None``: spared already, or 2.4)."""
    instead: Who = None
    """Whom the rule chooses then."""
    words: str = ""
    """2.4's answer in words (credentials, ``total_vm``)."""


@dataclass(slots=True)
class Advice:
    protect: str | None
    protected: list[int] = field(default_factory=list)
    spares: list[Spare] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)
    """``(key, text)``: ``ram``, ``swap``, ``limit``, ``earlyoom``, ``memory_high``."""
    figures: dict[str, int | None] = field(default_factory=dict)
    """The numbers the lines use, in pages."""
    assumptions: list[str] = field(default_factory=lambda: list(ASSUMED))


def _set(**fields: Any) -> Callable[[TaskRecord], TaskRecord]:
    """A task with ``fields`` changed."""
    return lambda t: replace(t, **fields)


def _who(rec: TaskRecord | None) -> Who:
    return (rec.pid, rec.comm) if rec is not None else None


def matches(rec: TaskRecord, name: str) -> bool:
    """Whether ``--protect NAME`` names ``rec``: its name, or its pid."""
    return rec.comm == name or (name.isdigit() and rec.pid == int(name))


# --------------------------------------------------------------------------- protect
def _chooser(
    m: Machine, era: Era | None, protected: set[int]
) -> Callable[[Callable[[TaskRecord], TaskRecord]], TaskRecord | None]:
    """A function: the task ``era`` (``None``: earlyoom) chooses once every protected task
    is changed by the given function."""
    oom, glob = contexts(m)
    own = ERAS.get(m.era or "") or ERAS[EARLYOOM_FALLBACK]

    def chosen(change: Callable[[TaskRecord], TaskRecord]) -> TaskRecord | None:
        tasks = [change(t) if t.pid in protected else t for t in m.tasks]
        if era is None:
            return earlyoom_select(tasks, own, glob).task
        return select_bad_process(tasks, era, oom).task

    return chosen


def _highest_sparing(
    choose: Callable[[Callable[[TaskRecord], TaskRecord]], TaskRecord | None],
    protected: set[int],
    field: str,
    lo: int,
    hi: int,
) -> int:
    """The highest value of the protected tasks' ``field`` from ``lo`` (which spares them)
    below ``hi`` (which does not) that spares them, by bisection."""
    while hi - lo > 1:
        mid = (hi + lo) // 2
        got = choose(_set(**{field: mid}))
        if got is not None and got.pid in protected:
            hi = mid
        else:
            lo = mid
    return lo


def _spare_adj(m: Machine, era: Era | None, key: str, label: str, protected: set[int]) -> Spare:
    choose = _chooser(m, era, protected)
    now = choose(lambda t: t)
    s = Spare(key, label, _who(now), now is not None and now.pid in protected)
    if not s.chosen:
        return s
    hi = max(t.oom_score_adj for t in m.tasks if t.pid in protected)
    # never chosen at OOM_SCORE_ADJ_MIN: oom_score_adj −1000 disables the kill
    lo = _highest_sparing(choose, protected, "oom_score_adj", OOM_SCORE_ADJ_MIN, hi)
    s.adj = lo
    s.instead = _who(choose(_set(oom_score_adj=lo)))
    return s


def _spare_2_4(m: Machine, protected: set[int]) -> Spare:
    era = ERAS["2.4"]
    choose = _chooser(m, era, protected)
    now = choose(lambda t: t)
    s = Spare(era.key, era.label, _who(now), now is not None and now.pid in protected)
    if not s.chosen:
        return s
    words = []
    for what, caps in (
        ("as root (/4)", CAP_FULL_2_4 & ~(1 << CAP_SYS_RAWIO)),
        ("as root with CAP_SYS_RAWIO (/16)", CAP_FULL_2_4),
    ):
        got = choose(_set(uid=0, euid=None, caps=caps))
        if got is not None and got.pid in protected:
            words.append(f"{what} still chosen")
        else:
            words.append(f"{what} spared, then {_name(_who(got))} dies")
            break
    else:
        hi = max(t.total_vm for t in m.tasks if t.pid in protected)
        lo = _highest_sparing(choose, protected, "total_vm", 0, hi)
        got = choose(_set(total_vm=lo))
        words.append(f"spared with total_vm at most {lo} pages, then {_name(_who(got))} dies")
    s.words = "no oom_score_adj in 2.4: " + "; ".join(words)
    return s


def _name(who: Who) -> str:
    return f"{who[0]} ({who[1]})" if who is not None else "nobody"


# --------------------------------------------------------------------------- memory
def _memory(m: Machine, a: Advice) -> None:
    kb_page = m.page_size // 1024
    order = m.invoker.order if m.invoker is not None and m.invoker.order is not None else 0
    need = 1 << max(0, min(order, 30))
    free = m.meminfo.get("free")
    wmin = m.zones_kb["min"] // kb_page if "min" in m.zones_kb else None
    d = m.decision
    victim = m.task(d.killed_pid if d is not None and d.killed_pid is not None else None)
    victim = victim or m.task(d.pid if d is not None else None)
    freed = (victim.rss + (victim.swap or 0) + (victim.pgtables or 0)) if victim else None
    short = need
    how = f"an order-{order} allocation: {need} page(s)"
    if m.constraint == "memcg" and m.memcg is not None:
        cg = m.memcg
        if cg.usage is not None and cg.limit is not None:
            short = max(need, cg.usage + need - cg.limit)
            how += f" over a usage of {cg.usage} pages against a limit of {cg.limit}"
    elif free is not None and wmin is not None:
        short = max(need, wmin + need - free)
        if wmin + need > free:
            how += f" above the zones' min watermarks, {wmin} pages, with {free} free"
        else:
            how += (
                f"; {free} pages were free, above the min watermarks the report prints "
                f"({wmin}): the zones the allocation could use were the short ones"
            )
    elif m.constraint != "memcg":
        how += "; the report prints no zone watermarks to tell how short it was"
    a.figures.update(order=order, short=short, freed=freed, free=free, min_watermark=wmin)
    ps = m.page_size
    what = "cgroup limit" if m.constraint == "memcg" else "RAM"
    text = f"more {what}: at least {size(short, ps)} at that moment ({how})"
    if freed is not None:
        text += (
            f"; killing {_name(_who(victim))} gave back {size(freed, ps)}, which was enough "
            "if the demand stopped there"
        )
    a.lines.append(("ram" if what == "RAM" else "limit", text))
    _swap(m, a, short, freed)


def _swap(m: Machine, a: Advice, short: int, freed: int | None) -> None:
    if m.constraint == "memcg":
        cg = m.memcg
        if cg is not None and (cg.swap_limit == 0 or cg.memsw_limit == cg.limit):
            a.lines.append(
                (
                    "swap",
                    "swap: the cgroup may not swap (its swap limit is 0): allowing it "
                    f"{size(freed or short, m.page_size)} of swap (memory.swap.max) would have "
                    "held as much as the kill gave back, at the price of paging",
                )
            )
        return
    total, swap_free = m.swap_total, m.swap_free
    ps = m.page_size
    if total is None:
        return
    if total == 0:
        held = size(freed or short, ps)
        text = f"swap: none; {held} of swap would have held as much as the kill gave back"
    elif swap_free is not None and swap_free > short:
        text = (
            f"swap: {size(swap_free, ps)} still free — more would not have helped (the allocation "
            "could not wait for swap-out, or its pages could not be swapped)"
        )
    else:
        held = size(freed or short, ps)
        text = f"swap: full; {held} more would have held as much as the kill gave back"
    a.lines.append(("swap", text + ", at the price of paging"))


def _available(m: Machine) -> int | None:
    """``si_mem_available()`` over the report's counters: free less the low watermarks, plus
    the page cache and reclaimable slab less half of each (at most the low watermarks)."""
    mi = m.meminfo
    if "free" not in mi:
        return None
    low = m.zones_kb.get("low", 0) // (m.page_size // 1024)
    cache = mi.get("active_file", 0) + mi.get("inactive_file", 0)
    slab = mi.get("slab_reclaimable", 0)
    avail = mi["free"] - low
    avail += cache - min(cache // 2, low)
    avail += slab - min(slab // 2, low)
    return max(0, avail)


def _acting_first(m: Machine, a: Advice, j: Judgement) -> None:
    eo = j.verdicts.get("earlyoom")
    eo_who = f"SIGTERM {eo.pid} ({eo.comm})" if eo is not None and eo.pid is not None else "act"
    if m.constraint == "memcg":
        a.lines.append(
            (
                "earlyoom",
                "earlyoom watches the whole machine, not a cgroup's limit: it would not "
                "have acted on this OOM (unless the machine was short too, which the "
                "report does not show)",
            )
        )
        cg = m.memcg
        if cg is not None and cg.limit is not None:
            high = cg.limit * MEMORY_HIGH_SHARE // 100
            a.figures["memory_high"] = high
            a.lines.append(
                (
                    "memory_high",
                    f"memory.high at {MEMORY_HIGH_SHARE}% of the limit "
                    f"({size(high, m.page_size)}) would have throttled and reclaimed the "
                    "cgroup from there, before this OOM: the growth slows, nothing is killed "
                    "(a leak still reaches the limit)",
                )
            )
        return
    avail = _available(m)
    total = m.totalram
    ps = m.page_size
    a.figures["available"] = avail
    if avail is None or not total:
        a.lines.append(("earlyoom", "earlyoom: the report prints no Mem-Info counters to tell"))
    else:
        mem_pct = avail * 100 // total
        swap_pct = (m.swap_free or 0) * 100 // m.swap_total if m.swap_total else 0
        if mem_pct <= EARLYOOM_PERCENT and swap_pct <= EARLYOOM_PERCENT:
            text = (
                f"earlyoom (defaults -m 10 -s 10) would have acted first: memory available "
                f"about {size(avail, ps)} ({mem_pct}%), swap free {swap_pct}%; it would "
                f"{eo_who} when available memory fell to "
                f"{size(total * EARLYOOM_PERCENT // 100, ps)} — "
                "unless it fell from there faster than earlyoom polls (100 ms at most)"
            )
        else:
            text = (
                f"earlyoom (defaults -m 10 -s 10) would not have acted: memory available about "
                f"{size(avail, ps)} ({mem_pct}%), swap free {swap_pct}% — it waits for both "
                "at 10%"
            )
        a.lines.append(("earlyoom", text))
    d = m.decision
    victim = m.task(d.pid if d is not None else None)
    if victim is not None:
        pages = victim.rss + (victim.swap or 0)
        high = pages * MEMORY_HIGH_SHARE // 100
        a.figures["memory_high"] = high
        a.lines.append(
            (
                "memory_high",
                f"memory.high on {victim.comm}'s cgroup below its size here, say "
                f"{MEMORY_HIGH_SHARE}% of it ({size(high, ps)}), would have throttled it before "
                "the machine ran out: it stalls instead of dying, the others keep their memory",
            )
        )


# --------------------------------------------------------------------------- all
def advise(j: Judgement, protect: str | None) -> Advice:
    """What would have saved the machine of ``j``; with ``protect``, the tasks of that name."""
    m = j.machine
    a = Advice(protect)
    if protect is not None:
        protected = {t.pid for t in m.tasks if matches(t, protect)}
        a.protected = sorted(protected)
        if protected:
            own = ERAS.get(m.era or "") or ERAS[EARLYOOM_FALLBACK]
            a.spares.append(_spare_2_4(m, protected))
            for era in ERAS.values():
                if era.key != "2.4":
                    a.spares.append(_spare_adj(m, era, era.key, era.label, protected))
            label = f"earlyoom 1.6 (oom_score of {own.label})"
            a.spares.append(_spare_adj(m, None, "earlyoom", label, protected))
    _memory(m, a)
    _acting_first(m, a, j)
    return a


def advice_json(a: Advice) -> dict[str, Any]:
    def who(w: Who) -> dict[str, Any] | None:
        return {"pid": w[0], "comm": w[1]} if w is not None else None

    return {
        "protect": a.protect,
        "protected": a.protected,
        "spares": {
            s.key: {
                "chooses": who(s.now),
                "chosen": s.chosen,
                "oom_score_adj": s.adj,
                "instead": who(s.instead),
                **({"words": s.words} if s.words else {}),
            }
            for s in a.spares
        },
        "estimates": {key: text for key, text in a.lines},
        "figures": a.figures,
        "assumptions": a.assumptions,
    }


def advice_lines(
    a: Advice, name: Callable[[str], str], wrap: Callable[[str, str], tuple[str, ...]]
) -> list[str]:
    """The advice as text, indented by two; ``name`` makes a process name safe to print,
    ``wrap(prefix, text)`` breaks a long line."""
    out = ["  what would have saved it (estimates):"]

    def who(w: Who) -> str:
        return f"{w[0]} ({name(w[1])})" if w is not None else "nobody"

    if a.protect is not None:
        if not a.protected:
            out.append(f"    --protect {name(a.protect)}: no task of that name in the table")
        else:
            out.append(f"    to spare {name(a.protect)} ({', '.join(map(str, a.protected))}):")
        for s in a.spares:
            if not s.chosen:
                text = f"spared already (chooses {who(s.now)})"
            elif s.words:
                text = s.words
            else:
                text = f"oom_score_adj {s.adj} or lower spares it, then {who(s.instead)} dies"
            out.extend(wrap(f"      {s.label}: ", name(text) if s.words else text))
    for _, text in a.lines:
        out.extend(wrap("    - ", name(text)))
    out.append("    assumed:")
    for text in a.assumptions:
        out.extend(wrap("      - ", text))
    return out
