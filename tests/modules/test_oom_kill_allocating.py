"""oom_kill_allocating: 2.4.24 without CONFIG_OOM_KILLER, the faulting task dies."""

from __future__ import annotations

from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, PF_MEMDIE, SIGKILL
from moomtui.kernel.printk import KERN_INFO, KERN_WARNING
from moomtui.modules.oom_kill_allocating import OomKillAllocating

from ..fixtures import Recorder, machine
from .helpers import load, log_lines, user

RAM = 4096


def test_the_task_whose_allocation_failed_is_killed_not_the_biggest() -> None:
    """``printk("VM: killing process %s\\n", tsk->comm); … do_exit(SIGKILL);`` for the
    task that faulted: the hog, although the idle database is twice its size."""
    k = machine(
        user("db", 2200, rss=2200),
        user("hog", 1600, program="hog", args={"rate": "1M/s"}),
        ram_pages=RAM,
    )
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    rec = Recorder(k)
    k.run_for(30 * HZ)
    (kill,) = rec.kills()
    assert (kill.pid, kill.comm, kill.sig) == (8, "hog", SIGKILL)
    assert kill.module == "oom_kill_allocating"
    # kswapd's failures (no mm) are ignored; the hog's first failure kills it.
    calls = rec.of(ev.OutOfMemory)
    assert {c.pid for c in calls} <= {4, 8}
    oom = next(c for c in calls if c.pid == 8)
    assert oom.jiffies == kill.jiffies
    (exit_,) = rec.of(ev.Exit)
    assert (exit_.pid, exit_.signal, exit_.jiffies) == (8, SIGKILL, kill.jiffies)
    assert (KERN_WARNING, "VM: killing process hog") in log_lines(k)
    db = k.find_task_by_pid(7)
    assert db is not None and not db.dead
    assert k.oom_state() == "ok" and k.check_invariants() == []


def test_it_exits_at_once_without_a_signal_or_the_reserves() -> None:
    """``do_exit(SIGKILL)`` in the fault handler: no ``force_sig``, no PF_MEMDIE."""
    k = machine(user("a", 100, rss=100))
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    rec = Recorder(k)
    a = k.find_task_by_pid(7)
    assert a is not None
    k.oom.out_of_memory(a)
    assert a.dead and not a.flags & PF_MEMDIE
    assert rec.of(ev.Signal) == [] and [e.signal for e in rec.of(ev.Exit)] == [SIGKILL]
    assert k.check_invariants() == []


def test_the_printk_has_no_level_so_it_takes_the_default_message_loglevel() -> None:
    """``printk("VM: killing process %s\\n", …)`` carries no ``KERN_*``: it is logged at
    ``default_message_loglevel``, the second value of ``kernel.printk``."""
    k = machine(user("a", 100, rss=100), sysctl={"kernel.printk": "7 6 1 7"})
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    a = k.find_task_by_pid(7)
    assert a is not None
    k.oom.out_of_memory(a)
    assert log_lines(k)[-1] == (KERN_INFO, "VM: killing process a")


def test_init_is_spared_and_retries() -> None:
    """``if (tsk->pid == 1) { yield(); goto survive; }``"""
    k = machine()
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    rec = Recorder(k)
    k.oom.out_of_memory(k.init_task)
    assert not k.init_task.dead and rec.kills() == [] and k.panicked is None


def test_kswapd_and_other_kernel_threads_kill_nothing() -> None:
    """A kernel thread has no mm: its allocation is not a page fault of a process."""
    k = machine(user("a", 100, rss=100))
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    rec = Recorder(k)
    k.oom.out_of_memory(k.kswapd)
    assert rec.kills() == [] and rec.of(ev.Exit) == []


def test_only_the_faulting_thread_dies() -> None:
    """The fault handler kills ``current`` only; LinuxThreads siblings live on."""
    k = machine(user("java", 500, rss=200, threads=3))
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    thread = k.find_task_by_pid(9)
    assert thread is not None
    k.oom.out_of_memory(thread)
    assert thread.dead
    assert [t.pid for t in k.threads_of(k.find_task_by_pid(7))] == [8]  # type: ignore[arg-type]
    assert k.check_invariants() == []


def test_a_task_looping_in_the_allocator_dies_on_its_next_retry() -> None:
    """With no handler the hog loops in ``yield(); goto rebalance``; once the module is in,
    its next direct reclaim fails into ``out_of_memory()`` and it exits from inside the
    allocator's retry loop, which must let go of it."""
    k = machine(
        user("hog", 0, program="hog", args={"rate": "1M/s"}),
        ram_pages=RAM,
        sysctl={"vm.overcommit_memory": 1},
    )
    k.run_for(30 * HZ)
    hog = k.find_task_by_pid(7)
    assert hog is not None and hog.state == "D" and k.oom_state() == "livelock"
    load(k, "oom_kill_allocating", module_type=OomKillAllocating)
    rec = Recorder(k)
    k.run_for(2)
    assert hog.dead and [e.pid for e in rec.kills()] == [7]
    assert k.blocked_tasks() == [] and k.check_invariants() == []
