"""The scorer: one run measured, from the one event stream, for its score card.

A :class:`Scorer` subscribes to the kernel's event bus (``bus.subscribe(scorer)``) and is
told by the driver, through ``update(kernel)``, that a slice of simulated time has run: the
states that have no event of their own (livelock, tasks waiting for swap-in, a panic, free
memory back above ``pages_high``) are sampled there. Kills, exits, forks, reaps,
out_of_memory() calls, panics and reboots come as events. :meth:`Scorer.card` gives the
:class:`~.card.ScoreCard`.

Times are *run time*: jiffies since the run started, counted across reboots (the kernel's
own ``ticks`` starts again at each boot). The exact definitions are in docs/game.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kernel import events as ev
from ..kernel.constants import HZ
from ..modules.ranking import Ranked, Watching
from .card import ScoreCard

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Mm, Task

CULPRIT_GROWTH = 4
"""A task with no role is a culprit when the memory it holds grew by at least RAM / 4."""


def _secs(jiffies: int) -> float:
    return round(jiffies / HZ, 2)


def _held(mm: Mm) -> int:
    """Pages an address space holds: resident plus swapped out."""
    return mm.rss + mm.swap


def _reaped(mm: Mm) -> bool:
    """The OOM reaper (a later kernel's, used by some policies) freed its pages already."""
    return bool(getattr(mm, "oom_reaped", False))


@dataclass(slots=True, eq=False)
class _Victim:
    mm: Mm | None
    base_cpu: int


class _Growth(Watching):
    """The candidates of :meth:`Scorer.is_expected` by growth, one ranking per role (the
    culprits, the tasks with no role, the others), kept as the kernel tells of changes
    (:mod:`moomtui.modules.ranking`): a kill asks for two maxima, not a walk."""

    def __init__(self, scorer: Scorer) -> None:
        super().__init__(scorer.kernel)
        self.scorer = scorer
        self.boot = scorer.kernel.boot
        self.culprit = Ranked()
        self.none = Ranked()
        self.other = Ranked()
        self.group_of: dict[Task, Ranked] = {}

    def forget(self) -> None:
        for ranked in (self.culprit, self.none, self.other):
            ranked.clear()
        self.group_of.clear()

    def best(self) -> tuple[int | None, int | None]:
        """``(best_culprit, best_any)``: the most growth among the candidates that are
        culprits, and among all of them (None when there are none)."""
        kernel = self.scorer.kernel
        if kernel is not self.kernel or kernel.boot != self.boot:
            self.sleep()
            self.kernel, self.boot = kernel, kernel.boot
        if not self.awake:
            self.wake()
        if self.dirty:
            dirty, self.dirty = self.dirty, {}
            for task in dirty:
                self._place(task)
        named, unnamed, other = self.culprit.top(), self.none.top(), self.other.top()
        tops = [top[1] for top in (named, unnamed, other) if top is not None]
        best_any = max(tops) if tops else None
        culprits = [named[1]] if named is not None else []
        if unnamed is not None and unnamed[1] * CULPRIT_GROWTH >= kernel.spec.ram_pages:
            culprits.append(unnamed[1])
        return (max(culprits) if culprits else None), best_any

    def _place(self, task: Task) -> None:
        scorer = self.scorer
        group_of = self.group_of
        old = group_of.get(task)
        mm = task.mm
        if (
            task.dead
            or mm is None
            or task.pid in scorer._victims
            or scorer.kernel.tasks.get(task.pid) is not task
        ):
            if old is not None:
                del group_of[task]
                old.discard(task)
            return
        role = task.role
        ranked = self.culprit if role == "culprit" else self.none if not role else self.other
        if old is not ranked:
            if old is not None:
                old.discard(task)
            group_of[task] = ranked
        held = mm.rss + mm.swap  # scorer.growth(task), inlined
        ranked.set(task, held - scorer._baseline.setdefault(task.pid, held))

    def check(self) -> list[str]:
        if not self.awake or self.scorer.kernel is not self.kernel:
            return []
        best, plain = self.best(), self.scorer.best_by_walk()
        return [] if best == plain else [f"growth ranking gave {best}, the walk {plain}"]


class Scorer:
    """Measures one run for its :class:`ScoreCard`: subscribe it, call :meth:`update`.

    ``elapsed`` is the run time at construction (default: the kernel's ticks, i.e. the run
    started when the kernel booted).
    """

    def __init__(self, kernel: Kernel, *, elapsed: int | None = None) -> None:
        self.kernel = kernel
        self._base = (kernel.ticks if elapsed is None else elapsed) - kernel.ticks
        self.start = self.now()
        self._last_sample = self.start
        self.kills = 0
        self.work_lost = 0  # jiffies
        self.mem_recovered = 0
        self.by_role = {"culprit": 0, "innocent": 0, "protected": 0}
        self.judged = 0
        self.expected = 0
        self.livelock = 0
        self.thrashing = 0
        self.down = 0
        self.oom_calls = 0
        self.episode_start: int | None = None
        self.finished_episodes = 0  # OOM episodes that ended (free back above pages_high)
        self.longest_finished = 0  # the longest of them, in jiffies
        self.panics = 0
        self.reboots = 0
        self._victims: dict[int, _Victim] = {}
        self._held_at_kill: dict[Mm, int] = {}  # killed address spaces not yet freed
        self._baseline: dict[int, int] = {}
        self._baselines_stale = True
        self._growth = _Growth(self)
        self._handlers: dict[type[ev.Event], Callable[[Any], None]] = {
            ev.OomKill: self._on_kill,
            ev.Exit: self._on_exit,
            ev.Fork: self._on_fork,
            ev.Reap: self._on_reap,
            ev.OutOfMemory: self._on_oom,
            ev.Panic: self._on_panic,
            ev.Reboot: self._on_reboot,
        }

    # --- time ---------------------------------------------------------------------------
    def now(self) -> int:
        """Run time in jiffies (across reboots)."""
        return self._base + self.kernel.ticks

    # --- events -------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def event_handlers(self) -> dict[type[ev.Event], Callable[[Any], None]]:
        """The kinds it reads and their handlers, for the bus: nothing else reaches it."""
        return dict(self._handlers)

    def _on_kill(self, e: ev.OomKill) -> None:
        self._refresh_baselines()
        task = self.kernel.tasks.get(e.pid)
        self.kills += 1
        if task is None:
            return
        self.by_role[self.role_of(task)] += 1
        if e.reason != "thread":
            self.judged += 1
            self.expected += self.is_expected(task)
        if e.pid not in self._victims:
            self._victims[e.pid] = _Victim(task.mm, task.base_utime + task.base_stime)
            self._growth.task_changed(task)
        if task.mm is not None:
            self._held_at_kill.setdefault(task.mm, _held(task.mm))

    def _on_exit(self, e: ev.Exit) -> None:
        victim = self._victims.pop(e.pid, None)
        if victim is None:
            return
        self.work_lost += e.cpu + victim.base_cpu
        mm = victim.mm
        if mm is not None and (mm.users == 0 or _reaped(mm)) and mm in self._held_at_kill:
            self.mem_recovered += max(self._held_at_kill.pop(mm), e.rss + e.swap)

    def _credit_reaped(self) -> None:
        """An OOM reaper frees a victim's pages before (or without) its exit."""
        for mm in [mm for mm in self._held_at_kill if _reaped(mm)]:
            self.mem_recovered += self._held_at_kill.pop(mm)

    def _on_fork(self, e: ev.Fork) -> None:
        task = self.kernel.tasks.get(e.pid)
        if task is not None and task.mm is not None:
            self._baseline[e.pid] = _held(task.mm)

    def _on_reap(self, e: ev.Reap) -> None:
        self._baseline.pop(e.pid, None)

    def _on_oom(self, e: ev.OutOfMemory) -> None:
        self.oom_calls += 1
        if self.episode_start is None:
            self.episode_start = self.now()

    def _on_panic(self, e: ev.Panic) -> None:
        self.panics += 1

    def _on_reboot(self, e: ev.Reboot) -> None:
        self.reboots += 1
        self._base += self.kernel.ticks  # the new boot's ticks start again from 0
        self._forget_tasks()

    def _forget_tasks(self) -> None:
        self._victims.clear()
        self._held_at_kill.clear()
        self._baseline.clear()
        self._baselines_stale = True
        self._growth.sleep()

    # --- roles and growth ---------------------------------------------------------------
    def _refresh_baselines(self) -> None:
        """Tasks first seen now (at the start, after a reboot) start their growth from here."""
        if self._baselines_stale:
            self._baselines_stale = False
            for pid, task in self.kernel.tasks.items():
                if task.mm is not None:
                    self._baseline.setdefault(pid, _held(task.mm))

    def growth(self, task: Task) -> int:
        """Pages the task's address space holds (rss + swap) beyond what it held when first
        seen: at the start of the run, at fork, or after a reboot. 0 without an mm.

        Not total_vm: address space mapped but never touched (a preset's reserve, what fork
        copies from the parent) is not memory eaten, and a leak filling its reserve would
        not show."""
        mm = task.mm
        if mm is None:
            return 0
        return _held(mm) - self._baseline.setdefault(task.pid, _held(mm))

    def role_of(self, task: Task) -> str:
        """The task's role; with none, culprit if it grew by RAM / 4 or more, else innocent."""
        if task.role:
            return task.role
        grew = self.growth(task) * CULPRIT_GROWTH >= self.kernel.spec.ram_pages
        return "culprit" if grew else "innocent"

    def is_expected(self, victim: Task) -> bool:
        """Least surprise: is ``victim`` the task the user would have named?

        The candidates are the live tasks with an address space not already killed. If any
        candidate is a culprit, the expected victims are the culprits that grew most;
        otherwise the candidates that grew most, if any grew at all (ties are all expected).
        The maxima come from a ranking kept as the machine runs, not from a walk.
        """
        best_culprit, best_any = self._growth.best()
        grew = self.growth(victim)
        if best_culprit is not None:
            return self.role_of(victim) == "culprit" and grew >= best_culprit
        return best_any is not None and grew > 0 and grew >= best_any

    def best_by_walk(self) -> tuple[int | None, int | None]:
        """``(best_culprit, best_any)`` of :meth:`is_expected` by a walk over every task."""
        best_culprit: int | None = None
        best_any: int | None = None
        for task in self.kernel.tasks.values():
            if task.dead or task.mm is None or task.pid in self._victims:
                continue
            grew = self.growth(task)
            if best_any is None or grew > best_any:
                best_any = grew
            if self.role_of(task) == "culprit" and (best_culprit is None or grew > best_culprit):
                best_culprit = grew
        return best_culprit, best_any

    # --- sampling -----------------------------------------------------------------------
    def update(self, kernel: Kernel) -> None:
        """A slice has run: sample livelock, swap-in waits, panic and the end of an OOM episode.

        The time since the previous sample counts as livelocked (thrashing, down) when the
        machine is livelocked (has a task waiting for swap-in, is panicked) now.
        """
        if kernel is not self.kernel:
            self._base += self.kernel.ticks  # another machine from here on (``boot``)
            self.kernel = kernel
            self._forget_tasks()
        self._refresh_baselines()
        self._credit_reaped()
        now = self.now()
        dt, self._last_sample = now - self._last_sample, now
        if dt > 0:
            state = kernel.oom_state()
            if state == "livelock":
                self.livelock += dt
            # A swap-in wait makes the state "thrashing" unless it is "panic" or "livelock".
            if state == "thrashing" or (
                state in ("livelock", "panic")
                and any(t.blocked == "swapin" for t in kernel.blocked)
            ):
                self.thrashing += dt
            if kernel.panicked is not None:
                self.down += dt
        start = self.episode_start
        if start is not None and kernel.panicked is None and kernel.vm.free >= kernel.vm.pages_high:
            self.finished_episodes += 1
            self.longest_finished = max(self.longest_finished, now - start)
            self.episode_start = None

    def episode_length(self) -> int | None:
        """How long the current OOM episode has lasted, or None outside one."""
        return None if self.episode_start is None else self.now() - self.episode_start

    def longest_episode(self) -> int | None:
        current = self.episode_length()
        if current is None:
            return self.longest_finished if self.finished_episodes else None
        return max(current, self.longest_finished)

    def card(self) -> ScoreCard:
        longest = self.longest_episode()
        return ScoreCard(
            duration=_secs(self.now() - self.start),
            kills=self.kills,
            work_lost=_secs(self.work_lost),
            mem_recovered=self.mem_recovered,
            mem_per_kill=round(self.mem_recovered / self.kills, 1) if self.kills else None,
            innocent_killed=self.by_role["innocent"],
            protected_killed=self.by_role["protected"],
            culprits_killed=self.by_role["culprit"],
            judged_kills=self.judged,
            expected_kills=self.expected,
            least_surprise=round(self.expected / self.judged, 4) if self.judged else None,
            livelock=_secs(self.livelock),
            thrashing=_secs(self.thrashing),
            down=_secs(self.down),
            oom_calls=self.oom_calls,
            episodes=self.finished_episodes + (self.episode_start is not None),
            longest_episode=None if longest is None else _secs(longest),
            panics=self.panics,
            reboots=self.reboots,
        )
