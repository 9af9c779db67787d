"""The loadable OOM policies, one file each, named like the seed's objects.

``REGISTRY`` maps each module's name to its class, in ``mm/Config.in`` order. The shared
classic code (``int_sqrt``, ``badness``, ``select_bad_process``, ``oom_kill_task``) is in
:mod:`moomtui.modules.classic`; ``/proc/PID/oom_score`` is ``classic.badness(task, jiffies)``.
"""

from ..kernel.module import KernelModule
from .oom_kill import OomKill
from .oom_kill_parent import OomKillParent
from .oom_panic import OomPanic

REGISTRY: dict[str, type[KernelModule]] = {
    cls.name: cls for cls in (OomPanic, OomKill, OomKillParent)
}

__all__ = ["REGISTRY", "OomKill", "OomKillParent", "OomPanic"]
