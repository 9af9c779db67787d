"""The machine and the event recorder every test builds on.

:func:`machine` boots a kernel from a few task specs and :class:`BootSpec` fields; it loads
no OOM policy unless the test asks for one (``kconfig`` options not given are ``n``), and
its module registry is moomtui's own policies unless the test brings its own (``{}`` for
none); only with the default does the kernel also look for installed packages' policies,
as a shipped kernel does at each boot. :class:`Recorder` collects a kernel's event stream
from the moment it is made.

Test helpers live here and in the packages' helper modules, never in a ``conftest.py``:
a conftest holds fixtures and hooks only, and nothing imports from one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from moomtui.kernel import BootSpec, Kernel, TaskSpec
from moomtui.kernel import events as ev
from moomtui.kernel.module import KernelModule
from moomtui.machine import boot

NO_OOM = {"CONFIG_OOM_PANIC": "n", "CONFIG_OOM_KILL": "n", "CONFIG_OOM_KPPID": "n"}
"""The three seed options all ``n``: no OOM handler at all."""

E = TypeVar("E", bound=ev.Event)


def machine(
    *tasks: TaskSpec,
    kconfig: Mapping[str, str] | None = None,
    registry: Mapping[str, type[KernelModule]] | None = None,
    **spec: Any,
) -> Kernel:
    """A kernel booted with ``tasks`` and the other :class:`BootSpec` fields in ``spec``.

    ``kconfig`` sets some of the seed's three options; the others are ``n``. ``registry``
    is the modules the kernel can load: by default moomtui's own policies and those of the
    installed packages.
    """
    config = {**NO_OOM, **(kconfig or {})}
    return boot(BootSpec(tasks=list(tasks), kconfig=config, **spec), registry=registry)


class Recorder:
    """Every event the kernel emits from now on, in order."""

    def __init__(self, k: Kernel) -> None:
        self.events: list[ev.Event] = []
        k.bus.subscribe(self.events.append)

    def of(self, cls: type[E]) -> list[E]:
        """The events of type ``cls``."""
        return [e for e in self.events if isinstance(e, cls)]

    def kills(self, reason: str | None = None) -> list[ev.OomKill]:
        """The OOM kills, or those with this ``reason`` (victim, thread, parent)."""
        return [e for e in self.of(ev.OomKill) if reason is None or e.reason == reason]


ROOT = Path(__file__).resolve().parent.parent


def load_bench(name: str) -> ModuleType:
    """``bench/NAME.py`` imported as a module (the slow tests run the benchmarks' own
    generators and checks, smaller)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
