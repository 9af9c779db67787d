"""oom_kill_parent: the classic killer plus the 32-slot blacklist of bad parents."""

from __future__ import annotations

from typing import Any

import pytest

from moomtui.kernel import Kernel
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, PF_MEMDIE, SIGKILL
from moomtui.kernel.printk import KERN_ERR, KERN_INFO
from moomtui.kernel.procfs import read_proc, write_proc
from moomtui.kernel.sysctl import IntCell, SysctlError
from moomtui.modules import REGISTRY
from moomtui.modules.api import Policy
from moomtui.modules.oom_kill import OomKill
from moomtui.modules.oom_kill_parent import OOM_HISTORY_SIZE, OomKillParent
from moomtui.userland import PROGRAMS

from ..fixtures import Recorder, machine
from .helpers import advance_to, fail_every_jiffy, load, log_lines, user

T0 = 1000
PARENT = 100


def family(children: int = 12, *args: str, **spec: Any) -> tuple[Kernel, OomKillParent, Recorder]:
    """A small ``spawner`` (pid 100) with ``children`` big children, oom_kill_parent loaded
    with ``args``, time at T0."""
    tasks = [user("spawner", 10, pid=PARENT)]
    tasks += [user(f"child{i}", 1000, ppid=PARENT) for i in range(children)]
    k = machine(*tasks, kconfig={"CONFIG_OOM_KPPID": "m"}, **spec)
    mod = load(k, "oom_kill_parent", *args, module_type=OomKillParent)
    rec = Recorder(k)
    advance_to(k, T0)
    return k, mod, rec


def children_killed(rec: Recorder) -> int:
    return sum(1 for e in rec.kills("victim") if e.comm.startswith("child"))


def kill_children(k: Kernel, mod: OomKillParent, n: int) -> None:
    """``n`` calls of the seed's ``oom_kill()``, one jiffy apart."""
    for _ in range(n):
        mod.oom_kill()
        k.run_for(1)


def slots(mod: OomKillParent) -> list[tuple[int, int]]:
    return [(s["pid"], s["value"]) for s in mod.blacklist_view()]


# --- the parent's sins --------------------------------------------------------------------


def test_parent_dies_on_the_call_after_its_eleventh_child_kill() -> None:
    """``else if ( p->value >= oom_parent_max )`` with oom_parent_max = 10: the first kill
    adds the parent with value 0, each later one does ``parent->value++``."""
    k, mod, rec = family(12)
    fail_every_jiffy(k, mod.out_of_memory_killer, lambda: children_killed(rec) == 11)
    assert rec.kills("parent") == []
    assert mod.blacklist_view() == [
        {
            "slot": 0,
            "pid": PARENT,
            "comm": "spawner",
            "value": 10,
            "last_kill": k.jiffies,
            "expires_in": 300.0,
        }
    ]
    mod.out_of_memory_killer()  # the next call, on the same jiffy
    (kill,) = rec.kills("parent")
    assert (kill.pid, kill.comm, kill.module, kill.sig) == (
        PARENT,
        "spawner",
        "oom_kill_parent",
        SIGKILL,
    )
    assert log_lines(k)[-2:] == [
        (KERN_ERR, "Out of Memory: Will kill parent process 100 (spawner)"),
        (KERN_ERR, "Out of Memory: Killed process 100 (spawner)."),
    ]
    assert mod.blacklist_view() == []
    k.run_for(2)
    spawner = k.find_task_by_pid(PARENT)
    assert spawner is None or spawner.dead
    last_child = [t for t in k.for_each_task() if t.comm == "child11"]
    assert [t.p_opptr for t in last_child] == [k.init_task]


def test_oom_parent_max_3_kills_the_parent_after_the_fourth_child() -> None:
    """``insmod oom_kill_parent oom_parent_max=3``: value reaches 3 at the 4th child kill."""
    k, mod, rec = family(6, "oom_parent_max=3")
    assert mod.oom_parent_max == 3
    fail_every_jiffy(k, mod.out_of_memory_killer, lambda: children_killed(rec) == 4)
    assert slots(mod) == [(PARENT, 3)] and rec.kills("parent") == []
    mod.out_of_memory_killer()
    assert [e.pid for e in rec.kills("parent")] == [PARENT]


def test_the_blacklist_is_processed_before_the_swap_check() -> None:
    """``process_blacklist();`` comes before ``if ( get_nr_swap_pages() > 0) return;``: a
    parent past its limit dies even while swap is free."""
    k, mod, rec = family(11)
    kill_children(k, mod, 11)
    k.swapon(1024)
    assert k.vm.nr_swap_pages > 0
    mod.out_of_memory_killer()
    assert [e.pid for e in rec.kills("parent")] == [PARENT]
    assert mod.heuristic() == {"count": 0, "first": 0, "last": 0, "lastkill": 0}


def test_only_the_parent_dies_not_its_threads() -> None:
    """``oom_kill_task(p->task);`` — the parent alone, not every task sharing its mm."""
    tasks = [user("spawner", 10, pid=PARENT, threads=2), user("child", 1000, ppid=PARENT)]
    k = machine(*tasks, kconfig={"CONFIG_OOM_KPPID": "m"})
    mod = load(k, "oom_kill_parent", "oom_parent_max=0", module_type=OomKillParent)
    rec = Recorder(k)
    mod.oom_kill()
    assert slots(mod) == [(PARENT, 0)]
    mod.process_blacklist()
    assert [(e.pid, e.reason) for e in rec.kills()] == [(8, "victim"), (PARENT, "parent")]
    thread = [t for t in k.for_each_task() if t.thread_leader is not None]
    assert len(thread) == 1 and not thread[0].flags & PF_MEMDIE


def test_victims_of_init_or_with_no_parent_charge_nobody() -> None:
    """``if ( p->p_opptr->pid > 1 )``: children of init, and init itself, are not charged."""
    k = machine(user("orphan", 1000), kconfig={"CONFIG_OOM_KPPID": "m"})
    mod = load(k, "oom_kill_parent", module_type=OomKillParent)
    rec = Recorder(k)
    mod.oom_kill()
    mod.oom_kill()
    assert [e.comm for e in rec.kills()] == ["orphan", "init"]
    assert mod.blacklist_view() == []


# --- forgetting ---------------------------------------------------------------------------


def test_a_parent_is_forgiven_after_oom_parent_expire_seconds() -> None:
    """``abs(jiffies - p->last_kill) >= (oom_parent_expire*HZ)`` drops the slot."""
    k, mod, _ = family(3)
    kill_children(k, mod, 1)
    killed_at = k.jiffies - 1
    advance_to(k, killed_at + 300 * HZ - 1)
    mod.process_blacklist()
    assert [(s["pid"], s["expires_in"]) for s in mod.blacklist_view()] == [(PARENT, 0.01)]
    k.run_for(1)
    mod.process_blacklist()
    assert mod.blacklist_view() == []
    kill_children(k, mod, 1)
    assert slots(mod) == [(PARENT, 0)]


def test_expire_zero_forgets_at_once_and_minus_one_never() -> None:
    """``abs(jiffies - p->last_kill) >= (oom_parent_expire*HZ)``: the right side is unsigned
    int arithmetic, -1 (4294967295) times HZ wraps to 4294967196 jiffies, and the left, an
    int's ``abs``, is never above 2**31: the parent is never forgotten. 0 makes every parent
    expire on the next call."""
    k, mod, _ = family(3)
    kill_children(k, mod, 1)
    k.sysctl.write("vm/oom/oom_parent_expire", "-1", uid=0)
    assert mod.oom_parent_expire == 0xFFFFFFFF
    assert k.sysctl.read("vm.oom.oom_parent_expire") == "-1\n"
    k.run_for(3600 * HZ)
    mod.process_blacklist()
    (slot,) = mod.blacklist_view()
    assert (slot["last_kill"], k.jiffies) == (T0, T0 + 1 + 3600 * HZ)
    assert slot["expires_in"] is None
    assert mod.forget_after() is None
    k.sysctl.write("vm/oom/oom_parent_expire", "0", uid=0)
    assert mod.forget_after() == 0
    mod.process_blacklist()
    assert mod.blacklist_view() == []


def test_the_horizon_is_the_wrapped_limit_or_never() -> None:
    """``(oom_parent_expire*HZ)`` wraps as unsigned: 42949673 s is 4 jiffies; the largest
    limit an age can reach is 2**31 jiffies (``abs(INT_MIN)``, compared as unsigned)."""
    k, mod, _ = family(3, "oom_parent_expire=42949673")
    assert mod.forget_after() == 4 / HZ
    kill_children(k, mod, 1)
    killed_at = k.jiffies - 1
    advance_to(k, killed_at + 3)
    mod.process_blacklist()
    assert slots(mod) == [(PARENT, 0)]
    k.run_for(1)
    mod.process_blacklist()
    assert mod.blacklist_view() == []
    mod.oom_parent_expire = 2**31 // HZ  # 2**31 - 48 jiffies: reachable
    assert mod.forget_after() == (2**31 - 48) / HZ
    mod.oom_parent_expire = 2**31 // HZ + 1  # 2**31 + 52 jiffies: past any age
    assert mod.forget_after() is None


def test_the_age_is_an_int_through_abs() -> None:
    """``abs(jiffies - p->last_kill)``: the unsigned difference becomes an int, so an age
    past 2**31 jiffies reads as its distance from 2**32, and a last kill "in the future"
    counts as old as its distance."""
    k, mod, _ = family(3, "oom_parent_expire=30000000")  # 3e9 jiffies
    kill_children(k, mod, 1)
    slot = mod.blacklist[0]
    assert slot.pid == PARENT
    slot.last_kill = (k.jiffies - 3_500_000_000) & 0xFFFFFFFF  # really older than 3e9
    mod.process_blacklist()
    assert slots(mod) == [(PARENT, 0)]
    mod.oom_parent_expire = 10
    slot.last_kill = (k.jiffies + 10 * HZ) & 0xFFFFFFFF  # "-1000" is 1000 after abs()
    mod.process_blacklist()
    assert mod.blacklist_view() == []


def test_a_parent_that_is_gone_or_whose_pid_was_reused_is_dropped() -> None:
    """``task = find_task_by_pid(p->pid); if ( task != p->task ) p->pid = 0;`` and
    ``find_in_blacklist`` matches ``(task->pid == p->pid) && (task == p->task)``."""
    k, mod, _ = family(3)
    kill_children(k, mod, 1)
    spawner = k.find_task_by_pid(PARENT)
    assert spawner is not None
    k.send_sig(spawner, SIGKILL)
    k.run_for(2)
    assert k.find_task_by_pid(PARENT) is None
    k.last_pid = PARENT - 1
    impostor = k.spawn(PROGRAMS["idle"](), comm="impostor", uid=1000, caps=0)
    assert impostor is not None and impostor.pid == PARENT
    assert mod.find_in_blacklist(impostor) is None
    assert mod.find_in_blacklist(spawner) is not None
    mod.process_blacklist()
    assert mod.blacklist_view() == []
    assert not impostor.flags & PF_MEMDIE


def test_a_full_blacklist_silently_drops_new_parents() -> None:
    """``for ( i = 0; ...) if ( !p->pid ) break;`` then ``if ( p->pid ) return NULL;``"""
    parents = [user(f"p{i}", 1, pid=PARENT + i) for i in range(OOM_HISTORY_SIZE + 1)]
    kids = [user(f"kid{i}", 1000, ppid=PARENT + i) for i in range(OOM_HISTORY_SIZE + 1)]
    k = machine(*parents, *kids, kconfig={"CONFIG_OOM_KPPID": "m"})
    mod = load(k, "oom_kill_parent", module_type=OomKillParent)
    before = len(k.log.records())
    kill_children(k, mod, OOM_HISTORY_SIZE + 1)
    assert slots(mod) == [(PARENT + i, 0) for i in range(OOM_HISTORY_SIZE)]
    assert all(
        text.startswith("Out of Memory: Killed process") for _, text in log_lines(k)[before:]
    )
    last = k.find_task_by_pid(PARENT + OOM_HISTORY_SIZE)
    assert mod.find_in_blacklist(last) is None
    assert mod.blacklist_parent(last) is None
    first = k.find_task_by_pid(PARENT)
    assert first is not None
    k.send_sig(first, SIGKILL)
    k.run_for(2)
    mod.process_blacklist()
    record = mod.blacklist_parent(last)
    assert record is mod.blacklist[0] and record.pid == PARENT + OOM_HISTORY_SIZE


# --- tunables -----------------------------------------------------------------------------


def test_sysctls_exist_while_the_module_is_loaded() -> None:
    """``register_sysctl_table(oom_root_table, 1)`` in init, ``unregister_sysctl_table`` in
    exit; both files are 0644."""
    k = machine(kconfig={"CONFIG_OOM_KPPID": "m"})
    assert not k.sysctl.exists("vm/oom")
    before = len(k.log.records())
    k.modules.insmod("oom_kill_parent")
    assert log_lines(k)[before:] == [
        (KERN_INFO, "Out of Memory: Installing oom_kill_parent handler")
    ]
    assert k.sysctl.listdir("vm/oom") == ["oom_parent_expire", "oom_parent_max"]
    assert k.sysctl.read("/proc/sys/vm/oom/oom_parent_max") == "10\n"
    assert k.sysctl.read("/proc/sys/vm/oom/oom_parent_expire") == "300\n"
    with pytest.raises(SysctlError):
        k.sysctl.write("vm/oom/oom_parent_max", "1", uid=1000)
    k.modules.rmmod("oom_kill_parent")
    assert log_lines(k)[-1] == (KERN_INFO, "Out of Memory: Unregistered oom_kill_parent handler")
    assert not k.sysctl.exists("vm/oom")
    assert k.sysctl.exists("vm/overcommit_memory")
    assert k.oom.chain == ()


def test_module_parameters_and_sysctls_are_the_same_variables() -> None:
    """``MODULE_PARM(oom_parent_max, "i")`` and the ctl_table entry both point at
    ``static unsigned int oom_parent_max``."""
    k = machine(kconfig={"CONFIG_OOM_KPPID": "m"})
    mod = load(
        k, "oom_kill_parent", "oom_parent_max=3", "oom_parent_expire=-1", module_type=OomKillParent
    )
    assert k.sysctl.read("vm/oom/oom_parent_max") == "3\n"
    assert k.sysctl.read("vm/oom/oom_parent_expire") == "-1\n"
    assert mod.oom_parent_expire == 0xFFFFFFFF
    k.sysctl.write("vm/oom/oom_parent_max", "7", uid=0)
    assert mod.oom_parent_max == 7
    mod.oom_parent_max = 5
    assert k.sysctl.read("vm/oom/oom_parent_max") == "5\n"
    info = k.modules.modinfo("oom_kill_parent")
    assert 'parm:        oom_parent_max int, description "Maximum number of bad childs' in info


def test_a_sysctl_write_changes_the_limit_the_module_uses() -> None:
    """``{1, "oom_parent_max", &oom_parent_max, sizeof(int), 0644, NULL, &proc_dointvec}``:
    a write to the file is the limit ``process_blacklist`` compares with."""
    k, mod, rec = family(4)
    k.sysctl.write("vm/oom/oom_parent_max", "1", uid=0)
    kill_children(k, mod, 1)
    mod.process_blacklist()
    assert rec.kills("parent") == []
    kill_children(k, mod, 1)
    assert slots(mod) == [(PARENT, 1)]
    mod.process_blacklist()
    assert [e.pid for e in rec.kills("parent")] == [PARENT]


class Squatter(Policy):
    """A policy of its own that took ``vm/oom/oom_parent_max`` first."""

    name = "oom_squatter"

    def init(self) -> int:
        self.mine = IntCell(1)
        self.register_sysctl("vm.oom.oom_parent_max", self.mine)
        return super().init()


def test_a_name_already_in_vm_oom_does_not_stop_its_sysctls() -> None:
    """2.4.22's ``register_proc_table`` creates a file whatever is there
    (``de = create_proc_entry(table->procname, mode, root);``) at the head of the directory
    (``dp->next = dir->subdir; dir->subdir = dp;``): ``oom_kill_parent`` gets its files, a
    second ``oom_parent_max`` among them, and ``proc_lookup`` (the first match) reaches its
    own — the limit ``process_blacklist`` reads. ``rmmod`` removes the first entry of the
    name, its own, and the other policy's is reached again."""
    registry = {**REGISTRY, "oom_squatter": Squatter}
    k = machine(kconfig={"CONFIG_OOM_KPPID": "m"}, registry=registry)
    squatter = k.modules.insmod("oom_squatter")
    mod = load(k, "oom_kill_parent", "oom_parent_max=4", module_type=OomKillParent)
    assert "Out of Memory: Error installing oom sysctl table!" not in [t for _, t in log_lines(k)]
    assert k.sysctl.listdir("vm/oom") == ["oom_parent_expire", "oom_parent_max", "oom_parent_max"]
    assert read_proc(k, "/proc/sys/vm/oom/oom_parent_max") == "4\n"
    write_proc(k, "/proc/sys/vm/oom/oom_parent_max", "7\n")
    assert (mod.oom_parent_max, squatter.mine.value) == (7, 1)
    k.modules.rmmod("oom_kill_parent")
    assert k.sysctl.listdir("vm/oom") == ["oom_parent_max"]
    assert read_proc(k, "/proc/sys/vm/oom/oom_parent_max") == "1\n"


def test_built_in_it_registers_its_sysctls_at_boot() -> None:
    """``module_init(init_oom_kill_parent);`` runs as an initcall when built in (y)."""
    k = machine(kconfig={"CONFIG_OOM_KPPID": "y"})
    assert k.modules.state("oom_kill_parent") == "built-in"
    assert k.sysctl.read("vm/oom/oom_parent_max") == "10\n"
    assert [b.name for b in k.oom.chain] == ["oom_kill_parent"]


# --- two killers --------------------------------------------------------------------------


def two_killers() -> tuple[Kernel, OomKill, Recorder]:
    k = machine(
        user("big", 4000),
        user("bigger", 5000),
        kconfig={"CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"},
    )
    classic = load(k, "oom_kill", module_type=OomKill)
    return k, classic, Recorder(k)


def test_two_killers_loaded_both_kill_on_one_shortage() -> None:
    """Each object has its own ``static unsigned long first, last, count, lastkill``: loaded
    together, both decide on the same call that this is OOM, and each kills."""
    k, _, rec = two_killers()
    k.modules.insmod("oom_kill_parent")
    advance_to(k, T0)
    fail_every_jiffy(k, lambda: k.oom.out_of_memory(k.init_task), lambda: bool(rec.kills()))
    assert [(e.jiffies, e.module, e.comm) for e in rec.kills()] == [
        (T0 + 109, "oom_kill", "bigger"),
        (T0 + 109, "oom_kill_parent", "big"),
    ]
    assert rec.of(ev.OutOfMemory)[-1].handlers == ("oom_kill", "oom_kill_parent")


def test_two_killers_keep_independent_heuristics() -> None:
    """Loaded 50 jiffies later, oom_kill_parent's ``first`` is 50 jiffies later too: its
    kill comes 50 jiffies after oom_kill's."""
    k, classic, rec = two_killers()
    advance_to(k, T0)
    k.oom.out_of_memory(k.init_task)
    k.run_for(50)
    parent = load(k, "oom_kill_parent", module_type=OomKillParent)
    fail_every_jiffy(k, lambda: k.oom.out_of_memory(k.init_task), lambda: len(rec.kills()) == 2)
    assert [(e.jiffies, e.module) for e in rec.kills()] == [
        (T0 + 109, "oom_kill"),
        (T0 + 159, "oom_kill_parent"),
    ]
    assert classic.heuristic()["lastkill"] == T0 + 109
    assert parent.heuristic()["lastkill"] == T0 + 159
