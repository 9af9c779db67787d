"""oom_score_adj: 2.6.36's badness and out_of_memory(), its sysctls, and 4.6's OOM reaper."""

from __future__ import annotations

import pytest

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import (
    CAP_FULL_SET,
    CAP_SYS_ADMIN,
    CAP_TO_MASK,
    HZ,
    PF_MEMDIE,
    SIGKILL,
)
from moomtui.kernel.errno import EACCES, EINVAL, ESRCH
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_ERR, KERN_INFO, KERN_WARNING
from moomtui.kernel.proc_pid import OOM_SCORE_ADJ_MIN
from moomtui.kernel.procfs import ProcError, read_proc, write_proc
from moomtui.kernel.task import Mm, Task
from moomtui.machine import boot
from moomtui.modules.oom_score_adj import DUMP_HEADER, OomScoreAdj, oom_badness, totalpages
from moomtui.presets import PresetError, parse_preset
from moomtui.userland import PROGRAMS

from ..fixtures import Recorder, machine
from .helpers import load, log_lines, user

RAM = 4096
TOTALRAM = RAM - 448
"""``totalram_pages``: RAM less the kernel image (384 pages) and mem_map (64 pages)."""


def task(rss: int, swap: int = 0, *, adj: int = 0, caps: int = 0, pid: int = 100) -> Task:
    mm = Mm(1, total_vm=rss + swap, rss=rss, swap=swap)
    return Task(pid=pid, comm="t", mm=mm, uid=1000, cap_effective=caps, oom_score_adj=adj)


def three(**spec: object) -> tuple[Kernel, OomScoreAdj, Recorder]:
    """big (pid 7, 1200 pages), rootd (pid 8, root, 1300 pages), small (pid 9, 100 pages),
    with oom_score_adj loaded at boot (so ``sysctl`` can set its tunables)."""
    k = machine(
        user("big", 1500, rss=1200),
        TaskSpec("rootd", total_vm=1300, rss=1300),
        user("small", 200, rss=100),
        ram_pages=RAM,
        modules=["oom_score_adj"],
        **spec,
    )
    module = k.modules.get("oom_score_adj")
    assert isinstance(module, OomScoreAdj)
    return k, module, Recorder(k)


def pid(k: Kernel, n: int) -> Task:
    t = k.find_task_by_pid(n)
    assert t is not None
    return t


# --- the badness formula ---------------------------------------------------------------------


def test_badness_is_the_share_of_ram_and_swap_in_use_on_a_scale_of_1000() -> None:
    """``points = (get_mm_rss(p->mm) + get_mm_counter(p->mm, MM_SWAPENTS)) * 1000 /
    totalpages;`` — 1168 pages of 4672 are 250."""
    assert oom_badness(task(1000, 168), 4672) == 250
    assert oom_badness(task(1000, 169), 4672) == 250  # integer division
    k = machine(ram_pages=RAM, swap_pages=1024)
    assert totalpages(k) == TOTALRAM + 1024 == 4672


def test_root_gets_a_three_percent_bonus() -> None:
    """``if (has_capability_noaudit(p, CAP_SYS_ADMIN)) points -= 30;``"""
    assert oom_badness(task(1000, 168, caps=CAP_TO_MASK(CAP_SYS_ADMIN)), 4672) == 220
    assert oom_badness(task(1000, 168, caps=CAP_FULL_SET), 4672) == 220


def test_oom_score_adj_is_added_and_the_result_clamped_to_1_to_1000() -> None:
    """``points += p->signal->oom_score_adj;`` ``if (points <= 0) return 1;``
    ``return (points < 1000) ? points : 1000;``"""
    assert oom_badness(task(1000, 168, adj=100), 4672) == 350
    assert oom_badness(task(1000, 168, adj=-500), 4672) == 1
    assert oom_badness(task(1000, 168, adj=1000), 4672) == 1000
    assert oom_badness(task(0, adj=0), 4672) == 1  # eligible: never 0
    assert oom_badness(task(4672, adj=1), 4672) == 1000


def test_minus_1000_means_never() -> None:
    """``if (p->signal->oom_score_adj == OOM_SCORE_ADJ_MIN) return 0;``"""
    assert oom_badness(task(4000, adj=-1000), 4672) == 0
    assert oom_badness(task(4000, adj=-999), 4672) == 1


def test_init_kernel_threads_and_tasks_without_mm_score_0() -> None:
    """``if (oom_unkillable_task(p, mem, nodemask)) return 0;`` — init and kthreads."""
    assert oom_badness(task(4000, pid=1), 4672) == 0
    kthread = Task(pid=4, comm="kswapd", mm=None)
    assert oom_badness(kthread, 4672) == 0


# --- the choice ------------------------------------------------------------------------------


def test_the_most_points_win_and_the_root_bonus_can_decide() -> None:
    """big: 1200*1000/3648 = 328; rootd: 1300*1000/3648 - 30 = 326; so big dies."""
    k, _, rec = three()
    big = pid(k, 7)
    assert [oom_badness(pid(k, n), TOTALRAM) for n in (7, 8, 9)] == [328, 326, 27]
    k.oom.out_of_memory(pid(k, 9))
    assert [(e.pid, e.comm, e.points, e.sig, e.module) for e in rec.kills()] == [
        (7, "big", 328, SIGKILL, "oom_score_adj")
    ]
    assert big.flags & PF_MEMDIE
    line = (
        "Out of memory: Killed process 7 (big) total-vm:6000kB, anon-rss:4800kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:1000 oom_score_adj:0"
    )
    assert (KERN_ERR, line) in log_lines(k)
    k.run_for(1)
    assert big.dead and rec.of(ev.Exit)[-1].signal == SIGKILL


def test_ties_go_to_the_oldest_process() -> None:
    """``if (points > *ppoints)``: only strictly more points replace the choice."""
    k = machine(user("first", 500, rss=500), user("second", 500, rss=500), ram_pages=RAM)
    load(k, "oom_score_adj", module_type=OomScoreAdj)
    rec = Recorder(k)
    k.oom.out_of_memory(pid(k, 8))
    assert [e.comm for e in rec.kills()] == ["first"]


def test_oom_score_adj_minus_1000_protects_the_biggest() -> None:
    k, _, rec = three()
    write_proc(k, "/proc/7/oom_score_adj", "-1000\n")
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["rootd"]


def test_a_raised_oom_score_adj_makes_a_small_task_the_victim() -> None:
    k, _, rec = three()
    write_proc(k, "/proc/9/oom_score_adj", "500")
    assert oom_badness(pid(k, 9), TOTALRAM) == 527
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["small"]


def test_every_task_sharing_the_mm_is_killed() -> None:
    """A SIGKILL kills the whole thread group: here every task sharing the victim's mm."""
    k = machine(user("java", 1500, rss=1200, threads=3), user("small", 200, rss=100))
    load(k, "oom_score_adj", module_type=OomScoreAdj)
    rec = Recorder(k)
    java = [pid(k, n) for n in (7, 8, 9)]
    k.oom.out_of_memory(pid(k, 10))
    assert [(e.pid, e.reason) for e in rec.kills()] == [(7, "victim"), (8, "thread"), (9, "thread")]
    k.run_for(2)
    assert all(t.dead for t in java)
    assert k.check_invariants() == []


def test_nothing_killable_panics() -> None:
    """``if (!p) { ... panic("Out of memory and no killable processes...\\n"); }``"""
    k = machine(ram_pages=RAM)
    load(k, "oom_score_adj", module_type=OomScoreAdj)
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(k.init_task)
    assert k.panicked == "Out of memory and no killable processes..."


# --- when it acts ----------------------------------------------------------------------------


def test_no_kill_while_an_earlier_victim_is_alive_and_unreaped() -> None:
    """``if (test_tsk_thread_flag(p, TIF_MEMDIE)) return ERR_PTR(-1UL);`` — wait for the
    victim to exit "before killing some other task by mistake"."""
    k, _, rec = three(sysctl={"vm.oom_reaper": 0})
    k.oom.out_of_memory(pid(k, 9))
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["big"]
    k.run_for(2)  # big exits
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["big", "rootd"]


def test_a_reaped_victim_is_passed_over_at_once() -> None:
    """4.6: ``if (test_bit(MMF_OOM_SKIP, ...)) goto next;`` — no waiting for a victim whose
    memory the reaper has already given back."""
    k, _, rec = three()
    k.oom.out_of_memory(pid(k, 9))
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["big", "rootd"]
    assert not pid(k, 7).dead  # neither has exited yet


def test_there_are_no_timing_rules() -> None:
    """2.6.36 has no ``first``/``count``/``lastkill``: the very first call kills, even at
    jiffy 0 of a fresh boot."""
    k, _, rec = three()
    assert k.jiffies == 0
    k.oom.out_of_memory(pid(k, 9))
    assert len(rec.kills()) == 1


def test_kswapd_does_not_invoke_the_2_6_killer() -> None:
    """In 2.6 only the allocating task's slow path calls out_of_memory(), never kswapd."""
    k, _, rec = three()
    k.oom.out_of_memory(k.kswapd)
    assert rec.kills() == []


def test_a_current_task_already_killed_only_gets_the_reserves() -> None:
    """``if (fatal_signal_pending(current)) { set_thread_flag(TIF_MEMDIE); return; }``"""
    k, _, rec = three()
    small = pid(k, 9)
    small.sigpending.add(SIGKILL)
    k.oom.out_of_memory(small)
    assert small.flags & PF_MEMDIE and rec.kills() == []


def test_free_swap_and_a_busy_swap_disk_is_progress_not_oom() -> None:
    """2.6 calls the killer only when reclaim made no progress; pages being written to a
    swap disk that is busy are progress. Once the disk has bandwidth again, it kills."""
    k, _, rec = three(swap_pages=1024)
    while k.vm.disk_pages_available() >= 32:
        assert k.vm.swap_out(1, 32)
    k.oom.out_of_memory(pid(k, 9))
    assert rec.kills() == [] and k.vm.nr_swap_pages > 0
    k.run_for(HZ)
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["big"]
    assert k.check_invariants() == []


# --- the sysctls -----------------------------------------------------------------------------


def test_sysctls_exist_while_loaded() -> None:
    k, _, _ = three()
    keys = ("panic_on_oom", "oom_kill_allocating_task", "oom_dump_tasks", "oom_reaper")
    assert [read_proc(k, f"/proc/sys/vm/{key}") for key in keys] == ["0\n", "0\n", "1\n", "1\n"]
    k.modules.rmmod("oom_score_adj")
    assert not any(k.sysctl.exists(f"vm.{key}") for key in keys)
    assert k.sysctl.exists("vm.overcommit_memory")


@pytest.mark.parametrize(
    ("value", "how"), [(1, "system-wide"), (2, "compulsory"), (-1, "system-wide")]
)
def test_panic_on_oom_panics_instead_of_killing(value: int, how: str) -> None:
    """``if (likely(!sysctl_panic_on_oom)) return;`` … ``panic("Out of memory: %s
    panic_on_oom is enabled\\n", sysctl_panic_on_oom == 2 ? "compulsory" :
    "system-wide");``"""
    k, _, rec = three(sysctl={"vm.panic_on_oom": value})
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(pid(k, 9))
    assert k.panicked == f"Out of memory: {how} panic_on_oom is enabled"
    assert rec.kills() == []


def test_oom_kill_allocating_task_kills_the_allocating_task() -> None:
    """``if (sysctl_oom_kill_allocating_task && !oom_unkillable_task(current, …) &&
    current->mm && …) oom_kill_process(current, …, "Out of memory
    (oom_kill_allocating_task)")``"""
    k, _, rec = three(sysctl={"vm.oom_kill_allocating_task": 1})
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["small"]
    assert log_lines(k)[-2][1].startswith(
        "Out of memory (oom_kill_allocating_task): Killed process 9 (small) total-vm:800kB"
    )


def test_oom_kill_allocating_task_falls_back_to_the_scan_for_a_protected_task() -> None:
    """``!atomic_read(&current->mm->oom_disable_count)``: an allocating task at -1000 is
    not killed; the tasklist scan chooses instead."""
    k, _, rec = three(sysctl={"vm.oom_kill_allocating_task": 1})
    write_proc(k, "/proc/9/oom_score_adj", "-1000")
    k.oom.out_of_memory(pid(k, 9))
    assert [e.comm for e in rec.kills()] == ["big"]


def test_oom_dump_tasks_prints_the_task_table_before_the_kill() -> None:
    """``dump_tasks()``: one line per killable process, memory in pages, at KERN_INFO."""
    k, _, _ = three()
    write_proc(k, "/proc/8/oom_score_adj", "-5")
    before = len(k.log.records())
    k.oom.out_of_memory(pid(k, 9))
    lines = log_lines(k)[before:]
    assert lines[:4] == [
        (KERN_INFO, "[ pid ]   uid  tgid total_vm      rss swapents oom_score_adj name"),
        (KERN_INFO, "[    7]  1000     7     1500     1200        0             0 big"),
        (KERN_INFO, "[    8]     0     8     1300     1300        0            -5 rootd"),
        (KERN_INFO, "[    9]  1000     9      200      100        0             0 small"),
    ]
    assert lines[4][0] == KERN_ERR


def test_oom_dump_tasks_0_prints_only_the_kill() -> None:
    k, _, _ = three(sysctl={"vm.oom_dump_tasks": 0})
    before = len(k.log.records())
    k.oom.out_of_memory(pid(k, 9))
    texts = [text for _, text in log_lines(k)[before:]]
    assert DUMP_HEADER not in texts
    assert texts[0].startswith("Out of memory: Killed process 7 (big)")


# --- the OOM reaper --------------------------------------------------------------------------


def test_the_reaper_frees_the_victims_memory_before_it_exits() -> None:
    """4.6's oom_reaper: the victim's anonymous pages are unmapped at once; the accounting
    stays exact and the victim still exits normally later."""
    k, _, _ = three(swap_pages=1024)
    big = pid(k, 7)
    assert big.mm is not None
    while big.mm.swap == 0:  # reclaim visits the address spaces in turn, init's first
        assert k.vm.swap_out(1, 32) == 32
    k.run_for(HZ)  # the swap disk has bandwidth again
    free, swap_used = k.vm.free, k.vm.swap_used
    rss, swap = big.mm.rss, big.mm.swap
    k.oom.out_of_memory(pid(k, 9))
    assert not big.dead and big.mm is not None
    assert (big.mm.rss, big.mm.swap, big.mm.total_vm, big.mm.oom_reaped) == (0, 0, 1500, True)
    assert k.vm.free == free + rss and k.vm.swap_used == swap_used - swap
    assert k.check_invariants() == []
    assert log_lines(k)[-1] == (
        KERN_INFO,
        "oom_reaper: reaped process 7 (big), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
    )
    k.run_for(2)
    assert big.dead and k.check_invariants() == []
    # Exiting frees no more of its memory (the reaper had it all), only the task_struct.
    assert k.vm.free == free + rss + 2


def test_without_the_reaper_memory_comes_back_only_at_exit() -> None:
    k, _, _ = three(sysctl={"vm.oom_reaper": 0})
    big = pid(k, 7)
    free = k.vm.free
    k.oom.out_of_memory(pid(k, 9))
    assert big.mm is not None and big.mm.rss == 1200 and k.vm.free == free
    k.run_for(2)
    assert big.dead and k.vm.free == free + 1200 + 2  # its pages and its task_struct
    assert k.check_invariants() == []


def test_a_hog_is_killed_and_the_machine_recovers() -> None:
    k = machine(
        user("sshd", 300, uid=0, caps=None, rss=100),
        user("hog", 0, program="hog", args={"rate": "1M/s"}),
        ram_pages=RAM,
    )
    load(k, "oom_score_adj", module_type=OomScoreAdj)
    rec = Recorder(k)
    k.run_for(60 * HZ)
    (kill,) = rec.kills()
    assert (kill.pid, kill.comm, kill.sig) == (8, "hog", SIGKILL)
    assert rec.of(ev.OutOfMemory)[0].jiffies == kill.jiffies  # the first call kills
    assert k.oom_state() == "ok" and k.check_invariants() == []


# --- /proc/PID/oom_score_adj -----------------------------------------------------------------


def test_proc_oom_score_adj_reads_for_every_task() -> None:
    k, _, _ = three()
    assert read_proc(k, "/proc/1/oom_score_adj") == "0\n"
    assert read_proc(k, "/proc/4/oom_score_adj") == "0\n"  # kswapd


@pytest.mark.parametrize(
    ("text", "value"), [("-1000", -1000), ("1000\n", 1000), ("  17 \n", 17), ("0x10", 16)]
)
def test_root_may_write_any_value_in_range(text: str, value: int) -> None:
    """``strict_strtol(strstrip(buffer), 0, &oom_score_adj)``: base 0, blanks stripped."""
    k, _, _ = three()
    write_proc(k, "/proc/7/oom_score_adj", text)
    assert pid(k, 7).oom_score_adj == value
    assert read_proc(k, "/proc/7/oom_score_adj") == f"{value}\n"


@pytest.mark.parametrize("text", ["1001", "-1001", "ten", "+5", "5x", "\n"])
def test_values_out_of_range_or_not_numbers_are_einval(text: str) -> None:
    """``if (oom_score_adj < OOM_SCORE_ADJ_MIN || oom_score_adj > OOM_SCORE_ADJ_MAX)
    return -EINVAL;`` (``echo "" >`` writes a lone newline: nothing to read, EINVAL)."""
    k, _, _ = three()
    with pytest.raises(ProcError) as err:
        write_proc(k, "/proc/7/oom_score_adj", text)
    assert err.value.errno == EINVAL and pid(k, 7).oom_score_adj == 0


def test_the_owner_may_raise_but_not_lower_it() -> None:
    """``if (oom_score_adj < task->signal->oom_score_adj && !capable(CAP_SYS_RESOURCE))
    return -EACCES;``"""
    k, _, _ = three()
    k.current_uid = 1000
    write_proc(k, "/proc/7/oom_score_adj", "300")
    write_proc(k, "/proc/7/oom_score_adj", "300")
    with pytest.raises(ProcError) as err:
        write_proc(k, "/proc/7/oom_score_adj", "299")
    assert err.value.errno == EACCES and pid(k, 7).oom_score_adj == 300
    k.current_uid = 0
    write_proc(k, "/proc/7/oom_score_adj", "-300")
    assert pid(k, 7).oom_score_adj == -300


def test_another_user_cannot_open_it() -> None:
    k, _, _ = three()
    k.current_uid = 1000
    with pytest.raises(ProcError) as err:
        write_proc(k, "/proc/8/oom_score_adj", "500")  # rootd belongs to root
    assert err.value.errno == EACCES


def test_a_zombie_is_esrch() -> None:
    """``if (!lock_task_sighand(task, &flags)) return -ESRCH;``"""
    k = machine(user("parent", 100, rss=10))
    parent = pid(k, 7)
    child = k.fork(parent, PROGRAMS["idle"]())
    assert child is not None
    k.do_exit(child, 0)
    assert child.dead and k.find_task_by_pid(child.pid) is child
    with pytest.raises(ProcError) as err:
        write_proc(k, f"/proc/{child.pid}/oom_score_adj", "5")
    assert err.value.errno == ESRCH


def test_the_value_belongs_to_the_thread_group_and_is_inherited() -> None:
    """``signal->oom_score_adj``: shared by threads, copied to a child at fork."""
    k = machine(user("java", 500, rss=100, threads=2))
    write_proc(k, "/proc/7/oom_score_adj", "-200")
    assert pid(k, 8).oom_score_adj == -200
    child = k.fork(pid(k, 7), PROGRAMS["idle"]())
    assert child is not None and child.oom_score_adj == -200


def test_presets_set_oom_score_adj_per_task() -> None:
    text = 'name = "t"\n[[tasks]]\ncomm = "db"\nrss = "1M"\noom_score_adj = -1000\n'
    spec = parse_preset(text, "x.toml").spec
    assert spec.tasks[0].oom_score_adj == -1000
    assert boot(spec).find_task_by_pid(7).oom_score_adj == -1000  # type: ignore[union-attr]
    with pytest.raises(PresetError) as err:
        parse_preset(text.replace("-1000", "1001"), "x.toml")
    assert str(err.value) == (
        "x.toml: tasks[0].oom_score_adj: expected an integer from -1000 to 1000, got 1001"
    )


def test_the_screen_scores_tasks_as_the_loaded_policy_would() -> None:
    """The OOM column shows ``policy_score``: the first scoring module on the chain."""
    from moomtui.kernel import BootSpec, TaskSpec
    from moomtui.modules import policy_score
    from moomtui.modules.classic import badness
    from moomtui.modules.oom_score_adj import oom_badness, totalpages

    k = boot(
        BootSpec(
            kconfig={"CONFIG_OOM_KILL": "m", "CONFIG_OOM_PANIC": "m"},
            tasks=[TaskSpec("big", uid=1000, caps=0, total_vm=4000, rss=3000)],
        )
    )
    big = next(t for t in k.tasks.values() if t.comm == "big")
    assert policy_score(k) is badness  # nothing scores: the classic badness
    k.modules.insmod("oom_score_adj")
    score = policy_score(k)
    assert score(big, k.jiffies) == oom_badness(big, totalpages(k)) != badness(big, k.jiffies)
    k.modules.insmod("oom_kill")
    k.modules.rmmod("oom_score_adj")
    assert policy_score(k)(big, k.jiffies) == badness(big, k.jiffies)


# --- the ratelimited report ------------------------------------------------------------------


def many(n: int, **spec: object) -> tuple[Kernel, Task]:
    """``n`` user tasks of 100 resident pages (pids 7..) and an allocating task that can
    never be chosen (``oom_score_adj = -1000``), with oom_score_adj loaded."""
    tasks = [user(f"t{i}", 100, rss=100) for i in range(n)]
    tasks.append(user("alloc", 10, rss=10, oom_score_adj=OOM_SCORE_ADJ_MIN))
    k = machine(*tasks, ram_pages=RAM, modules=["oom_score_adj"], **spec)
    return k, pid(k, 7 + n)


def reports(k: Kernel, since: int) -> list[str]:
    """The lines of each call that matter here: the table headers, the suppressed-callback
    lines and the kill lines (abridged)."""
    out = []
    for level, text in log_lines(k)[since:]:
        if text == DUMP_HEADER:
            out.append("dump")
        elif "callbacks suppressed" in text:
            out.append(f"{level} {text}")
        elif text.startswith("Out of memory: Killed process"):
            out.append("kill")
    return out


@pytest.mark.parametrize("start", [1000, (1 << 32) - 300])
def test_the_report_is_ratelimited_ten_per_five_seconds(start: int) -> None:
    """4.6 oom_kill_process(): ``static DEFINE_RATELIMIT_STATE(oom_rs,
    DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);`` … ``if (__ratelimit(&oom_rs))
    dump_header(oc, p, memcg);`` with ``DEFAULT_RATELIMIT_INTERVAL (5 * HZ)`` and
    ``DEFAULT_RATELIMIT_BURST 10``. lib/ratelimit.c: ``if (time_is_before_jiffies(rs->begin +
    rs->interval)) { if (rs->missed) printk_deferred(KERN_WARNING "%s: %d callbacks
    suppressed\\n", func, rs->missed); … rs->begin = jiffies; rs->printed = 0; }`` — the
    kill line itself is printed every time. Also across the 32-bit jiffies wrap."""
    k, alloc = many(16, jiffies=start)
    begin = k.jiffies
    before = len(k.log.records())
    for _ in range(12):
        k.oom.out_of_memory(alloc)
    assert reports(k, before) == ["dump", "kill"] * 10 + ["kill", "kill"]
    k.run_for(5 * HZ)  # jiffies == begin + interval: not yet *before* jiffies
    assert k.jiffies == (begin + 5 * HZ) & 0xFFFFFFFF
    before = len(k.log.records())
    k.oom.out_of_memory(alloc)
    assert reports(k, before) == ["kill"]
    k.run_for(1)
    before = len(k.log.records())
    k.oom.out_of_memory(alloc)
    k.oom.out_of_memory(alloc)
    assert reports(k, before) == [
        f"{KERN_WARNING} oom_kill_process: 3 callbacks suppressed",
        "dump",
        "kill",
        "dump",
        "kill",
    ]


def test_the_ratelimit_counts_even_without_the_task_table() -> None:
    """``dump_header()`` prints more than ``dump_tasks()``: with ``vm.oom_dump_tasks = 0``
    the report is still ratelimited, so the suppressed count still appears."""
    k, alloc = many(12, sysctl={"vm.oom_dump_tasks": 0}, jiffies=1000)
    for _ in range(11):
        k.oom.out_of_memory(alloc)
    k.run_for(5 * HZ + 1)
    before = len(k.log.records())
    k.oom.out_of_memory(alloc)
    suppressed = f"{KERN_WARNING} oom_kill_process: 1 callbacks suppressed"
    assert reports(k, before) == [suppressed, "kill"]


def test_a_window_begun_at_jiffy_0_begins_again_at_the_next_call() -> None:
    """lib/ratelimit.c: ``if (!rs->begin) rs->begin = jiffies;`` — 0 means "not begun", so
    a window begun at jiffy 0 (a fresh simulated boot) is begun again by the next call."""
    k, alloc = many(14)
    assert k.jiffies == 0
    for _ in range(11):
        k.oom.out_of_memory(alloc)
    k.run_for(5 * HZ + 1)
    before = len(k.log.records())
    k.oom.out_of_memory(alloc)  # begins the window at 501: still suppressed, nothing printed
    assert reports(k, before) == ["kill"]
    k.run_for(5 * HZ + 1)
    before = len(k.log.records())
    k.oom.out_of_memory(alloc)
    suppressed = f"{KERN_WARNING} oom_kill_process: 2 callbacks suppressed"
    assert reports(k, before) == [suppressed, "dump", "kill"]


def test_the_report_before_a_panic_is_not_ratelimited() -> None:
    """check_panic_on_oom(): ``dump_header(oc, NULL, memcg); panic(...)`` — no
    ``__ratelimit`` there."""
    k, alloc = many(12)
    for _ in range(11):
        k.oom.out_of_memory(alloc)
    write_proc(k, "/proc/sys/vm/panic_on_oom", "1")
    before = len(k.log.records())
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(alloc)
    assert reports(k, before) == ["dump"]


@pytest.mark.slow
def test_a_fork_bomb_no_longer_floods_the_log() -> None:
    """Thousands of kills, but at most ten reports in any five seconds (the kill lines are
    not ratelimited)."""
    bomb = TaskSpec(
        "bomb", uid=1000, total_vm=32, rss=32, program="forkbomb", args={"interval": "100ms"}
    )
    k = machine(bomb, ram_pages=RAM, modules=["oom_score_adj"])
    rec = Recorder(k)
    seconds = 10
    k.run_for(seconds * HZ)
    dumps = [e for e in rec.of(ev.Printk) if e.text == DUMP_HEADER]
    kills = [e for e in rec.of(ev.Printk) if e.text.startswith("Out of memory: Killed process")]
    assert len(kills) == len(rec.kills()) > 1000
    assert 10 <= len(dumps) <= 10 * (seconds // 5 + 1)
