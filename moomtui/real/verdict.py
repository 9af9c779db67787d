"""Who each era's OOM killer would choose on a machine, and whether the machine's own kernel's
rule picks the task the kernel did — if not, the likely reasons.

Each era walks the tasks in the order the source lists them (the kernel's task-list order,
which is the order ``dump_tasks()`` prints); earlyoom walks ``/proc`` in pid order. The OOM's
own ``totalpages`` is used for the kernel's rules; earlyoom reads ``/proc/PID/oom_score``,
which is always a share of the whole machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import gt, itemgetter
from typing import NamedTuple

from ..kernel.arith import int_sqrt
from ..kernel.constants import INT_MAX, JIFFIES_MASK, SHIFT_HZ
from .eras import (
    EARLYOOM,
    ERAS,
    Choice,
    Context,
    Era,
    Rule,
    Score,
    badness_2_4,
    badness_2_6_36,
    badness_2_6_37,
    badness_3_6,
    badness_3_14,
    badness_4_17,
    badness_5_9,
    c_div,
    choose,
    earlyoom_choose,
    earlyoom_select,
    jiffies_at,
    per_mille,
)
from .evidence import settle
from .printed import ScoreCheck, check_adj, check_score
from .records import (
    CAP_FULL_2_4,
    CAP_SYS_ADMIN,
    CAP_SYS_RAWIO,
    OOM_SCORE_ADJ_MIN,
    Machine,
    TaskRecord,
)
from .victims import (
    NONE,
    Chosen,
    Earlier,
    chosen,
    describe,
    earlier,
    earlier_victims,
    passes_over,
)

_CAP_SYS_ADMIN = 1 << CAP_SYS_ADMIN
_CAP_SYS_RAWIO = 1 << CAP_SYS_RAWIO

EARLYOOM_FALLBACK = "5.9"
"""The ``/proc/PID/oom_score`` earlyoom reads when the machine's own era is not modelled."""


class Verdict(NamedTuple):
    """One rule's choice on a machine (a tuple: a report has nine, and its text reads them
    whole)."""

    key: str
    label: str
    pid: int | None
    comm: str | None
    score: int | None
    per_mille: int | None
    ties: tuple[int, ...] = ()
    """The pids of the other tasks that score as much."""


_new = tuple.__new__
"""``_new(Verdict, (key, label, pid, comm, score, per_mille, ties))``: a named tuple made
as its ``_make`` makes one, without a call of the generated ``__new__`` (judging makes nine
verdicts and a :class:`~.eras.Context` a report)."""


@dataclass(slots=True)
class Judgement:
    """Every era's verdict on one machine, and the comparison with what the kernel did."""

    machine: Machine
    verdicts: dict[str, Verdict]
    model: str | None
    matches: bool | None
    why: list[str]
    chosen: Chosen | None = None
    """The kernel's choice as a row of the table (a thread is its process's row)."""
    score_check: ScoreCheck | None = None
    """The score the kernel printed against the model's."""
    passed_over: list[str] = field(default_factory=list)
    """Earlier victims the report's own era passes over, in words."""


def contexts(m: Machine) -> tuple[Context, Context]:
    """The OOM's context (its ``totalpages``) and the whole machine's (``/proc``)."""
    total = m.totalpages or 1
    jiffies = jiffies_at(m.uptime)
    oom = _new(Context, (total, jiffies, m.init_pid))  # as Context(total, jiffies, …)
    whole = m.global_totalpages or total
    if whole == total:  # a global OOM: one context for both
        return oom, oom
    return oom, Context(whole, jiffies, m.init_pid)


_EARLYOOM_LABELS = {key: f"earlyoom 1.6 (oom_score of {era.label})" for key, era in ERAS.items()}

RULES: tuple[Rule, ...] = (
    badness_2_4,
    badness_2_6_36,
    badness_2_6_37,
    badness_3_6,
    badness_3_14,
    badness_4_17,
    badness_5_9,
)
"""Every era's rule once (5.3–5.8 score by 4.17–5.2's), in the order of :func:`all_points`."""


def all_points(rec: TaskRecord, ctx: Context) -> tuple[Score, ...]:
    """``rec``'s points by each of :data:`RULES`, in that order: 2.4's, then the rules from
    2.6.36 on (:func:`~.eras.rule_2_6_36` … :func:`~.eras.rule_5_9`) written out over the
    task's facts (:func:`~.eras.facts`, read here without building them) at once — judging
    a report scores every task by all of them, and a call per rule cost more than the rules
    (a property test holds each equal to its rule)."""
    caps = rec.caps
    uid = rec.uid
    euid = uid if rec.euid is None else rec.euid
    if caps is None:  # caps_of()
        caps = CAP_FULL_2_4 if euid == 0 else 0
    total_vm = rec.total_vm
    if (
        rec.utime is None
        and rec.stime is None
        and rec.start_time is None
        and rec.nice is None
        and 0 <= total_vm <= INT_MAX
        and rec.has_mm
        and not rec.kthread
    ):
        # A report's row: no CPU time (int_sqrt(0) is 1), started at boot, not niced, and
        # an address space that fits an int: badness_2_4() without its wraps and defaults.
        run_time = (ctx.jiffies & JIFFIES_MASK) >> (SHIFT_HZ + 10)
        old = total_vm // int_sqrt(int_sqrt(run_time)) if run_time else total_vm
        if caps & _CAP_SYS_ADMIN or uid == 0 or euid == 0:
            old //= 4
        if caps & _CAP_SYS_RAWIO:
            old //= 4
    else:
        old = badness_2_4(rec, ctx)
    adj = rec.oom_score_adj
    if not rec.has_mm or rec.kthread or rec.pid == ctx.init_pid or adj == OOM_SCORE_ADJ_MIN:
        return old, 0, 0, 0, 0, 0, None
    admin = caps & _CAP_SYS_ADMIN
    total = ctx.totalpages
    per = total or 1
    scale = total // 1000
    root_adj = adj - 30 if admin else adj
    rss_swap = rec.rss + (rec.swap or 0)
    pages = rss_swap + (rec.pgtables or 0)
    # 2.6.36 and 2.6.37–3.5: 1000ths of totalpages, 30 less for root, plus adj, in 1..1000.
    t36 = rss_swap * 1000 // per + root_adj
    t37 = pages * 1000 // per + root_adj
    # 3.6–3.13: the root bonus in adj's units; 3.14–4.16: 3 % of the points; 4.17 on: none.
    p36 = pages + root_adj * scale
    p314 = (pages - pages * 3 // 100 if admin else pages) + adj * scale
    p59 = pages + adj * scale
    return (
        old,
        1 if t36 <= 0 else min(t36, 1000),
        1 if t37 <= 0 else min(t37, 1000),
        p36 if p36 > 0 else 1,
        p314 if p314 > 0 else 1,
        p59 if p59 > 0 else 1,
        p59,
    )


_COLUMN = {rule: i for i, rule in enumerate(RULES)}
_USUAL = tuple((era.key, era.label, _COLUMN[era.score]) for era in ERAS.values())
"""Each era's key, label and the column of its rule in :func:`all_points`' scores."""
_ONCE = [1] * len(RULES)
_FEW = 16
"""Up to this many tasks, :func:`_usual` first asks whether one task outscores every other
by every rule (a task at a time); above, it reads each rule's column."""
_BY_5_9 = itemgetter(6)


def _usual(
    tasks: list[TaskRecord],
    points: list[tuple[Score, ...]],
    columns: list[tuple[Score, ...]],
    per: int,
) -> dict[str, Verdict] | None:
    """Every era's verdict when no walk passes a task over and each rule's highest score is
    one task's: then every era's walk, first or last maximum alike, ends on that task
    (``None`` otherwise: :func:`walks`; a property test holds the two equal). ``points``
    are the tasks' scores (:func:`all_points`), ``columns`` the same by rule.

    A task :func:`all_points` scores 0 by the rules from 2.6.36 on (init, a kernel thread, no
    memory, ``oom_score_adj`` −1000) scores ``None`` by 5.9's, and every other task at least
    1 by each but 5.9's, which skips nothing but ``None``: the walks pass over no task when
    5.9's column holds no ``None`` and 2.4's none below 1 (its walk skips 0, and a 2.4 score
    may be negative: ``total_vm`` wraps as an ``int``).

    Usually one task — the one that ran the machine out of memory — scores the most by
    every rule: among a few tasks that is asked first, each other task's scores compared
    with its at C speed, and every era's verdict names it; else each rule's column's own
    methods find its highest score and whether one task holds it."""
    if None in columns[6]:
        return None
    ints: list[tuple[int, ...]] = columns  # type: ignore[assignment]  # None is only in 5.9's
    if min(ints[0]) <= 0:
        return None
    chosen: list[TaskRecord] | None = None
    if len(tasks) <= _FEW:
        top = points.index(max(points, key=_BY_5_9))  # the first of 5.9's highest
        best: Sequence[int] = points[top]  # type: ignore[assignment]
        for i, scores in enumerate(points):
            if i != top and not all(map(gt, best, scores)):  # type: ignore[arg-type]
                break
        else:
            chosen = [tasks[top]] * len(RULES)
    if chosen is None:
        best = [*map(max, ints)]
        if [*map(tuple.count, ints, best)] != _ONCE:
            return None
        chosen = [tasks[i] for i in map(tuple.index, ints, best)]
    b6 = best[6]
    # 1000ths of totalpages: 2.4's have none, 2.6.36–3.5's are 1000ths already, the others'
    # are per_mille() written out (C's division is Python's for points >= 0).
    thousandths = (
        None,
        best[1],
        best[2],
        best[3] * 1000 // per,
        best[4] * 1000 // per,
        best[5] * 1000 // per,
        b6 * 1000 // per if b6 >= 0 else c_div(b6 * 1000, per),
    )
    return {
        key: _new(
            Verdict,
            (key, label, (task := chosen[c]).pid, task.comm, best[c], thousandths[c], ()),
        )
        for key, label, c in _USUAL
    }


def judge(m: Machine) -> Judgement:
    oom, glob = contexts(m)
    tasks = m.tasks
    choice = chosen(m) if m.decision is not None else None
    settle(m, choice.row if choice is not None else None, oom)
    past = earlier_victims(m, choice) if choice is not None else NONE
    # Each rule scores the tasks once: 5.3–5.8 walk the scores of 4.17–5.2's rule (only
    # the ties go otherwise), and earlyoom reads its era's when /proc's totalpages is the
    # OOM's (a global OOM: contexts() gives the one context).
    per = max(1, oom.totalpages)
    points = [all_points(rec, oom) for rec in tasks]
    columns: list[tuple[Score, ...]] = [*zip(*points, strict=True)] or [()] * len(RULES)
    verdicts = _usual(tasks, points, columns, per) if points and not past.rows else None
    scored = dict(zip(RULES, columns, strict=True))  # each rule's scores, by Era.score
    passed: list[int] = []
    if verdicts is None:
        verdicts, passed = walks(m, scored, past, oom)
    own = ERAS.get(m.era or "")
    eo_era = own or ERAS[EARLYOOM_FALLBACK]
    if glob is oom:
        eo = earlyoom_choose(tasks, scored[eo_era.score], eo_era, glob.totalpages)
    else:
        eo = earlyoom_select(tasks, eo_era, glob)
    eo_task = eo.task
    verdicts[EARLYOOM] = _new(
        Verdict,
        (
            EARLYOOM,
            _EARLYOOM_LABELS[eo_era.key],
            eo_task.pid if eo_task else None,
            eo_task.comm if eo_task else None,
            eo.points,
            None,
            (),
        ),
    )
    model = own.key if own is not None else None
    skipped = [describe(tasks[i], past.rows[i]) for i in passed]
    check = (
        check_score(m, own, choice.row, oom)
        if own is not None and choice is not None and choice.row is not None
        else None
    )
    matches, why = _compare(m, own, verdicts.get(model or ""), oom, choice, past, skipped, check)
    return Judgement(m, verdicts, model, matches, why, choice, check, skipped)


def walks(
    m: Machine, scored: Mapping[Rule, Sequence[Score]], past: Earlier, oom: Context
) -> tuple[dict[str, Verdict], list[int]]:
    """Every era's walk over the tasks ``scored`` by each rule, the earlier victims ``past``
    passed over as the era does; and the rows the machine's own era passed over."""
    verdicts: dict[str, Verdict] = {}
    passed: list[int] = []
    for key, era in ERAS.items():
        scores = scored[era.score]
        if past.rows:
            scores, over = _pass_over(era, m, past, scores)
            if key == m.era:
                passed = over
        verdicts[key] = _chosen(era, choose(m.tasks, scores, era), oom)
    return verdicts, passed


def _pass_over(
    era: Era, m: Machine, past: Earlier, scores: Sequence[Score]
) -> tuple[Sequence[Score], list[int]]:
    """``scores`` with the earlier victims ``era``'s walk passes over scored as nothing
    (``oom_badness()`` of an ``MMF_OOM_SKIP`` mm: 0, from 5.9 ``LONG_MIN``)."""
    over = [i for i, (what, _) in past.rows.items() if passes_over(era.key, m, what)]
    if not over:
        return scores, over
    nothing = None if era.key == "5.9" else 0
    changed = list(scores)
    for i in over:
        changed[i] = nothing
    return changed, over


def _chosen(era: Era, choice: Choice, ctx: Context) -> Verdict:
    task = choice.task
    return Verdict(
        era.key,
        era.label,
        task.pid if task else None,
        task.comm if task else None,
        choice.points,
        per_mille(era, choice.points, ctx.totalpages) if task else None,
        tuple(t.pid for t in choice.ties),
    )


def _compare(
    m: Machine,
    era: Era | None,
    verdict: Verdict | None,
    ctx: Context,
    choice: Chosen | None,
    past: Earlier,
    skipped: list[str],
    check: ScoreCheck | None,
) -> tuple[bool | None, list[str]]:
    d = m.decision
    if d is None:
        if m.era_source == "live":
            return None, []
        return None, ["the log shows no decision for this report"]
    if d.panic is not None and d.pid is None:
        return None, [f"the kernel killed nothing: {d.panic}"]
    assert choice is not None
    why = _who(m, choice)
    if skipped:
        why.append(
            f"passed over, as the kernel does (MMF_OOM_SKIP): {', '.join(skipped[:3])}"
            + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        )
    if past.reused is not None and choice.row is not None:
        what, line = past.reused
        why.append(
            f"the log shows {choice.row.pid} {what} at line {line} already, and the kernel "
            "chose it again: a new process that got the same pid?"
        )
    if era is None or verdict is None:
        why.insert(0, _no_model(m))
        return None, why
    victim = choice.row
    if victim is not None and verdict.pid == victim.pid:
        if verdict.ties:
            why.append(
                f"{len(verdict.ties)} other task(s) tie at {verdict.score} points; "
                f"{era.label} keeps the {'last' if era.last_wins else 'first'} of them"
            )
        if check is not None and check.status != "agrees":
            why.append(check.why)
        why.extend(check_adj(m, victim))
        return True, why
    if victim is None:
        why.append(f"the kernel's victim {d.pid} ({d.comm}) is not in the task table")
        return False, why
    if verdict.pid is None:
        why.append(f"{era.label} finds no task it may kill")
        return False, why
    why.extend(_reasons(m, era, verdict, victim, ctx, check))
    why.extend(check_adj(m, victim))
    return False, why


def _who(m: Machine, choice: Chosen) -> list[str]:
    """The kernel's choice and its kill, as the table's processes."""
    d = m.decision
    assert d is not None and d.pid is not None
    row, killed = choice.row, choice.killed
    if choice.how == "thread" and row is not None:
        return [
            f"the kernel chose {d.pid} ({d.comm}), a thread of process {row.pid} "
            f"({row.comm}): the table lists each process once, by its thread group, and "
            "the walk went over threads"
        ]
    out = []
    if choice.how == "tgid" and row is not None:
        out.append(
            f"the kernel chose {d.pid} ({d.comm}), the thread group of row {row.pid} "
            f"({row.comm}) (its leader has exited)"
        )
    if d.killed_pid is None or d.killed_pid == d.pid:
        return out
    if killed is not None and row is not None and killed is row:
        out.append(
            f"the kernel killed {d.pid}'s process through its thread {d.killed_pid} "
            f"({d.killed_comm})"
        )
    elif row is None and killed is not None:
        out.append(
            f"the kernel chose {d.pid} ({d.comm}), which no row shows (a thread), and killed "
            f"{killed.pid} ({killed.comm}): its own process, or a child killed in its place"
        )
    else:
        out.append(
            f"the kernel chose {d.pid} ({d.comm}) and killed its child "
            f'{d.killed_pid} ({d.killed_comm}) in its place ("or sacrifice child")'
        )
    return out


def _no_model(m: Machine) -> str:
    if m.kernel is not None:
        return (
            f"{m.kernel} follows 2.6's earlier badness() (total_vm, children, CPU and run "
            "time, oom_adj), which is not modelled: no era to compare with"
        )
    return "the report names no kernel and its layout points to no modelled era"


def _reasons(
    m: Machine,
    era: Era,
    verdict: Verdict,
    victim: TaskRecord,
    ctx: Context,
    check: ScoreCheck | None,
) -> list[str]:
    d = m.decision
    assert d is not None
    chosen = m.task(verdict.pid)
    assert chosen is not None
    own = era.score(victim, ctx)
    why: list[str] = []
    if any("allocating_task" in msg for msg in (d.message, *m.notes)):
        why.append("vm.oom_kill_allocating_task was set: the kernel killed the allocating task")
    seen = earlier(m, chosen)
    if seen is not None:
        why.append(
            f"{chosen.pid} ({chosen.comm}) was already {seen[0]} earlier in this log (line "
            f"{seen[1]}): a kernel before 4.7 waits for a victim whose marked thread lives, "
            "and scores it like any other task once that thread has gone"
        )
    if own == verdict.score:
        order = "last" if era.last_wins else "first"
        why.append(
            f"a tie: {victim.pid} ({victim.comm}) and {chosen.pid} ({chosen.comm}) both score "
            f"{own}; {era.label} keeps the {order} in the table's order, the kernel walked its "
            "task list (or the memory cgroup's) in an order the table need not share"
        )
        return why
    why.append(
        f"{era.label} gives {chosen.pid} ({chosen.comm}) {verdict.score} and the kernel's "
        f"victim {victim.pid} ({victim.comm}) {own}"
    )
    if check is not None and check.status != "agrees":
        why.append(check.why)
    missing = [
        name
        for name, absent in (
            ("swap entries", victim.swap is None),
            ("page tables", victim.pgtables is None and era.key != "2.6.36"),
        )
        if absent
    ]
    if missing and (check is None or "shows no" not in check.why):
        why.append(f"the table does not show {' or '.join(missing)}, which the kernel counted")
    if era.key in ("2.6.36", "2.6.37", "3.6", "3.14") and 0 in (victim.uid, chosen.uid):
        why.append(
            "the root bonus goes by CAP_SYS_ADMIN, assumed for uid 0: a root task that "
            "dropped it, or a user task that holds it, scores otherwise"
        )
    if m.constraint in ("cpuset", "mempolicy"):
        why.append(
            f"a {m.constraint} OOM passes over tasks whose memory is on other nodes, which "
            "the report does not show"
        )
    why.append(
        "dump_tasks() prints the table after select_bad_process() chose, so the numbers "
        "may have moved in between"
    )
    return why
