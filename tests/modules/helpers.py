"""Tasks and drivers shared by the OOM policy tests (the machine is :mod:`tests.fixtures`')."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel.module import KernelModule

M = TypeVar("M", bound=KernelModule)


def user(comm: str, total_vm: int, **fields: Any) -> TaskSpec:
    """An idle user task (uid 1000, no capabilities) of ``total_vm`` pages."""
    fields.setdefault("uid", 1000)
    fields.setdefault("caps", 0)
    return TaskSpec(comm, total_vm=total_vm, **fields)


def load(k: Kernel, name: str, *args: str, module_type: type[M]) -> M:
    module = k.modules.insmod(name, list(args))
    assert isinstance(module, module_type)
    return module


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
