"""Why this victim? The step-by-step scores and the rankings ``explain`` shows.

The steps are written beside the functions they explain (``badness_steps`` next to
``badness``, ``oom_badness_steps`` next to ``oom_badness``); property tests hold the score
they arrive at equal to the real function's for every task state, and the ranking's first
candidate equal to the policy's own ``select_bad_process``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel.constants import HZ, PF_MEMDIE
from moomtui.kernel.procfs import write_proc
from moomtui.kernel.task import Mm, Task
from moomtui.modules.classic import badness, badness_steps, select_bad_process
from moomtui.modules.earlyoom import Earlyoom, EarlyoomDaemon
from moomtui.modules.explain import explain
from moomtui.modules.oom_score_adj import (
    OomScoreAdj,
    oom_badness,
    oom_badness_steps,
    totalpages,
)
from moomtui.modules.steps import score_of

from ..fixtures import machine
from .helpers import ADMIN, BADNESS_STATES, RAWIO, load, user


def _task(
    total_vm: int | None, *, pid: int = 100, rss: int = 0, swap: int = 0, **fields: object
) -> Task:
    mm = None if total_vm is None else Mm(1, total_vm=total_vm, rss=rss, swap=swap)
    return Task(pid=pid, comm=f"t{pid}", mm=mm, **fields)  # type: ignore[arg-type]


# --- the steps arrive at the score -------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(**BADNESS_STATES)
def test_badness_steps_arrive_at_badness_for_every_task_state(
    total_vm: int | None,
    utime: int,
    stime: int,
    start_time: int,
    jiffies: int,
    nice: int,
    uid: int,
    euid: int,
    caps: int,
    memdie: bool,
) -> None:
    p = _task(
        total_vm,
        uid=uid,
        euid=euid,
        nice=nice,
        cap_effective=caps,
        start_time=start_time,
        flags=PF_MEMDIE if memdie else 0,
        base_utime=utime,
        base_stime=stime,
    )
    steps = badness_steps(p, jiffies)
    assert score_of(steps) == badness(p, jiffies)
    assert steps[-1].final and sum(s.final for s in steps) == 1


@settings(max_examples=500, deadline=None)
@given(
    pid=st.sampled_from([0, 1, 2, 100]),
    kernel_thread=st.booleans(),
    rss=st.integers(0, 1 << 22),
    swap=st.integers(0, 1 << 22),
    total=st.integers(0, 1 << 23),
    adj=st.integers(-1000, 1000),
    admin=st.booleans(),
    reaped=st.booleans(),
)
def test_oom_badness_steps_arrive_at_oom_badness_for_every_task_state(
    pid: int,
    kernel_thread: bool,
    rss: int,
    swap: int,
    total: int,
    adj: int,
    admin: bool,
    reaped: bool,
) -> None:
    p = _task(
        None if kernel_thread else rss + swap,
        pid=pid,
        rss=rss,
        swap=swap,
        oom_score_adj=adj,
        cap_effective=ADMIN if admin else 0,
    )
    if p.mm is not None:
        p.mm.oom_reaped = reaped
    steps = oom_badness_steps(p, total)
    assert score_of(steps) == oom_badness(p, total)
    assert steps[-1].final and sum(s.final for s in steps) == 1


def test_the_classic_steps_quote_the_seed_in_its_order() -> None:
    """``points = p->mm->total_vm;`` … ``points /= int_sqrt(cpu_time);`` …
    ``if (p->nice > 0) points *= 2;`` … the root and the RAWIO quarters."""
    now = 36 << 17
    p = _task(20_000, base_utime=4 << 10, nice=5, uid=0, cap_effective=RAWIO)
    steps = badness_steps(p, now)
    assert [s.code.split()[0] for s in steps] == [
        "if", "if", "points", "points", "points", "if", "if", "if", "return",
    ]  # fmt: skip
    assert [s.points for s in steps] == [None, None, 20_000, 10_000, 5000, 10_000, 2500, 625, 625]
    assert "int_sqrt(4) = 2" in steps[3].text and "int_sqrt(int_sqrt(36)) = 2" in steps[4].text


def test_a_kernel_thread_and_a_dying_task_stop_at_their_first_test() -> None:
    """``if (!p->mm) return 0;`` and ``if (p->flags & PF_MEMDIE) return 0;``"""
    assert [s.points for s in badness_steps(_task(None), 0)] == [0]
    dying = badness_steps(_task(5000, flags=PF_MEMDIE), 0)
    assert [s.points for s in dying] == [None, 0] and "PF_MEMDIE" in dying[-1].text


def test_the_earlyoom_steps_add_prefer_and_avoid_to_the_oom_score() -> None:
    k = machine(user("big", 10, rss=10), user("small", 10, rss=10), ram_pages=4096)
    mod = load(k, "earlyoom", "prefer=mall", "avoid=^big$", module_type=Earlyoom)
    k.run_for(1)
    daemon = mod.daemon
    assert daemon is not None and isinstance(daemon.program, EarlyoomDaemon)
    program = daemon.program
    for t in k.tasks.values():
        total = 4096 - 448
        steps = program.badness_steps(t, total)
        assert score_of(steps) == program.badness(t, total)
    small = k.tasks[8]
    assert any("+300" in s.text for s in program.badness_steps(small, 4096 - 448))


# --- the ranking is the policy's own choice ----------------------------------------------------


def _family() -> Kernel:
    return machine(
        user("big", 3000, rss=2000),
        TaskSpec("rootd", total_vm=4000, rss=1000),
        user("niced", 1600, rss=800, nice=5),
        user("twin", 1500, rss=100),
        user("twin", 1500, rss=100),
        ram_pages=8192,
        kconfig={"CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"},
    )


def test_the_next_classic_victim_is_select_bad_process() -> None:
    k = _family()
    k.modules.insmod("oom_kill", [])
    k.run_for(HZ)
    verdict = explain(k, k.tasks[8]).verdicts[0]
    chosen = select_bad_process(k)
    assert chosen is not None and verdict.next is not None
    assert verdict.next.pid == chosen.pid == 9  # niced 1600 doubled beats big's 3000
    assert [c.pid for c in verdict.candidates[:3]] == [9, 7, 10]
    assert verdict.rank == 5  # rootd: 4000 / 4 = 1000, after the twins' 1500


def test_a_tie_goes_to_the_older_task_and_says_so() -> None:
    """``if (points > maxpoints)``: the first twin (pid 10) wins over the second (pid 11)."""
    k = machine(user("twin", 1500), user("twin", 1500), kconfig={"CONFIG_OOM_KILL": "y"})
    verdict = explain(k, k.tasks[8]).verdicts[0]
    assert [c.pid for c in verdict.candidates[:2]] == [7, 8]
    assert verdict.rank == 2
    assert "older task" in verdict.next_why[0]


def test_the_next_oom_score_adj_victim_is_its_select_bad_process() -> None:
    k = _family()
    mod = load(k, "oom_score_adj", module_type=OomScoreAdj)
    write_proc(k, "/proc/10/oom_score_adj", "500")
    verdict = explain(k, k.tasks[7]).verdicts[0]
    _, chosen, _ = mod.select_bad_process(totalpages(k))
    assert verdict.next is not None and chosen is not None
    assert verdict.next.pid == chosen.pid == 10
    assert verdict.policy == "oom_score_adj" and verdict.rank == 2


def test_init_is_never_an_oom_score_adj_candidate_but_is_a_classic_one() -> None:
    """2.6.36: ``if (is_global_init(p)) return true;`` in oom_unkillable_task; the seed's
    select_bad_process skips only pid 0."""
    k = machine(kconfig={"CONFIG_OOM_KILL": "y"})
    classic = explain(k, k.tasks[1]).verdicts[0]
    assert classic.rank == 1
    load(k, "oom_score_adj", module_type=OomScoreAdj)
    modern = next(v for v in explain(k, k.tasks[1]).verdicts if v.policy == "oom_score_adj")
    assert modern.rank is None and "never" in modern.why_not


def test_every_loaded_policy_is_explained_in_the_chains_order() -> None:
    k = _family()
    k.modules.insmod("oom_kill_parent", [])
    k.modules.insmod("oom_kill", [])
    load(k, "earlyoom", module_type=Earlyoom)
    policies = [v.policy for v in explain(k, k.tasks[7]).verdicts]
    assert policies == ["oom_kill_parent", "oom_kill", "earlyoom"]


def test_oom_panic_and_the_allocating_killer_choose_nobody() -> None:
    k = machine(user("big", 3000), kconfig={"CONFIG_OOM_PANIC": "y"})
    verdict = explain(k, k.tasks[7]).verdicts[0]
    assert verdict.policy == "oom_panic" and verdict.steps is None and verdict.next is None
    k = machine(user("big", 3000))
    k.modules.insmod("oom_kill_allocating", [])
    verdict = explain(k, k.tasks[7]).verdicts[0]
    assert verdict.steps is None and "allocat" in " ".join(verdict.when)


def test_with_no_handler_the_classic_score_is_shown_and_nothing_will_be_killed() -> None:
    k = machine(user("big", 3000))
    (verdict,) = explain(k, k.tasks[7]).verdicts
    assert verdict.policy == "none" and verdict.points == 3000
    assert "livelock" in " ".join(verdict.when)


def test_the_classic_timing_rules_say_where_they_stand() -> None:
    k = machine(user("big", 3000), kconfig={"CONFIG_OOM_KILL": "y"}, swap_pages=256)
    when = explain(k, k.tasks[7]).verdicts[0].when
    assert when[1].startswith("  ✗ no swap free (nr_swap_pages = 256)")
