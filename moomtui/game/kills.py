"""Why each victim: the kills of a game, each explained in its policy's own terms.

A :class:`KillLog` subscribes to the event bus. At each ``OomKill`` event — emitted while
the killing policy acts, so the machine is as the policy saw it — it writes down who died,
which policy chose it and why: the victim's score against the runner-up's, computed with
the same policy's ``score()`` over the other candidates (``badness()`` for the classic
killers, 2.6.36's ``oom_score`` for ``oom_score_adj``, earlyoom's score with its
``prefer``/``avoid``), with the victim's own figures in the terms of that score; or, for a
kill no score decided, the rule that did (the allocating task, a thread sharing the
victim's memory, the parent of too many killed children).

Only the first :data:`MAX_EXPLAINED` kills of a game are explained one by one (scoring every
task at each kill is the cost of an explanation, and a fork bomb under ``oom_score_adj``
dies thousands of times a minute); the rest are counted by task name, policy and reason.
No Textual and no Rich: the report screen draws :meth:`KillLog.lines`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kernel import events as ev
from ..kernel.constants import CAP_SYS_ADMIN, CAP_SYS_RAWIO, CAP_TO_MASK, HZ, PF_MEMDIE
from ..kernel.units import format_size

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

MAX_EXPLAINED = 50
"""Kills explained one by one in a game; the rest are counted."""

CLASSIC = ("oom_kill", "oom_kill_parent")
"""The policies whose score is 2.4's ``badness()``."""

Score = Callable[["Task", int], int]


@dataclass(frozen=True, slots=True)
class KillExplanation:
    """One kill: when (run time, jiffies), who, which policy, and why."""

    at: int
    pid: int
    comm: str
    module: str
    reason: str
    why: str

    def line(self) -> str:
        """``38.9 s  mysqld (pid 8) by oom_kill: badness 341, the highest; …``."""
        return f"{self.at / HZ:6.1f} s  {self.comm} (pid {self.pid}) by {self.module}: {self.why}"


def _duration(jiffies: int) -> str:
    seconds = jiffies // HZ
    if seconds < 60:
        return f"{jiffies / HZ:.1f} s"
    hours, rest = divmod(seconds // 60, 60)
    return f"{hours}:{rest:02d} h" if hours else f"{rest} min"


def _factors(task: Task, kernel: Kernel, module: str) -> str:
    """The victim's figures, in the terms of its policy's score."""
    mm = task.mm
    size = format_size(mm.total_vm) if mm is not None else "0"
    if module in CLASSIC:
        parts = [
            f"total_vm {size}",
            f"CPU {_duration(task.utime + task.stime)}",
            f"running {_duration(kernel.jiffies - task.start_time)}",
        ]
        if task.nice > 0:
            parts.append(f"niced {task.nice}: ×2")
        caps = task.cap_effective
        if caps & CAP_TO_MASK(CAP_SYS_ADMIN) or task.uid == 0 or task.euid == 0:
            parts.append("root: ÷4")
        if caps & CAP_TO_MASK(CAP_SYS_RAWIO):
            parts.append("CAP_SYS_RAWIO: ÷4")
        return ", ".join(parts)
    held = format_size(mm.rss + mm.swap) if mm is not None else "0"
    adj = f", oom_score_adj {task.oom_score_adj:+d}" if task.oom_score_adj else ""
    return f"rss+swap {held}{adj}"


def _score_name(module: str) -> str:
    if module in CLASSIC:
        return "badness"
    if module == "oom_score_adj":
        return "oom_score"
    return "score"


class KillLog:
    """The kills of one game, explained; subscribe it to the kernel's bus.

    ``kernel`` gives the machine that runs now (a reboot makes a new one); ``now`` the
    game's run time in jiffies.
    """

    def __init__(self, kernel: Callable[[], Kernel], now: Callable[[], int]) -> None:
        self._kernel = kernel
        self._now = now
        self.explained: list[KillExplanation] = []
        self.rest: Counter[tuple[str, str, str]] = Counter()
        self.total = 0
        self._victim: dict[str, tuple[int, str]] = {}  # module -> its last victim

    def unbind(self) -> tuple[Callable[[], Kernel], Callable[[], int]]:
        """Let go of the machine and the clock (a checkpoint pickles this log without
        them, :mod:`moomtui.game.checkpoint`); :meth:`rebind` gives them back."""
        binding = (self._kernel, self._now)
        self._kernel = self._now = None  # type: ignore[assignment]
        return binding

    def rebind(self, kernel: Callable[[], Kernel], now: Callable[[], int]) -> None:
        """Read the machine and the run time from elsewhere: a replay's log handed over
        to the game that rewound (:meth:`moomtui.game.play.Game.rewind`)."""
        self._kernel = kernel
        self._now = now

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.OomKill):
            self._on_kill(event)

    def event_handlers(self) -> dict[type[ev.Event], Callable[[Any], None]]:
        """The kinds it reads, for the bus (:class:`~moomtui.kernel.events.EventBus`)."""
        return {ev.OomKill: self._on_kill}

    def _on_kill(self, e: ev.OomKill) -> None:
        self.total += 1
        if e.reason == "victim":
            self._victim[e.module] = (e.pid, e.comm)
        if len(self.explained) >= MAX_EXPLAINED:
            self.rest[e.comm, e.module, e.reason] += 1
            return
        kernel = self._kernel()
        why = self._why(kernel, e)
        self.explained.append(KillExplanation(self._now(), e.pid, e.comm, e.module, e.reason, why))

    def _why(self, kernel: Kernel, e: ev.OomKill) -> str:
        task = kernel.tasks.get(e.pid)
        if e.reason == "thread":
            pid, comm = self._victim.get(e.module, (0, "?"))
            return (
                f"shares the address space of its victim {comm} (pid {pid}): threads die together"
            )
        if e.reason == "parent":
            return (
                "its strikes reached oom_parent_max (one for each child killed after its "
                "first, each within oom_parent_expire of the last): the parent that keeps "
                "producing bad children goes"
            )
        if e.module == "oom_kill_allocating":
            return (
                "its allocation found no memory: this policy chooses nobody, the task "
                "that faulted dies"
            )
        module = kernel.modules.get(e.module)
        score: Score | None = getattr(module, "score", None) if module is not None else None
        name = _score_name(e.module)
        factors = f" ({_factors(task, kernel, e.module)})" if task is not None else ""
        if not callable(score):
            return f"{name} {e.points}{factors}"
        runner = self._runner_up(kernel, score, e.pid)
        if runner is None:
            return f"{name} {e.points}{factors}, the only candidate"
        other, points = runner
        if e.points > points:
            margin = "the highest"
        elif e.points == points:
            tie = "the larger RSS" if e.module == "earlyoom" else "the oldest"
            margin = f"tied, {tie} wins"
        else:
            margin = "below the runner-up at this moment"
        return (
            f"{name} {e.points}{factors}, {margin}; next: {other.comm} (pid {other.pid}) {points}"
        )

    @staticmethod
    def _runner_up(kernel: Kernel, score: Score, victim: int) -> tuple[Task, int] | None:
        """The candidate the policy scores highest after the victim and its threads (ties:
        the oldest)."""
        best: tuple[Task, int] | None = None
        jiffies = kernel.jiffies
        victim_task = kernel.tasks.get(victim)
        victim_mm = victim_task.mm if victim_task is not None else None
        for task in kernel.tasks.values():
            if task.pid in (0, victim) or task.mm is None or task.mm is victim_mm or task.dead:
                continue
            if task.flags & PF_MEMDIE:
                continue
            points = score(task, jiffies)
            if points > 0 and (best is None or points > best[1]):
                best = (task, points)
        return best

    def lines(self) -> list[str]:
        """Every kill: one line each for the explained, one per group for the rest."""
        out = [k.line() for k in self.explained]
        for (comm, module, reason), n in self.rest.most_common():
            what = "victims" if reason == "victim" else f"{reason} kills"
            out.append(f"   … and {n} more {what}: {comm} by {module}, each chosen the same way")
        return out
