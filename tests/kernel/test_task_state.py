"""One task state for ps, vmstat, /proc/loadavg and the load average.

2.4 reads ``p->state`` everywhere: procps' ``ps`` prints it, ``vmstat`` counts the R and D
tasks under ``/proc``, ``/proc/loadavg`` prints ``nr_running``, and ``calc_load`` folds in
``count_active_tasks()`` (``kernel/timer.c``)::

    if ((p->state == TASK_RUNNING || (p->state & TASK_UNINTERRUPTIBLE)))
        nr += FIXED_1;

so the letters and the counts must agree at every jiffy.
"""

from __future__ import annotations

from moomtui.kernel import TaskSpec
from moomtui.kernel.constants import HZ
from moomtui.kernel.loadavg import LOAD_FREQ, count_active, count_active_tasks
from moomtui.kernel.proc_misc import nr_blocked, nr_running
from moomtui.kernel.procfs import read_proc
from moomtui.shell import Session, Shell

from ..fixtures import machine


def _states(k) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {t.pid: t.state for t in k.tasks.values()}


def _spinner(comm: str, busy: int) -> TaskSpec:
    return TaskSpec(comm, program="hog", args={"rate": 0, "busy": busy})


def test_a_task_that_always_wants_the_cpu_is_always_r_and_an_idle_one_never() -> None:
    k = machine(_spinner("spin", 100), TaskSpec("idle", total_vm=64, rss=32))
    spin = next(t for t in k.tasks.values() if t.comm == "spin")
    idle = next(t for t in k.tasks.values() if t.comm == "idle")
    for _ in range(3 * HZ):
        k.run_for(1)
        assert (spin.state, idle.state) == ("R", "S")


def test_a_task_busy_n_percent_is_r_for_n_jiffies_of_every_second() -> None:
    k = machine(_spinner("five", 5), _spinner("forty", 40))
    five = next(t for t in k.tasks.values() if t.comm == "five")
    forty = next(t for t in k.tasks.values() if t.comm == "forty")
    k.run_for(HZ - 1)  # the next jiffy is the first of a second
    for second in range(5):
        running = {"five": 0, "forty": 0}
        for _ in range(HZ):
            k.run_for(1)
            running["five"] += five.state == "R"
            running["forty"] += forty.state == "R"
        assert running == {"five": 5, "forty": 40}, f"second {second}"


def test_tasks_with_the_same_load_do_not_all_run_at_once() -> None:
    k = machine(*(_spinner(f"w{i}", 10) for i in range(8)))
    together = set()
    for _ in range(HZ):
        k.run_for(1)
        together.add(sum(t.state == "R" for t in k.tasks.values()))
    assert max(together) < 8


def test_ps_vmstat_and_proc_loadavg_count_the_same_running_tasks() -> None:
    """vmstat's r and b, /proc/loadavg's running count and ps's STAT agree at every jiffy."""
    k = machine(_spinner("a", 30), _spinner("b", 70), _spinner("c", 100), _spinner("d", 5))
    sh = Shell(Session(k))
    for _ in range(150):
        k.run_for(7)
        states = _states(k)
        running = sum(s == "R" for s in states.values())
        blocked = sum(s == "D" for s in states.values())
        assert nr_running(k) == running and nr_blocked(k) == blocked
        loadavg = read_proc(k, "/proc/loadavg").split()
        assert loadavg[3] == f"{running}/{len(k.tasks)}"
        r, b = sh.execute("vmstat").output.splitlines()[2].split()[:2]
        assert (int(r), int(b)) == (running, blocked)
        ps = sh.execute("ps ax").output.splitlines()[1:]
        assert sum(line.split()[2].startswith("R") for line in ps) == running


def test_a_task_stuck_in_the_allocator_is_d_counts_in_the_load_but_is_not_running() -> None:
    k = machine(
        TaskSpec("hog", program="hog", args={"rate": "4M/s"}),
        ram_pages=2048,
        sysctl={"vm.overcommit_memory": 1},
    )
    hog = next(t for t in k.tasks.values() if t.comm == "hog")
    for _ in range(60 * HZ):
        k.run_for(HZ // 10)
        if hog.blocked:
            break
    assert hog.state == "D"
    assert nr_blocked(k) == 1 and nr_running(k) == 0
    assert count_active_tasks(k.tasks.values(), k.ticks) == 1
    assert count_active(k.blocked, k.sched.runnable, k.ticks) == 1  # the kernel's, no walk


def test_the_load_average_follows_the_time_tasks_want_the_cpu() -> None:
    """Three tasks wanting 30 %, 50 % and 20 % of the CPU load the machine by about 1."""
    k = machine(_spinner("a", 30), _spinner("b", 50), _spinner("c", 20))
    k.run_for(15 * 60 * HZ)
    one, five, fifteen = (float(x) for x in read_proc(k, "/proc/loadavg").split()[:3])
    assert 0.5 < one < 1.6
    assert 0.7 < five < 1.3 and 0.6 < fifteen < 1.2


def test_the_load_average_samples_every_load_freq() -> None:
    """``LOAD_FREQ`` is ``5*HZ+1``: nothing is folded in before the first sample."""
    k = machine(_spinner("c", 100))
    k.run_for(LOAD_FREQ - 1)
    assert k.avenrun == [0, 0, 0]
    k.run_for(1)
    assert k.avenrun[0] > 0
