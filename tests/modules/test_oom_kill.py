"""oom_kill: the classic killer's timing rules, its choice, and its messages."""

from __future__ import annotations

from typing import Any

import pytest

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import PF_MEMDIE, SIGKILL
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_INFO
from moomtui.machine import boot
from moomtui.modules.classic import badness
from moomtui.modules.oom_kill import OomKill

from ..fixtures import Recorder, machine
from .helpers import advance_to, fail_every_jiffy, load, log_lines, user

T0 = 1000
"""Where the timing tests start failing: far from jiffy 0, whose quirk has its own test."""


def classic(*tasks: TaskSpec, at: int = T0, **spec: Any) -> tuple[Kernel, OomKill, Recorder]:
    """A machine with oom_kill as a module, loaded at jiffy 0; time advanced to ``at``."""
    k = machine(*tasks, kconfig={"CONFIG_OOM_KILL": "m"}, **spec)
    mod = load(k, "oom_kill", module_type=OomKill)
    rec = Recorder(k)
    advance_to(k, at)
    return k, mod, rec


def big_user() -> TaskSpec:
    return user("big", 4000)


# --- the timing rules of out_of_memory_killer ---------------------------------------------


def test_the_first_second_of_failures_does_not_count() -> None:
    """``since = now - first; if (since < HZ) return;`` comes before ``++count``."""
    k, mod, rec = classic(big_user())
    for _ in range(100):
        for _ in range(10):
            mod.out_of_memory_killer()
        k.run_for(1)
    assert k.jiffies == T0 + 100
    assert mod.heuristic() == {"count": 0, "first": T0, "last": T0 + 99, "lastkill": 0}
    assert rec.kills() == []
    for _ in range(9):
        mod.out_of_memory_killer()
    assert rec.kills() == []
    mod.out_of_memory_killer()
    assert [(e.jiffies, e.comm) for e in rec.kills()] == [(T0 + 100, "big")]


def test_fewer_than_ten_counted_failures_are_not_oom() -> None:
    """``if (++count < 10) return;``"""
    k, mod, rec = classic(big_user())
    mod.out_of_memory_killer()  # jiffy T0: a new shortage (reset)
    advance_to(k, T0 + 100)
    for _ in range(9):
        mod.out_of_memory_killer()
        k.run_for(1)
    assert mod.heuristic()["count"] == 9
    assert rec.kills() == []
    mod.out_of_memory_killer()
    assert [e.jiffies for e in rec.kills()] == [T0 + 109]
    assert mod.heuristic() == {
        "count": 0,
        "first": T0 + 109,
        "last": T0 + 109,
        "lastkill": T0 + 109,
    }


def test_no_second_kill_within_five_seconds_of_the_last() -> None:
    """``since = now - lastkill; if (since < HZ*5) return;`` — count keeps growing."""
    k, mod, rec = classic(big_user(), user("next", 3000))
    fail_every_jiffy(k, mod.out_of_memory_killer, lambda: bool(rec.kills()))
    first_kill = k.jiffies
    k.run_for(1)
    fail_every_jiffy(k, mod.out_of_memory_killer, lambda: k.jiffies == first_kill + 499)
    assert [e.comm for e in rec.kills()] == ["big"]
    assert mod.heuristic()["count"] == 400  # counted from first_kill + 100 on
    k.run_for(1)
    mod.out_of_memory_killer()
    assert [(e.jiffies - first_kill, e.comm) for e in rec.kills()] == [(0, "big"), (500, "next")]


def test_five_seconds_of_quiet_start_the_count_again() -> None:
    """``since = now - last; last = now; if (since > 5*HZ) goto reset;``"""
    k, mod, rec = classic(big_user())
    mod.out_of_memory_killer()
    advance_to(k, T0 + 100)
    for _ in range(6):
        mod.out_of_memory_killer()
    assert mod.heuristic()["count"] == 6
    k.run_for(500)  # exactly 5 s: not "> 5*HZ", the shortage goes on
    mod.out_of_memory_killer()
    assert mod.heuristic()["count"] == 7
    k.run_for(501)
    mod.out_of_memory_killer()
    assert mod.heuristic() == {"count": 0, "first": k.jiffies, "last": k.jiffies, "lastkill": 0}
    assert rec.kills() == []


def test_statics_start_at_zero_so_no_kill_in_the_first_five_seconds() -> None:
    """``static unsigned long first, last, count, lastkill;`` are 0 at load: a shortage
    right after boot is already counting at jiffy 100 but waits for ``lastkill + 5*HZ``."""
    k = boot(BootSpec(tasks=[user("big", 4000)]))  # defconfig: oom_kill built in
    mod = k.modules.get("oom_kill")
    assert isinstance(mod, OomKill) and mod.builtin
    rec = Recorder(k)
    k.run_for(1)
    fail_every_jiffy(k, lambda: k.oom.out_of_memory(k.init_task), lambda: bool(rec.kills()))
    assert [e.jiffies for e in rec.kills()] == [500]


def test_the_timing_rules_use_unsigned_arithmetic_across_the_jiffies_wrap() -> None:
    """``unsigned long now, since;``: jiffies wraps on i386, and so do the differences; the
    second kill comes 5 s after the first although jiffies went from 2**32 - 191 to 309."""
    start = (1 << 32) - 300
    k = machine(big_user(), user("next", 3000), kconfig={"CONFIG_OOM_KILL": "y"}, jiffies=start)
    mod = k.modules.get("oom_kill")
    assert isinstance(mod, OomKill)
    rec = Recorder(k)
    fail_every_jiffy(k, mod.out_of_memory_killer, lambda: len(rec.kills()) == 2)
    assert [e.jiffies for e in rec.kills()] == [start + 109, 309]


def test_free_swap_means_not_oom() -> None:
    """``if ( get_nr_swap_pages() > 0) return;`` — before the statics are touched."""
    k, mod, rec = classic(big_user(), swap_pages=1024)
    assert k.vm.nr_swap_pages == 1024
    for _ in range(2000):
        mod.out_of_memory_killer()
        k.run_for(1)
    assert rec.kills() == []
    assert mod.heuristic() == {"count": 0, "first": 0, "last": 0, "lastkill": 0}


# --- whom it kills ------------------------------------------------------------------------


def test_the_victims_threads_die_with_it() -> None:
    """``for_each_task(q) { if (q->mm == p->mm) oom_kill_task(q); }``"""
    k, mod, rec = classic(user("small", 100), user("server", 5000, threads=3))
    server = k.find_task_by_pid(8)
    assert server is not None
    threads = [t for t in k.for_each_task() if t.mm is server.mm]
    assert len(threads) == 3
    mod.oom_kill()
    assert [(e.pid, e.reason, e.sig) for e in rec.kills()] == [
        (t.pid, "victim" if t is server else "thread", SIGKILL) for t in threads
    ]
    assert {e.module for e in rec.kills()} == {"oom_kill"}
    k.run_for(2)
    assert all(t.dead for t in threads)
    small = k.find_task_by_pid(7)
    assert small is not None and not small.dead and not small.flags & PF_MEMDIE


def test_init_can_be_killed_and_lives_on_with_badness_zero() -> None:
    """Only ``if (p->pid)`` guards the walk: init is chosen, printed and marked PF_MEMDIE,
    but ignores the signal; the next kill finds nothing:
    ``panic("Out of memory and no killable processes...\\n");``"""
    k, mod, rec = classic()
    init = k.init_task
    mod.oom_kill()
    assert [(e.pid, e.comm, e.points) for e in rec.kills()] == [(1, "init", 8)]
    assert ("Out of Memory: Killed process 1 (init).") in [text for _, text in log_lines(k)]
    assert [(s.pid, s.ignored) for s in rec.of(ev.Signal)] == [(1, True)]
    k.run_for(100)
    assert not init.dead and init.flags & PF_MEMDIE
    assert badness(init, k.jiffies) == 0
    with pytest.raises(KernelPanic):
        mod.oom_kill()
    assert k.panicked == "Out of memory and no killable processes..."
    assert len(rec.kills()) == 1


def test_the_kill_goes_through_the_oom_notifier_chain() -> None:
    """``static int oom_notify(...) { out_of_memory_killer(); return 0; }``"""
    k, _, rec = classic(big_user())
    (block,) = k.oom.chain
    assert block.name == "oom_kill" and block.priority == 0
    hog = k.find_task_by_pid(7)
    assert hog is not None
    fail_every_jiffy(k, lambda: k.oom.out_of_memory(hog), lambda: bool(rec.kills()))
    assert rec.of(ev.OutOfMemory)[-1].handlers == ("oom_kill",)
    k.run_for(2)
    assert hog.dead and rec.of(ev.Exit)[-1].signal == SIGKILL


# --- load and unload ----------------------------------------------------------------------


def test_load_and_unload_print_the_seeds_messages() -> None:
    """``info("Installing oom_kill handler");`` / ``info("Unregistered oom_kill handler");``"""
    k = machine(kconfig={"CONFIG_OOM_KILL": "m"})
    before = len(k.log.records())
    k.modules.insmod("oom_kill")
    assert log_lines(k)[before:] == [(KERN_INFO, "Out of Memory: Installing oom_kill handler")]
    assert [b.name for b in k.oom.chain] == ["oom_kill"]
    k.modules.rmmod("oom_kill")
    assert log_lines(k)[-1] == (KERN_INFO, "Out of Memory: Unregistered oom_kill handler")
    assert k.oom.chain == ()


def test_a_reload_starts_with_fresh_statics() -> None:
    """The statics belong to the loaded object: rmmod + insmod starts them at 0 again."""
    k, mod, _ = classic(big_user())
    mod.out_of_memory_killer()
    k.modules.rmmod("oom_kill")
    again = load(k, "oom_kill", module_type=OomKill)
    assert again is not mod
    assert again.heuristic() == {"count": 0, "first": 0, "last": 0, "lastkill": 0}
