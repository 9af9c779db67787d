"""The simulated Linux 2.4.22 kernel: no screen, no Textual, no Rich.

Import :class:`Kernel` and :class:`BootSpec` from here; everything else lives in the
submodules named after the kernel's own parts.
"""

from .boot import BootError
from .bootspec import BootSpec, TaskSpec
from .kernel import Kernel

__all__ = ["BootError", "BootSpec", "Kernel", "TaskSpec"]
