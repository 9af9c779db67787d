"""What a kernel is handed at boot by the layers above it: its modules, programs and score.

The kernel imports nothing above itself. The OOM policies it can load, the programs its
tasks can run and the ``badness()`` that ``/proc/PID/oom_score`` shows come in through a
:class:`Platform`, the way a plugin host receives its plugins: ``moomtui.machine`` builds
moomtui's own (its policies, its programs, the classic badness, and the policies installed
packages declare as entry points) and a test can build another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .module import KernelModule
    from .program import ProgramType
    from .task import Task

ModuleRegistry = Mapping[str, "type[KernelModule]"]
"""Module classes by name (each class's ``name``)."""

FindModules = Callable[[ModuleRegistry, Callable[[str], None]], ModuleRegistry]
"""Looks for more modules at each boot, given those already known and a way to warn."""


@dataclass(frozen=True, slots=True)
class Platform:
    """The parts of a machine that are not the kernel's own code.

    ``modules``: the loadable modules (built in or not as the boot spec's Kconfig says).
    ``programs``: what a task can run, by name; ``init`` and ``thread`` must be there (pid 1
    and the threads of a LinuxThreads process run them). ``oom_score``: the score
    ``/proc/PID/oom_score`` shows for a task at a jiffy. ``find_modules``, if given, is asked
    at each boot for more modules — installed since the last boot, as a new kernel finds
    them — whose names must not clash with ``modules``; what it cannot use it reports
    through the warning function, which logs it.
    """

    modules: ModuleRegistry
    programs: Mapping[str, ProgramType]
    oom_score: Callable[[Task, int], int]
    find_modules: FindModules | None = None
