"""Tasks and drivers shared by the OOM policy tests (the machine is :mod:`tests.fixtures`')."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel.constants import CAP_SYS_ADMIN, CAP_SYS_RAWIO, CAP_TO_MASK
from moomtui.kernel.module import KernelModule

M = TypeVar("M", bound=KernelModule)

ADMIN = CAP_TO_MASK(CAP_SYS_ADMIN)
RAWIO = CAP_TO_MASK(CAP_SYS_RAWIO)
u32 = st.integers(0, 0xFFFFFFFF)

BADNESS_STATES: dict[str, st.SearchStrategy[Any]] = {
    "total_vm": st.one_of(st.none(), st.integers(0, 1 << 20), u32),
    "utime": st.one_of(st.just(0), st.integers(0, 1 << 20), st.integers(0, (1 << 31) - 1)),
    "stime": st.one_of(st.just(0), st.integers(0, (1 << 31) - 1)),
    "start_time": u32,
    "jiffies": u32,
    "nice": st.integers(-20, 19),
    "uid": st.sampled_from([0, 1, 1000]),
    "euid": st.sampled_from([0, 1, 1000]),
    "caps": st.sets(st.sampled_from([ADMIN, RAWIO, 1, 1 << 28])).map(sum),
    "memdie": st.booleans(),
}
"""Every state of a task the 2.4 badness() reads, edges first (32-bit wraps included):
``@given(**BADNESS_STATES)``."""


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
