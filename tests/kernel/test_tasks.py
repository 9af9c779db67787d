"""Tasks: pid allocation, fork, exit, zombies, reparenting, signals, CPU accounting."""

from __future__ import annotations

import pytest

from moomtui.kernel import TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, NICE_TO_TICKS, PF_MEMDIE, SIGKILL, SIGTERM
from moomtui.kernel.fork import get_pid
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.procfs import read_proc

from ..fixtures import Recorder, machine


def by_comm(k, comm):
    return [t for t in k.tasks.values() if t.comm == comm]


def test_get_pid_takes_the_next_free_pid_and_wraps_to_300() -> None:
    """kernel/fork.c get_pid(): ``if((++last_pid) & 0xffff8000) { last_pid = 300; ...}``"""
    k = machine(TaskSpec(comm="a", pid=300), TaskSpec(comm="b", pid=32767), ram_pages=4096)
    k.last_pid = 32766
    assert get_pid(k) == 301  # 32767 is taken, 32768 wraps to 300 which is taken too
    k.last_pid = 10
    assert get_pid(k) == 11


def test_fork_appends_at_the_tail_with_fresh_times() -> None:
    """kernel/fork.c do_fork(): ``p->times.tms_utime = p->times.tms_stime = 0;
    p->start_time = jiffies;`` and SET_LINKS puts the child at the tail of the task list."""
    k = machine(TaskSpec(comm="parent", uid=1000, utime=500, program="idle"), ram_pages=4096)
    k.run_for(250)
    parent = by_comm(k, "parent")[0]
    child = k.fork(parent, k.programs["idle"]())
    assert list(k.tasks.values())[-1] is child
    assert child.start_time == k.jiffies
    assert (child.utime, child.stime) == (0, 0)
    assert child.p_opptr is parent and child.p_pptr is parent
    assert [t.pid for t in k.for_each_task()] == sorted(
        [t.pid for t in k.tasks.values()], key=lambda p: list(k.tasks).index(p)
    )


def test_children_of_an_exiting_task_are_reparented_to_init() -> None:
    """kernel/exit.c forget_original_parent(): ``p->p_opptr = reaper;`` and exit_notify():
    ``p->p_pptr = p->p_opptr;``"""
    k = machine(
        TaskSpec(comm="parent", pid=400, uid=1000), TaskSpec(comm="kid", ppid=400), ram_pages=4096
    )
    parent, kid = k.tasks[400], by_comm(k, "kid")[0]
    k.send_sig(parent, SIGKILL)
    k.run_for(2)
    assert kid.p_opptr is k.init_task and kid.p_pptr is k.init_task
    assert kid.pid in k.init_task.children
    assert 400 not in k.tasks  # init reaped the orphaned zombie


def test_a_dead_task_is_a_zombie_until_its_parent_reaps_it() -> None:
    k = machine(
        TaskSpec(comm="parent", pid=400, uid=1000), TaskSpec(comm="kid", ppid=400), ram_pages=4096
    )
    rec = Recorder(k)
    kid = by_comm(k, "kid")[0]
    k.send_sig(kid, SIGKILL)
    k.tick()  # the signal takes effect: the kid exits
    assert kid.state == "Z" and kid.mm is None
    assert kid.pid in k.tasks
    k.tick()  # the parent's wait() reaps it
    assert kid.pid not in k.tasks
    assert [e.pid for e in rec.of(ev.Reap)] == [kid.pid]


def test_init_ignores_signals_it_has_no_handler_for() -> None:
    """arch/i386/kernel/signal.c do_signal(): ``/* Init gets no signals it doesn't want. */
    if (current->pid == 1) continue;``"""
    k = machine(ram_pages=4096)
    rec = Recorder(k)
    k.send_sig(k.init_task, SIGKILL)
    k.run_for(10)
    assert not k.init_task.dead
    assert rec.of(ev.Signal)[-1].ignored


def test_init_exiting_panics() -> None:
    """kernel/exit.c do_exit(): ``if (tsk->pid == 1) panic("Attempted to kill init!");``"""
    k = machine(ram_pages=4096)
    with pytest.raises(KernelPanic):
        k.do_exit(k.init_task)
    assert k.panicked == "Attempted to kill init!"


def test_kernel_threads_ignore_signals() -> None:
    k = machine(ram_pages=4096)
    k.send_sig(k.kswapd, SIGKILL)
    k.run_for(5)
    assert not k.kswapd.dead and k.kswapd.mm is None


def test_sigkill_makes_a_sleeping_task_exit_and_its_pages_come_back() -> None:
    k = machine(TaskSpec(comm="d", uid=1000, total_vm=512, rss=400), ram_pages=4096)
    d = by_comm(k, "d")[0]
    free = k.vm.free
    k.send_sig(d, SIGKILL)
    k.run_for(2)
    assert d.dead
    assert k.vm.free == free + 400 + 2  # its pages and, once reaped, its task_struct


def test_sigterm_is_caught_by_a_program_that_lingers() -> None:
    k = machine(
        TaskSpec(
            comm="slow",
            uid=1000,
            program="hog",
            args={"rate": "4K/s", "sigterm": "linger", "linger": "3s"},
        ),
        ram_pages=4096,
    )
    slow = by_comm(k, "slow")[0]
    k.send_sig(slow, SIGTERM)
    k.run_for(2 * HZ)
    assert not slow.dead
    k.run_for(2 * HZ)
    assert slow.dead and slow.exit_signal == SIGTERM


STUBBORN = TaskSpec(comm="stubborn", uid=1000, total_vm=64, rss=32, args={"sigterm": "ignore"})

# kernel/signal.c (2.4.22), force_sig_info():
#     if (t->sig->action[sig-1].sa.sa_handler == SIG_IGN)
#         t->sig->action[sig-1].sa.sa_handler = SIG_DFL;
#     sigdelset(&t->blocked, sig);
#     recalc_sigpending(t);


def test_a_forced_sigterm_overrides_ignore_and_kills() -> None:
    """force_sig_info: ``if (...sa_handler == SIG_IGN) ...sa_handler = SIG_DFL;`` — a plain
    SIGTERM is ignored, a forced one (what oom_kill_task sends) resets the action and kills."""
    k = machine(
        TaskSpec(comm="stubborn", uid=1000, total_vm=64, rss=32, args={"sigterm": "ignore"}),
        ram_pages=4096,
    )
    (task,) = by_comm(k, "stubborn")
    rec = Recorder(k)
    k.send_sig(task, SIGTERM)
    k.run_for(2)
    assert not task.dead and task.sigterm == "ignore"
    k.send_sig(task, SIGTERM, force=True)
    assert task.sigterm == "exit"  # for good: SIG_DFL from now on
    k.run_for(2)
    assert task.dead and task.exit_signal == SIGTERM
    assert [e.ignored for e in rec.of(ev.Signal)] == [True, False]


def test_a_forced_signal_resets_sigign_in_proc_status() -> None:
    """The reset is the task's: ``SigIgn`` in ``/proc/PID/status`` loses SIGTERM."""
    k = machine(
        TaskSpec(comm="stubborn", uid=1000, total_vm=64, rss=32, args={"sigterm": "ignore"}),
        ram_pages=4096,
    )
    (task,) = by_comm(k, "stubborn")
    sigign = f"SigIgn:\t{1 << (SIGTERM - 1):016x}"
    assert sigign in read_proc(k, f"/proc/{task.pid}/status")
    k.send_sig(task, SIGTERM, force=True)
    assert "SigIgn:\t0000000000000000" in read_proc(k, f"/proc/{task.pid}/status")


def test_a_forced_sigterm_keeps_a_handler() -> None:
    """Only SIG_IGN is reset: a task that catches SIGTERM (``linger``) still runs its
    handler, and exits when it is done."""
    k = machine(
        TaskSpec(comm="slow", uid=1000, program="hog", args={"sigterm": "linger", "linger": "3s"}),
        ram_pages=4096,
    )
    (slow,) = by_comm(k, "slow")
    k.send_sig(slow, SIGTERM, force=True)
    assert slow.sigterm == "linger"
    k.run_for(2 * HZ)
    assert not slow.dead
    k.run_for(2 * HZ)
    assert slow.dead and slow.exit_signal == SIGTERM


def test_a_forced_signal_still_does_not_end_init_or_a_kernel_thread() -> None:
    """do_signal(): ``if (current->pid == 1) continue;`` for a default action; a kernel
    thread never returns to user mode to act on one."""
    k = machine(ram_pages=4096)
    k.send_sig(k.init_task, SIGKILL, force=True)
    k.send_sig(k.init_task, SIGTERM, force=True)
    k.send_sig(k.kswapd, SIGKILL, force=True)
    k.run_for(5)
    assert not k.init_task.dead and not k.kswapd.dead and k.panicked is None


def test_a_task_stuck_in_the_allocator_ignores_sigkill_until_it_gets_memory() -> None:
    """The 2.4 allocator loop (``yield(); goto rebalance;``) does not look at signals: a
    plain ``kill -9`` does not free a livelocked task, PF_MEMDIE (the OOM killer) does."""
    k = machine(
        TaskSpec(comm="hog", uid=1000, total_vm=16384, program="hog", args={"rate": "1M/s"}),
        ram_pages=4096,
    )
    k.run_for(30 * HZ)
    hog = by_comm(k, "hog")[0]
    assert hog.blocked == "alloc"
    k.send_sig(hog, SIGKILL)
    k.run_for(HZ)
    assert not hog.dead and hog.blocked == "alloc"
    hog.flags |= PF_MEMDIE
    k.run_for(2)
    assert hog.dead


def test_threads_share_one_mm_freed_with_the_last_user() -> None:
    k = machine(TaskSpec(comm="srv", uid=1000, total_vm=300, rss=200, threads=3), ram_pages=4096)
    srv = by_comm(k, "srv")
    assert len(srv) == 3 and len({id(t.mm) for t in srv}) == 1
    mm = srv[0].mm
    assert mm.users == 3
    free = k.vm.free
    for t in srv[1:]:
        k.send_sig(t, SIGKILL)
    k.run_for(2)
    assert mm.users == 1 and mm.rss == 200
    k.send_sig(srv[0], SIGKILL)
    k.run_for(2)
    assert k.vm.free == free + 200 + 3 * 2


def test_a_sleeping_task_accrues_no_cpu_time() -> None:
    k = machine(TaskSpec(comm="d", uid=1000, utime=10, stime=5), ram_pages=4096)
    k.run_for(100 * HZ)
    d = by_comm(k, "d")[0]
    assert (d.utime, d.stime) == (10, 5)


def test_cpu_is_shared_by_nice_weight() -> None:
    """kernel/sched.c: a time slice is ``NICE_TO_TICKS(nice)`` ticks."""
    k = machine(
        TaskSpec(comm="a", uid=1000, nice=0, program="hog", args={"rate": "4K/s", "limit": "8K"}),
        TaskSpec(comm="b", uid=1000, nice=19, program="hog", args={"rate": "4K/s", "limit": "8K"}),
        ram_pages=4096,
    )
    k.run_for(100 * HZ)
    a, b = by_comm(k, "a")[0], by_comm(k, "b")[0]
    total = a.utime + a.stime + b.utime + b.stime
    assert abs(total - 100 * HZ) <= 2  # one CPU, always busy
    ratio = (a.utime + a.stime) / (b.utime + b.stime)
    assert abs(ratio - NICE_TO_TICKS(0) / NICE_TO_TICKS(19)) < 0.05


def test_a_lone_busy_task_gets_the_whole_cpu() -> None:
    k = machine(
        TaskSpec(
            comm="a",
            uid=1000,
            nice=19,
            program="hog",
            args={"rate": "4K/s", "limit": "8K", "sys": 20},
        ),
        ram_pages=4096,
    )
    k.run_for(50 * HZ)
    a = by_comm(k, "a")[0]
    assert a.utime + a.stime == 50 * HZ
    assert a.stime == 50 * HZ * 20 // 100


def test_a_task_that_stops_wanting_the_cpu_keeps_the_time_it_ran() -> None:
    """The time since the last settle is charged as the task ran then: busy 100 for 5 s,
    then idle, is 5 s of CPU — not capped by the new ``busy`` of 0 to nothing."""
    k = machine(TaskSpec(comm="a", uid=1000), ram_pages=4096)
    a = by_comm(k, "a")[0]

    def cpu() -> int:
        return a.utime + a.stime

    k.set_busy(a, 100)
    k.run_for(5 * HZ)
    k.set_busy(a, 0)
    assert abs(cpu() - 5 * HZ) <= 1  # fixed-point shares round down
    before = cpu()
    k.run_for(5 * HZ)
    assert cpu() == before
    k.set_busy(a, 50)
    k.run_for(4 * HZ)
    k.set_busy(a, 100)
    assert abs(cpu() - before - 2 * HZ) <= 1
