"""The shipped machine: a kernel booted with moomtui's own programs and policies.

The kernel (:mod:`moomtui.kernel`) imports nothing above it; it is handed a
:class:`~moomtui.kernel.platform.Platform` at boot. This module builds moomtui's: the
programs of :mod:`moomtui.userland`, the policies of :mod:`moomtui.modules` and the classic
``badness()`` for ``/proc/PID/oom_score``, plus — found anew at each boot — the policies
installed packages declare as ``moomtui.modules`` entry points
(:func:`~moomtui.modules.plugins.entry_point_modules`). Everything that boots a machine —
presets, the simulation, the tests — goes through :func:`boot`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .kernel import BootSpec, Kernel
from .kernel.events import EventBus
from .kernel.module import KernelModule
from .kernel.platform import Platform
from .modules import REGISTRY
from .modules.classic import badness
from .modules.plugins import entry_point_modules
from .userland import PROGRAMS

PLATFORM = Platform(
    modules=REGISTRY, programs=PROGRAMS, oom_score=badness, find_modules=entry_point_modules
)
"""moomtui's programs and policies, and those of the installed packages."""


def platform(registry: Mapping[str, type[KernelModule]] | None = None) -> Platform:
    """:data:`PLATFORM`, or with ``registry`` as its only modules (no others looked up)."""
    if registry is None:
        return PLATFORM
    return Platform(modules=registry, programs=PROGRAMS, oom_score=badness)


def boot(
    spec: BootSpec | None = None,
    *,
    registry: Mapping[str, type[KernelModule]] | None = None,
    bus: EventBus | None = None,
) -> Kernel:
    """A kernel booted from ``spec`` on moomtui's platform (``registry``: its only modules)."""
    return Kernel(spec, platform=platform(registry), bus=bus)
