"""Each era's choice, and whether the report's own era picks the kernel's victim — if not,
why."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.real.eras import ERAS, Context, jiffies_at, per_mille, select_bad_process
from moomtui.real.rebuild import rebuild_log
from moomtui.real.records import Machine, TaskRecord
from moomtui.real.report import read_log
from moomtui.real.verdict import (
    _FEW,
    NONE,
    RULES,
    Judgement,
    _usual,
    all_points,
    judge,
    walks,
)

from .kformat import T, report


def judged(lines: list[str]) -> list[Judgement]:
    return [judge(m) for m in rebuild_log(read_log("\n".join(lines)), "r")]


# A 3.10 machine where the root bonus decides: 3.6–3.13 take it off in adj units (30 ×
# totalpages/1000), 3.14 as 3 % of the task's points, 4.17 not at all.
ROOT_WINS = [
    T(901, "sshd", 288, uid=0, adj=-1000),
    T(1180, "mongod", 930000, uid=0, swap=60000, ptes=2000),
    T(2211, "java", 900000, swap=50000, ptes=1900),
]


def test_the_eras_disagree_and_the_reports_own_era_matches() -> None:
    (j,) = judged(
        report(
            "3.6", ROOT_WINS, ROOT_WINS[2], score=412, ram=2097152, reserved=50000, swap_kb=1048572
        )
    )
    picks = {key: v.pid for key, v in j.verdicts.items()}
    assert picks["3.6"] == 2211
    assert picks["3.14"] == picks["4.17"] == picks["5.9"] == 1180
    assert (j.model, j.matches) == ("3.6", True)
    assert j.verdicts["3.6"].per_mille == 412  # the score the kernel printed


def test_a_model_that_disagrees_says_why() -> None:
    """The same numbers under a 5.4 kernel that killed java: its model picks mongod."""
    (j,) = judged(
        report("4.19", ROOT_WINS, ROOT_WINS[2], ram=2097152, reserved=50000, swap_kb=1048572)
    )
    assert (j.model, j.matches) == ("5.3", False)
    why = " ".join(j.why)
    assert "1180 (mongod) 992000" in why and "2211 (java) 951900" in why
    assert "after select_bad_process()" in why


def test_a_tie_is_named_as_the_reason() -> None:
    twins = [T(3001, "worker", 50000), T(3002, "worker", 50000)]
    # 5.9–6.x keeps the last of equal scores; this kernel killed the first.
    (j,) = judged(report("6.x", twins, twins[0]))
    assert (j.model, j.matches) == ("5.9", False)
    assert any("a tie" in w and "keeps the last" in w for w in j.why)
    assert j.verdicts["4.17"].pid == 3001 and j.verdicts["5.9"].pid == 3002


def test_a_missing_column_is_named_as_a_reason() -> None:
    """2.6.36–3.5 tables print no swap entries, which the kernel counted."""
    tasks = [T(10, "a", 100_000), T(11, "b", 90_000)]
    (j,) = judged(report("2.6.36", tasks, tasks[1], score=88))
    assert j.matches is False
    assert any("shows no swap entries" in w and "printed score 88" in w for w in j.why)


def test_a_victim_not_in_the_table() -> None:
    tasks = [T(10, "a", 100_000), T(11, "b", 90_000)]
    (j,) = judged(report("6.x", tasks, T(99, "ghost", 1)))
    assert j.matches is False
    assert any("not in the task table" in w for w in j.why)


def test_an_earlier_victim_is_named() -> None:
    """3.10 has no OOM reaper: a victim still listed is scored like any other task."""
    tasks = [T(10, "a", 100_000), T(11, "b", 90_000)]
    first = report("3.6", tasks, tasks[0], score=97)
    second = report("3.6", tasks, tasks[1], score=87)
    _, j = judged([*first, *second])
    assert j.matches is False
    assert any("already killed earlier in this log (line 20)" in w for w in j.why)


def test_a_panic_is_no_match_and_no_victim() -> None:
    tasks = [T(10, "a", 100_000, adj=-1000)]
    lines = report("6.x", tasks, tasks[0])[:-2]
    lines.append("Kernel panic - not syncing: System is deadlocked on memory")
    (j,) = judged(lines)
    assert j.matches is None
    assert j.machine.decision is not None and j.machine.decision.pid is None
    assert any("killed nothing" in w for w in j.why)


def test_a_pre_2_6_36_kernel_has_no_model() -> None:
    tasks = [T(10, "a", 100_000), T(11, "b", 90_000)]
    (j,) = judged(report("2.6.25", tasks, tasks[0]))
    assert (j.model, j.matches) == (None, None)
    assert "not modelled" in j.why[0]
    assert j.verdicts["2.4"].pid == 10


def test_earlyoom_reads_the_reports_own_oom_score() -> None:
    (j,) = judged(
        report(
            "3.6", ROOT_WINS, ROOT_WINS[2], score=412, ram=2097152, reserved=50000, swap_kb=1048572
        )
    )
    eo = j.verdicts["earlyoom"]
    assert (eo.pid, eo.score) == (2211, 412)
    assert "3.6–3.13" in eo.label


def test_a_5_2_kernel_keeps_the_first_of_a_tie_and_5_3_the_last() -> None:
    """5.2's oom_evaluate_task() still has ``if (points == oc->chosen_points &&
    thread_group_leader(oc->chosen)) goto next;`` (a process walk holds only leaders, so
    the first of equal scores stays); the 5.3 merge window removed it ("mm: oom: Remove
    thread group leader check in oom_evaluate_task()"), and an equal score replaces the
    choice."""
    twins = [T(3001, "worker", 50000), T(3002, "worker", 50000)]
    (old,) = judged(report("4.19", twins, twins[0], kernel="5.2.21"))
    assert (old.model, old.matches, old.verdicts["4.17"].pid) == ("4.17", True, 3001)
    assert old.verdicts["4.17"].label == "4.17–5.2"
    (new,) = judged(report("4.19", twins, twins[1], kernel="5.3.0-19-generic"))
    assert (new.model, new.matches, new.verdicts["5.3"].pid) == ("5.3", True, 3002)
    assert new.verdicts["5.3"].label == "5.3–5.8"


# ------------------------------------------------------------------------- the plain walk
small_rows = st.builds(
    TaskRecord,
    pid=st.integers(0, 40),
    comm=st.sampled_from(["a", "b"]),
    uid=st.sampled_from([0, 1000]),
    rss=st.sampled_from([0, 1, 500, 1000, 2**33]),
    swap=st.one_of(st.none(), st.sampled_from([0, 7])),
    pgtables=st.one_of(st.none(), st.sampled_from([0, 3])),
    oom_score_adj=st.sampled_from([-1000, -999, -30, 0, 1000]),
    total_vm=st.sampled_from([0, 1, 4000, 2**31, -5]),
    kthread=st.sampled_from([False, False, True]),
    has_mm=st.sampled_from([True, True, False]),
)


@settings(max_examples=200, deadline=None)
@given(
    tasks=st.lists(small_rows, max_size=5),
    total=st.sampled_from([1, 999, 1000, 4096, 2**34]),
    uptime=st.sampled_from([None, 0.5, 5000.0]),
)
def test_each_verdict_is_its_eras_plain_walk(
    tasks: list[TaskRecord], total: int, uptime: float | None
) -> None:
    """judge() ends each era's walk its short way when one task scores the most: every
    verdict is select_bad_process()'s choice, its points, 1000ths and ties."""
    m = Machine(source="t", tasks=tasks, totalpages=total, totalram=total, uptime=uptime)
    j = judge(m)
    ctx = Context(total, jiffies=jiffies_at(uptime))
    for key, era in ERAS.items():
        c = select_bad_process(tasks, era, ctx)
        v = j.verdicts[key]
        assert (v.pid, v.comm, v.score) == (
            (c.task.pid, c.task.comm, c.points) if c.task else (None, None, c.points)
        )
        assert v.per_mille == (per_mille(era, c.points, total) if c.task else None)
        assert v.ties == tuple(t.pid for t in c.ties)
    # The short way, where it is taken, is each era's walk as walks() takes it too.
    assert_short_way_walks(m, ctx)


def scores(tasks: list[TaskRecord], ctx: Context) -> tuple[list[Any], list[Any]]:
    """The tasks' scores by every rule (all_points), and the same by rule."""
    points = [all_points(rec, ctx) for rec in tasks]
    return points, [*zip(*points, strict=True)]


def assert_short_way_walks(m: Machine, ctx: Context) -> None:
    tasks = m.tasks
    if not tasks:
        return
    points, columns = scores(tasks, ctx)
    short = _usual(tasks, points, columns, max(1, ctx.totalpages))
    assert short is None or short == walks(m, dict(zip(RULES, columns, strict=True)), NONE, ctx)[0]


killable_rows = st.builds(
    TaskRecord,
    pid=st.integers(2, 40),
    comm=st.sampled_from(["a", "b"]),
    uid=st.sampled_from([0, 1000]),
    rss=st.sampled_from([1, 500, 1000, 2**33]),
    swap=st.one_of(st.none(), st.sampled_from([0, 7])),
    pgtables=st.one_of(st.none(), st.sampled_from([0, 3])),
    oom_score_adj=st.sampled_from([-999, -30, 0, 1000]),
    total_vm=st.sampled_from([4000, 9000, 2**30]),
)
"""Tasks every walk may choose: the short way's ground."""


@settings(max_examples=300, deadline=None)
@given(
    tasks=st.lists(killable_rows, min_size=1, max_size=_FEW + 6),
    total=st.sampled_from([1, 999, 4096, 2**34]),
)
def test_the_short_way_is_each_eras_walk_among_few_tasks_and_many(
    tasks: list[TaskRecord], total: int
) -> None:
    """Among up to _FEW tasks the short way asks whether one outscores all by every rule,
    above it reads each rule's column; both give what the walks give."""
    ctx = Context(total)
    assert_short_way_walks(Machine(source="t", tasks=tasks, totalpages=total), ctx)


def test_the_short_way_is_taken_when_one_task_scores_the_most_by_every_rule() -> None:
    """judge()'s short way (_usual) answers for a machine whose rules each put one task on
    top, and leaves a tie, or a task no walk may choose, to the walks."""
    big = TaskRecord(pid=10, comm="big", uid=1000, total_vm=9000, rss=8000)
    small = TaskRecord(pid=11, comm="small", uid=1000, total_vm=900, rss=800)
    twin = TaskRecord(pid=12, comm="twin", uid=1000, total_vm=9000, rss=8000)
    # by 2.4's total_vm it tops, by the pages of every later rule the big task does
    vast = TaskRecord(pid=13, comm="vast", uid=1000, total_vm=90000, rss=80)
    many = [
        TaskRecord(pid=100 + i, comm="s", uid=1000, total_vm=900 + i, rss=800 + i)
        for i in range(_FEW + 4)
    ]
    ctx = Context(20000)
    for tasks, taken in (
        ([small, big], True),  # one task tops every rule: asked first
        ([small, big, vast], True),  # each rule's column read
        ([*many, big], True),  # more than _FEW: each rule's column read
        ([big, twin], False),
        ([*many, big, twin], False),
        ([big, TaskRecord(pid=1, comm="init", uid=0, total_vm=90, rss=80)], False),
    ):
        m = Machine(source="t", tasks=tasks, totalpages=20000, totalram=20000)
        points, columns = scores(tasks, ctx)
        scored = dict(zip(RULES, columns, strict=True))
        short = _usual(tasks, points, columns, 20000)
        assert (short is not None) is taken
        assert short is None or short == walks(m, scored, NONE, ctx)[0]
        assert {k: v for k, v in judge(m).verdicts.items() if k in ERAS} == walks(
            m, scored, NONE, ctx
        )[0]
