"""The loadable OOM policies, one file each, named like the seed's objects.

``REGISTRY`` maps each module's name to its class: the seed's three in ``mm/Config.in``
order, then the policies of later eras, which have no Kconfig option and are always
available as modules: ``oom_kill_allocating`` (2.4.24 without an OOM killer),
``oom_score_adj`` (2.6.36, with 4.6's OOM reaper) and ``earlyoom`` (the userspace daemon).
docs/policies.md describes each. The shared classic code (``int_sqrt``, ``badness``,
``select_bad_process``, ``oom_kill_task``) is in :mod:`moomtui.modules.classic`;
``/proc/PID/oom_score`` is ``classic.badness(task, jiffies)``. Policies written outside the
tree subclass :class:`moomtui.modules.api.Policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from ..kernel.module import KernelModule
from .classic import badness
from .earlyoom import Earlyoom
from .oom_kill import OomKill
from .oom_kill_allocating import OomKillAllocating
from .oom_kill_parent import OomKillParent
from .oom_panic import OomPanic
from .oom_score_adj import OomScoreAdj

REGISTRY: dict[str, type[KernelModule]] = {
    cls.name: cls
    for cls in (OomPanic, OomKill, OomKillParent, OomKillAllocating, OomScoreAdj, Earlyoom)
}

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

Score = Callable[["Task", int], int]


def policy_score(kernel: Kernel) -> Score:
    """The score the loaded policy would give a task, ``score(task, jiffies)``.

    The first module on the OOM chain (in call order) that scores tasks, else any other
    loaded module that does (earlyoom is a daemon, not on the chain), else the classic
    ``badness()`` that ``/proc/PID/oom_score`` shows.
    """
    modules = kernel.modules
    on_chain = [modules.get(nb.name) for nb in kernel.oom.chain]
    for module in (*on_chain, *modules.loaded()):
        score = getattr(module, "score", None)
        if callable(score):
            return cast(Score, score)
    return badness


__all__ = [
    "REGISTRY",
    "Earlyoom",
    "OomKill",
    "OomKillAllocating",
    "OomKillParent",
    "OomPanic",
    "OomScoreAdj",
    "policy_score",
]
