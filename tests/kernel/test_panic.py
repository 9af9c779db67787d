"""kernel/panic.c: panic() stops the world; panic_timeout decides hang or reboot."""

from __future__ import annotations

from moomtui.kernel import TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ

from .conftest import Recorder, machine


def test_panic_with_timeout_0_hangs_forever() -> None:
    """``if (panic_timeout > 0) { ... machine_restart(NULL); }`` — else the box hangs."""
    k = machine(TaskSpec(comm="hog", uid=1000, program="hog", args={"rate": "1M/s"}))
    rec = Recorder(k)
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
    k = machine(jiffies=5000, sysctl={"kernel.panic": 10})
    rec = Recorder(k)
    k.run_for(100)
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


def test_panic_message_drops_the_trailing_newline() -> None:
    """oom_kill.c: ``panic("Out of memory and no killable processes...\\n");``"""
    k = machine()
    k.panic("Out of memory and no killable processes...\n")
    assert k.panicked == "Out of memory and no killable processes..."
