"""Small machines and drivers shared by the OOM policy tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.module import KernelModule

ALL_N = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "n", "CONFIG_OOM_KPPID": "n"}
E = TypeVar("E", bound=ev.Event)
M = TypeVar("M", bound=KernelModule)


def user(comm: str, total_vm: int, **fields: Any) -> TaskSpec:
    """An idle user task (uid 1000, no capabilities) of ``total_vm`` pages."""
    fields.setdefault("uid", 1000)
    fields.setdefault("caps", 0)
    return TaskSpec(comm, total_vm=total_vm, **fields)


def machine(*tasks: TaskSpec, kconfig: dict[str, str] | None = None, **spec: Any) -> Kernel:
    """A machine with no OOM module built in (unless ``kconfig`` says otherwise)."""
    config = dict(ALL_N)
    config.update(kconfig or {})
    return Kernel(BootSpec(tasks=list(tasks), kconfig=config, **spec))


def load(k: Kernel, name: str, *args: str, module_type: type[M]) -> M:
    module = k.modules.insmod(name, list(args))
    assert isinstance(module, module_type)
    return module


class Recorder:
    """Every event the kernel emits, in order."""

    def __init__(self, k: Kernel) -> None:
        self.events: list[ev.Event] = []
        k.bus.subscribe(self.events.append)

    def of(self, cls: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, cls)]

    def kills(self, reason: str | None = None) -> list[ev.OomKill]:
        return [e for e in self.of(ev.OomKill) if reason is None or e.reason == reason]


def advance_to(k: Kernel, jiffies: int) -> None:
    """Run the machine until ``k.jiffies == jiffies`` (no wrap in between)."""
    assert jiffies >= k.jiffies
    k.run_for(jiffies - k.jiffies)


def fail_every_jiffy(
    k: Kernel, call: Callable[[], None], until: Callable[[], bool], limit: int = 20_000
) -> int:
    """Call ``call`` once per jiffy until ``until()``; return how many calls it took."""
    for n in range(1, limit + 1):
        call()
        if until():
            return n
        k.run_for(1)
    raise AssertionError(f"condition not reached in {limit} calls")


def log_lines(k: Kernel) -> list[tuple[int, str]]:
    return [(r.level, r.text) for r in k.log.records()]
