"""Each era's rule, pinned to the line of ``mm/oom_kill.c`` (or ``fs/proc/base.c``) it models."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel.constants import CAP_FULL_SET
from moomtui.kernel.task import Mm, Task
from moomtui.modules.classic import badness as classic_badness
from moomtui.modules.oom_score_adj import oom_badness as sim_oom_badness
from moomtui.real.eras import (
    ERAS,
    Context,
    Facts,
    badness_2_4,
    badness_2_6_36,
    badness_2_6_37,
    badness_3_6,
    badness_3_14,
    badness_4_17,
    badness_5_9,
    c_div,
    choose,
    earlyoom_select,
    era_for_version,
    facts,
    has_sys_admin,
    pgtables_of,
    proc_per_mille,
    proc_two_thirds,
    select_bad_process,
    swap_of,
    unkillable,
)
from moomtui.real.records import CAP_FULL_2_4, CAP_SYS_ADMIN, TaskRecord
from moomtui.real.verdict import RULES, all_points

CTX = Context(totalpages=1_000_000)


def rec(pid: int, rss: int, **kw: object) -> TaskRecord:
    """A user's task (uid 1000) unless ``uid`` says otherwise."""
    kw.setdefault("uid", 1000)
    kw.setdefault("total_vm", rss)
    return TaskRecord(pid=pid, comm=f"t{pid}", rss=rss, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------- 2.4
@settings(max_examples=200, deadline=None)
@given(
    total_vm=st.integers(0, 2**31 - 1),
    uid=st.sampled_from([0, 1000]),
    nice=st.integers(-20, 19),
    utime=st.integers(0, 10**7),
    start=st.integers(0, 10**7),
    jiffies=st.integers(0, 2**32 - 1),
)
def test_2_4_is_the_simulators_own_badness(
    total_vm: int, uid: int, nice: int, utime: int, start: int, jiffies: int
) -> None:
    """``badness()`` of 2.4.22, called through the simulator's transcription."""
    r = TaskRecord(
        pid=9, comm="x", uid=uid, total_vm=total_vm, nice=nice, utime=utime, start_time=start
    )
    task = Task(pid=9, comm="x", mm=Mm(1, total_vm=total_vm), uid=uid, euid=uid, nice=nice)
    task.cap_effective = CAP_FULL_SET if uid == 0 else 0
    task.base_utime, task.start_time = utime, start
    assert badness_2_4(r, Context(1, jiffies=jiffies)) == classic_badness(task, jiffies)


def simulated_2_4(r: TaskRecord, jiffies: int) -> int:
    """The simulator's ``badness()`` of the task a record stands for: a :class:`Task` and its
    :class:`Mm` built from the record, its defaults applied as :mod:`moomtui.real.eras` says."""
    if not r.killable_mm:
        return 0
    mm = Mm(0, total_vm=r.total_vm, rss=r.rss, swap=r.swap or 0)
    euid = r.uid if r.euid is None else r.euid
    caps = r.caps if r.caps is not None else (CAP_FULL_2_4 if euid == 0 else 0)
    task = Task(pid=r.pid, comm=r.comm, mm=mm, uid=r.uid, euid=euid, cap_effective=caps)
    task.nice, task.start_time = r.nice or 0, r.start_time or 0
    task.base_utime, task.base_stime = r.utime or 0, r.stime or 0
    return classic_badness(task, jiffies)


def maybe(values: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    return st.one_of(st.none(), values)


EDGES = [0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**32, -1, -(2**31), -(2**31) - 1, -(2**32)]
WIDE = st.one_of(st.sampled_from(EDGES), st.integers(-(2**33), 2**33), st.integers(-(2**70), 2**70))
ROW = {
    "pid": st.one_of(st.sampled_from([0, 1, 2]), st.integers(0, 2**22)),
    "comm": st.just("x"),
    "uid": st.sampled_from([0, 1, 1000]),
    "rss": st.integers(0, 2**40),
    "swap": maybe(st.integers(0, 2**40)),
    "pgtables": maybe(st.integers(0, 2**20)),
    "oom_score_adj": st.sampled_from([-1000, -999, -30, 0, 1, 1000]),
    "total_vm": WIDE,
    "euid": maybe(st.sampled_from([0, 1000])),
    "caps": maybe(st.one_of(st.integers(0, 2**40), st.sampled_from([1 << 17, 1 << 21]))),
}
"""A task's fields as a report may give them."""
records = st.builds(
    TaskRecord,
    **ROW,
    nice=maybe(st.integers(-20, 19)),
    utime=maybe(WIDE),
    stime=maybe(WIDE),
    start_time=maybe(WIDE),
    kthread=st.sampled_from([False, False, False, True]),
    has_mm=st.sampled_from([True, True, True, False]),
)


@settings(max_examples=300, deadline=None)
@given(r=records, jiffies=st.one_of(st.integers(0, 2**32 - 1), WIDE))
def test_2_4_read_over_a_record_is_the_simulators_badness(r: TaskRecord, jiffies: int) -> None:
    """Every field a record may hold (sizes and times past 32 bits, negative ones, unknown
    ones): the score read over the record is the simulator's for the task it stands for."""
    assert badness_2_4(r, Context(1, jiffies=jiffies)) == simulated_2_4(r, jiffies)


@settings(max_examples=200, deadline=None)
@given(r=records, init=st.sampled_from([1, None, 2]))
def test_a_tasks_facts_are_its_fields_through_the_defaults(r: TaskRecord, init: int | None) -> None:
    ctx = Context(1000, init_pid=init)
    assert facts(r, ctx) == Facts(
        unkillable(r, ctx) or r.oom_score_adj == -1000,
        r.rss,
        swap_of(r),
        pgtables_of(r),
        r.oom_score_adj,
        has_sys_admin(r),
    )


@settings(max_examples=300, deadline=None)
@given(
    r=records,
    total=st.one_of(st.sampled_from([0, 1, 999, 1000, -5]), st.integers(1, 2**40)),
    init=st.sampled_from([1, None]),
)
def test_all_points_are_each_rules_own(r: TaskRecord, total: int, init: int | None) -> None:
    """Judging scores a task by every rule in one call: each figure is its rule's."""
    ctx = Context(total, jiffies=12345, init_pid=init)
    assert {era.score for era in ERAS.values()} == set(RULES)
    assert all_points(r, ctx) == tuple(rule(r, ctx) for rule in RULES)


report_rows = st.builds(TaskRecord, **ROW)
"""Rows as a report gives them: no CPU time, start time or nice (all_points' short way)."""


@settings(max_examples=300, deadline=None)
@given(
    r=report_rows,
    jiffies=st.one_of(st.sampled_from([0, 1, 2**17 - 1, 2**17, 2**32 - 1]), WIDE),
    total=st.one_of(st.sampled_from([0, 1, 999, 1000]), st.integers(1, 2**40)),
    init=st.sampled_from([1, None]),
)
def test_all_points_of_a_reports_row_are_each_rules_own(
    r: TaskRecord, jiffies: int, total: int, init: int | None
) -> None:
    """A report's row takes all_points' short way to 2.4's badness(): the same figures."""
    ctx = Context(total, jiffies=jiffies, init_pid=init)
    assert all_points(r, ctx) == tuple(rule(r, ctx) for rule in RULES)


def test_2_4_defaults_root_holds_every_capability() -> None:
    """``if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_ADMIN) || p->uid == 0 …)
    points /= 4;`` and ``if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_RAWIO))
    points /= 4;``: root without known capabilities is divided by 16."""
    assert badness_2_4(rec(9, 0, total_vm=16000, uid=0), CTX) == 1000
    assert badness_2_4(rec(9, 0, total_vm=16000, uid=0, caps=0), CTX) == 4000
    assert badness_2_4(rec(9, 0, total_vm=16000, uid=5, nice=1), CTX) == 32000


# ------------------------------------------------------------------------- 2.6.36 / 2.6.37
@settings(max_examples=300, deadline=None)
@given(
    rss=st.integers(0, 10**6),
    swap=st.integers(0, 10**6),
    adj=st.integers(-1000, 1000),
    root=st.booleans(),
    total=st.integers(1, 4 * 10**6),
)
def test_2_6_36_is_the_oom_score_adj_modules_badness(
    rss: int, swap: int, adj: int, root: bool, total: int
) -> None:
    r = rec(9, rss, swap=swap, oom_score_adj=adj, uid=0 if root else 1000)
    task = Task(pid=9, comm="x", mm=Mm(1, total_vm=rss + swap, rss=rss, swap=swap))
    task.oom_score_adj = adj
    task.cap_effective = CAP_FULL_SET if root else 0
    assert badness_2_6_36(r, Context(total)) == sim_oom_badness(task, total)


def test_2_6_36_scale_bonus_and_clamp() -> None:
    """``points = (get_mm_rss(p->mm) + get_mm_counter(p->mm, MM_SWAPENTS)) * 1000 /
    totalpages;`` ``points -= 30;`` (CAP_SYS_ADMIN) ``points += oom_score_adj;``
    ``if (points <= 0) return 1; return (points < 1000) ? points : 1000;``"""
    assert badness_2_6_36(rec(9, 400_000, swap=100_000), CTX) == 500
    assert badness_2_6_36(rec(9, 400_000, swap=100_000, uid=0), CTX) == 470
    assert badness_2_6_36(rec(9, 10, oom_score_adj=-500), CTX) == 1
    assert badness_2_6_36(rec(9, 900_000, oom_score_adj=500), CTX) == 1000
    assert badness_2_6_36(rec(9, 900_000, oom_score_adj=-1000), CTX) == 0


def test_2_6_37_counts_page_tables() -> None:
    """``points = get_mm_rss(p->mm) + p->mm->nr_ptes;``"""
    r = rec(9, 400_000, pgtables=100_000)
    assert (badness_2_6_36(r, CTX), badness_2_6_37(r, CTX)) == (400, 500)


# ------------------------------------------------------------------------- 3.6 … 5.x
def test_3_6_root_bonus_is_in_adj_units() -> None:
    """``adj -= 30;`` ``adj *= totalpages / 1000;`` ``points += adj;``
    ``return points > 0 ? points : 1;``"""
    assert badness_3_6(rec(9, 500_000, pgtables=1000, swap=9000), CTX) == 510_000
    assert badness_3_6(rec(9, 500_000, pgtables=1000, swap=9000, uid=0), CTX) == 480_000
    assert badness_3_6(rec(9, 100, oom_score_adj=-999), CTX) == 1


def test_3_14_root_bonus_is_three_percent_of_its_own_points() -> None:
    """``points -= (points * 3) / 100;``"""
    assert badness_3_14(rec(9, 500_000, pgtables=1000, swap=9000, uid=0), CTX) == 494_700
    assert badness_3_14(rec(9, 500_000, uid=0, caps=0), CTX) == 500_000


def test_4_17_has_no_root_bonus() -> None:
    root = rec(9, 500_000, uid=0)
    user = rec(10, 500_000, uid=1000)
    assert badness_4_17(root, CTX) == badness_4_17(user, CTX) == 500_000


def test_5_9_points_are_signed_and_long_min_is_none() -> None:
    """``adj *= totalpages / 1000; points += adj; return points;`` and ``return LONG_MIN``
    for ``adj == OOM_SCORE_ADJ_MIN``."""
    assert badness_5_9(rec(9, 1000, oom_score_adj=-500), CTX) == 1000 - 500 * 1000
    assert badness_5_9(rec(9, 1000, oom_score_adj=-1000), CTX) is None
    assert badness_4_17(rec(9, 1000, oom_score_adj=-500), CTX) == 1


def test_init_and_kernel_threads_are_never_scored() -> None:
    """``if (is_global_init(p)) return true; if (p->flags & PF_KTHREAD) return true;``"""
    init = rec(1, 5000)
    kthread = rec(2, 0, kthread=True, has_mm=False)
    for era in ERAS.values():
        if era.key == "2.4":
            assert badness_2_4(kthread, CTX) == 0  # 2.4: no mm; init is eligible
            continue
        assert era.score(init, CTX) in (0, None)
        assert era.score(kthread, CTX) in (0, None)


# ------------------------------------------------------------------------- choosing
TIED = [rec(10, 5000), rec(11, 5000), rec(12, 4000)]


@pytest.mark.parametrize(
    ("key", "winner"),
    [("2.6.36", 10), ("3.6", 10), ("3.14", 10), ("4.17", 10), ("5.3", 11), ("5.9", 11)],
)
def test_ties_go_to_the_first_until_5_2_and_to_the_last_from_5_3(key: str, winner: int) -> None:
    """2.6.36: ``if (points > *ppoints)``; 3.14–5.2: ``if (points == oc->chosen_points &&
    thread_group_leader(oc->chosen)) goto next;``; 5.3 dropped that line, leaving ``if
    (!points || points < oc->chosen_points) goto next;`` — an equal score replaces the
    choice."""
    choice = select_bad_process(TIED, ERAS[key], CTX)
    assert choice.task is not None and choice.task.pid == winner
    assert [t.pid for t in choice.ties] == [11 if winner == 10 else 10]


def walk(tasks: list[TaskRecord], era_key: str) -> tuple[int | None, object, list[int]]:
    """The walk as mm/oom_kill.c writes it, a task at a time: the choice, its points and
    the other tasks scoring as much."""
    era = ERAS[era_key]
    chosen: TaskRecord | None = None
    best = None
    scores = []
    for r in tasks:
        points = era.score(r, CTX)
        scores.append(points)
        if points is None or (not points and era.key != "5.9"):
            continue
        if best is not None and (points < best or (points == best and not era.last_wins)):
            continue
        chosen, best = r, points
    pairs = zip(tasks, scores, strict=True)
    ties = [r.pid for r, p in pairs if chosen and r is not chosen and p == best]
    return (chosen.pid if chosen else None), best, ties


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0, 1, 5, 3000]),
            st.sampled_from([-1000, -999, -500, 0, 1000]),
            st.booleans(),
        ),
        max_size=7,
    ),
    st.sampled_from(sorted(ERAS)),
)
def test_the_choice_is_the_walks(tasks: list[tuple[int, int, bool]], era_key: str) -> None:
    """Equal scores (many: rss from few values), negative ones, tasks never to be chosen."""
    records = [
        rec(10 + i, rss, oom_score_adj=adj, has_mm=mm) for i, (rss, adj, mm) in enumerate(tasks)
    ]
    choice = select_bad_process(records, ERAS[era_key], CTX)
    got = (choice.task.pid if choice.task else None), choice.points, [t.pid for t in choice.ties]
    assert got == walk(records, era_key)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(-3, 3)), max_size=8), st.sampled_from(sorted(ERAS))
)
def test_choosing_from_scores_is_the_walk(scores: list[int | None], era_key: str) -> None:
    """Any scores — ``LONG_MIN``, zeros, negative ones, ties — chosen from as the walk does:
    from 0 up to 5.8 (nothing at or below it is chosen), from ``LONG_MIN`` in 5.9."""
    era = ERAS[era_key]
    tasks = [rec(10 + i, 1) for i in range(len(scores))]
    best, index = None, -1
    for i, points in enumerate(scores):
        if points is None or (points <= 0 and era.key != "5.9"):
            continue
        if best is None or points > best or (points == best and era.last_wins):
            best, index = points, i
    choice = choose(tasks, scores, era)
    assert choice.task is (tasks[index] if index >= 0 else None)
    assert choice.points == best
    others = [t for t, p in zip(tasks, scores, strict=True) if index >= 0 and p == best]
    assert choice.ties == [t for t in others if t is not choice.task]


def test_2_4_never_chooses_a_badness_below_zero() -> None:
    """2.4.22's walk starts at 0 (the seed: ``int maxpoints = 0;`` …
    ``if (points > maxpoints) {``): a task whose int badness wrapped below zero — a
    ``total_vm`` of 2**31 pages or more, as a 64-bit report can print (an ASan process
    reserves tens of TiB) — is never chosen; the next task is."""
    huge = rec(10, 1000, total_vm=2**31 + 5)
    small = rec(11, 1000)
    assert badness_2_4(huge, CTX) < 0
    choice = select_bad_process([huge, small], ERAS["2.4"], CTX)
    assert choice.task is small
    alone = select_bad_process([huge], ERAS["2.4"], CTX)
    assert alone.task is None


def test_5_9_may_choose_a_negative_score() -> None:
    """5.9 starts at ``oc->chosen_points = LONG_MIN``: the only killable task is chosen
    however negative; 5.2's ``!points`` skips nothing here since its floor is 1."""
    only = [rec(10, 100, oom_score_adj=-900), rec(11, 100, oom_score_adj=-1000)]
    choice = select_bad_process(only, ERAS["5.9"], CTX)
    assert choice.task is not None and choice.task.pid == 10
    assert choice.points is not None and choice.points < 0


def test_oom_score_adj_minus_1000_is_never_chosen_after_2_4() -> None:
    """2.4 has no oom_score_adj: its badness() still chooses the task."""
    protected = [rec(11, 9, oom_score_adj=-1000)]
    for era in ERAS.values():
        chosen = select_bad_process(protected, era, CTX).task
        assert (chosen is not None) == (era.key == "2.4")


@settings(max_examples=500, deadline=None)
@given(st.integers(-(2**70), 2**70), st.integers(-(2**40), 2**40).filter(bool))
def test_c_div_truncates_toward_zero(a: int, b: int) -> None:
    q = abs(a) // abs(b)
    assert c_div(a, b) == (q if (a < 0) == (b < 0) else -q)
    assert c_div(-7, 2) == -3 and c_div(7, -2) == -3 and c_div(-6, 3) == -2


def test_proc_oom_score_per_era() -> None:
    """3.6–5.8: ``points * 1000 / totalpages``; 5.9: ``(1000 + badness * 1000 / (long)
    totalpages) * 2 / 3`` — C division truncates toward zero."""
    assert proc_per_mille(12_345, 1_000_000) == 12
    assert proc_two_thirds(0, 1_000_000) == 666
    assert proc_two_thirds(1_000_000, 1_000_000) == 1333
    assert proc_two_thirds(-1500, 1_000_000) == 666  # -1.5 → -1, not -2
    assert proc_two_thirds(None, 1_000_000) == 0


@settings(max_examples=500, deadline=None)
@given(st.integers(-(2**40), 2**40), st.integers(-5, 2**40))
def test_proc_two_thirds_is_cs_arithmetic(points: int, totalpages: int) -> None:
    """Its short way for what is not negative is C's division (truncated toward zero)."""
    t = max(1, totalpages)
    assert proc_two_thirds(points, totalpages) == c_div((1000 + c_div(points * 1000, t)) * 2, 3)


def test_earlyoom_breaks_ties_by_rss_and_skips_the_protected() -> None:
    tasks = [
        rec(30, 200, oom_score_adj=1000),
        rec(20, 500_000, oom_score_adj=-1000),
        rec(40, 300, oom_score_adj=1000),
    ]
    choice = earlyoom_select(tasks, ERAS["5.9"], CTX)
    assert choice.task is not None and choice.task.pid == 40


@pytest.mark.parametrize(
    ("version", "era"),
    [
        ("2.4.22", "2.4"),
        ("2.6.32-5-amd64", None),
        ("2.6.36", "2.6.36"),
        ("3.2.0-4-amd64", "2.6.37"),
        ("3.10.0-1160.el7.x86_64", "3.6"),
        ("3.16.0", "3.14"),
        ("4.15.0-213-generic", "3.14"),
        ("4.19.0-25-amd64", "4.17"),
        ("5.1.0", "4.17"),
        ("5.2.21", "4.17"),
        ("5.3.0", "5.3"),
        ("5.4.0-150-generic", "5.3"),
        ("5.15.0-107-generic", "5.9"),
        ("6.18.44", "5.9"),
        ("not a version", None),
    ],
)
def test_era_for_version(version: str, era: str | None) -> None:
    assert era_for_version(version) == era


def test_capability_bits_are_the_kernels() -> None:
    assert CAP_SYS_ADMIN == 21
