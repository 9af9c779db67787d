"""What ``mm/oom_kill.c`` and ``mm/oom_kill_parent.c`` share: Rik van Riel's classic killer.

The seed copies the same code into both files: ``int_sqrt``, ``badness``,
``select_bad_process``, ``oom_kill_task``, the "kill every task that shares the victim's
mm" loop of ``oom_kill`` and the timing rules of ``out_of_memory_killer``. It lives here
once. What each file keeps for itself — the ``static unsigned long first, last, count,
lastkill`` of ``out_of_memory_killer`` — is a :class:`ClassicHeuristic` owned by each module
instance, so ``oom_kill`` and ``oom_kill_parent`` loaded together judge every shortage
separately and can both kill on it, as the two objects did.

The arithmetic is the C's on i386, bit for bit: ``jiffies`` and the statics are 32-bit
``unsigned long`` (differences wrap), ``badness`` works in 32-bit ``int`` whose divisions by
``int_sqrt`` (an ``unsigned int``) are unsigned and whose divisions by 4 truncate toward zero.

Left out: ``read_lock(&tasklist_lock)`` (one thread) and the ``yield()`` that ends
``oom_kill`` (the killed task runs on the next jiffy anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..kernel import events as ev
from ..kernel.arith import c_div, int_sqrt, s32
from ..kernel.constants import (
    CAP_SYS_ADMIN,
    CAP_SYS_RAWIO,
    CAP_TO_MASK,
    HZ,
    INT_MAX,
    JIFFIES_MASK,
    PF_MEMALLOC,
    PF_MEMDIE,
    SHIFT_HZ,
    SIGKILL,
    SIGTERM,
    UINT_MAX,
)
from ..kernel.module import KernelLike, KernelModule
from ..kernel.units import format_size
from .messages import error
from .steps import Step

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.task import Task

_CAP_SYS_ADMIN = CAP_TO_MASK(CAP_SYS_ADMIN)
_CAP_SYS_RAWIO = CAP_TO_MASK(CAP_SYS_RAWIO)


# int_sqrt of the small arguments the walk meets for nearly every task (CPU time in units
# of ~10 s, run time in units of ~22 min), looked up without a call.
_SQRT = {x: int_sqrt(x) for x in range(1024)}
_SQRT_SQRT = {x: int_sqrt(int_sqrt(x)) for x in range(1024)}


def _udiv(points: int, divisor: int) -> int:
    """``points /= int_sqrt(...)``: an ``int`` divided by an ``unsigned int`` is unsigned."""
    if points >= 0:
        return points // divisor  # already an int: no wrap possible
    return s32((points & UINT_MAX) // divisor)


def badness(p: Task, jiffies: int) -> int:
    """How bad task ``p`` has been at ``jiffies``; the highest score is killed.

    Good in this context means that: 1) we lose the minimum amount of work done, 2) we
    recover a large amount of memory, 3) we don't kill anything innocent of eating tons of
    memory, 4) we want to kill the minimum amount of processes (one), 5) we try to kill the
    process the user expects us to kill.

    A pure function of the task's fields and ``jiffies``, so ``/proc/PID/oom_score`` can
    show it for any task at any moment. Written for speed (select_bad_process calls it for
    every task): the fast paths skip the 32-bit wrapping only where it cannot change the
    result.
    """
    mm = p.mm
    if mm is None:
        return 0
    if p.flags & PF_MEMDIE:
        return 0
    # The memory size of the process is the basis for the badness.
    points = mm.total_vm
    if points > INT_MAX:
        points = s32(points)
    # CPU time is in seconds and run time is in minutes (not safe against jiffie wraps).
    # tms_utime + tms_stime: the lazily accounted CPU time plus what the task came with.
    # (clock_t is a signed long: the sum may wrap negative and shifts arithmetically.)
    # (Task.cpu_jiffies() inlined: a sleeping task's time is already settled.)
    cpu_fp = p.sched.cpu_fp(p) if p.sched_weight and p.sched is not None else p.cpu_fp
    cpu = p.base_utime + p.base_stime + (cpu_fp >> 32)
    if cpu > INT_MAX:
        cpu = s32(cpu)
    cpu_time = cpu >> (SHIFT_HZ + 3)
    run_time = ((jiffies - p.start_time) & JIFFIES_MASK) >> (SHIFT_HZ + 10)
    sqrt = _SQRT.get(cpu_time) or int_sqrt(cpu_time)
    if points >= 0:
        points //= sqrt
        points //= _SQRT_SQRT.get(run_time) or int_sqrt(int_sqrt(run_time))
    else:
        points = _udiv(points, sqrt)
        points = _udiv(points, int_sqrt(int_sqrt(run_time)))
    # Niced processes are most likely less important.
    if p.nice > 0:
        points = s32(points * 2)
    # Superuser processes are usually more important.
    caps = p.cap_effective
    if caps & _CAP_SYS_ADMIN or p.uid == 0 or p.euid == 0:
        points = c_div(points, 4)
    # Don't kill a process with direct hardware access.
    if caps & _CAP_SYS_RAWIO:
        points = c_div(points, 4)
    return points


def badness_steps(p: Task, jiffies: int) -> list[Step]:
    """:func:`badness` one C statement at a time, with this task's numbers (for ``explain``).

    A plain transcription of the seed's ``badness()``, written for reading, not speed; the
    last step's points are ``badness(p, jiffies)`` (a property test holds them equal).
    """
    mm = p.mm
    if mm is None:
        return [Step("if (!p->mm) return 0;", "no address space (a kernel thread)", 0, True)]
    steps = [Step("if (!p->mm) return 0;", "it has an address space")]
    if p.flags & PF_MEMDIE:
        text = "PF_MEMDIE: already chosen, it is exiting"
        return [*steps, Step("if (p->flags & PF_MEMDIE) return 0;", text, 0, True)]
    steps.append(Step("if (p->flags & PF_MEMDIE) return 0;", "not PF_MEMDIE"))
    points = s32(mm.total_vm)
    size = format_size(mm.total_vm)
    steps.append(
        Step("points = p->mm->total_vm;", f"virtual size {mm.total_vm} pages ({size})", points)
    )
    utime, stime = p.utime, p.stime
    cpu_time = s32(s32(utime + stime) >> (SHIFT_HZ + 3))
    sqrt = int_sqrt(cpu_time)
    points = _udiv(points, sqrt)
    steps.append(
        Step(
            "points /= int_sqrt(cpu_time);",
            f"CPU {utime}+{stime} jiffies >> 10 = {cpu_time}; int_sqrt({cpu_time}) = {sqrt}",
            points,
        )
    )
    age = (jiffies - p.start_time) & JIFFIES_MASK
    run_time = age >> (SHIFT_HZ + 10)
    root2 = int_sqrt(int_sqrt(run_time))
    points = _udiv(points, root2)
    steps.append(
        Step(
            "points /= int_sqrt(int_sqrt(run_time));",
            f"age {age} jiffies >> 17 = {run_time}; int_sqrt(int_sqrt({run_time})) = {root2}",
            points,
        )
    )
    if p.nice > 0:
        points = s32(points * 2)
        steps.append(Step("if (p->nice > 0) points *= 2;", f"niced ({p.nice}): doubled", points))
    else:
        steps.append(Step("if (p->nice > 0) points *= 2;", f"nice {p.nice}: not doubled", points))
    caps = p.cap_effective
    code = "if (CAP_SYS_ADMIN || p->uid == 0 || p->euid == 0) points /= 4;"
    why = [
        why
        for why, ok in (
            ("CAP_SYS_ADMIN", caps & _CAP_SYS_ADMIN),
            ("uid 0", p.uid == 0),
            ("euid 0", p.euid == 0),
        )
        if ok
    ]
    if why:
        points = c_div(points, 4)
        steps.append(Step(code, f"superuser ({', '.join(why)}): quartered", points))
    else:
        steps.append(Step(code, f"uid {p.uid}, not superuser: unchanged", points))
    code = "if (cap_t(p->cap_effective) & CAP_TO_MASK(CAP_SYS_RAWIO)) points /= 4;"
    if caps & _CAP_SYS_RAWIO:
        points = c_div(points, 4)
        steps.append(Step(code, "CAP_SYS_RAWIO (direct hardware access): quartered", points))
    else:
        steps.append(Step(code, "no CAP_SYS_RAWIO: unchanged", points))
    steps.append(Step("return points;", f"badness = {points}", points, True))
    return steps


class TaskList(Protocol):
    jiffies: int

    def for_each_task(self) -> Iterable[Task]: ...


def select_bad_process(k: TaskList) -> Task | None:
    """The task with the most points, oldest first; strictly greater wins, so ties go to
    the oldest. pid 0 is skipped, init is not. None when no task scores above 0.

    A task whose badness cannot beat the best so far is not scored: the points start at
    ``total_vm`` and only the ``nice > 0`` doubling can raise them, so a task with
    ``total_vm`` (doubled if niced) at most ``maxpoints`` can never be strictly greater.
    The choice is exactly the seed's; the walk is just cheaper for small tasks.
    """
    maxpoints = 0
    chosen: Task | None = None
    jiffies = k.jiffies
    for p in k.for_each_task():
        mm = p.mm
        if mm is None:
            continue
        bound = mm.total_vm & UINT_MAX
        if p.nice > 0:
            bound *= 2
        if bound <= maxpoints:
            continue
        if p.pid:
            points = badness(p, jiffies)
            if points > maxpoints:
                chosen = p
                maxpoints = points
    return chosen


def get_nr_swap_pages(k: Kernel) -> int:
    """The patch's ``get_nr_swap_pages()``: free swap slots."""
    return k.vm.nr_swap_pages


def oom_kill_task(k: Kernel, p: Task, *, module: str, reason: str) -> None:
    """Give the sacrificial lamb high priority and all the memory it needs, and signal it.

    Never SIGKILL a process with CAP_SYS_RAWIO: it gets SIGTERM, forced (``force_sig``), so
    a task that ignores SIGTERM dies of it while one that catches it may linger. Emits one
    :class:`~moomtui.kernel.events.OomKill`; ``reason`` is ``victim``, ``thread`` or
    ``parent`` and ``points`` the task's badness just before the kill.
    """
    points = badness(p, k.jiffies)
    error(k, f"Killed process {p.pid} ({p.comm}).")
    p.counter = 5 * HZ
    p.flags |= PF_MEMALLOC | PF_MEMDIE
    k.task_changed(p)
    sig = SIGTERM if p.cap_effective & CAP_TO_MASK(CAP_SYS_RAWIO) else SIGKILL
    mm = p.mm
    k.kills += 1
    k.emit(
        ev.OomKill(
            pid=p.pid,
            comm=p.comm,
            module=module,
            reason=reason,
            points=points,
            total_vm=mm.total_vm if mm is not None else 0,
            rss=mm.rss if mm is not None else 0,
            sig=sig,
        )
    )
    k.send_sig(p, sig, sender=0, force=True)


def kill_mm_users(k: Kernel, p: Task, *, module: str) -> None:
    """The end of ``oom_kill``: kill all processes that share the ->mm (i.e. all threads).

    The seed walks the whole task list comparing ``q->mm == p->mm``; the mm's own list of
    its tasks (``Mm.tasks``, in task-list order) is the same tasks without the walk. A task
    without an mm shares "no mm" with every kernel thread and zombie: the walk, then.
    """
    mm = p.mm
    for q in k.for_each_task() if mm is None else list(mm.tasks):
        if q.mm is mm:
            oom_kill_task(k, q, module=module, reason="victim" if q is p else "thread")


@dataclass(slots=True)
class ClassicHeuristic:
    """``static unsigned long first, last, count, lastkill``: 0 when the module loads."""

    first: int = 0
    last: int = 0
    count: int = 0
    lastkill: int = 0

    def shortage(self, now: int, oom_kill: Callable[[], None]) -> bool:
        """``out_of_memory_killer`` after the swap check; True when it called ``oom_kill``.

        A failure more than 5 s after the previous one starts afresh; the first second of
        failures does not count; fewer than 10 counted failures are not OOM; within 5 s of
        the last kill the victim is given time to exit.
        """
        since = (now - self.last) & JIFFIES_MASK
        self.last = now
        if since > 5 * HZ:
            self._reset(now)
            return False
        if (now - self.first) & JIFFIES_MASK < HZ:
            return False
        self.count = (self.count + 1) & JIFFIES_MASK
        if self.count < 10:
            return False
        if (now - self.lastkill) & JIFFIES_MASK < HZ * 5:
            return False
        self.lastkill = now
        oom_kill()
        self._reset(now)
        return True

    def _reset(self, now: int) -> None:
        self.first = now
        self.count = 0

    def view(self) -> dict[str, int]:
        """The statics, for the screen's OOM heuristic meter."""
        return {
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "lastkill": self.lastkill,
        }


class ClassicKiller(KernelModule):
    """What oom_kill and oom_kill_parent share beyond the C: their own timing statics
    (0 at load) and the views the screen reads."""

    def __init__(self, kernel: KernelLike, **params: int) -> None:
        super().__init__(kernel, **params)
        self.timing = ClassicHeuristic()

    def score(self, task: Task, jiffies: int) -> int:
        """What this policy would give ``task`` now: the classic ``badness()``."""
        return badness(task, jiffies)

    def heuristic(self) -> dict[str, int]:
        """``count``, ``first``, ``last``, ``lastkill`` (jiffies), for the heuristic meter."""
        return self.timing.view()
