"""Who may act on a task: the uid checks of ``kill()`` and ``setpriority()``.

2.4 lets a process signal another (``kernel/signal.c`` ``bad_signal()``) if ``(current->euid
^ t->suid) && (current->euid ^ t->uid) && (current->uid ^ t->suid) && (current->uid ^
t->uid)`` is false or it has ``CAP_KILL``, and renice one (``kernel/sys.c``
``sys_setpriority()``) unless ``p->uid != current->euid && p->uid != current->uid &&
!capable(CAP_SYS_NICE)``. The simulator's users act with one uid (real and effective are
the same), root holds every capability, and a task's saved uid is its euid: both checks come
to the same test, :func:`may_act_on`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .task import Task


def may_act_on(uid: int, task: Task) -> bool:
    """Whether user ``uid`` may signal or renice ``task``: root, or the task's uid or euid."""
    return uid == 0 or uid in (task.uid, task.euid)
