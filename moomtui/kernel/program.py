"""What the kernel asks of the code a task runs: the simulator's side of ``exec``.

A 2.4 kernel runs a binary through a ``struct linux_binfmt`` and then leaves it to the CPU;
the simulated kernel instead wakes a task's program with timers and asks it what to do next
(:mod:`moomtui.userland` has the programs, and the contract from their side). Here is the
contract from the kernel's side, and nothing else: the programs themselves are handed to
the kernel at boot (:class:`~moomtui.kernel.platform.Platform`), so the kernel imports none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .kernel import Kernel
    from .task import SigtermAction, Task


class Program(Protocol):
    """A running program: started once, stepped whenever the delay it asked for is up."""

    @property
    def name(self) -> str:
        """What ``ps`` shows it ran (the Exec event's ``program``)."""
        ...

    @property
    def sigterm(self) -> SigtermAction:
        """Its action for SIGTERM."""
        ...

    @property
    def linger(self) -> int:
        """Jiffies a lingering SIGTERM handler takes before the task exits."""
        ...

    @property
    def busy(self) -> int:
        """Percent of the time it wants the CPU."""
        ...

    @property
    def sys_pct(self) -> int:
        """Percent of its CPU time spent in the kernel."""
        ...

    def start(self, k: Kernel, task: Task) -> int | None:
        """First call; the delay in jiffies until :meth:`step` (None: until woken)."""
        ...

    def step(self, k: Kernel, task: Task) -> int | None:
        """The delay it asked for is up; the next delay (None: until woken)."""
        ...

    def on_child_exit(self, k: Kernel, task: Task, child: Task) -> None:
        """``child`` became a zombie (the parent's SIGCHLD)."""
        ...

    def on_exit(self, k: Kernel, task: Task) -> None:
        """``task`` is exiting."""
        ...


class ProgramType(Protocol):
    """A kind of program, by name: what a boot spec's task or ``spawn`` names."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def __call__(self, args: Mapping[str, Any] | None = None) -> Program:
        """A new program of this kind with the given arguments (parsed by the program)."""
        ...
