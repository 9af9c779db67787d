"""earlyoom: the userspace killer as a daemon task, its thresholds, choice and messages."""

from __future__ import annotations

import pytest

from moomtui.kernel import Kernel
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, SIGKILL, SIGTERM
from moomtui.kernel.module import ModuleError
from moomtui.kernel.printk import KERN_INFO
from moomtui.kernel.proc_misc import meminfo
from moomtui.kernel.proc_pid import cmdline_args
from moomtui.kernel.procfs import write_proc
from moomtui.kernel.task import Task
from moomtui.modules.earlyoom import Earlyoom, MemInfo

from ..fixtures import Recorder, machine
from .helpers import load, log_lines, user

RAM = 4096
MEMTOTAL_KB = (RAM - 448) * 4
"""``MemTotal``: 14592 kB; 10 % of it is 364.8 pages, 5 % is 182.4."""


def daemon_machine(
    *args: str, swap_pages: int = 0, **tasks: dict[str, object]
) -> tuple[Kernel, Earlyoom, Recorder]:
    """big (pid 7) and small (pid 8), idle, 10 pages each; earlyoom (pid 9) started."""
    k = machine(
        user("big", 10, rss=10, **tasks.get("big", {})),  # type: ignore[arg-type]
        user("small", 10, rss=10, **tasks.get("small", {})),  # type: ignore[arg-type]
        ram_pages=RAM,
        swap_pages=swap_pages,
    )
    mod = load(k, "earlyoom", *args, module_type=Earlyoom)
    k.run_for(1)
    return k, mod, Recorder(k)


def task(k: Kernel, pid: int) -> Task:
    t = k.find_task_by_pid(pid)
    assert t is not None
    return t


def squeeze(k: Kernel, pid: int, free: int) -> None:
    """Task ``pid`` maps and touches memory until ``free`` pages are left."""
    t = task(k, pid)
    pages = k.vm.free - free
    assert k.brk(t, pages)
    k.fault(t, pages)
    assert k.vm.free == free


def earlyoom_lines(k: Kernel, since: int = 0) -> list[str]:
    lines = log_lines(k)[since:]
    assert all(level == KERN_INFO for level, text in lines if text.startswith("earlyoom: "))
    return [text.removeprefix("earlyoom: ") for _, text in lines if text.startswith("earlyoom: ")]


# --- the daemon ------------------------------------------------------------------------------


def test_insmod_starts_a_root_daemon_task_that_prints_what_earlyoom_prints() -> None:
    k, mod, _ = daemon_machine()
    daemon = task(k, 9)
    assert (daemon.comm, daemon.uid, daemon.ppid, mod.daemon) == ("earlyoom", 0, 1, daemon)
    assert daemon.mm is not None and daemon.mm.rss == 128
    assert cmdline_args(daemon) == ["earlyoom", "-m", "10,5", "-s", "10,5", "-r", "3600"]
    assert earlyoom_lines(k) == [
        "earlyoom v1.6",
        "Warning: Your kernel does not provide MemAvailable data (needs 3.14+)",
        "         Falling back to guesstimate",
        "mem total:   14 MiB, swap total:    0 MiB",
        "sending SIGTERM when mem <= 10.00% and swap <= 10.00%,",
        "        SIGKILL when mem <=  5.00% and swap <=  5.00%",
        "mem avail:    13 of    14 MiB (93.70%), swap free:    0 of    0 MiB ( 0.00%)",
    ]
    assert k.oom.chain == ()  # a process, not a handler on the kernel's chain


def test_it_wakes_every_100_ms() -> None:
    """``usleep(100000)`` between two looks at /proc/meminfo: HZ/10."""
    k, _, _ = daemon_machine("report=1")
    daemon = task(k, 9)
    assert daemon.wake_at is not None and daemon.wake_at - k.ticks == HZ // 10
    k.run_for(10 * HZ)
    assert sum(1 for line in earlyoom_lines(k) if line.startswith("mem avail")) == 11


def test_it_reads_what_proc_meminfo_shows() -> None:
    """``MemAvailable`` is missing before 3.14, so ``available_guesstimate``: MemFree +
    Cached + Buffers."""
    k = machine(user("a", 100, rss=100), ram_pages=RAM, swap_pages=1024, page_cache=200)
    k.vm.swap_out(1, 32)
    m, proc = MemInfo(k), meminfo(k)
    assert (m.total, m.swap_total, m.swap_free) == (
        proc["MemTotal"],
        proc["SwapTotal"],
        proc["SwapFree"],
    )
    assert m.avail == proc["MemFree"] + proc["Cached"] + proc["Buffers"]
    assert m.swap_free < m.swap_total and proc["Cached"] > 0


# --- the thresholds --------------------------------------------------------------------------


def test_at_or_below_10_percent_it_sends_sigterm_to_the_highest_oom_score() -> None:
    """``if (m->MemAvailablePercent <= args->mem_term_percent && m->SwapFreePercent <=
    args->swap_term_percent) return SIGTERM;`` — 300 free pages are 1200 kB of 14592
    (8.22 %); big's 3128 pages are 857 of 1000 of RAM (2.6.36's oom_score)."""
    k, _, rec = daemon_machine()
    before = len(k.log.records())
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert earlyoom_lines(k, before) == [
        "mem avail:     1 of    14 MiB ( 8.22%), swap free:    0 of    0 MiB ( 0.00%)",
        "low memory! at or below SIGTERM limits: mem 10.00%, swap 10.00%",
        'sending SIGTERM to process 7 uid 1000 "big": badness 857, VmRSS 12 MiB',
    ]
    (kill,) = rec.kills()
    assert (kill.pid, kill.sig, kill.points, kill.module) == (7, SIGTERM, 857, "earlyoom")
    (signal,) = rec.of(ev.Signal)
    assert (signal.pid, signal.sig, signal.sender) == (7, SIGTERM, 9)
    k.run_for(HZ // 10)
    assert task(k, 9) and earlyoom_lines(k)[-1] == "process 7 exited after 0.100 seconds"
    assert k.check_invariants() == []


def test_at_or_below_5_percent_it_sends_sigkill() -> None:
    """``if (… <= args->mem_kill_percent && … <= args->swap_kill_percent) return SIGKILL;``
    — 150 free pages are 4.11 %."""
    k, _, rec = daemon_machine()
    before = len(k.log.records())
    squeeze(k, 7, free=150)
    k.run_for(HZ // 10)
    assert earlyoom_lines(k, before)[:3] == [
        "mem avail:     0 of    14 MiB ( 4.11%), swap free:    0 of    0 MiB ( 0.00%)",
        "low memory! at or below SIGKILL limits: mem  5.00%, swap  5.00%",
        'sending SIGKILL to process 7 uid 1000 "big": badness 898, VmRSS 12 MiB',
    ]
    assert [(e.pid, e.sig) for e in rec.kills()] == [(7, SIGKILL)]


def test_above_the_limit_nothing_happens() -> None:
    k, _, rec = daemon_machine()
    squeeze(k, 7, free=370)  # 10.14 %
    k.run_for(5 * HZ)
    assert rec.kills() == [] and not task(k, 7).dead


def test_with_swap_both_memory_and_swap_must_be_low() -> None:
    """earlyoom's help: "Note: both memory and swap must be below minimum for earlyoom to
    act." — with swap all free, low memory alone does nothing."""
    k, _, rec = daemon_machine(swap_pages=1024)
    squeeze(k, 7, free=150)
    k.run_for(5 * HZ)
    assert rec.kills() == []


def test_with_no_swap_at_all_swap_counts_as_0_percent_free() -> None:
    """``if (m.SwapTotalKiB > 0) … else m.SwapFreePercent = 0;`` so on a machine without
    swap earlyoom acts on memory alone, even with ``swap_term=0``."""
    k, _, rec = daemon_machine("swap_term=0", "swap_kill=0")
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert [e.sig for e in rec.kills()] == [SIGTERM]


def test_sigterm_escalates_to_sigkill_when_memory_reaches_the_kill_limit() -> None:
    """``kill_wait``: "We have sent SIGTERM but now have dropped below SIGKILL limits.
    Escalate to SIGKILL." — the victim ignores SIGTERM."""
    k, _, rec = daemon_machine(big={"program": "idle", "args": {"sigterm": "ignore"}})
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert [e.sig for e in rec.of(ev.Signal)] == [SIGTERM]
    k.run_for(HZ // 2)
    squeeze(k, 8, free=150)
    k.run_for(HZ // 10)
    assert [e.sig for e in rec.of(ev.Signal)] == [SIGTERM, SIGKILL]
    assert "escalating to SIGKILL after 0.6 seconds" in earlyoom_lines(k)
    assert len(rec.kills()) == 1  # one victim, two signals
    k.run_for(HZ // 10)
    assert task(k, 9) and earlyoom_lines(k)[-1] == "process 7 exited after 0.700 seconds"


def test_a_victim_that_outlives_ten_seconds_is_given_up() -> None:
    """``for (unsigned i = 0; i < 100; i++) { … usleep(100ms) } errno = ETIME;`` then
    ``warn("kill failed: %s\\n", strerror(saved_errno))``; the next poll tries again."""
    k, _, rec = daemon_machine(big={"program": "idle", "args": {"sigterm": "ignore"}})
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10 + 10 * HZ)
    assert earlyoom_lines(k)[-1] == "kill failed: Timer expired"
    assert len(rec.kills()) == 1
    k.run_for(HZ // 10)
    assert len(rec.kills()) == 2 and not task(k, 7).dead


# --- the choice ------------------------------------------------------------------------------


def two_big(k: Kernel) -> None:
    """small gets 1428 pages (oom_score 391), then big 1710 (468), leaving 300 free."""
    squeeze(k, 8, free=2000)
    squeeze(k, 7, free=300)
    assert [t.mm.rss for t in (task(k, 7), task(k, 8)) if t.mm] == [1710, 1428]


def test_without_prefer_or_avoid_the_bigger_dies() -> None:
    k, _, rec = daemon_machine()
    two_big(k)
    k.run_for(HZ // 10)
    assert [(e.pid, e.points) for e in rec.kills()] == [(7, 468)]


def test_prefer_adds_300_to_the_badness() -> None:
    """``#define BADNESS_PREFER 300`` for a name matching ``--prefer`` (a search, not a
    full match): small's 391 + 300 beats big's 468."""
    k, _, rec = daemon_machine("prefer=mall")
    two_big(k)
    k.run_for(HZ // 10)
    assert [(e.pid, e.points) for e in rec.kills()] == [(8, 691)]
    assert "Preferring to kill process names that match regex 'mall'" in earlyoom_lines(k)


def test_avoid_subtracts_300() -> None:
    """``#define BADNESS_AVOID -300``: big's 468 - 300 loses to small's 391."""
    k, _, rec = daemon_machine("avoid=^big$")
    two_big(k)
    k.run_for(HZ // 10)
    assert [(e.pid, e.points) for e in rec.kills()] == [(8, 391)]
    assert "Will avoid killing process names that match regex '^big$'" in earlyoom_lines(k)


def test_a_negative_badness_never_wins() -> None:
    """``procinfo_t victim = { 0 };`` and ``if (cur->badness < victim->badness) return
    false;``: big's 857 - 600 (oom_score_adj) - 300 (avoid) is below 0, and so is
    everyone else's."""
    k, _, rec = daemon_machine("avoid=.")
    write_proc(k, "/proc/7/oom_score_adj", "-600")
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert rec.kills() == []
    assert earlyoom_lines(k)[-1] == "Could not find a process to kill. Sleeping 1 second."


def test_oom_score_adj_minus_1000_is_skipped_like_the_kernel_does() -> None:
    """``if (cur->oom_score_adj == -1000) return false;``"""
    k, _, rec = daemon_machine()
    write_proc(k, "/proc/7/oom_score_adj", "-1000")
    two_big(k)
    k.run_for(HZ // 10)
    assert [e.pid for e in rec.kills()] == [8]


def test_it_refuses_to_kill_itself() -> None:
    """``if (victim.pid == getpid()) { warn("%s: selected myself (pid %d). …"); … }``"""
    k, _, rec = daemon_machine()
    for pid in (7, 8):
        write_proc(k, f"/proc/{pid}/oom_score_adj", "-1000")
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert earlyoom_lines(k)[-2:] == [
        "find_largest_process: selected myself (pid 9). Do you use hidpid? "
        "See https://github.com/rfjakob/earlyoom/wiki/proc-hidepid",
        "Could not find a process to kill. Sleeping 1 second.",
    ]
    assert rec.kills() == []
    daemon = task(k, 9)
    assert daemon.wake_at is not None and daemon.wake_at - k.ticks == HZ


def test_dryrun_only_prints() -> None:
    """``if (args->dryrun && sig != 0) { warn("dryrun, not actually sending any
    signal\\n"); return 0; }``"""
    k, _, rec = daemon_machine("dryrun=1")
    squeeze(k, 7, free=300)
    k.run_for(HZ // 10)
    assert earlyoom_lines(k)[-2:] == [
        'sending SIGTERM to process 7 uid 1000 "big": badness 857, VmRSS 12 MiB',
        "dryrun, not actually sending any signal",
    ]
    assert "dryrun mode enabled, will not kill anything" in earlyoom_lines(k)
    k.run_for(HZ)
    assert rec.kills() == [] and rec.of(ev.Signal) == [] and k.kills == 0
    assert not task(k, 7).dead


# --- a process like any other ----------------------------------------------------------------


def test_once_earlyoom_is_killed_it_protects_nothing() -> None:
    k, mod, rec = daemon_machine()
    daemon = task(k, 9)
    k.send_sig(daemon, SIGKILL)
    k.run_for(1)
    assert daemon.dead and not mod.running
    assert k.modules.state("earlyoom") == "loaded"
    squeeze(k, 7, free=150)
    k.run_for(5 * HZ)
    assert rec.kills() == [] and not task(k, 7).dead


def test_rmmod_stops_the_daemon_and_insmod_starts_a_new_one() -> None:
    k, _, rec = daemon_machine()
    daemon = task(k, 9)
    k.modules.rmmod("earlyoom")
    k.run_for(1)
    assert daemon.dead and [(e.pid, e.sig) for e in rec.of(ev.Signal)] == [(9, SIGTERM)]
    mod = load(k, "earlyoom", module_type=Earlyoom)
    assert mod.daemon is not None and mod.daemon.comm == "earlyoom" and mod.daemon.pid != 9


def test_a_kernel_oom_killer_may_kill_earlyoom() -> None:
    """The daemon is a process like any other: with the others at -1000, 2.6.36's
    killer chooses it for its 128 pages."""
    k, _, _ = daemon_machine()
    k.modules.insmod("oom_score_adj")
    for pid in (7, 8):
        write_proc(k, f"/proc/{pid}/oom_score_adj", "-1000")
    k.oom.out_of_memory(task(k, 7))
    k.run_for(1)
    assert task(k, 9).dead


# --- parameters ------------------------------------------------------------------------------


def test_a_kill_limit_above_the_term_limit_is_refused() -> None:
    k = machine(ram_pages=RAM)
    with pytest.raises(ModuleError) as err:
        k.modules.insmod("earlyoom", ["mem_term=5", "mem_kill=10"])
    assert str(err.value) == "insmod: earlyoom: init_module: Invalid argument"
    assert log_lines(k)[-1] == (KERN_INFO, "earlyoom: -m: SIGKILL limit 10 above SIGTERM 5")
    assert [t.comm for t in k.for_each_task()][-1] != "earlyoom"


def test_a_bad_regex_is_refused() -> None:
    """``if (regcomp(…) != 0) fatal(6, "could not compile regexp '%s'\\n", …);``"""
    k = machine(ram_pages=RAM)
    with pytest.raises(ModuleError):
        k.modules.insmod("earlyoom", ["prefer=(unclosed"])
    assert log_lines(k)[-2:] == [
        (KERN_INFO, "earlyoom: could not compile regexp '(unclosed'"),
        (KERN_INFO, "earlyoom: regcomp: Unmatched ( or \\("),
    ]
    assert k.modules.state("earlyoom") == "available"


def test_modinfo_lists_the_string_parameters() -> None:
    info = machine().modules.modinfo("earlyoom")
    assert 'parm:        prefer string, description "Regex: +300 badness' in info
    assert 'parm:        mem_term int, description "SIGTERM at or below' in info
    assert 'license:     "MIT"' in info
