"""Faults: broken policies, stubborn programs, exhausted pids, swap, killers and reboots
pulled away at the worst moment. Whatever happens, the machine stays consistent (its
invariants hold) and keeps ticking.

What cannot be tested: a policy that loops forever. Python code cannot be preempted, so
``on_out_of_memory`` never returning hangs the program, as it would have hung a 2003 kernel
(moomtui/kernel/module.py and docs/policies.md say so). The tests below take the nearest
faults that can be survived: a policy that kills every task, and handlers that return
garbage.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import (
    CAP_SYS_RAWIO,
    CAP_TO_MASK,
    HZ,
    PF_MEMDIE,
    PID_MAX,
    RESERVED_PIDS,
    SIGKILL,
    SIGTERM,
)
from moomtui.kernel.module import KernelModule
from moomtui.kernel.notifier import NotifierBlock
from moomtui.kernel.printk import KERN_ALERT, KERN_WARNING
from moomtui.machine import boot
from moomtui.modules import REGISTRY
from moomtui.modules.api import Policy
from moomtui.presets import load_preset
from moomtui.shell import Result, Session, Shell
from moomtui.sim import Simulation

from .fixtures import NO_OOM, Recorder, machine
from .modules.helpers import user

KTHREADS = ("keventd", "ksoftirqd_CPU0", "kswapd", "bdflush", "kupdated")


def shell(k: Kernel) -> Shell:
    return Shell(Session(k))


def ok(sh: Shell, line: str) -> Result:
    result = sh.execute(line)
    assert result.status == 0, (line, result.output)
    return result


def run_checked(k: Kernel, seconds: int, step: int = HZ) -> None:
    """Run ``seconds``, checking the invariants after every ``step`` jiffies."""
    for _ in range(seconds * HZ // step):
        before = k.ticks
        k.run_for(step)
        assert k.ticks == before + step or k.boot  # a reboot starts ticks again
        assert k.check_invariants() == []


def log_texts(k: Kernel) -> list[str]:
    return [r.text for r in k.log.records()]


def leaking_machine(*extra: TaskSpec, **spec: Any) -> Kernel:
    """sshd (root, 300 pages) and a leak of 512K/s that runs a 16M machine out of memory."""
    spec.setdefault("ram_pages", 4096)
    return machine(
        user("sshd", 300, uid=0, caps=None, rss=100),
        user("leak", 16, rss=8, program="leak", args={"rate": "512K/s"}),
        *extra,
        **spec,
    )


def write_policy(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(
        "from moomtui.modules.api import Policy\n\n\n"
        f"class P(Policy):\n    name = {name!r}\n\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    return path


# --- user policies that misbehave -------------------------------------------------------------


def test_a_policy_that_raises_is_an_oops_unloaded_and_tainted_and_the_machine_runs_on(
    tmp_path: Path,
) -> None:
    """It kills on its first call and raises on its second: the oops takes it off the
    chain, the kill it made stands, and the classic killer loaded behind it goes on."""
    path = write_policy(
        tmp_path,
        "oom_crashy",
        """
        calls = 0

        def on_out_of_memory(self):
            self.calls += 1
            if self.calls == 1:
                self.oom_kill(max(self.tasks(), key=self.badness))
            else:
                1 / 0
        """,
    )
    k = leaking_machine(
        user("leak2", 16, rss=8, program="leak", args={"rate": "512K/s"}),
        kconfig={"CONFIG_OOM_KILL": "m"},
    )
    sh = shell(k)
    rec = Recorder(k)
    ok(sh, f"insmod {path}")
    ok(sh, "insmod oom_kill")
    run_checked(k, 60)
    assert "Oops: moomtui policy oom_crashy raised ZeroDivisionError: division by zero" in (
        log_texts(k)
    )
    line = path.read_text().splitlines().index("            1 / 0") + 1
    assert (KERN_ALERT, f"EIP: {path}:{line}") in [(r.level, r.text) for r in k.log.records()]
    assert [(e.name, e.reason) for e in rec.of(ev.ModuleUnload)] == [("oom_crashy", "oops")]
    assert "Tainted: D" in ok(sh, "lsmod").output
    assert [nb.name for nb in k.oom.chain] == ["oom_kill"]
    kills = rec.kills()
    assert kills[0].module == "oom_crashy" and {e.module for e in kills[1:]} == {"oom_kill"}
    assert k.panicked is None and k.oom_state() == "ok"


def test_a_policy_that_kills_every_task_leaves_init_and_the_kernel_threads(
    tmp_path: Path,
) -> None:
    """Every task gets oom_kill_task, kernel threads and init included, and then a forced
    SIGKILL as well (oom_kill_task sends those with CAP_SYS_RAWIO a SIGTERM). Init ignores
    both and keeps PF_MEMDIE, as in 2.4; a kernel thread never returns to user mode, where
    a signal is acted on, so not even a forced signal ends it. The user tasks die, the
    machine runs on, and new tasks can start."""
    path = write_policy(
        tmp_path,
        "oom_kill_everything",
        """
        def on_out_of_memory(self):
            for task in self.tasks():
                self.oom_kill_task(task)
                self.kernel.send_sig(task, 9, force=True)
        """,
    )
    k = leaking_machine(user("cron", 50, rss=20, uid=0, caps=None))
    sh = shell(k)
    rec = Recorder(k)
    ok(sh, f"insmod {path}")
    run_checked(k, 30)
    assert {e.comm for e in rec.kills()} >= {"init", *KTHREADS, "sshd", "leak", "cron"}
    assert sorted(t.comm for t in k.tasks.values()) == sorted(["init", *KTHREADS])
    assert not k.kswapd.dead and k.tasks[4] is k.kswapd
    assert k.init_task.flags & PF_MEMDIE
    for sig in (SIGTERM, SIGKILL):
        ignored = {e.comm for e in rec.of(ev.Signal) if e.ignored and e.sig == sig}
        assert ignored == {"init", *KTHREADS}
    assert ok(sh, "spawn hog rate=64K/s limit=1M").output.startswith("started pid")
    run_checked(k, 10)
    assert k.panicked is None


@pytest.mark.parametrize("garbage", [None, "0", 1.5, [], object(), True, 2**70])
def test_a_handler_returning_garbage_counts_as_notify_done(garbage: object) -> None:
    """A raw notifier that returns anything but an int: a warning, NOTIFY_DONE, and the
    next handler still runs. (An int, however big, is the chain's value as in C.)"""

    class Garbage(KernelModule):
        name = "oom_garbage"
        description = "returns garbage"
        author = "test"
        size = 100

        def handler(self, nb: NotifierBlock, val: int, data: object) -> Any:
            return garbage

        def init(self) -> int:
            self.nb = NotifierBlock(notifier_call=self.handler, name=self.name, priority=1)
            return self.kernel.oom.register_oom_notifier(self.nb)  # type: ignore[attr-defined]

    k = boot(
        BootSpec(
            ram_pages=4096,
            kconfig={**NO_OOM, "CONFIG_OOM_KILL": "m"},
            tasks=[
                user("sshd", 300, uid=0, caps=None, rss=100),
                user("leak", 16, rss=8, program="leak", args={"rate": "512K/s"}),
            ],
        ),
        registry={**REGISTRY, "oom_garbage": Garbage},
    )
    rec = Recorder(k)
    k.modules.insmod("oom_garbage")
    k.modules.insmod("oom_kill")
    run_checked(k, 40)
    warned = f"moomtui policy oom_garbage: OOM handler returned {garbage!r}, not an int"
    warnings = [r.text for r in k.log.records() if r.level == KERN_WARNING]
    is_int = isinstance(garbage, int) and not isinstance(garbage, bool)
    assert any(w.startswith(warned) for w in warnings) is not is_int
    assert [e.comm for e in rec.kills()][:1] == ["leak"]  # oom_kill ran after it
    assert k.modules.state("oom_garbage") == "loaded" and not k.modules.tainted


def test_a_policy_whose_own_return_value_is_garbage_is_not_believed() -> None:
    class Liar(Policy):
        name = "oom_liar"

        def on_out_of_memory(self) -> Any:
            return "NOTIFY_STOP"

    k = boot(
        BootSpec(ram_pages=4096, kconfig=NO_OOM, tasks=[user("leak", 16, program="leak")]),
        registry={**REGISTRY, "oom_liar": Liar},
    )
    k.modules.insmod("oom_liar")
    k.modules.insmod("oom_kill_allocating")
    assert k.oom.out_of_memory() == 0
    leak = k.tasks[7]
    k.oom.out_of_memory(leak)
    assert leak.dead  # the chain went on to oom_kill_allocating


# --- a victim that will not die -----------------------------------------------------------------


def test_a_victim_that_ignores_sigterm_dies_of_the_forced_sigterm() -> None:
    """CAP_SYS_RAWIO earns an X server SIGTERM instead of SIGKILL, and it ignores SIGTERM.
    But oom_kill_task sends it with ``force_sig``, whose ``force_sig_info`` does ``if
    (t->sig->action[sig-1].sa.sa_handler == SIG_IGN) t->sig->action[sig-1].sa.sa_handler =
    SIG_DFL;``: the X server dies of it on the next jiffy and its memory comes back. The
    leak, which goes on, is the next victim."""
    rawio = CAP_TO_MASK(CAP_SYS_RAWIO)
    k = machine(
        TaskSpec("xserver", uid=1000, caps=rawio, total_vm=16000, rss=500,
                 args={"sigterm": "ignore"}),
        user("leak", 16, rss=8, program="leak", args={"rate": "512K/s"}),
        ram_pages=4096,
        kconfig={"CONFIG_OOM_KILL": "y"},
    )  # fmt: skip
    rec = Recorder(k)
    run_checked(k, 60)
    first, second = rec.kills()[:2]
    assert (first.comm, first.sig, first.points) == ("xserver", SIGTERM, 16000 // 4)
    assert [e.ignored for e in rec.of(ev.Signal) if e.pid == first.pid] == [False]
    (exit_,) = [e for e in rec.of(ev.Exit) if e.pid == first.pid]
    assert exit_.signal == SIGTERM and exit_.jiffies == first.jiffies + 1
    assert exit_.rss == 500
    assert (second.comm, second.sig) == ("leak", SIGKILL)
    assert k.panicked is None


# --- 32768 pids ---------------------------------------------------------------------------------


def test_pid_exhaustion_fails_fork_with_eagain_and_get_pid_wraps_to_300() -> None:
    """The machine starts with all but 40 pids taken (cheap idle tasks from the boot spec):
    40 spawns succeed, the 41st fails with EAGAIN. A pid freed below 300 does not help,
    since get_pid wraps to 300; one freed above does. A prefork server at the full table
    keeps failing to fork, and the machine keeps running."""
    free = 40
    fillers = PID_MAX - 1 - 6 - 1 - 8 - free  # init, the kernel threads, a server, 8 workers
    tasks = [TaskSpec("filler", uid=1, total_vm=4, rss=4, start_time=0)] * fillers
    tasks.append(TaskSpec("httpd", uid=0, total_vm=64, rss=16, program="prefork",
                          args={"children": 8, "child": "idle", "respawn": "1s"}))  # fmt: skip
    k = boot(BootSpec(ram_pages=6 * len(tasks) + 16384, kconfig=NO_OOM, tasks=tasks))
    k.run_for(HZ)  # the server forks its workers
    assert k.last_pid == PID_MAX - 1 - free and len(k.tasks) == PID_MAX - 1 - free
    sh = shell(k)
    rec = Recorder(k)
    started = 0
    while (result := sh.execute("spawn idle --comm s")).status == 0:
        started += 1
    assert started == free
    assert result.output == "spawn: fork: Resource temporarily unavailable"
    assert [(e.reason, e.pid) for e in rec.of(ev.AllocFail)] == [("EAGAIN", 1)]
    assert len(k.tasks) == PID_MAX - 1 and k.last_pid == PID_MAX - 1
    ok(sh, "kill -9 100")
    k.run_for(2)
    assert 100 not in k.tasks
    assert sh.execute("spawn idle --comm s").output.endswith("Resource temporarily unavailable")
    ok(sh, "kill -9 5000")
    k.run_for(2)
    assert ok(sh, "spawn idle --comm s").output == "started pid 5000 (s)"
    assert RESERVED_PIDS == 300 and k.last_pid == 5000
    server = next(t for t in k.tasks.values() if t.comm == "httpd")
    workers = len(server.children)
    ok(sh, f"kill -9 {min(server.children)}")  # the server will fork a worker in its place
    k.run_for(2)  # the worker exits and is reaped; the server waits 1 s before respawning
    ok(sh, "spawn idle --comm s")  # this takes the one pid the server could have had
    run_checked(k, 5)
    fails = [e for e in rec.of(ev.AllocFail) if e.pid == server.pid]
    assert fails and {e.reason for e in fails} == {"EAGAIN"}
    assert len(server.children) == workers - 1
    assert len(k.tasks) == PID_MAX - 2 and 100 not in k.tasks  # below 300: never reused
    assert k.panicked is None


def test_spawn_with_no_page_for_the_task_struct_fails_with_enomem() -> None:
    """A livelocked machine (overcommit on, no OOM handler): fork cannot get its two
    pages, and says so, as the kernel's event stream does."""
    k = machine(
        user("hog", 16, rss=8, program="hog", args={"rate": "1M/s"}),
        ram_pages=4096,
        sysctl={"vm.overcommit_memory": 1},
    )
    k.run_for(30 * HZ)
    assert k.oom_state() == "livelock"
    rec = Recorder(k)
    assert shell(k).execute("spawn idle") == Result("spawn: fork: Cannot allocate memory", 1)
    assert [(e.reason, e.pid, e.pages) for e in rec.of(ev.AllocFail)] == [("ENOMEM", 1, 2)]
    run_checked(k, 5)


# --- swapoff with swap in use ---------------------------------------------------------------


def swapped_machine() -> tuple[Kernel, Shell]:
    """A cold daemon pushed partly into swap by a hog that now fills RAM."""
    k = machine(
        user("cold", 1500, rss=1500),
        user("hog", 16, rss=8, program="hog", args={"rate": "1M/s", "limit": "10M"}),
        ram_pages=4096,
        swap_pages=4096,
    )
    k.run_for(30 * HZ)
    assert k.vm.swap_used > 0 and k.tasks[7].mm.swap > 0  # type: ignore[union-attr]
    return k, shell(k)


def accounts(k: Kernel) -> tuple[object, ...]:
    vm = k.vm
    mms = tuple((mm.id, mm.rss, mm.swap) for mm in k.iter_mms())
    return vm.free, vm.anon, vm.swap_used, vm.swap_total, mms


def test_swapoff_fails_in_one_line_and_changes_nothing_when_ram_cannot_hold_the_swap() -> None:
    k, sh = swapped_machine()
    before = accounts(k)
    assert k.vm.swap_used > k.vm.free - k.vm.pages_min
    assert sh.execute("swapoff -a") == Result("swapoff: Cannot allocate memory", 1)
    assert accounts(k) == before and k.check_invariants() == []
    run_checked(k, 5)


def test_swapoff_brings_every_swapped_page_back_when_ram_can_hold_them() -> None:
    k, sh = swapped_machine()
    ok(sh, "kill -9 8")
    k.run_for(2)
    free, anon, used, _, mms = accounts(k)
    ok(sh, "swapoff -a")
    assert k.vm.swap_used == 0 and k.vm.swap_total == 0
    assert k.vm.free == free - used and k.vm.anon == anon + used
    assert [(i, rss + swap, 0) for i, rss, swap in mms] == list(accounts(k)[4])  # type: ignore[arg-type]
    assert k.check_invariants() == []
    assert sh.execute("swapoff -a") == Result("swapoff: no swap is on", 1)
    run_checked(k, 5)


def test_a_task_waiting_for_swap_in_runs_on_after_swapoff() -> None:
    """A hog squeezes a leak's hot working set into swap until the two thrash, each
    waiting for its pages to come back from a slow disk. The leak is killed (a task
    waiting for swap-in dies on SIGKILL); the hog still waits for the disk, though RAM is
    free now. swapoff brings its pages back at once, and it runs on the next jiffy."""
    k = machine(
        user("leak", 600, rss=512, program="leak", args={"rate": "16K/s", "ws": "2M"}),
        user("hog", 16, rss=8, program="hog", args={"rate": "2M/s", "limit": "13M"}),
        ram_pages=4096,
        swap_pages=8192,
        swap_speed=64,
    )
    sh = shell(k)
    k.run_for(12 * HZ)
    assert {t.comm: t.blocked for t in k.blocked_tasks()} == {"leak": "swapin", "hog": "swapin"}
    ok(sh, "kill -9 7")
    k.run_for(2)
    hog = k.tasks[8]
    assert 7 not in k.tasks and hog.mm is not None
    assert hog.blocked == "swapin" and hog.mm.missing_ws > 50
    assert k.vm.free - k.vm.pages_min > k.vm.swap_used
    ok(sh, "swapoff -a")
    assert hog.mm.swap == 0 and k.check_invariants() == []
    k.run_for(1)
    assert hog.blocked == "" and not k.blocked_tasks()
    run_checked(k, 5)


# --- the only killer removed in the middle of an OOM ---------------------------------------------


def test_rmmod_of_the_only_killer_during_an_oom_livelocks_the_machine_without_a_crash() -> None:
    k = leaking_machine(kconfig={"CONFIG_OOM_KILL": "m"})
    sh = shell(k)
    ok(sh, "insmod oom_kill")
    rec = Recorder(k)
    while not rec.of(ev.OutOfMemory):
        k.run_for(1)
    heuristic = k.modules.get("oom_kill").heuristic()  # type: ignore[union-attr]
    assert heuristic["count"] < 10 and not rec.kills()  # counting failures, no kill yet
    ok(sh, "rmmod oom_kill")
    seen = len(rec.events)
    run_checked(k, 60, step=10 * HZ)
    after = rec.events[seen:]
    assert not [e for e in after if isinstance(e, ev.OomKill)]
    calls = [e for e in after if isinstance(e, ev.OutOfMemory)]
    assert len(calls) > 1000 and {e.handlers for e in calls} == {()}
    assert k.oom_state() == "livelock" and k.panicked is None
    ok(sh, "insmod oom_kill")  # and it can be saved
    run_checked(k, 10)
    assert [e.comm for e in rec.kills()] == ["leak"] and k.oom_state() == "ok"


def test_rmmod_of_the_killer_from_inside_the_oom_chain_takes_effect_from_the_next_call() -> None:
    """A policy ahead of oom_kill on the chain removes it during out_of_memory(). The walk
    runs over the chain as it was (oom_notifier.py), so oom_kill is still called this
    once, after its exit; from the next call on it is gone, and the machine livelocks."""

    class Saboteur(Policy):
        name = "oom_saboteur"
        priority = 1

        def on_out_of_memory(self) -> None:
            if self.kernel.modules.get("oom_kill") is not None:
                self.kernel.modules.rmmod("oom_kill")

    k = boot(
        BootSpec(
            ram_pages=4096,
            kconfig={**NO_OOM, "CONFIG_OOM_KILL": "m"},
            tasks=[user("leak", 16, rss=8, program="leak", args={"rate": "512K/s"})],
        ),
        registry={**REGISTRY, "oom_saboteur": Saboteur},
    )
    rec = Recorder(k)
    k.modules.insmod("oom_kill")
    k.modules.insmod("oom_saboteur")
    run_checked(k, 60, step=10 * HZ)
    calls = rec.of(ev.OutOfMemory)
    assert calls[0].handlers == ("oom_saboteur", "oom_kill")
    assert {e.handlers for e in calls[1:]} == {("oom_saboteur",)}
    assert [e.name for e in rec.of(ev.ModuleUnload)] == ["oom_kill"]
    assert not rec.kills() and k.oom_state() == "livelock" and k.panicked is None


# --- reboot typed during a panic countdown -----------------------------------------------------


def test_reboot_typed_during_the_panic_countdown_reboots_once() -> None:
    """ha-failover panics at 35.57 s and would reboot 10 s later. ``reboot`` typed 3 s
    into the countdown reboots at once; the old countdown is gone with the old boot."""
    sim = Simulation(load_preset("ha-failover"))
    rec = Recorder(sim.kernel)
    while sim.kernel.panicked is None:
        sim.run_for(1)
    k = sim.kernel
    assert log_texts(k)[-1] == "Rebooting in 10 seconds.."
    countdown_ends = sim.elapsed + (k.reboot_at or 0) - k.ticks
    sim.run_for(3 * HZ)
    assert sim.shell.execute("reboot") == Result("Restarting system.", 0)
    assert (k.boot, k.panicked, k.reboot_at, k.ticks) == (1, None, None, 0)
    assert len(rec.of(ev.Reboot)) == 1
    sim.run_for(countdown_ends - sim.elapsed + 2 * HZ)  # past where the old one would end
    assert len(rec.of(ev.Reboot)) == 1 and k.boot == 1
    assert k.check_invariants() == []


def test_a_scripted_reboot_during_the_countdown_reboots_once() -> None:
    """The same through a ``--script``: in 80 s, two panics (at 35.57 s, and 40.84 s into
    the boot the script's reboot at 38 s started) but only the one reboot that was typed."""
    sim = Simulation(load_preset("ha-failover"), script=[(38 * HZ, "reboot")])
    rec = Recorder(sim.kernel)
    sim.run_for(80 * HZ)
    assert len(rec.of(ev.Panic)) == 2
    assert len(rec.of(ev.Reboot)) == 1 and sim.kernel.boot == 1
    assert sim.kernel.panicked is not None and sim.kernel.reboot_at == 5084
    assert sim.kernel.check_invariants() == []
