"""``mm/oom_kill.c`` as David Rientjes rewrote it for 2.6.36, with the OOM reaper of 4.6.

The badness of a task is the share of memory it would give back, on a scale of 1000::

    points = (rss + swap + page tables) * 1000 / (totalram_pages + total_swap_pages)
    points -= 30                        if it has CAP_SYS_ADMIN (the 3% root bonus)
    points += oom_score_adj             (-1000..1000 from /proc/PID/oom_score_adj)
    points = 1 if points <= 0, 1000 if above

and 0 for what can never be killed: init, kernel threads, a task with no mm and a task
whose ``oom_score_adj`` is -1000 (``OOM_SCORE_ADJ_MIN``). The simulator has no page tables,
so that term is 0. ``totalram_pages`` is RAM less what the kernel reserved at boot
(``/proc/meminfo``'s MemTotal).

On each ``out_of_memory()``, in 2.6.36's order:

1. ``fatal_signal_pending(current)``: a task already killed that allocates again gets
   PF_MEMDIE (the memory reserves, to exit quickly) and nothing else happens;
2. ``vm.panic_on_oom``: any nonzero value panics (``Out of memory: system-wide
   panic_on_oom is enabled``; 2 says ``compulsory``: the simulator has no cpusets or
   mempolicies for 1 to exempt);
3. ``vm.oom_kill_allocating_task``: kill the allocating task itself if it can be killed;
4. ``select_bad_process``: the process with the most points wins (ties: the oldest); while
   an earlier victim (PF_MEMDIE) is alive and not yet reaped, do nothing — "wait for it
   to exit before killing some other task by mistake";
5. none at all: ``panic("Out of memory and no killable processes...")``.

There are no timing rules: no 5-second or 10-call heuristic, and no swap check. The victim
and every task sharing its mm get PF_MEMDIE and SIGKILL (the whole thread group), with the
log line of later kernels, at ``KERN_ERR``::

    Out of memory: Killed process 8 (hog) total-vm:12288kB, anon-rss:12000kB,
    file-rss:0kB, shmem-rss:0kB, UID:1000 oom_score_adj:0

The report before a kill (``dump_header()``, here reduced to its task table) is ratelimited,
as ``oom_kill_process()`` has it in 4.6: ``if (__ratelimit(&oom_rs)) dump_header(...)`` with
``DEFINE_RATELIMIT_STATE(oom_rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST)``: at
most 10 reports in any 5 s window, then, when a later report is allowed again,
``oom_kill_process: N callbacks suppressed`` at ``KERN_WARNING`` (``___ratelimit`` of 4.6's
``lib/ratelimit.c``, see :class:`RatelimitState`). 2.6.36 itself called
``printk_ratelimit()``, with the same interval and burst, but its window restarted only at
the next call after one ran out; the simulator follows 4.6, whose kill line it prints. The
``Killed process`` line is not ratelimited, nor is the report before a panic.

Tunables, in ``/proc/sys/vm`` while the module is loaded: ``panic_on_oom`` (0),
``oom_kill_allocating_task`` (0), ``oom_dump_tasks`` (1, 2.6.36's default: the table of
every killable process, ``[ pid ]   uid  tgid total_vm      rss swapents oom_score_adj
name``, one ``KERN_INFO`` line each, in the report before a kill or panic) and
``oom_reaper`` (1): the
simulator's switch for 4.6's OOM reaper, which frees the victim's anonymous memory and
swap at once instead of when it exits (``oom_reaper: reaped process …``), and marks its mm
so the next shortage passes the victim over instead of waiting for it.

Where 2.6 and the simulated 2.4 VM differ, the 2.6 rule wins: kswapd never calls the 2.6
OOM killer, so a call made by a kernel thread is ignored; and 2.6 calls it only when
reclaim made no progress at all, so a call with free swap slots while the swap disk has no
bandwidth left (pages are being written out: progress, in 2.6) is ignored too. Left out:
the "or sacrifice child" step of 2.6.36 (later kernels dropped it), cpusets, memory
cgroups, ``oom_adj``, and every line of ``dump_header()`` but the task table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.bootspec import boot_kernel_pages
from ..kernel.constants import (
    CAP_SYS_ADMIN,
    CAP_TO_MASK,
    HZ,
    JIFFIES_MASK,
    PAGE_SIZE,
    PF_MEMDIE,
    SIGKILL,
    SWAP_CLUSTER_MAX,
)
from ..kernel.module import KernelLike, KernelModule
from ..kernel.notifier import NotifierBlock
from ..kernel.printk import KERN_ERR, KERN_INFO, KERN_WARNING
from ..kernel.proc_pid import OOM_SCORE_ADJ_MIN
from ..kernel.sysctl import CtlEntry, IntCell, SysctlHeader
from .messages import error, info
from .ranking import Ranked, Watching
from .steps import Step

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel
    from ..kernel.mm import VM
    from ..kernel.task import Task

_CAP_SYS_ADMIN = CAP_TO_MASK(CAP_SYS_ADMIN)
_KB = PAGE_SIZE // 1024

DUMP_HEADER = "[ pid ]   uid  tgid total_vm      rss swapents oom_score_adj name"

DEFAULT_RATELIMIT_INTERVAL = 5 * HZ
DEFAULT_RATELIMIT_BURST = 10


@dataclass(slots=True)
class RatelimitState:
    """``struct ratelimit_state`` and ``___ratelimit()`` of 4.6's ``lib/ratelimit.c``.

    ``begin`` is an ``unsigned long`` of jiffies (32 bits here, as the simulated kernel's
    ``jiffies``); ``printed`` and ``missed`` are ``int``. The lock (a trylock that gives up
    under contention) has nothing to contend with in one thread.
    """

    interval: int = DEFAULT_RATELIMIT_INTERVAL
    burst: int = DEFAULT_RATELIMIT_BURST
    printed: int = 0
    missed: int = 0
    begin: int = 0

    def __call__(self, k: Kernel, func: str) -> bool:
        """``___ratelimit(rs, func)``: True means go ahead, False that the caller is
        suppressed. Prints ``"%s: %d callbacks suppressed"`` when a window ended with
        suppressed callers."""
        if not self.interval:
            return True
        jiffies = k.jiffies
        if not self.begin:
            self.begin = jiffies
        # time_is_before_jiffies(rs->begin + rs->interval): (long)(a - jiffies) < 0
        if ((self.begin + self.interval - jiffies) & JIFFIES_MASK) & 0x80000000:
            if self.missed:
                k.printk(KERN_WARNING, f"{func}: {self.missed} callbacks suppressed")
                self.missed = 0
            self.begin = jiffies
            self.printed = 0
        if self.burst and self.burst > self.printed:
            self.printed += 1
            return True
        self.missed += 1
        return False


def totalpages(k: Kernel) -> int:
    """``totalram_pages + total_swap_pages``: what badness is a share of."""
    vm = k.vm
    return vm.totalram - boot_kernel_pages(vm.totalram) + vm.swap_total


def oom_unkillable_task(p: Task) -> bool:
    """Init and the kernel threads (pid 0 too) are never chosen."""
    return p.pid <= 1 or p.is_kernel_thread


def oom_badness(p: Task, total: int) -> int:
    """2.6.36's ``oom_badness()``: 0 for the unkillable, else 1..1000 (see the module doc).

    Also 0 for a task whose mm the OOM reaper has already emptied (``MMF_OOM_SKIP``).
    """
    mm = p.mm
    if oom_unkillable_task(p) or mm is None or mm.oom_reaped:
        return 0
    if p.oom_score_adj == OOM_SCORE_ADJ_MIN:
        return 0
    points = (mm.rss + mm.swap) * 1000 // max(1, total)
    if p.cap_effective & _CAP_SYS_ADMIN:
        points -= 30
    points += p.oom_score_adj
    if points <= 0:
        return 1
    return min(points, 1000)


def oom_badness_steps(p: Task, total: int) -> list[Step]:
    """:func:`oom_badness` one statement at a time, with this task's numbers (for
    ``explain``); the last step's points are ``oom_badness(p, total)``."""
    code = "if (oom_unkillable_task(p, NULL, NULL)) return 0;"
    if p.pid <= 1:
        return [Step(code, f"pid {p.pid}: init is never chosen", 0, True)]
    if p.is_kernel_thread:
        return [Step(code, "a kernel thread is never chosen", 0, True)]
    steps = [Step(code, "not init, not a kernel thread")]
    mm = p.mm
    code = "p = find_lock_task_mm(p); if (!p) return 0;"
    if mm is None:
        return [*steps, Step(code, "no address space left (exiting)", 0, True)]
    if mm.oom_reaped:
        text = "the OOM reaper emptied its mm (MMF_OOM_SKIP): passed over"
        return [*steps, Step("if (test_bit(MMF_OOM_SKIP, &p->mm->flags)) return 0;", text, 0, True)]
    code = "if (p->signal->oom_score_adj == OOM_SCORE_ADJ_MIN) return 0;"
    if p.oom_score_adj == OOM_SCORE_ADJ_MIN:
        return [*steps, Step(code, "oom_score_adj -1000: never killed", 0, True)]
    steps.append(Step(code, f"oom_score_adj {p.oom_score_adj}, not -1000"))
    used = mm.rss + mm.swap
    points = used * 1000 // max(1, total)
    steps.append(
        Step(
            "points = (rss + swap + nr_ptes) * 1000 / totalpages;",
            f"(rss {mm.rss} + swap {mm.swap} + 0) × 1000 / {max(1, total)} pages of RAM+swap",
            points,
        )
    )
    code = "if (has_capability_noaudit(p, CAP_SYS_ADMIN)) points -= 30;"
    if p.cap_effective & _CAP_SYS_ADMIN:
        points -= 30
        steps.append(Step(code, "CAP_SYS_ADMIN: the 3 % root bonus, minus 30", points))
    else:
        steps.append(Step(code, "no CAP_SYS_ADMIN: no root bonus", points))
    points += p.oom_score_adj
    adj = p.oom_score_adj
    steps.append(Step("points += p->signal->oom_score_adj;", f"oom_score_adj {adj:+d}", points))
    if points <= 0:
        text = f"{points} is not above 0: oom_score = 1"
        return [*steps, Step("if (points <= 0) return 1;", text, 1, True)]
    final = min(points, 1000)
    text = f"capped: oom_score = {final}" if points > 1000 else f"oom_score = {points}"
    steps.append(Step("return (points < 1000) ? points : 1000;", text, final, True))
    return steps


def is_process(p: Task) -> bool:
    """``for_each_process`` visits thread group leaders only."""
    return p.thread_leader is None


class ModernRanking(Watching):
    """The processes :meth:`OomScoreAdj.select_bad_process` would score, ranked by
    ``oom_badness()``, and the earlier victims it would wait for; kept as the kernel tells
    of changes (:mod:`moomtui.modules.ranking`). ``totalpages`` changes only with
    ``swapon`` / ``swapoff``: then every process is scored again."""

    KIND = "modern"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.ranked = Ranked()
        self.waiting: dict[Task, None] = {}
        """Killable processes with PF_MEMDIE whose mm the OOM reaper has not emptied."""
        self.total = -1

    @classmethod
    def of(cls, kernel: Kernel) -> ModernRanking:
        """The kernel's modern ranking (made on first use)."""
        ranking = kernel.rankings.get(cls.KIND)
        if not isinstance(ranking, ModernRanking):
            ranking = kernel.rankings[cls.KIND] = cls(kernel)
        return ranking

    def forget(self) -> None:
        self.ranked.clear()
        self.waiting.clear()
        self.total = -1

    def select(self, total: int) -> tuple[bool, Task | None, int]:
        """What :meth:`OomScoreAdj.select_bad_process` returns, without the walk."""
        if not self.awake:
            self.wake()
        ranked = self.ranked
        if total != self.total:
            self.total = total
            self.dirty.update(dict.fromkeys(ranked.keys))
        classify = self._classify
        if self.dirty:
            dirty, self.dirty = self.dirty, {}
            for task in dirty:
                classify(task, total)
        waiting = self.waiting
        if waiting:
            for task in list(waiting):
                classify(task, total)
        keys = ranked.keys
        while not waiting and (top := ranked.top()) is not None:
            task, points = top
            classify(task, total)
            if keys.get(task) == points:
                return (False, task, points) if points > 0 else (False, None, 0)
        return (True, None, 0) if waiting else (False, None, 0)

    def _classify(self, task: Task, total: int) -> None:
        """Put ``task`` where the walk would: passed over, waited for, or scored with
        :func:`oom_badness` (inlined: a fork bomb asks this a few times per kill)."""
        mm = task.mm
        waiting = self.waiting
        if (
            task.dead
            or task.thread_leader is not None  # not is_process(task)
            or task.pid <= 1  # oom_unkillable_task(task): init …
            or mm is None  # … a kernel thread (not dead, no mm)
            or self.kernel.tasks.get(task.pid) is not task
        ):
            self.ranked.discard(task)
            if waiting:
                waiting.pop(task, None)
        elif task.flags & PF_MEMDIE:
            self.ranked.discard(task)
            if mm.oom_reaped:
                waiting.pop(task, None)
            else:
                waiting[task] = None
        else:
            if waiting:
                waiting.pop(task, None)
            adj = task.oom_score_adj
            if mm.oom_reaped or adj == OOM_SCORE_ADJ_MIN:
                points = 0
            else:
                points = (mm.rss + mm.swap) * 1000 // max(1, total)
                if task.cap_effective & _CAP_SYS_ADMIN:
                    points -= 30
                points += adj
                points = 1 if points <= 0 else min(points, 1000)
            self.ranked.set(task, points)

    def check(self) -> list[str]:
        if not self.awake:
            return []
        module = self.kernel.modules.get(OomScoreAdj.name)
        if not isinstance(module, OomScoreAdj):
            return []
        total = totalpages(self.kernel)
        ranked, plain = self.select(total), module.select_bad_process(total)
        if ranked != plain:
            return [f"modern ranking gave {ranked}, the walk {plain}"]
        return []


class OomScoreAdj(KernelModule):
    name = "oom_score_adj"
    description = """The OOM killer of Linux 2.6.36 (badness = share of RAM + swap in use,
    0..1000, plus /proc/PID/oom_score_adj; no timing heuristics) with the sysctls
    vm.panic_on_oom, vm.oom_kill_allocating_task, vm.oom_dump_tasks, and 4.6's OOM reaper
    (vm.oom_reaper)."""
    author = "David Rientjes (2.6.36 rewrite); OOM reaper: Michal Hocko (4.6)"
    size = 6144

    kernel: Kernel
    oom_nb: NotifierBlock
    sysctl_header: SysctlHeader | None

    def __init__(self, kernel: KernelLike, **params: int | str) -> None:
        super().__init__(kernel, **params)
        self.panic_on_oom = IntCell(0)
        self.oom_kill_allocating_task = IntCell(0)
        self.oom_dump_tasks = IntCell(1)
        self.oom_reaper = IntCell(1)
        self.oom_rs = RatelimitState()
        self.sysctl_header = None
        self._total_key = (-1, -1)
        self._total = 0

    # ------------------------------------------------------------------ the killer
    def _totalpages(self, vm: VM) -> int:
        """:func:`totalpages`, worked out again only when RAM or swap changed size."""
        key = (vm.totalram, vm.swap_total)
        if key != self._total_key:
            self._total_key = key
            self._total = totalpages(self.kernel)
        return self._total

    def score(self, task: Task, jiffies: int) -> int:
        """What this policy would give ``task`` now: 2.6.36's ``oom_badness()``."""
        return oom_badness(task, totalpages(self.kernel))

    def out_of_memory_killer(self) -> None:
        """2.6.36's ``out_of_memory()`` past its notifier call: whether and whom to kill (see
        the module docstring). Named like the seed's handlers, which the chain calls too."""
        k = self.kernel
        current = k.oom.current
        if current is None or current.dead or current.mm is None:  # … or a kernel thread
            return
        vm = k.vm
        swap_free = vm.swap_total - vm.swap_used  # nr_swap_pages
        if swap_free > 0 and vm.disk_pages_available() < min(SWAP_CLUSTER_MAX, swap_free):
            return
        if SIGKILL in current.sigpending:
            current.flags |= PF_MEMDIE
            k.task_changed(current)
            return
        total = self._totalpages(vm)
        if self.panic_on_oom.value:
            self.dump_tasks(total)
            how = "compulsory" if self.panic_on_oom.value == 2 else "system-wide"
            k.panic(f"Out of memory: {how} panic_on_oom is enabled\n")
        if (
            self.oom_kill_allocating_task.value
            and not oom_unkillable_task(current)
            and current.mm is not None
            and current.oom_score_adj != OOM_SCORE_ADJ_MIN
        ):
            message = "Out of memory (oom_kill_allocating_task)"
            self.oom_kill_process(current, oom_badness(current, total), total, message)
            return
        waiting, p, points = ModernRanking.of(k).select(total)
        if waiting:
            return
        if p is None:
            self.dump_tasks(total)
            k.panic("Out of memory and no killable processes...\n")
        self.oom_kill_process(p, points, total, "Out of memory")

    def select_bad_process(self, total: int) -> tuple[bool, Task | None, int]:
        """``(waiting, chosen, points)``: ``waiting`` when an earlier victim is still alive.

        Strictly more points wins, so ties go to the oldest process. The plain walk: the
        killer asks :class:`ModernRanking`, which gives the same answer without it.
        """
        chosen: Task | None = None
        maxpoints = 0
        for p in self.kernel.for_each_task():
            if p.dead or not is_process(p) or oom_unkillable_task(p):
                continue
            if p.flags & PF_MEMDIE:
                if p.mm is not None and p.mm.oom_reaped:
                    continue
                return True, None, 0
            points = oom_badness(p, total)
            if points > maxpoints:
                chosen, maxpoints = p, points
        return False, chosen, maxpoints

    def oom_kill_process(self, victim: Task, points: int, total: int, message: str) -> None:
        """Report (ratelimited), then SIGKILL ``victim`` and every task sharing its mm; reap
        if enabled."""
        k = self.kernel
        mm = victim.mm
        assert mm is not None
        if self.oom_rs(k, "oom_kill_process"):
            self.dump_tasks(total)
        k.printk(
            KERN_ERR,
            f"{message}: Killed process {victim.pid} ({victim.comm}) "
            f"total-vm:{mm.total_vm * _KB}kB, anon-rss:{mm.rss * _KB}kB, file-rss:0kB, "
            f"shmem-rss:0kB, UID:{victim.uid} oom_score_adj:{victim.oom_score_adj}",
        )
        for q in list(mm.tasks):  # every task sharing the mm, in task-list order
            if q.mm is mm and not q.dead:
                self._kill(q, points, "victim" if q is victim else "thread")
        if self.oom_reaper.value:
            self.oom_reap(victim)

    def _kill(self, q: Task, points: int, reason: str) -> None:
        k = self.kernel
        mm = q.mm
        assert mm is not None
        q.flags |= PF_MEMDIE
        k.task_changed(q)
        k.kills += 1
        k.emit(
            ev.OomKill(
                pid=q.pid,
                comm=q.comm,
                module=self.name,
                reason=reason,
                points=points,
                total_vm=mm.total_vm,
                rss=mm.rss,
                sig=SIGKILL,
            )
        )
        k.send_sig(q, SIGKILL, sender=0, force=True)

    def oom_reap(self, victim: Task) -> None:
        """``oom_reap_task``: give the victim's anonymous memory and swap back now."""
        k = self.kernel
        k.oom_reap(victim)
        mm = victim.mm
        if mm is not None and mm.oom_reaped:
            k.printk(
                KERN_INFO,
                f"oom_reaper: reaped process {victim.pid} ({victim.comm}), "
                f"now anon-rss:{mm.rss * _KB}kB, file-rss:0kB, shmem-rss:0kB",
            )

    def dump_tasks(self, total: int) -> None:
        """``vm.oom_dump_tasks``: every process that could be killed, its memory in pages."""
        if not self.oom_dump_tasks.value:
            return
        k = self.kernel
        k.printk(KERN_INFO, DUMP_HEADER)
        for p in k.for_each_task():
            mm = p.mm
            if p.dead or mm is None or not is_process(p) or oom_unkillable_task(p):
                continue
            k.printk(
                KERN_INFO,
                f"[{p.pid:5d}] {p.uid:5d} {p.pid:5d} {mm.total_vm:8d} {mm.rss:8d} "
                f"{mm.swap:8d}         {p.oom_score_adj:5d} {p.comm}",
            )

    def oom_notify(self, s: NotifierBlock, v: int, d: object) -> int:
        self.out_of_memory_killer()
        return 0

    # ------------------------------------------------------------------ load / unload
    def init(self) -> int:
        k = self.kernel
        info(k, "Installing oom_score_adj handler")
        self.oom_nb = NotifierBlock(notifier_call=self.oom_notify, priority=0, name=self.name)
        err = k.oom.register_oom_notifier(self.oom_nb)
        if err:
            error(k, "Error installing oom_score_adj handler!")
            return err
        self.sysctl_header = k.sysctl.register_sysctl_table(
            "vm",
            [
                CtlEntry("panic_on_oom", self.panic_on_oom),
                CtlEntry("oom_kill_allocating_task", self.oom_kill_allocating_task),
                CtlEntry("oom_dump_tasks", self.oom_dump_tasks),
                CtlEntry("oom_reaper", self.oom_reaper),
            ],
        )
        return 0

    def exit(self) -> None:
        if self.sysctl_header is not None:
            self.kernel.sysctl.unregister_sysctl_table(self.sysctl_header)
        self.kernel.oom.unregister_oom_notifier(self.oom_nb)
        info(self.kernel, "Unregistered oom_score_adj handler")
