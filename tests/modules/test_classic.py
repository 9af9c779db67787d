"""The classic code both killers share: int_sqrt, badness, select_bad_process, oom_kill_task."""

from __future__ import annotations

from ctypes import c_int32, c_uint32
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from moomtui.kernel import events as ev
from moomtui.kernel.constants import (
    CAP_FULL_SET,
    PF_MEMALLOC,
    PF_MEMDIE,
    SIGKILL,
    SIGTERM,
)
from moomtui.kernel.printk import KERN_ERR
from moomtui.kernel.task import Mm, Task
from moomtui.modules.classic import badness, int_sqrt, oom_kill_task, select_bad_process

from ..fixtures import Recorder, machine
from .helpers import ADMIN, BADNESS_STATES, RAWIO, user


def task(
    total_vm: int | None = 1000,
    *,
    pid: int = 100,
    cpu: int = 0,
    start_time: int = 0,
    uid: int = 1000,
    nice: int = 0,
    caps: int = 0,
    flags: int = 0,
) -> Task:
    mm = None if total_vm is None else Mm(1, total_vm=total_vm)
    return Task(
        pid=pid,
        comm=f"t{pid}",
        mm=mm,
        uid=uid,
        euid=uid,
        nice=nice,
        cap_effective=caps,
        start_time=start_time,
        flags=flags,
        base_utime=cpu,
    )


# --- int_sqrt -----------------------------------------------------------------------------


def test_int_sqrt_is_the_seeds_rough_approximation() -> None:
    """``while (x & ~(unsigned int)1) x >>=2, out >>=1; if (x) out -= out >> 2;
    return (out ? out : 1);``"""
    table = {0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 9: 2, 16: 3, 25: 5, 36: 4, 64: 6, 100: 9}
    assert {x: int_sqrt(x) for x in table} == table


def test_int_sqrt_takes_an_unsigned_int() -> None:
    """``static unsigned int int_sqrt(unsigned int x)``: -1 is 0xFFFFFFFF."""
    assert int_sqrt(-1) == int_sqrt(0xFFFFFFFF) == 65535


# --- badness ------------------------------------------------------------------------------


def test_badness_of_a_fresh_user_task_is_its_size() -> None:
    """``points = p->mm->total_vm;`` divided by int_sqrt(0) == 1 twice."""
    assert badness(task(10_000), 0) == 10_000


def test_badness_divides_by_cpu_and_run_time_then_applies_nice_root_and_rawio() -> None:
    """``points /= int_sqrt(cpu_time); points /= int_sqrt(int_sqrt(run_time));`` then
    ``if (p->nice > 0) points *= 2;``, ``... p->uid == 0 ... points /= 4;`` and
    ``if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_RAWIO)) points /= 4;``"""
    now = 36 << 17  # run_time = 36 "minutes": int_sqrt(int_sqrt(36)) = int_sqrt(4) = 2
    cpu = 4 << 10  # cpu_time = 4 "seconds": int_sqrt(4) = 2
    assert badness(task(20_000, cpu=cpu), now) == 5000
    assert badness(task(20_000, cpu=cpu, nice=5), now) == 10_000
    assert badness(task(20_000, cpu=cpu, nice=5, uid=0), now) == 2500
    assert badness(task(20_000, cpu=cpu, nice=5, uid=0, caps=RAWIO), now) == 625
    assert badness(task(20_000, cpu=cpu, caps=ADMIN), now) == 1250
    assert badness(task(20_000, cpu=cpu, nice=-20), now) == 5000


def test_root_with_the_full_capability_set_is_divided_by_sixteen() -> None:
    """CAP_SYS_ADMIN (or uid 0) quarters the points, CAP_SYS_RAWIO quarters them again."""
    assert badness(task(1600, uid=0, caps=CAP_FULL_SET), 0) == 100


def test_badness_is_zero_without_mm_or_with_memdie() -> None:
    """``if (!p->mm) return 0;`` and ``if (p->flags & PF_MEMDIE) return 0;``"""
    assert badness(task(None), 0) == 0
    assert badness(task(5000, flags=PF_MEMDIE), 0) == 0
    assert badness(task(5000, flags=PF_MEMALLOC), 0) == 5000


def test_start_time_after_jiffies_wraps_to_an_ancient_task() -> None:
    """``run_time = (jiffies - p->start_time) >> (SHIFT_HZ + 10);`` in unsigned long:
    start_time 100 jiffies ahead makes run_time 32767 and the divisor int_sqrt(192) = 12."""
    assert badness(task(1200, start_time=200), 100) == 100


def test_huge_total_vm_is_a_negative_int_until_an_unsigned_division() -> None:
    """``points = p->mm->total_vm;`` stores into an int; ``points /= int_sqrt(cpu_time)``
    divides as unsigned int, so a cpu divisor of 2 turns the score positive again."""
    huge = (1 << 31) + 8
    assert badness(task(huge), 0) == -((1 << 31) - 8)
    assert badness(task(huge, cpu=4 << 10), 0) == ((1 << 31) + 8) // 2


def test_niced_doubling_overflows_and_root_division_truncates_toward_zero() -> None:
    """``points *= 2;`` in int wraps; ``points /= 4;`` rounds toward zero."""
    wrapped = (((1 << 30) + 3) * 2) - (1 << 32)
    assert badness(task((1 << 30) + 3, nice=1), 0) == wrapped
    assert badness(task((1 << 30) + 3, nice=1, uid=0), 0) == -(-wrapped // 4)


def c_int_sqrt(x: int) -> int:
    """A transcription of the C, with ctypes doing the unsigned int conversions."""
    x = c_uint32(x).value
    out = x
    while x & c_uint32(~1).value:
        x, out = x >> 2, out >> 1
    if x:
        out -= out >> 2
    return out if out else 1


def c_badness(p: Task, jiffies: int) -> int:
    """The C ``badness()`` line by line; i386 sizes (int, long: 32 bits), SHIFT_HZ 7."""
    if p.mm is None:
        return 0
    if p.flags & 0x1000:
        return 0
    points = c_int32(p.mm.total_vm).value
    cpu_time = c_int32(c_int32(p.utime + p.stime).value >> 10).value
    run_time = c_int32(c_uint32(jiffies - p.start_time).value >> 17).value
    points = c_int32(c_uint32(points).value // c_int_sqrt(c_uint32(cpu_time).value)).value
    points = c_int32(c_uint32(points).value // c_int_sqrt(c_int_sqrt(run_time))).value
    if p.nice > 0:
        points = c_int32(points * 2).value
    if p.cap_effective & (1 << 21) or p.uid == 0 or p.euid == 0:
        points = int(points / 4)
    if p.cap_effective & (1 << 17):
        points = int(points / 4)
    return points


@settings(max_examples=400, deadline=None)
@given(**BADNESS_STATES)
def test_badness_matches_a_transcription_of_the_c(
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
    p = task(total_vm, uid=uid, nice=nice, caps=caps, start_time=start_time)
    p.euid = euid
    p.base_utime, p.base_stime = utime, stime
    p.flags = PF_MEMDIE if memdie else 0
    assert badness(p, jiffies) == c_badness(p, jiffies)


# --- select_bad_process -------------------------------------------------------------------


@dataclass
class TaskList:
    tasks: list[Task]
    jiffies: int = 0

    def for_each_task(self) -> list[Task]:
        return list(self.tasks)


def test_select_bad_process_skips_pid_zero() -> None:
    """``for_each_task(p) { if (p->pid) { ... } }``"""
    swapper = task(1 << 20, pid=0)
    small = task(10, pid=7)
    assert select_bad_process(TaskList([swapper, small])) is small


def test_ties_go_to_the_oldest_task() -> None:
    """``if (points > maxpoints)``: strictly greater, so the first in list order wins."""
    older, younger = task(500, pid=900), task(500, pid=300)
    assert select_bad_process(TaskList([older, younger])) is older
    bigger = task(501, pid=301)
    assert select_bad_process(TaskList([older, younger, bigger])) is bigger


def test_nothing_above_zero_selects_nothing() -> None:
    """``int maxpoints = 0;``: tasks scoring 0 (or less) are never chosen."""
    dying = task(5000, pid=5, flags=PF_MEMDIE)
    huge = task((1 << 31) + 8, pid=6)  # a negative score
    assert select_bad_process(TaskList([task(None, pid=2), dying, huge])) is None


def test_init_is_eligible() -> None:
    """Only pid 0 is skipped: init (pid 1) can be chosen like any other task."""
    k = machine()
    assert select_bad_process(k) is k.init_task


# --- oom_kill_task ------------------------------------------------------------------------


def test_oom_kill_task_marks_prints_signals_and_reports() -> None:
    """``error("Killed process %d (%s).", ...)``, ``p->counter = 5 * HZ;``,
    ``p->flags |= PF_MEMALLOC | PF_MEMDIE;`` and ``force_sig(SIGKILL, p);``"""
    k = machine(user("victim", 3000, rss=200))
    rec = Recorder(k)
    victim = k.find_task_by_pid(7)
    assert victim is not None and victim.comm == "victim"
    kills_before = k.kills
    oom_kill_task(k, victim, module="oom_kill", reason="victim")
    assert (KERN_ERR, "Out of Memory: Killed process 7 (victim).") in [
        (r.level, r.text) for r in k.log.records()
    ]
    assert victim.counter == 500
    assert victim.flags & PF_MEMALLOC and victim.flags & PF_MEMDIE
    assert k.kills == kills_before + 1
    assert rec.kills() == [
        ev.OomKill(
            jiffies=k.jiffies,
            boot=0,
            pid=7,
            comm="victim",
            module="oom_kill",
            reason="victim",
            points=3000,
            total_vm=3000,
            rss=200,
            sig=SIGKILL,
        )
    ]
    assert [(s.pid, s.sig, s.ignored) for s in rec.of(ev.Signal)] == [(7, SIGKILL, False)]
    k.run_for(2)
    assert victim.dead


def test_a_task_with_rawio_gets_sigterm() -> None:
    """``if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_RAWIO)) force_sig(SIGTERM, p);``"""
    k = machine(user("xserver", 3000, caps=RAWIO))
    rec = Recorder(k)
    x = k.find_task_by_pid(7)
    assert x is not None
    oom_kill_task(k, x, module="oom_kill", reason="victim")
    assert [e.sig for e in rec.kills()] == [SIGTERM]
    assert [s.sig for s in rec.of(ev.Signal)] == [SIGTERM]


# --- /proc/PID/oom_score ------------------------------------------------------------------


def test_oom_score_readers_see_the_points_the_killer_used() -> None:
    """A reader calling ``badness(task, k.jiffies)`` for every task at the moment of the
    shortage sees the victim's points as the highest, and the killer used exactly those."""
    k = machine(
        user("sshd", 900, uid=0, caps=None, rss=100),
        user("editor", 1500, rss=300, nice=3),
        user("hog", 8192, program="hog", args={"rate": "1M/s"}),
        ram_pages=4096,
        kconfig={"CONFIG_OOM_KILL": "y"},
    )
    scores: dict[int, dict[int, int]] = {}

    def on_event(event: ev.Event) -> None:
        if isinstance(event, ev.OutOfMemory):
            before = {t.pid: (t.flags, t.counter) for t in k.for_each_task()}
            scores[event.jiffies] = {t.pid: badness(t, k.jiffies) for t in k.for_each_task()}
            assert {t.pid: (t.flags, t.counter) for t in k.for_each_task()} == before

    k.bus.subscribe(on_event)
    rec = Recorder(k)
    k.run_for(30 * 100)
    (kill,) = rec.kills()
    seen = scores[kill.jiffies]
    assert kill.comm == "hog" and kill.points == seen[kill.pid] == max(seen.values())
    assert seen[1] == 128 // 16  # init: 128 pages, root, full capability set
    assert seen[kill.pid] > seen[8] == 3000 > seen[7] == 900 // 16  # editor, sshd


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1 << 20),  # total_vm
            st.integers(-20, 19),  # nice
            st.sampled_from([0, 1000]),  # uid
            st.integers(0, 1 << 22),  # utime
            st.integers(0, 200_000),  # start_time
        ),
        min_size=1,
        max_size=30,
    )
)
def test_select_bad_process_picks_what_a_plain_walk_over_badness_picks(tasks) -> None:
    """``for_each_task(p) { if (p->pid) { int points = badness(p); if (points >
    maxpoints) { chosen = p; maxpoints = points; } } }`` — the pruned walk chooses the same."""
    specs = [
        user(f"t{i}", vm, nice=nice, uid=uid, utime=ut, start_time=st_)
        for i, (vm, nice, uid, ut, st_) in enumerate(tasks)
    ]
    k = machine(*specs, jiffies=200_000)
    maxpoints, expected = 0, None
    for p in k.for_each_task():
        if p.pid:
            points = badness(p, k.jiffies)
            if points > maxpoints:
                expected, maxpoints = p, points
    assert select_bad_process(k) is expected
