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
from ..kernel.oops import is_oops
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


class GuardedScore:
    """A module's own ``score(task, jiffies)`` under the oops guard.

    A policy from outside the tree may score with code that raises. As for its handlers
    (:meth:`~moomtui.kernel.module_loader.Modules.oops`), the first exception is the
    module's oops — ``Unable to handle kernel request in module NAME: …`` in the log, the
    kernel tainted — and from then on the module scores every task 0, until it is loaded
    again. Two guards of the same module's score are equal, so a screen can tell whether
    the scoring policy changed.
    """

    __slots__ = ("_kernel", "_module", "_score", "failed")

    def __init__(self, kernel: Kernel, module: KernelModule, score: Score) -> None:
        self._kernel = kernel
        self._module = module
        self._score = score
        self.failed: BaseException | None = None

    @property
    def module(self) -> KernelModule:
        return self._module

    @property
    def score(self) -> Score | None:
        """The module's own score, guarded; None once it oopsed (every task scores 0)."""
        return self._score if self.failed is None else None

    def __call__(self, task: Task, jiffies: int) -> int:
        if self.failed is not None:
            return 0
        try:
            return self._score(task, jiffies)
        except BaseException as exc:
            if not is_oops(self._kernel, exc):
                raise
            self.failed = exc
            self._kernel.modules.oops(self._module.name, exc)
            return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GuardedScore) and other._module is self._module

    def __hash__(self) -> int:
        return id(self._module)


def policy_score(kernel: Kernel) -> Score:
    """The score the loaded policy would give a task, ``score(task, jiffies)``.

    The first module on the OOM chain (in call order) that scores tasks, else any other
    loaded module that does (earlyoom is a daemon, not on the chain), else the classic
    ``badness()`` that ``/proc/PID/oom_score`` shows. A module's own score comes under the
    oops guard (:class:`GuardedScore`), one guard per loaded module.
    """
    modules = kernel.modules
    on_chain = [modules.get(nb.name) for nb in kernel.oom.chain]
    for module in (*on_chain, *modules.loaded()):
        guard = guarded_score(kernel, module) if module is not None else None
        if guard is not None:
            return guard
    return badness


def guarded_score(kernel: Kernel, module: KernelModule) -> GuardedScore | None:
    """``module``'s own score under the oops guard (the same guard every time while the
    module is loaded); None for a module that does not score tasks.

    The guard is kept on the module object it guards, so it lives exactly as long as that
    module: a module that oopsed in its score stays at 0 until it is loaded again (a new
    module object). A table of guards beside the modules — even a weak-key one — would keep
    every module alive through its own guard, and with it its kernel: every ``boot`` on the
    screen would leave the old machine in memory.
    """
    score = getattr(module, "score", None)
    if not callable(score):
        return None
    guard = vars(module).get(_GUARD)
    if not isinstance(guard, GuardedScore) or guard._kernel is not kernel:
        guard = GuardedScore(kernel, module, cast(Score, score))
        vars(module)[_GUARD] = guard
    return guard


_GUARD = "_moomtui_score_guard"
"""The attribute of a module object that holds its score's guard (a cycle module → guard →
module, which the garbage collector frees with the module)."""


__all__ = [
    "REGISTRY",
    "Earlyoom",
    "GuardedScore",
    "OomKill",
    "OomKillAllocating",
    "OomKillParent",
    "OomPanic",
    "OomScoreAdj",
    "guarded_score",
    "policy_score",
]
