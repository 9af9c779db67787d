"""The simulated Linux 2.4.22 kernel: no screen, no Textual, no Rich.

Import :class:`Kernel` and :class:`BootSpec` from here; everything else lives in the
submodules named after the kernel's own parts. The names below are imported when first
asked for, so that a submodule (``kernel.constants``, ``kernel.arith``) is imported alone:
``moomtui postmortem`` uses the kernel's constants and arithmetic, not the kernel.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .boot import BootError
    from .bootspec import BootSpec, TaskSpec
    from .kernel import Kernel

__all__ = ["BootError", "BootSpec", "Kernel", "TaskSpec"]

_WHERE = {
    "BootError": ".boot",
    "BootSpec": ".bootspec",
    "TaskSpec": ".bootspec",
    "Kernel": ".kernel",
}


def __getattr__(name: str) -> object:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
