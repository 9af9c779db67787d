"""kernel/panic.c: panic() stops the world; panic_timeout decides hang or reboot."""

from __future__ import annotations

import pytest

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_EMERG, KERN_WARNING
from moomtui.userland import PROGRAMS

from ..fixtures import Recorder, machine


def test_panic_with_timeout_0_hangs_forever() -> None:
    """``if (panic_timeout > 0) { ... machine_restart(NULL); }`` — else the box hangs."""
    k = machine(
        TaskSpec(comm="hog", uid=1000, program="hog", args={"rate": "1M/s"}), ram_pages=4096
    )
    rec = Recorder(k)
    with pytest.raises(KernelPanic):
        k.panic("Out-Of-Memory")
    hog = next(t for t in k.tasks.values() if t.comm == "hog")
    rss = hog.mm.rss
    k.run_for(3600 * HZ)
    assert k.panicked == "Out-Of-Memory"
    assert k.boot == 0 and hog.mm.rss == rss  # nothing runs
    assert rec.of(ev.Reboot) == []
    assert [r.text for r in k.log.records()][-1] == "Kernel panic: Out-Of-Memory"


def test_panic_with_timeout_reboots_after_that_many_seconds() -> None:
    """``printk(KERN_EMERG "Rebooting in %d seconds..",panic_timeout);
    mdelay(panic_timeout*1000);`` then ``machine_restart(NULL);``"""
    k = machine(jiffies=5000, sysctl={"kernel.panic": 10}, ram_pages=4096)
    rec = Recorder(k)
    k.run_for(100)
    with pytest.raises(KernelPanic):
        k.panic("Out-Of-Memory")
    texts = [r.text for r in k.log.records()][-2:]
    assert texts == ["Kernel panic: Out-Of-Memory", "Rebooting in 10 seconds.."]
    k.run_for(10 * HZ - 1)
    assert k.boot == 0
    k.run_for(1)
    assert k.boot == 1 and k.panicked is None
    assert k.jiffies == 5000  # a new boot: the uptime starts again
    assert rec.of(ev.Reboot)[0].new_boot == 1
    assert k.log.records()[0].text.startswith("Linux version 2.4.22-moom")


def test_panic_message_keeps_the_blank_line_of_its_trailing_newline() -> None:
    """oom_kill.c: ``panic("Out of memory and no killable processes...\\n");`` and
    panic.c: ``printk(KERN_EMERG "Kernel panic: %s\\n",buf);`` — two newlines, so the log
    holds an empty line after the panic, tagged ``<4>`` (``default_message_loglevel``) as
    printk tags every line after a newline. The state and the event drop the newline."""
    k = machine(ram_pages=4096)
    rec = Recorder(k)
    with pytest.raises(KernelPanic):
        k.panic("Out of memory and no killable processes...\n")
    assert k.panicked == "Out of memory and no killable processes..."
    assert [(r.level, r.text) for r in k.log.records()][-2:] == [
        (KERN_EMERG, "Kernel panic: Out of memory and no killable processes..."),
        (KERN_WARNING, ""),
    ]
    assert [e.message for e in rec.of(ev.Panic)] == ["Out of memory and no killable processes..."]


# --- panic() never returns: the entry points ------------------------------------------------
#
# panic.c ends in ``for(;;)`` (or ``machine_restart()``): whoever called panic() never runs
# again. Here Kernel.panic() raises KernelPanic and the outermost entry point catches it.

PANIC_Y = {"CONFIG_OOM_PANIC": "y", "CONFIG_OOM_KILL": "n", "CONFIG_OOM_KPPID": "n"}


def full_machine(**kw: object) -> Kernel:
    """oom_panic built in, and a task holding all but 30 free pages: below pages_low."""
    probe = machine(ram_pages=4096)
    hold = probe.vm.free - 30
    return machine(
        TaskSpec(comm="holder", uid=1000, total_vm=hold, rss=hold),
        kconfig=PANIC_Y,
        **kw,
        ram_pages=4096,
    )


def test_tick_is_an_entry_point_and_run_for_goes_on_after_a_panic() -> None:
    """``panic("Out-Of-Memory")`` in a timer's page fault ends that jiffy; the clock goes on
    (the reboot timer needs it) and nothing else runs: the hog never runs again."""
    k = machine(ram_pages=4096, kconfig=PANIC_Y)
    hog = k.spawn(PROGRAMS["hog"]({"rate": "1M/s"}), comm="hog", uid=1000)
    assert hog is not None and k.panicked is None
    k.run_for(60 * HZ)
    assert k.panicked == "Out-Of-Memory" and k.ticks == 60 * HZ
    rss = hog.mm.rss
    k.run_for(HZ)
    assert hog.mm.rss == rss and not hog.dead


def test_tick_alone_catches_the_panic() -> None:
    k = machine(ram_pages=4096, kconfig=PANIC_Y)
    k.spawn(PROGRAMS["hog"]({"rate": "1M/s"}), comm="hog", uid=1000)
    for _ in range(60 * HZ):
        k.tick()
    assert k.panicked == "Out-Of-Memory"


def test_spawn_that_panics_returns_none() -> None:
    """spawn's fork takes the child's task_struct from ``__alloc_pages``; direct reclaim
    fails, ``out_of_memory()`` runs oom_panic, and spawn — an entry point — returns None."""
    k = full_machine()
    rec = Recorder(k)
    child = k.spawn(PROGRAMS["idle"]({"rss": "1M"}), comm="big", uid=1000)
    assert k.panicked == "Out-Of-Memory"
    assert child is None
    assert len(rec.of(ev.Panic)) == 1


def test_a_fault_that_panics_halfway_leaves_the_pages_it_took_in_the_free_pool() -> None:
    """``__alloc_pages`` takes what it can above pages_low, then reclaims; reclaim calls
    ``out_of_memory()`` and oom_panic's ``panic("Out-Of-Memory")`` unwinds the fault. The
    pages taken before it were never mapped: free + anon + cache + kernel still adds up."""
    k = machine(ram_pages=4096, kconfig=PANIC_Y)
    hog = k.spawn(PROGRAMS["idle"](), comm="burst", uid=1000)
    assert hog is not None and hog.mm is not None
    free = k.vm.free
    with pytest.raises(KernelPanic):  # more than is free: some pages, reclaim, the panic
        k.fault(hog, free)
    assert k.panicked == "Out-Of-Memory"
    assert hog.mm.rss == 0 and k.vm.free > 0
    assert k.check_invariants() == []


def test_a_boot_that_panics_gives_a_panicked_machine() -> None:
    """A task that faults at start more than the machine holds, with oom_panic built in:
    ``Kernel()`` returns a panicked machine rather than raising."""
    k = machine(
        TaskSpec(comm="greedy", program="idle", args={"rss": "64M"}),
        kconfig=PANIC_Y,
        ram_pages=4096,
    )
    assert k.panicked == "Out-Of-Memory"
    assert k.log.records()[-1].text == "Kernel panic: Out-Of-Memory"


def test_a_reboot_into_a_boot_that_panics_panics_again() -> None:
    k = machine(
        TaskSpec(comm="greedy", program="idle", args={"rss": "64M"}),
        kconfig=PANIC_Y,
        sysctl={"kernel.panic": 1},
        ram_pages=4096,
    )
    assert k.panicked is not None and k.boot == 0
    k.run_for(HZ)
    assert k.boot == 1 and k.panicked == "Out-Of-Memory"


def test_a_second_panic_prints_nothing_and_only_unwinds() -> None:
    k = machine(ram_pages=4096)
    with pytest.raises(KernelPanic):
        k.panic("first")
    count = len(k.log.records())
    with pytest.raises(KernelPanic):
        k.panic("second")
    assert len(k.log.records()) == count and k.panicked == "first"


def test_kernel_panic_is_no_exception_for_the_oops_guards() -> None:
    """The guards that turn a policy's bug into an oops catch ``Exception``: a panic must
    pass them untouched."""
    assert issubclass(KernelPanic, BaseException) and not issubclass(KernelPanic, Exception)
