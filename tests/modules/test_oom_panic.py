"""oom_panic: the first out_of_memory() call panics, swap or no swap."""

from __future__ import annotations

import pytest

from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.kernel.panic import KernelPanic
from moomtui.kernel.printk import KERN_DEBUG, KERN_EMERG, KERN_ERR, KERN_INFO, KERN_WARNING
from moomtui.modules import REGISTRY, OomKill, OomKillParent, OomPanic
from moomtui.modules.messages import dbg, error, info, warn

from ..fixtures import Recorder, machine
from .helpers import log_lines, user


def test_registry_lists_the_three_seed_modules_first_in_kconfig_order() -> None:
    """``obj-$(CONFIG_OOM_PANIC) += oom_panic.o`` and the two others, in mm/Config.in order;
    the later policies follow, with no Kconfig option."""
    assert list(REGISTRY.items())[:3] == [
        ("oom_panic", OomPanic),
        ("oom_kill", OomKill),
        ("oom_kill_parent", OomKillParent),
    ]
    assert [cls.kconfig for cls in REGISTRY.values()] == [
        "CONFIG_OOM_PANIC",
        "CONFIG_OOM_KILL",
        "CONFIG_OOM_KPPID",
        None,
        None,
        None,
    ]


def test_oom_panic_panics_on_the_first_call_even_with_swap_free() -> None:
    """``static int oom_notify(...) { panic("Out-Of-Memory"); return 0; }`` — no swap
    check, no timing rules."""
    k = machine(user("big", 4000), kconfig={"CONFIG_OOM_PANIC": "y"}, swap_pages=4096)
    rec = Recorder(k)
    assert k.vm.nr_swap_pages == 4096
    assert k.panicked is None
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(k.init_task)
    assert k.panicked == "Out-Of-Memory"
    assert (KERN_EMERG, "Kernel panic: Out-Of-Memory") in log_lines(k)
    assert [(p.message, p.timeout) for p in rec.of(ev.Panic)] == [("Out-Of-Memory", 0)]
    assert rec.kills() == []


def test_the_panic_reboots_when_kernel_panic_is_set() -> None:
    """``/proc/sys/kernel/panic`` decides: reboot after that many seconds."""
    k = machine(kconfig={"CONFIG_OOM_PANIC": "y"}, sysctl={"kernel/panic": 3})
    with pytest.raises(KernelPanic):
        k.oom.out_of_memory(k.init_task)
    assert k.panicked == "Out-Of-Memory" and k.boot == 0
    k.run_for(3 * HZ)
    assert k.boot == 1 and k.panicked is None
    assert [b.name for b in k.oom.chain] == ["oom_panic"]


def test_install_prints_and_exit_is_silent() -> None:
    """``info("Installing oom_panic handler");`` and an ``exit_oom_panic`` that only
    unregisters."""
    k = machine(kconfig={"CONFIG_OOM_PANIC": "m"})
    before = len(k.log.records())
    k.modules.insmod("oom_panic")
    assert log_lines(k)[before:] == [(KERN_INFO, "Out of Memory: Installing oom_panic handler")]
    (block,) = k.oom.chain
    assert (block.name, block.priority) == ("oom_panic", 0)
    after = len(k.log.records())
    k.modules.rmmod("oom_panic")
    assert len(k.log.records()) == after
    assert k.oom.chain == ()
    k.oom.out_of_memory(k.init_task)
    assert k.panicked is None


def test_the_header_macros_spell_the_prefix_two_ways() -> None:
    """oom_notifier.h: info/error print "Out of Memory: ", dbg/warn "Out of memory: "."""
    k = machine()
    before = len(k.log.records())
    info(k, "a")
    error(k, "b")
    dbg(k, "c")
    warn(k, "d")
    assert log_lines(k)[before:] == [
        (KERN_INFO, "Out of Memory: a"),
        (KERN_ERR, "Out of Memory: b"),
        (KERN_DEBUG, "Out of memory: c"),
        (KERN_WARNING, "Out of memory: d"),
    ]
