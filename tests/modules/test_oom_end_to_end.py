"""Whole machines running out of memory, with each policy and with none."""

from __future__ import annotations

from moomtui.kernel import Kernel
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, SIGKILL

from ..fixtures import Recorder, machine
from .helpers import user

RAM = 4096  # 16M: a 1M/s hog fills it in about 14 s


def hog_machine(kconfig: dict[str, str], **spec: object) -> tuple[Kernel, Recorder]:
    k = machine(
        user("sshd", 300, uid=0, caps=None, rss=100),
        user("hog", 0, program="hog", args={"rate": "1M/s"}),
        ram_pages=RAM,
        kconfig=kconfig,
        **spec,
    )
    return k, Recorder(k)


def test_oom_kill_kills_the_hog_and_the_machine_recovers() -> None:
    k, rec = hog_machine({"CONFIG_OOM_KILL": "y"})
    k.run_for(60 * HZ)
    (kill,) = rec.kills()
    assert (kill.pid, kill.comm, kill.module, kill.reason, kill.sig) == (
        8,
        "hog",
        "oom_kill",
        "victim",
        SIGKILL,
    )
    ooms = rec.of(ev.OutOfMemory)
    assert len(ooms) >= 10 and ooms[-1].jiffies == kill.jiffies
    assert ooms[-1].jiffies - ooms[0].jiffies >= HZ  # the first second does not count
    (exit_,) = [e for e in rec.of(ev.Exit) if e.pid == 8]
    assert exit_.signal == SIGKILL and exit_.jiffies - kill.jiffies <= 2
    assert k.find_task_by_pid(8) is None  # reaped
    assert k.oom_state() == "ok" and k.vm.free > k.vm.pages_high
    assert k.blocked_tasks() == [] and k.check_invariants() == []


def test_with_no_oom_handler_the_machine_livelocks() -> None:
    """``CONFIG_OOM_*=n`` everywhere: out_of_memory() calls nothing and the allocation
    retries forever (``yield(); goto rebalance``)."""
    k, rec = hog_machine({})
    k.run_for(30 * HZ)
    hog = k.find_task_by_pid(8)
    assert hog is not None and hog.state == "D" and not hog.dead
    ooms = rec.of(ev.OutOfMemory)
    assert ooms and all(e.handlers == () for e in ooms)
    seen = len(ooms)
    k.run_for(10 * HZ)
    assert len(rec.of(ev.OutOfMemory)) > seen + 10 * HZ // 2
    assert rec.kills() == [] and k.kills == 0
    assert k.oom_state() == "livelock"


def test_oom_panic_panics_when_the_hog_fills_memory() -> None:
    k, rec = hog_machine({"CONFIG_OOM_PANIC": "y"})
    k.run_for(60 * HZ)
    (panic,) = rec.of(ev.Panic)
    (first_oom,) = [e for e in rec.of(ev.OutOfMemory)]
    assert panic.message == "Out-Of-Memory" and panic.jiffies == first_oom.jiffies
    assert k.oom_state() == "panic" and rec.kills() == []


def test_oom_kill_parent_stops_a_server_that_respawns_hogs() -> None:
    """A prefork server whose workers each fill memory: after its 11th dead worker the next
    ``out_of_memory()`` kills the server, and the last worker's death ends the shortage."""
    k = machine(
        user("sshd", 300, rss=100),
        user(
            "httpd",
            50,
            rss=20,
            program="prefork",
            args={"children": 2, "child": "hog", "child_rate": "2M/s", "respawn": "1s"},
        ),
        ram_pages=RAM,
        kconfig={"CONFIG_OOM_KPPID": "y"},
        sysctl={"vm/overcommit_memory": 1},
    )
    rec = Recorder(k)
    k.run_for(120 * HZ)
    kills = rec.kills()
    (parent,) = [e for e in kills if e.reason == "parent"]
    assert parent.pid == 8 and parent.module == "oom_kill_parent"
    workers_before = [e for e in kills if e.reason == "victim" and e.jiffies < parent.jiffies]
    assert len(workers_before) == 11 and all(e.comm == "httpd" for e in workers_before)
    assert (k.oom_state(), [t.comm for t in k.for_each_task()][6:]) == ("ok", ["sshd"])
