"""Who may act on a task: the one uid test behind kill() and setpriority()."""

from __future__ import annotations

from moomtui.kernel.cred import may_act_on
from moomtui.kernel.task import Task


def task(uid: int, euid: int) -> Task:
    return Task(pid=400, comm="t", mm=None, uid=uid, euid=euid)


def test_root_may_act_on_any_task() -> None:
    """``!capable(CAP_KILL)`` / ``!capable(CAP_SYS_NICE)``: root holds both."""
    assert may_act_on(0, task(33, 33))


def test_a_user_may_act_on_a_task_whose_uid_or_euid_is_theirs() -> None:
    """``(current->uid ^ t->uid) && (current->uid ^ t->suid)``: either match is enough
    (the saved uid is the euid here)."""
    assert may_act_on(1000, task(1000, 0))
    assert may_act_on(1000, task(0, 1000))
    assert not may_act_on(1000, task(33, 33))
