"""How each era of ``mm/oom_kill.c`` scores a task and picks the victim, as pure functions.

Every rule here is a function of a :class:`~.records.TaskRecord` and a :class:`Context` (the
OOM's ``totalpages``, the clock), so the simulator's policies can reuse them; those from
2.6.36 on are written over the task's :class:`Facts` (its numbers, the defaults applied),
which judging a machine by every era reads once a task. The eras are where the upstream
rule changed, read from the kernel's history:

========  ===================================================================================
key       rule
========  ===================================================================================
2.4       ``badness()`` of 2.4.22: ``total_vm``, divided by ``int_sqrt`` of CPU time and run
          time, ×2 if niced, /4 for root or CAP_SYS_ADMIN, /4 for CAP_SYS_RAWIO; strictly
          greater wins (the first maximum). The simulator's own :func:`moomtui.modules.classic
          .badness`, on i386 arithmetic, read over the record (held equal by a test).
2.6.36    the rewrite: ``(rss + swap) * 1000 / totalpages``, −30 for CAP_SYS_ADMIN, plus
          ``oom_score_adj``, clamped to 1..1000; 0 for init, kernel threads and
          ``oom_score_adj`` −1000. First maximum.
2.6.37    2.6.37–3.5: as 2.6.36 with the page tables (``nr_ptes``) counted too.
3.6       3.6–3.13: points are pages, ``rss + nr_ptes + swap``; the root bonus moves into
          ``adj -= 30`` and ``adj *= totalpages / 1000`` is added; at least 1. First maximum.
3.14      3.14–4.16: the root bonus is 3 % of the task's own points (``points -= points * 3 /
          100``). Page tables: ``nr_ptes`` (+ ``nr_pmds`` from 4.0; ``pgtables_bytes /
          PAGE_SIZE`` from 4.15).
4.17      4.17–5.2: no root bonus. First maximum: ``if (!points || points <
          oc->chosen_points) goto next;`` then ``if (points == oc->chosen_points &&
          thread_group_leader(oc->chosen)) goto next;`` ("mm, oom: prefer thread group
          leaders for display purposes", d49ad9355420, 3.14: the walks went over threads).
          The first thread of a process is its leader, so an equal score of another
          process never replaces it.
5.3       5.3–5.8: the tie rule is gone ("mm: oom: Remove thread group leader check in
          oom_evaluate_task()", posted on 18 June 2019 with the memory cgroup walk's move to
          ``CSS_TASK_ITER_PROCS``, merged in the 5.3 merge window; 5.2, tagged on 7 July
          2019, still has it): ``points < chosen_points`` is skipped, so an equal score
          replaces the choice — the last maximum wins.
5.9       5.9 to 6.x: ``oom_badness()`` returns a signed ``long``, ``LONG_MIN`` for what can
          never be killed, and may be negative; the walk starts at ``LONG_MIN``. Last maximum.
========  ===================================================================================

``/proc/PID/oom_score`` (what earlyoom reads) is the 2.4 badness, then 2.6.36's points
(0..1000), then from 3.6 ``points * 1000 / totalpages``, and from 5.9
``(1000 + points * 1000 / totalpages) * 2 / 3`` (0 for ``LONG_MIN``) — always over the whole
machine's ``totalram_pages + total_swap_pages``.

A field a report does not show reads as its documented default: no swap and no page tables,
CPU time 0, started at boot, not niced, every 2.4 capability for root and none for other
users. Left out: the ``int`` overflow of 2.6.37–3.1 for tasks above 8 GiB, the cpuset and
mempolicy node checks (``has_intersects_mems_allowed``), ``oom_task_origin`` (swapoff and
KSM), and tasks exiting or reaped that the log does not show killed, which no table marks
(the earlier victims a log shows are passed over by :mod:`.victims`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from ..kernel.arith import int_sqrt, s32
from ..kernel.constants import HZ, INT_MAX, JIFFIES_MASK, SHIFT_HZ, UINT_MAX
from ..patterns import anchored
from .records import (
    CAP_FULL_2_4,
    CAP_SYS_ADMIN,
    CAP_SYS_RAWIO,
    OOM_SCORE_ADJ_MIN,
    TaskRecord,
)

_CAP_SYS_ADMIN = 1 << CAP_SYS_ADMIN
_CAP_SYS_RAWIO = 1 << CAP_SYS_RAWIO

Score = int | None
"""A task's points in one era; ``None`` is 5.9's ``LONG_MIN`` (never to be killed)."""


class Context(NamedTuple):
    """What a score needs besides the task (a tuple: every report makes one or two)."""

    totalpages: int
    """This OOM's ``totalpages`` (the machine's, or the memory cgroup's limit)."""
    jiffies: int = 0
    """The clock at the OOM (2.4's run time): the uptime at HZ=100."""
    init_pid: int | None = 1
    """The global init's pid as the source numbers tasks (``None``: not visible)."""


Rule = Callable[[TaskRecord, Context], Score]
"""An era's score of a task."""


def c_div(a: int, b: int) -> int:
    """C's signed division: the quotient truncated toward zero (Python's floors: one less
    when the signs differ and it is not exact)."""
    q = a // b
    return q + 1 if q < 0 and q * b != a else q


# --------------------------------------------------------------------------- defaults
def euid_of(rec: TaskRecord) -> int:
    return rec.uid if rec.euid is None else rec.euid


def caps_of(rec: TaskRecord) -> int:
    """``cap_effective``; unknown: 2.4's default, every capability for root, none else."""
    if rec.caps is not None:
        return rec.caps
    return CAP_FULL_2_4 if euid_of(rec) == 0 else 0


def has_sys_admin(rec: TaskRecord) -> bool:
    return bool(caps_of(rec) & (1 << CAP_SYS_ADMIN))


def swap_of(rec: TaskRecord) -> int:
    return rec.swap or 0


def pgtables_of(rec: TaskRecord) -> int:
    return rec.pgtables or 0


def unkillable(rec: TaskRecord, ctx: Context) -> bool:
    """``oom_unkillable_task()`` and ``find_lock_task_mm()``: init, kernel threads, no mm."""
    return not rec.killable_mm or rec.pid == ctx.init_pid


# --------------------------------------------------------------------------- the rules
def badness_2_4(rec: TaskRecord, ctx: Context) -> int:
    """2.4.22's ``badness()`` of ``rec`` (i386 arithmetic): the statements of the simulator's
    :func:`moomtui.modules.classic.badness`, read over the record's fields and their
    defaults instead of a simulated task built for each row (a property test holds the two
    equal for every record: tests/real/test_eras.py)."""
    if not rec.killable_mm:
        return 0  # if (!p->mm) return 0;
    points = rec.total_vm
    if points > INT_MAX:
        points = s32(points)
    cpu = (rec.utime or 0) + (rec.stime or 0)
    if cpu > INT_MAX:
        cpu = s32(cpu)
    cpu_time = cpu >> (SHIFT_HZ + 3)
    run_time = ((ctx.jiffies - (rec.start_time or 0)) & JIFFIES_MASK) >> (SHIFT_HZ + 10)
    points = _udiv(points, int_sqrt(cpu_time))
    points = _udiv(points, int_sqrt(int_sqrt(run_time)))
    if rec.nice is not None and rec.nice > 0:
        points = s32(points * 2)
    caps = caps_of(rec)
    if caps & _CAP_SYS_ADMIN or rec.uid == 0 or euid_of(rec) == 0:
        points = c_div(points, 4)
    if caps & _CAP_SYS_RAWIO:
        points = c_div(points, 4)
    return points


def _udiv(points: int, divisor: int) -> int:
    """``points /= int_sqrt(...)``: an ``int`` divided by an ``unsigned int`` is unsigned."""
    if points >= 0:
        return points // divisor
    return s32((points & UINT_MAX) // divisor)


@dataclass(slots=True)
class Facts:
    """What the rules from 2.6.36 on read of a task, each default applied: read once for a
    task and shared by every era's rule (judging a machine scores every task by each)."""

    protected: bool
    """Never chosen: init, a kernel thread, a task without memory, ``oom_score_adj`` −1000."""
    rss: int
    swap: int
    pgtables: int
    adj: int
    admin: bool
    """CAP_SYS_ADMIN (held by root when the capabilities are unknown)."""


def facts(rec: TaskRecord, ctx: Context) -> Facts:
    """``rec``'s facts, read through the defaults above (written out: every task of every
    report is read so)."""
    adj = rec.oom_score_adj
    caps = rec.caps
    if caps is None:  # caps_of()
        caps = CAP_FULL_2_4 if (rec.uid if rec.euid is None else rec.euid) == 0 else 0
    return Facts(
        not rec.has_mm or rec.kthread or rec.pid == ctx.init_pid or adj == OOM_SCORE_ADJ_MIN,
        rec.rss,
        rec.swap or 0,
        rec.pgtables or 0,
        adj,
        bool(caps & _CAP_SYS_ADMIN),
    )


def _thousandths(f: Facts, ctx: Context, pages: int) -> int:
    if f.protected:
        return 0
    points = pages * 1000 // (ctx.totalpages or 1)
    if f.admin:
        points -= 30
    points += f.adj
    if points <= 0:
        return 1
    return min(points, 1000)


def rule_2_6_36(f: Facts, ctx: Context) -> int:
    """2.6.36: ``(rss + swap) * 1000 / totalpages`` − 30 for root + adj, 1..1000."""
    return _thousandths(f, ctx, f.rss + f.swap)


def rule_2_6_37(f: Facts, ctx: Context) -> int:
    """2.6.37–3.5: as 2.6.36, with the page tables counted."""
    return _thousandths(f, ctx, f.rss + f.swap + f.pgtables)


def rule_3_6(f: Facts, ctx: Context) -> int:
    """3.6–3.13: pages; ``adj -= 30`` for CAP_SYS_ADMIN; ``adj *= totalpages / 1000``."""
    if f.protected:
        return 0
    adj = f.adj - 30 if f.admin else f.adj
    points = f.rss + f.pgtables + f.swap + adj * (ctx.totalpages // 1000)
    return points if points > 0 else 1


def rule_3_14(f: Facts, ctx: Context) -> int:
    """3.14–4.16: the root bonus is ``points * 3 / 100``."""
    if f.protected:
        return 0
    points = f.rss + f.pgtables + f.swap
    if f.admin:
        points -= points * 3 // 100
    points += f.adj * (ctx.totalpages // 1000)
    return points if points > 0 else 1


def rule_4_17(f: Facts, ctx: Context) -> int:
    """4.17–5.8: no root bonus; at least 1 for a killable task."""
    if f.protected:
        return 0
    points = f.rss + f.pgtables + f.swap + f.adj * (ctx.totalpages // 1000)
    return points if points > 0 else 1


def rule_5_9(f: Facts, ctx: Context) -> Score:
    """5.9 on: signed points, ``None`` (``LONG_MIN``) for what may never be killed."""
    if f.protected:
        return None
    return f.rss + f.pgtables + f.swap + f.adj * (ctx.totalpages // 1000)


def badness_2_6_36(rec: TaskRecord, ctx: Context) -> int:
    """2.6.36's score of ``rec`` (:func:`rule_2_6_36`)."""
    return rule_2_6_36(facts(rec, ctx), ctx)


def badness_2_6_37(rec: TaskRecord, ctx: Context) -> int:
    """2.6.37–3.5's score of ``rec`` (:func:`rule_2_6_37`)."""
    return rule_2_6_37(facts(rec, ctx), ctx)


def badness_3_6(rec: TaskRecord, ctx: Context) -> int:
    """3.6–3.13's score of ``rec`` (:func:`rule_3_6`)."""
    return rule_3_6(facts(rec, ctx), ctx)


def badness_3_14(rec: TaskRecord, ctx: Context) -> int:
    """3.14–4.16's score of ``rec`` (:func:`rule_3_14`)."""
    return rule_3_14(facts(rec, ctx), ctx)


def badness_4_17(rec: TaskRecord, ctx: Context) -> int:
    """4.17–5.8's score of ``rec`` (:func:`rule_4_17`)."""
    return rule_4_17(facts(rec, ctx), ctx)


def badness_5_9(rec: TaskRecord, ctx: Context) -> Score:
    """5.9's score of ``rec`` (:func:`rule_5_9`)."""
    return rule_5_9(facts(rec, ctx), ctx)


BY_FACTS: dict[Rule, Callable[[Facts, Context], Score]] = {
    badness_2_6_36: rule_2_6_36,
    badness_2_6_37: rule_2_6_37,
    badness_3_6: rule_3_6,
    badness_3_14: rule_3_14,
    badness_4_17: rule_4_17,
    badness_5_9: rule_5_9,
}
"""Each rule that reads :class:`Facts` by the task's score of it."""


# --------------------------------------------------------------------------- /proc/PID/oom_score
def proc_identity(points: Score, totalpages: int) -> int:
    return points or 0


def proc_per_mille(points: Score, totalpages: int) -> int:
    """3.6–5.8 ``proc_oom_score()``: ``oom_badness() * 1000 / totalpages``."""
    return (points or 0) * 1000 // max(1, totalpages)


def proc_two_thirds(points: Score, totalpages: int) -> int:
    """5.9 on: ``(1000 + badness * 1000 / (long)totalpages) * 2 / 3``, 0 for LONG_MIN."""
    if points is None:
        return 0
    if points >= 0 and totalpages > 0:  # C's divisions are Python's on what is not negative
        return (1000 + points * 1000 // totalpages) * 2 // 3
    return c_div((1000 + c_div(points * 1000, max(1, totalpages))) * 2, 3)


# --------------------------------------------------------------------------- the eras
@dataclass(frozen=True, slots=True)
class Era:
    key: str
    label: str
    since: tuple[int, ...]
    summary: str
    score: Rule
    last_wins: bool
    proc_score: Callable[[Score, int], int]
    per_mille: bool
    """Whether ``score`` is already in 1000ths of ``totalpages`` (2.6.36–3.5)."""


ERAS: dict[str, Era] = {
    era.key: era
    for era in (
        Era(
            "2.4",
            "2.4 badness()",
            (2, 4, 0),
            "total_vm / sqrt(CPU) / sqrt(sqrt(run time)); nice ×2; root /4; RAWIO /4; first max",
            badness_2_4,
            False,
            proc_identity,
            False,
        ),
        Era(
            "2.6.36",
            "2.6.36",
            (2, 6, 36),
            "(rss+swap)·1000/total − 30 root + adj, 1..1000; first max",
            badness_2_6_36,
            False,
            proc_identity,
            True,
        ),
        Era(
            "2.6.37",
            "2.6.37–3.5",
            (2, 6, 37),
            "(rss+ptes+swap)·1000/total − 30 root + adj, 1..1000; first max",
            badness_2_6_37,
            False,
            proc_identity,
            True,
        ),
        Era(
            "3.6",
            "3.6–3.13",
            (3, 6),
            "rss+ptes+swap + (adj − 30 root)·(total/1000), ≥1; first max",
            badness_3_6,
            False,
            proc_per_mille,
            False,
        ),
        Era(
            "3.14",
            "3.14–4.16",
            (3, 14),
            "(rss+ptes+swap)·0.97 for root + adj·(total/1000), ≥1; first max",
            badness_3_14,
            False,
            proc_per_mille,
            False,
        ),
        Era(
            "4.17",
            "4.17–5.2",
            (4, 17),
            "rss+ptes+swap + adj·(total/1000), ≥1, no root bonus; first max",
            badness_4_17,
            False,
            proc_per_mille,
            False,
        ),
        Era(
            "5.3",
            "5.3–5.8",
            (5, 3),
            "rss+ptes+swap + adj·(total/1000), ≥1; last max",
            badness_4_17,
            True,
            proc_per_mille,
            False,
        ),
        Era(
            "5.9",
            "5.9–6.x",
            (5, 9),
            "rss+ptes+swap + adj·(total/1000), signed; last max",
            badness_5_9,
            True,
            proc_two_thirds,
            False,
        ),
    )
}
EARLYOOM = "earlyoom"
VERDICT_KEYS = (*ERAS, EARLYOOM)

_VERSION = anchored(r"(\d+)\.(\d+)(?:\.(\d+))?")


# A log's reports name the same kernel again and again: the last few versions read are kept
# (a version is at most a line of the report long).
@functools.lru_cache(maxsize=64)
def parse_version(text: str) -> tuple[int, int, int] | None:
    """``"5.15.0-107-generic"`` → ``(5, 15, 0)``."""
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    return int(m[1]), int(m[2]), int(m[3] or 0)


@functools.lru_cache(maxsize=64)
def era_for_version(text: str) -> str | None:
    """The era whose rule a kernel of this version follows; ``None`` for 2.6.0–2.6.35
    (its ``badness()`` with ``oom_adj`` shifts is not modelled) and for the unknown."""
    version = parse_version(text)
    if version is None or version < (2, 4, 0):
        return None
    if version[:2] == (2, 4):
        return "2.4"
    if version < (2, 6, 36):
        return None
    found = None
    for era in ERAS.values():
        if era.since <= version:
            found = era.key
    return found


# --------------------------------------------------------------------------- choosing
@dataclass(slots=True)
class Choice:
    """The task an era chooses, its points, and every task that tied with it."""

    task: TaskRecord | None
    points: Score
    ties: list[TaskRecord]


def select_bad_process(tasks: Iterable[TaskRecord], era: Era, ctx: Context) -> Choice:
    """The era's walk over the tasks in the order given (the kernel's task-list order).

    Up to 5.2 a strictly greater score wins (the first maximum), from 0; 5.3–5.8 skip 0 and
    take an equal score (the last maximum); 5.9 starts at ``LONG_MIN`` and takes an equal
    or greater score, negative ones too.
    """
    tasks = list(tasks)
    return choose(tasks, [era.score(rec, ctx) for rec in tasks], era)


def choose(tasks: Sequence[TaskRecord], scores: Sequence[Score], era: Era) -> Choice:
    """:func:`select_bad_process` over tasks already scored by ``era``'s rule (``scores[i]``
    is ``tasks[i]``'s): eras that share a rule share its scores."""
    if len(tasks) != len(scores):
        raise ValueError(f"{len(scores)} scores for {len(tasks)} tasks")
    index, best = pick(scores, era)
    if index < 0:
        return Choice(None, best, [])
    chosen = tasks[index]
    if scores.count(best) == 1:  # the usual: no other task scores as much
        return Choice(chosen, best, [])
    ties = [
        rec
        for rec, points in zip(tasks, scores, strict=True)
        if rec is not chosen and points == best
    ]
    return Choice(chosen, best, ties)


def pick(scores: Sequence[Score], era: Era) -> tuple[int, Score]:
    """Where ``era``'s walk over ``scores`` ends: the index chosen (-1: none) and its points."""
    skip_zero = era.key != "5.9"
    last_wins = era.last_wins
    if scores and None not in scores:
        whole = cast("Sequence[int]", scores)
        if not skip_zero or min(whole) > 0:
            # The usual: the walk passes over no task, so it ends on the first (or the
            # last) of the highest scores, which the list's own methods find at C speed.
            best = max(whole)
            at = len(whole) - 1 - whole[::-1].index(best) if last_wins else whole.index(best)
            return at, best
    return _walk(scores, skip_zero, last_wins)


def _walk(scores: Sequence[Score], skip_zero: bool, last_wins: bool) -> tuple[int, Score]:
    """The walk a score at a time: the index chosen (-1: none) and its points."""
    index = -1
    best: Score = None
    for i, points in enumerate(scores):
        if points is None or (skip_zero and points <= 0):  # from 0: the best is above it
            continue
        if best is None or points > best or (points == best and last_wins):
            index, best = i, points
    return index, best


def earlyoom_select(tasks: Iterable[TaskRecord], era: Era, ctx: Context) -> Choice:
    """earlyoom 1.6's ``find_largest_process`` over ``/proc`` (pid order): the highest
    ``oom_score`` of ``era``'s kernel, ties to the larger VmRSS; pids 0 and 1, tasks without
    resident memory and ``oom_score_adj`` −1000 are skipped; a score below 0 never wins.
    No ``--prefer``/``--avoid``: the daemon's defaults."""
    tasks = list(tasks)
    return earlyoom_choose(tasks, [era.score(rec, ctx) for rec in tasks], era, ctx.totalpages)


def earlyoom_choose(
    tasks: Sequence[TaskRecord], scores: Sequence[Score], era: Era, totalpages: int
) -> Choice:
    """:func:`earlyoom_select` over tasks already scored by ``era``'s rule over
    ``totalpages`` (``scores[i]`` is ``tasks[i]``'s)."""
    if len(tasks) != len(scores):
        raise ValueError(f"{len(scores)} scores for {len(tasks)} tasks")
    victim: TaskRecord | None = None
    best = best_rss = 0
    pids = [rec.pid for rec in tasks]
    for i in sorted(range(len(pids)), key=pids.__getitem__):  # stable: equal pids keep order
        rec, points = tasks[i], scores[i]
        if rec.pid <= 1:
            continue
        score = era.proc_score(points, totalpages)
        if score < best:
            continue
        rss = rec.rss if rec.killable_mm else 0
        if rss == 0:
            continue
        if score == best and rss <= best_rss:
            continue
        if rec.oom_score_adj == OOM_SCORE_ADJ_MIN:
            continue
        victim, best, best_rss = rec, score, rss
    return Choice(victim, best if victim is not None else None, [])


def per_mille(era: Era, points: Score, totalpages: int) -> int | None:
    """The points in 1000ths of ``totalpages``: the ``score`` 2.6.36–4.19 print."""
    if points is None or era.key == "2.4":
        return None
    if era.per_mille:
        return points
    return c_div(points * 1000, max(1, totalpages))


def jiffies_at(uptime: float | None) -> int:
    """2.4's ``jiffies`` (0 at boot, HZ=100) after ``uptime`` seconds."""
    return int(uptime * HZ) if uptime else 0
