"""A shell on a small machine, and test modules, shared by the shell tests.

:func:`shell` runs on a machine with an empty module registry unless the test brings one,
so the shell's own tests do not depend on moomtui's policies.
"""

from __future__ import annotations

from typing import Any

from moomtui.kernel import Kernel, TaskSpec
from moomtui.kernel.module import KernelModule, ModuleParam
from moomtui.kernel.sysctl import CtlEntry, IntCell, SysctlHeader
from moomtui.shell import Result, Session, Shell

from ..fixtures import machine


class Knob(KernelModule):
    """A module shaped like oom_kill_parent: two parameters mirrored in /proc/sys/vm/oom."""

    name = "oom_knob"
    description = "A test module with two tunables."
    author = "Test Author"
    size = 3456
    params = (
        ModuleParam("oom_parent_max", "i", "kills before the parent dies", 10, ctype="uint"),
        ModuleParam("oom_parent_expire", "i", "seconds a record lives", 300, ctype="uint"),
    )
    oom_parent_max: int
    oom_parent_expire: int

    def init(self) -> int:
        self.max_cell = IntCell(self.oom_parent_max, "uint")
        self.header: SysctlHeader = self.kernel.sysctl.register_sysctl_table(
            "vm/oom",
            [
                CtlEntry("oom_parent_max", self.max_cell),
                CtlEntry("oom_parent_expire", IntCell(self.oom_parent_expire, "uint")),
            ],
        )
        self.kernel.printk(6, "Out of Memory: Installing oom_knob handler")
        return 0

    def exit(self) -> None:
        self.kernel.sysctl.unregister_sysctl_table(self.header)


class Other(KernelModule):
    name = "oom_other"
    description = "Another test module."
    author = "Someone Else"
    size = 1200


REGISTRY: dict[str, type[KernelModule]] = {"oom_knob": Knob, "oom_other": Other}


def user_task(comm: str, total_vm: int = 256, **fields: Any) -> TaskSpec:
    """An idle task of uid 1000 (``user``) with ``total_vm`` pages, half of them resident."""
    fields.setdefault("uid", 1000)
    fields.setdefault("rss", total_vm // 2)
    return TaskSpec(comm, total_vm=total_vm, **fields)


def shell(k: Kernel | None = None, **session: Any) -> Shell:
    """A shell on ``k``, by default a machine that has no modules at all."""
    return Shell(Session(k if k is not None else machine(registry={}), **session))


def run(sh: Shell, line: str) -> Result:
    result = sh.execute(line)
    assert isinstance(result.output, str)
    return result


def ok(sh: Shell, line: str) -> str:
    """Run ``line``, require success, return the output."""
    result = sh.execute(line)
    assert result.status == 0, f"{line!r} failed ({result.status}): {result.output}"
    return result.output


def fails(sh: Shell, line: str, status: int = 1) -> str:
    """Run ``line``, require ``status``, return the output."""
    result = sh.execute(line)
    assert result.status == status, f"{line!r}: status {result.status}: {result.output}"
    return result.output
