"""The rankings give what the plain walks give, bit for bit, whatever happens on the way.

``select_bad_process`` of mm/oom_kill.c walks the task list::

    for_each_task(p) {
        if (p->pid) {
            int points = badness(p);
            if (points > maxpoints) {
                chosen = p;
                maxpoints = points;
            }
        }
    }

The killers ask :class:`~moomtui.modules.ranking.ClassicRanking` and
:class:`~moomtui.modules.oom_score_adj.ModernRanking` instead, which keep the scores as the
kernel reports changes. A machine is driven through random steps — forks, exits, reaps,
renice, setuid, brk, faults, munmap, ``oom_score_adj`` writes, PF_MEMDIE, the OOM reaper,
swapon/swapoff, tasks starting to use the CPU, and time, across CPU-time and run-time units
and a jiffies wrap — and after every step both rankings must choose what the walks choose.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moomtui.kernel import Kernel
from moomtui.kernel.constants import (
    CAP_FULL_SET,
    CAP_SYS_RAWIO,
    CAP_TO_MASK,
    INT_MAX,
    JIFFIES_MASK,
    PF_MEMDIE,
    SIGKILL,
)
from moomtui.kernel.procfs import write_proc
from moomtui.kernel.task import Mm, Task
from moomtui.modules.classic import badness, oom_kill_task, select_bad_process
from moomtui.modules.oom_score_adj import ModernRanking, OomScoreAdj, totalpages
from moomtui.modules.ranking import BOUND_MAX, ClassicRanking, bound

from ..fixtures import machine
from .helpers import user

STEPS = (
    "spawn",
    "thread",
    "kill",
    "tick",
    "renice",
    "setuid",
    "brk",
    "fault",
    "munmap",
    "adj",
    "memdie",
    "reap",
    "swapon",
    "swapoff",
    "busy",
    "sleep",
    "long",
)

step = st.tuples(st.sampled_from(STEPS), st.integers(0, 1 << 20), st.integers(-20, 40))


def boot_machine(jiffies: int, sizes: list[int], cpu: int) -> Kernel:
    tasks = [
        user(f"t{i}", size, rss=min(size, 8), utime=cpu + 37 * i, start_time=(jiffies - 1000 * i))
        for i, size in enumerate(sizes)
    ]
    tasks.append(user("root", 300, uid=0, caps=None, rss=8))
    return machine(*tasks, jiffies=jiffies, swap_pages=64, cpus=2)


def victims(k: Kernel, adj: OomScoreAdj) -> None:
    classic = ClassicRanking.of(k).select()
    assert classic is select_bad_process(k)
    total = totalpages(k)
    assert ModernRanking.of(k).select(total) == adj.select_bad_process(total)


def apply(k: Kernel, name: str, n: int, m: int) -> None:
    tasks = [t for t in k.tasks.values() if not t.dead and t.pid > 1 and t.mm is not None]
    task = tasks[n % len(tasks)] if tasks else None
    if name == "spawn":
        k.spawn(k.programs["idle"]({"rss": f"{n % 64}"}), comm="s", uid=1000 * (n % 2), nice=m % 20)
    elif name == "thread" and task is not None:
        k.fork(task, k.programs["thread"](), thread=True)
    elif name == "kill" and task is not None:
        k.send_sig(task, SIGKILL)
    elif name == "tick":
        k.run_for(1 + n % 7)
    elif name == "renice" and task is not None:
        k.set_nice(task, m)
    elif name == "setuid" and task is not None:
        k.setuid(task, n % 3)
    elif name == "brk" and task is not None:
        k.brk(task, n % 500)
    elif name == "fault" and task is not None:
        k.fault(task, n % 40)
    elif name == "munmap" and task is not None:
        k.munmap(task, n % 50)
    elif name == "adj" and task is not None:
        write_proc(k, f"/proc/{task.pid}/oom_score_adj", str((n % 2001) - 1000))
    elif name == "memdie" and task is not None:
        oom_kill_task(k, task, module="test", reason="victim")
    elif name == "reap" and task is not None and task.flags & PF_MEMDIE:
        k.oom_reap(task)
    elif name == "swapon":
        k.swapon(1 + n % 100)
    elif name == "swapoff":
        k.swapoff()
    elif name == "busy" and task is not None:
        k.set_busy(task, 1 + n % 100)
    elif name == "sleep" and task is not None:
        k.set_busy(task, 0)
    elif name == "long":
        k.run_for(n)  # up to 2^20 jiffies: CPU units (1024) and run-time units (131072)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    jiffies=st.sampled_from([0, 4_320_000, JIFFIES_MASK - 300_000, JIFFIES_MASK - 5]),
    sizes=st.lists(st.integers(1, 3000), min_size=1, max_size=8),
    cpu=st.sampled_from([0, 1000, 7 * 1024 + 900, INT_MAX // 4, INT_MAX - 2000]),
    steps=st.lists(step, max_size=40),
)
def test_rankings_choose_what_the_walks_choose(jiffies, sizes, cpu, steps) -> None:
    k = boot_machine(jiffies, sizes, cpu)
    adj = OomScoreAdj(k)
    victims(k, adj)
    for name, n, m in steps:
        apply(k, name, n, m)
        victims(k, adj)
    assert k.check_invariants() == []


def test_a_ranking_that_nobody_asks_stops_listening_and_comes_back() -> None:
    k = boot_machine(0, [10, 20], 0)
    ranking = ClassicRanking.of(k)
    assert ranking.select() is select_bad_process(k)
    assert ranking in k.watchers
    for _ in range(2 * len(k.tasks) + ranking.SLACK + 10):
        task = k.spawn(k.programs["idle"](), comm="churn", uid=1000)
        assert task is not None
        k.send_sig(task, SIGKILL)
        k.run_for(2)
    assert ranking not in k.watchers
    assert not ranking.ranked.keys
    assert ranking.select() is select_bad_process(k)
    assert ranking in k.watchers


def test_a_reboot_forgets_the_rankings() -> None:
    k = boot_machine(0, [10, 20], 0)
    ClassicRanking.of(k).select()
    k.reboot()
    assert k.rankings == {}
    assert k.watchers == []
    assert ClassicRanking.of(k).select() is select_bad_process(k)


def test_a_task_that_starts_to_run_is_looked_at_when_its_cpu_time_changes_units() -> None:
    """``points /= int_sqrt(cpu_time);`` — int_sqrt is "not even monotonic": 7 units of CPU
    time divide by 3, 8 units by 2, so a task that has run a little more can score more."""
    a = user("a", 300, utime=7 * 1024 + 1000, start_time=0)
    b = user("b", 140, start_time=0)
    k = machine(a, b, jiffies=0)
    ranking = ClassicRanking.of(k)
    task_a = next(t for t in k.tasks.values() if t.comm == "a")
    assert ranking.select().comm == "b"  # 300 // 3 = 100 < 140
    k.set_busy(task_a, 100)
    k.run_for(200)  # its CPU time passes 8 units
    assert task_a.utime + task_a.stime >= 8 * 1024
    assert select_bad_process(k) is task_a  # 300 // 2 = 150 > 140
    assert ranking.select() is task_a


def test_a_sleeping_task_is_looked_at_when_its_run_time_changes_units() -> None:
    """``points /= int_sqrt(int_sqrt(run_time));`` with run time in units of 2^17 jiffies:
    31 units divide by 3, 32 units by 2 — an older task can come to score more."""
    unit = 1 << 17
    old = user("old", 250, start_time=0)
    young = user("young", 280, start_time=unit)
    k = machine(old, young, jiffies=32 * unit - 10)
    ranking = ClassicRanking.of(k)
    assert ranking.select().comm == "young"  # 280 // 3 = 93 > 250 // 3 = 83
    k.run_for(20)
    assert select_bad_process(k).comm == "old"  # 250 // 2 = 125
    assert ranking.select().comm == "old"


@settings(max_examples=500, deadline=None)
@given(
    total_vm=st.integers(0, INT_MAX),
    nice=st.integers(-20, 19),
    uid=st.sampled_from([0, 1, 1000]),
    caps=st.sampled_from([0, CAP_FULL_SET, CAP_TO_MASK(CAP_SYS_RAWIO)]),
    cpu=st.integers(0, 1 << 40),
    start=st.integers(0, JIFFIES_MASK),
    jiffies=st.integers(0, JIFFIES_MASK),
    memdie=st.booleans(),
)
def test_a_bound_is_never_below_the_score_and_is_it_for_a_young_task(
    total_vm, nice, uid, caps, cpu, start, jiffies, memdie
) -> None:
    """``bound()`` is ``badness()`` with both divisors 1: never below it at any time, equal
    while ``int_sqrt(cpu_time)`` and ``int_sqrt(int_sqrt(run_time))`` are 1, and None where
    ``total_vm`` could wrap the 32-bit arithmetic (the ranking scores those instead)."""
    task = Task(7, "t", Mm(1, total_vm), uid=uid, euid=uid, cap_effective=caps, nice=nice)
    task.base_utime, task.start_time = cpu, start
    task.flags = PF_MEMDIE if memdie else 0
    key, points = bound(task), badness(task, jiffies)
    if total_vm > BOUND_MAX and not memdie:
        assert key is None
        return
    assert key is not None and points <= key
    cpu_time = cpu >> 10 if cpu <= INT_MAX else -1
    run_time = ((jiffies - start) & JIFFIES_MASK) >> 17
    if 0 <= cpu_time < 4 and run_time < 16:
        assert points == key
