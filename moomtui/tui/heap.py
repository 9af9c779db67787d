"""Short pauses of Python's garbage collector while the screen runs.

A machine of thousands of tasks is a heap of a few hundred thousand objects (tasks, their mm,
the rows of the tree, the log, the screen's widgets), nearly all of them as old as the
machine. Python's full collection walks every one of them whenever enough new objects have
lived a while — on a 5,000-task machine at 100× that was three times a second, 45 ms each: a
key pressed during one waited for it.

:class:`HeapFreeze` moves what exists once a machine is up into the collector's permanent
generation (:func:`gc.freeze`), so a full collection walks only what came after. When another
machine comes (a reboot, a preset booted) the old one's objects are given back
(:func:`gc.unfreeze`), collected at once — the user just asked for a new machine, the screen
is redrawn anyway — and the new machine's frozen in turn. When the app ends everything is
given back.

A small machine is left alone: its heap is walked in a few milliseconds, and freezing costs
a full collection. The heap is frozen once the machine has :data:`FREEZE_TASKS` tasks (at
boot, or when a fork bomb gets there).

The cost: an object frozen with a machine that becomes garbage in a reference cycle (a task
of the first population that dies, with its mm) is freed only at that machine's end. That is
bounded by the size of the machine as it booted.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..kernel import Kernel


FREEZE_TASKS = 1000
"""A machine with this many tasks or more has its heap frozen."""


class HeapFreeze:
    """Freezes the heap once per big machine (a kernel and its boot count)."""

    def __init__(self) -> None:
        self._kernel: Kernel | None = None
        """The machine the heap is frozen with, if any."""
        self._boot = -1
        self.freezes = 0
        """How many times the heap was frozen (a new machine each)."""

    def due(self, kernel: Kernel) -> bool:
        """Whether :meth:`freeze` has work for ``kernel``: a big machine not frozen yet, or
        another machine than the one frozen (whose objects are given back)."""
        if self._kernel is not None:
            return kernel is not self._kernel or kernel.boot != self._boot
        return len(kernel.tasks) >= FREEZE_TASKS

    def freeze(self, kernel: Kernel) -> None:
        """Give back what an earlier machine froze, and, if ``kernel`` is big, collect what
        is garbage and freeze what is alive."""
        if not self.due(kernel):
            return
        self.release()
        if len(kernel.tasks) >= FREEZE_TASKS:
            self._kernel, self._boot = kernel, kernel.boot
            gc.collect()
            gc.freeze()
            self.freezes += 1

    def release(self) -> None:
        """Give every frozen object back to the collector (another machine, the app ends)."""
        if self._kernel is not None:
            self._kernel = None
            gc.unfreeze()
