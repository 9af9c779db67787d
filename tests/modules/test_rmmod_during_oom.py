"""``rmmod`` while ``out_of_memory()`` walks the chain: the exit waits for the walk.

The patch's ``mm/oom_notifier.c``::

    void out_of_memory(void)
    {
        down(&notify_mutex);
        notifier_call_chain(&oom_notify_list, OUT_OF_MEMORY, 0);
        up(&notify_mutex);
    }

    int unregister_oom_notifier(struct notifier_block * nb)
    {
        ...
        down(&notify_mutex);

and each module's exit starts with ``unregister_oom_notifier(&oom_nb);`` and then prints
``info("Unregistered ... handler")``. 2.4.22's ``sys_delete_module`` marks the module
(``mod->flags |= MOD_DELETED;``, which ``find_module`` skips from then on) and calls
``free_module(mod, 0)``, whose ``mod->cleanup()`` is that exit: run by the ``rmmod`` task
while another task walks the chain, it sleeps in ``down(&notify_mutex)`` until ``up``. The
module's handler, still on the chain, runs in that walk; its ``Unregistered`` line comes
after.
"""

from __future__ import annotations

import pytest

from moomtui.kernel import events as ev
from moomtui.kernel.module import ModuleError
from moomtui.kernel.panic import KernelPanic
from moomtui.modules import REGISTRY
from moomtui.modules.api import KERN_INFO, Policy

from ..fixtures import Recorder, machine
from .helpers import log_lines


class Early(Policy):
    """Unloads ``late`` from its handler, and tries again."""

    name = "early"

    def on_out_of_memory(self) -> None:
        self.printk(KERN_INFO, "early runs")
        self.kernel.modules.rmmod("late")
        try:
            self.kernel.modules.rmmod("late")
        except ModuleError as err:
            self.printk(KERN_INFO, f"again: {err}")


class Late(Policy):
    name = "late"

    def on_out_of_memory(self) -> None:
        self.printk(KERN_INFO, "late runs")


class Panics(Policy):
    name = "panics"

    def on_out_of_memory(self) -> None:
        self.panic("Out-Of-Memory")


def loaded(*names: str) -> tuple[object, Recorder]:
    registry = {**REGISTRY, "early": Early, "late": Late, "panics": Panics}
    k = machine(registry=registry)
    for name in names:
        k.modules.insmod(name)
    return k, Recorder(k)


def test_the_unloaded_modules_handler_runs_in_the_walk_and_its_exit_after_it() -> None:
    k, rec = loaded("early", "late")
    before = len(k.log.records())
    k.oom.out_of_memory()
    assert [text for _, text in log_lines(k)[before:]] == [
        "early runs",
        "again: rmmod: module late is not loaded",  # MOD_DELETED: find_module skips it
        "late runs",
        "Out of Memory: Unregistered late handler",
    ]
    assert [(e.name, e.reason) for e in rec.of(ev.ModuleUnload)] == [("late", "rmmod")]
    assert k.modules.state("late") == "available"
    assert [nb.name for nb in k.oom.chain] == ["early"]
    assert k.check_invariants() == []


def test_the_next_call_no_longer_runs_it() -> None:
    k, _ = loaded("early", "late")
    k.oom.out_of_memory()
    k.modules.insmod("late")
    before = len(k.log.records())
    k.modules.rmmod("early")  # not in a walk: at once
    k.oom.out_of_memory()
    assert [text for _, text in log_lines(k)[before:]] == [
        "Out of Memory: Unregistered early handler",
        "late runs",
    ]


def test_a_walk_that_panics_never_lets_the_waiting_exit_run() -> None:
    """``panic()`` never returns: no ``up(&notify_mutex)``, so the ``rmmod`` task sleeps
    for good — no ``Unregistered`` line, the module still there."""
    k, rec = loaded("early", "late", "panics")
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory()
    texts = [text for _, text in log_lines(k)]
    assert "late runs" in texts
    assert "Out of Memory: Unregistered late handler" not in texts
    assert rec.of(ev.ModuleUnload) == []
    assert not k.oom.busy


def test_rmmod_outside_a_walk_is_at_once() -> None:
    k, _ = loaded("late")
    k.modules.rmmod("late")
    assert k.modules.state("late") == "available"
    assert log_lines(k)[-1] == (KERN_INFO, "Out of Memory: Unregistered late handler")
