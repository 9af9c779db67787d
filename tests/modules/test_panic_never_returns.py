"""panic() never returns: a handler that panics ends the out_of_memory() call.

kernel/panic.c: ``NORET_TYPE void panic(const char * fmt, ...)`` ends in ``for(;;)`` (or
``machine_restart()``). The patch's ``out_of_memory()`` is ``notifier_call_chain(
&oom_notify_list, OUT_OF_MEMORY, 0)``: once one handler panics, no later handler runs, and
nothing after the panic in the panicking handler either.
"""

from __future__ import annotations

from typing import Any

import pytest

from moomtui.game import Scorer
from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ, PF_MEMDIE
from moomtui.kernel.module import KernelModule
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_EMERG, KERN_WARNING
from moomtui.machine import boot
from moomtui.modules import REGISTRY
from moomtui.modules.api import Policy
from moomtui.modules.oom_kill import OomKill
from moomtui.modules.oom_kill_parent import OomKillParent, ParentRecord
from moomtui.shell import Session, Shell

from ..fixtures import Recorder, machine
from .helpers import load, log_lines, user

BOTH_M = {"CONFIG_OOM_KILL": "m", "CONFIG_OOM_KPPID": "m"}
PANIC_Y = {"CONFIG_OOM_PANIC": "y"}


def test_oom_kill_panicking_ends_the_call_before_oom_kill_parent_runs() -> None:
    """oom_kill.c: ``if (p == NULL) panic("Out of memory and no killable processes...\\n");``
    With ``[oom_kill, oom_kill_parent]`` on the chain and nothing killable, the log gets the
    panic (and panic.c's blank line) and nothing else: oom_kill_parent's
    ``process_blacklist()`` — which would have printed ``Will kill parent process 300`` and
    killed it — never runs on that call."""
    k = machine(user("parent", 400, pid=300), kconfig=BOTH_M, jiffies=1000)
    classic = load(k, "oom_kill", module_type=OomKill)
    kpp = load(k, "oom_kill_parent", module_type=OomKillParent)
    for task in k.tasks.values():
        task.flags |= PF_MEMDIE  # badness() == 0 for everyone, init included
    parent = k.find_task_by_pid(300)
    assert parent is not None
    while classic.timing.count < 9:  # a second of failures, nine counted calls
        k.oom.out_of_memory(parent)
        k.run_for(1)
    kpp.blacklist[0] = ParentRecord(pid=300, task=parent, last_kill=k.jiffies, value=10)
    statics = kpp.timing.view()
    rec = Recorder(k)
    before = len(k.log.records())
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(parent)
    assert log_lines(k)[before:] == [
        (KERN_EMERG, "Kernel panic: Out of memory and no killable processes..."),
        (KERN_WARNING, ""),
    ]
    assert rec.kills() == [] and rec.of(ev.Signal) == []
    assert kpp.timing.view() == statics  # its out_of_memory_killer() never ran
    assert kpp.blacklist[0].pid == 300


def hog_machine(*modules: str, **spec: Any) -> Kernel:
    """oom_panic built in, ``modules`` loaded after it, and a hog that runs RAM out."""
    hog = TaskSpec("hog", uid=1000, program="hog", args={"rate": "2M/s"})
    return machine(hog, kconfig=PANIC_Y, ram_pages=4096, modules=list(modules), **spec)


@pytest.mark.parametrize("module", ["oom_kill_allocating", "oom_score_adj"])
def test_a_builtin_oom_panic_is_followed_by_no_kill_or_exit(module: str) -> None:
    """oom_panic.c: ``panic("Out-Of-Memory"); return 0;`` — the ``return`` is never reached,
    and neither is the handler loaded after it: no kill, no exit in the same call, and none
    after (the machine has stopped). The score card counts no kill and one panic."""
    k = hog_machine(module)
    assert [b.name for b in k.oom.chain] == ["oom_panic", module]
    rec = Recorder(k)
    scorer = Scorer(k)
    k.bus.subscribe(scorer)
    k.run_for(30 * HZ)
    (panic,) = rec.of(ev.Panic)
    assert panic.message == "Out-Of-Memory"
    assert rec.kills() == [] and rec.of(ev.Exit) == []
    assert rec.events[-1] == panic
    assert (scorer.kills, scorer.panics) == (0, 1)
    hog = next(t for t in k.tasks.values() if t.comm == "hog")
    assert not hog.dead and not hog.flags & PF_MEMDIE


class PanicsOnOom(Policy):
    """Panics on every call (a user policy calling ``self.panic``)."""

    name = "panics_on_oom"

    def on_out_of_memory(self) -> None:
        self.panic("policy says no")


class PanicsOnLoad(Policy):
    name = "panics_on_load"

    def init(self) -> int:
        super().init()
        self.panic("cannot load")


class PanicsOnUnload(Policy):
    name = "panics_on_unload"

    def exit(self) -> None:
        self.panic("cannot unload")


EXTRA: dict[str, type[KernelModule]] = {
    cls.name: cls for cls in (PanicsOnOom, PanicsOnLoad, PanicsOnUnload)
}


def extra_machine(*tasks: TaskSpec, **spec: Any) -> Kernel:
    spec.setdefault("kconfig", {"CONFIG_OOM_KILL": "m", "CONFIG_OOM_PANIC": "n"})
    return boot(BootSpec(tasks=list(tasks), **spec), registry={**REGISTRY, **EXTRA})


def test_a_policy_panic_passes_the_oops_guard_untouched() -> None:
    """``Policy.panic`` in a handler is no oops: no ``Oops`` line, the module stays loaded,
    the kernel is not tainted — and ``oom_kill``, after it on the chain, never runs."""
    k = extra_machine(user("big", 2000, rss=2000), ram_pages=4096)
    k.modules.insmod("panics_on_oom")
    classic = k.modules.insmod("oom_kill")
    assert isinstance(classic, OomKill)
    big = k.find_task_by_pid(7)
    assert big is not None
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(big)
    assert k.panicked == "policy says no"
    assert not any("Oops" in text or "Unable to handle" in text for _, text in log_lines(k))
    assert k.modules.state("panics_on_oom") == "loaded" and not k.modules.tainted
    assert classic.timing.view() == {"count": 0, "first": 0, "last": 0, "lastkill": 0}


def test_insmod_whose_init_panics_is_an_entry_point() -> None:
    """A module's init that panics: ``insmod`` (the outermost entry) returns None; the shell
    answers with the panic line, status 1. Neither is an oops."""
    k = extra_machine()
    assert k.modules.insmod("panics_on_load") is None
    assert k.panicked == "cannot load" and not k.modules.tainted
    k2 = extra_machine()
    result = Shell(Session(k2)).execute("insmod panics_on_load")
    assert (result.output, result.status) == ("Kernel panic: cannot load", 1)
    assert not any("Unable to handle" in text for _, text in log_lines(k2))


def test_rmmod_whose_exit_panics_is_an_entry_point() -> None:
    k = extra_machine()
    k.modules.insmod("panics_on_unload")
    assert k.modules.rmmod("panics_on_unload") is None
    assert k.panicked == "cannot unload" and not k.modules.tainted


def test_a_shell_command_that_panics_the_machine_answers_with_the_panic() -> None:
    """``spawn`` on a machine below ``pages_min`` with oom_panic built in: fork's order-1
    allocation fails reclaim, ``out_of_memory()`` panics, and the command — an entry point —
    returns the console's panic line instead of its output."""
    hold = machine(ram_pages=4096).vm.free - 30
    k = machine(user("holder", hold, rss=hold), kconfig=PANIC_Y, ram_pages=4096)
    sh = Shell(Session(k))
    result = sh.execute("spawn idle")
    assert (result.output, result.status) == ("Kernel panic: Out-Of-Memory", 1)
    assert k.panicked == "Out-Of-Memory"
    assert sh.execute("echo still here").output == "still here"


def test_kill_9_1_is_ignored_by_init_and_does_not_panic() -> None:
    """arch/i386/kernel/signal.c do_signal(): ``/* Init gets no signals it doesn't want. */
    if (current->pid == 1) continue;`` — ``kill -9 1`` never reaches ``do_exit``."""
    k = machine()
    sh = Shell(Session(k))
    assert sh.execute("kill -9 1").status == 0
    k.run_for(HZ)
    assert k.panicked is None and not k.init_task.dead
