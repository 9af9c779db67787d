"""Goals and the score card: how well a run went, read from the one event stream.

The 2003 patch's ``badness()`` comment names what a good OOM kill is::

    1) we lose the minimum amount of work done
    2) we recover a large amount of memory
    3) we don't kill anything innocent of eating tons of memory
    4) we want to kill the minimum amount of processes (one)
    5) we try to kill the process the user expects us to kill, this
       algorithm has been meticulously tuned to meet the principle
       of least surprise ... (be careful when you change it)

A :class:`Scorer` measures a run against those five, plus the time the machine spent
livelocked, thrashing or down (panicked), its panics and reboots, and gives a
:class:`ScoreCard`. A
:class:`GoalTracker` adds the preset's ``[goals]`` (survive, no_panic, protect, max_kills,
recover_within), each live as pending, met or lost with a one-line explanation.

Both subscribe to the kernel's event bus (``bus.subscribe(tracker)``) and are told by the
driver, through ``update(kernel)``, that a slice of simulated time has run: the states that
have no event of their own (livelock, tasks waiting for swap-in, a panic, free memory back
above ``pages_high``) are sampled there. :class:`Tracked` wraps a simulation so that it is
sampled every ``SAMPLE`` jiffies of run time (and at the goals' deadline) whatever the
caller's step: the score of a run does not depend on how it was sliced. Headless runs and
``moomtui compare`` use it; it is a ``Steppable`` for the screen's clock driver too.

Times are *run time*: jiffies since the run started, counted across reboots (the kernel's
own ``ticks`` starts again at each boot). The exact definitions are in docs/game.md.

No Textual here; Rich is imported only inside :meth:`ScoreCard.render_rich`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .kernel import events as ev
from .kernel.constants import HZ, SIGNAL_NAMES
from .kernel.units import format_duration, format_size

if TYPE_CHECKING:
    from rich.table import Table

    from .kernel import Kernel
    from .kernel.task import Mm, Task
    from .presets import Scenario
    from .sim import Simulation

SAMPLE = HZ // 10
"""Run time between two samples of the machine's state (livelock, thrashing, recovery)."""

CULPRIT_GROWTH = 4
"""A task with no role is a culprit when the memory it holds grew by at least RAM / 4."""

PENDING, MET, LOST = "pending", "met", "lost"
GOALS = ("survive", "no_panic", "protect", "max_kills", "recover_within")
"""The goal types, in the order they are shown."""


def _secs(jiffies: int) -> float:
    return round(jiffies / HZ, 2)


def _at(jiffies: int) -> str:
    return f"{jiffies / HZ:.1f} s"


# ============================================================================ the score card
@dataclass(frozen=True, slots=True)
class Criterion:
    """One column of the score card as ``moomtui compare`` shows it."""

    key: str
    title: str
    better: str  # "low" or "high"
    fmt: Callable[[float], str]


def _fmt_secs(v: float) -> str:
    return f"{v:.1f}s"


def _fmt_count(v: float) -> str:
    return f"{v:g}"


def _fmt_pages(v: float) -> str:
    return format_size(round(v))


def _fmt_share(v: float) -> str:
    return f"{v * 100:.0f}%"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("work_lost", "work lost", "low", _fmt_secs),
    Criterion("mem_per_kill", "mem/kill", "high", _fmt_pages),
    Criterion("innocent_killed", "innocents", "low", _fmt_count),
    Criterion("protected_killed", "protected", "low", _fmt_count),
    Criterion("kills", "kills", "low", _fmt_count),
    Criterion("least_surprise", "expected", "high", _fmt_share),
    Criterion("livelock", "livelock", "low", _fmt_secs),
    Criterion("thrashing", "thrashing", "low", _fmt_secs),
    Criterion("down", "down", "low", _fmt_secs),
    Criterion("panics", "panics", "low", _fmt_count),
    Criterion("reboots", "reboots", "low", _fmt_count),
)
"""The criteria ``moomtui compare`` ranks configurations on, in the order of the seed's goals."""


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """A run rated on the seed's five criteria; times in seconds, memory in pages.

    ``mem_per_kill`` and ``least_surprise`` are None when nothing was killed (or judged);
    ``longest_episode`` is None when out_of_memory() was never called.
    """

    duration: float
    kills: int
    work_lost: float
    mem_recovered: int
    mem_per_kill: float | None
    innocent_killed: int
    protected_killed: int
    culprits_killed: int
    judged_kills: int
    expected_kills: int
    least_surprise: float | None
    livelock: float
    thrashing: float
    down: float
    oom_calls: int
    episodes: int
    longest_episode: float | None
    panics: int
    reboots: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data, the same for the same run."""
        return asdict(self)

    def rows(self) -> list[tuple[str, str, str]]:
        """(criterion, value, how it is measured) for each line of the card."""
        kills = self.kills
        per_kill = "-" if self.mem_per_kill is None else format_size(round(self.mem_per_kill))
        surprise = (
            "-"
            if self.least_surprise is None
            else f"{self.expected_kills} of {self.judged_kills} ({self.least_surprise * 100:.0f}%)"
        )
        longest = "-" if self.longest_episode is None else f"{self.longest_episode:.1f}s"
        return [
            ("1 work lost", f"{self.work_lost:.1f} CPU s", "total CPU time of the killed tasks"),
            (
                "2 memory recovered",
                f"{format_size(self.mem_recovered)}, {per_kill}/kill",
                "rss+swap freed when killed tasks exited",
            ),
            (
                "3 innocents killed",
                f"{self.innocent_killed} innocent, {self.protected_killed} protected",
                f"{self.culprits_killed} culprit{'s' * (self.culprits_killed != 1)} killed",
            ),
            ("4 kills", str(kills), "tasks an OOM policy signalled"),
            ("5 least surprise", surprise, "kills that hit the biggest grower"),
            (
                "livelocked",
                f"{self.livelock:.1f}s",
                f"thrashing {self.thrashing:.1f}s (tasks waiting for swap-in)",
            ),
            (
                "out_of_memory()",
                f"{self.oom_calls} call{'s' * (self.oom_calls != 1)}",
                f"{self.episodes} episode{'s' * (self.episodes != 1)}, longest {longest}",
            ),
            (
                "panics",
                str(self.panics),
                f"reboots {self.reboots}, down {self.down:.1f}s (panicked)",
            ),
        ]

    def render_text(self) -> str:
        """A plain table for ``moomtui run``'s summary."""
        rows = self.rows()
        w1 = max(len(r[0]) for r in rows)
        w2 = max(len(r[1]) for r in rows)
        lines = [f"score card ({self.duration:.1f} s; the seed's five goals of a good kill)"]
        lines += [f"  {a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
        return "\n".join(lines) + "\n"

    def render_rich(self) -> Table:
        """A :class:`rich.table.Table` for the screen's report."""
        from rich.table import Table

        table = Table(title="score card", title_justify="left", expand=False)
        table.add_column("criterion", style="bold")
        table.add_column("value", justify="right")
        table.add_column("how", style="dim")
        for row in self.rows():
            table.add_row(*row)
        return table


# ============================================================================ the scorer
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
        """
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
        grew = self.growth(victim)
        if best_culprit is not None:
            return self.role_of(victim) == "culprit" and grew >= best_culprit
        return best_any is not None and grew > 0 and grew >= best_any

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
            if kernel.oom_state() == "livelock":
                self.livelock += dt
            if any(t.blocked == "swapin" for t in kernel.blocked_tasks()):
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


# ============================================================================ goals
@dataclass(slots=True)
class GoalState:
    """One goal's live state: ``pending``, ``met`` or ``lost``, and a one-line why."""

    goal: str
    target: Any
    state: str = PENDING
    detail: str = ""
    at: int | None = None  # run time (jiffies) at which it was met or lost

    @property
    def label(self) -> str:
        t = self.target
        if self.goal == "survive":
            return f"survive {format_duration(t)}"
        if self.goal == "no_panic":
            return "no panic" if t else "panic allowed"
        if self.goal == "protect":
            return f"protect {', '.join(t)}"
        if self.goal == "max_kills":
            return f"at most {t} kill{'s' * (t != 1)}"
        return f"recover within {format_duration(t)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "target": list(self.target) if isinstance(self.target, list) else self.target,
            "state": self.state,
            "detail": self.detail,
            "at": self.at,
        }


@dataclass(slots=True)
class _Decided:
    state: str
    detail: str
    at: int


class GoalTracker:
    """The preset's goals, live; also keeps the run's :class:`Scorer` (``.scorer``).

    Subscribe it to the kernel's bus and call :meth:`update` after each slice (or drive
    the run through :class:`Tracked`, which does both at fixed sample points). Time is up
    at ``goals.survive`` if the preset sets it, else at the scenario's ``length``.
    """

    def __init__(self, scenario: Scenario, kernel: Kernel, *, elapsed: int | None = None) -> None:
        self.scenario = scenario
        self.targets: dict[str, Any] = {g: scenario.goals[g] for g in GOALS if g in scenario.goals}
        self.time_limit: int = self.targets.get("survive", scenario.length)
        self.scorer = Scorer(kernel, elapsed=elapsed)
        self._decided: dict[str, _Decided] = {}
        self.time_up = False
        self._protect = set(self.targets.get("protect", ()))

    @property
    def kernel(self) -> Kernel:
        return self.scorer.kernel

    def now(self) -> int:
        return self.scorer.now()

    # --- events -------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        self.scorer(event)
        if isinstance(event, ev.OomKill):
            self._on_kill(event)
        elif isinstance(event, ev.Exit):
            if event.signal and event.comm in self._protect:
                sig = "SIG" + SIGNAL_NAMES.get(event.signal, str(event.signal))
                self._lose(
                    "protect", f"{event.comm} (pid {event.pid}) died of {sig} at {_at(self.now())}"
                )
        elif isinstance(event, ev.Panic):
            why = f"panic at {_at(self.now())}: {event.message}"
            self._lose("no_panic", why)
            self._lose("survive", why)
        elif isinstance(event, ev.OutOfMemory):
            self._check_recovery()

    def _on_kill(self, e: ev.OomKill) -> None:
        if e.comm in self._protect:
            self._lose(
                "protect",
                f"{e.comm} (pid {e.pid}) killed by {e.module} at {_at(self.now())}",
            )
        limit = self.targets.get("max_kills")
        if limit is not None and self.scorer.kills > limit:
            self._lose(
                "max_kills",
                f"kill {self.scorer.kills} at {_at(self.now())}: {e.comm} (pid {e.pid}) "
                f"by {e.module}",
            )

    def _lose(self, goal: str, detail: str) -> None:
        if goal in self.targets and goal not in self._decided:
            if goal == "no_panic" and not self.targets[goal]:
                return
            self._decided[goal] = _Decided(LOST, detail, self.now())

    def _check_recovery(self) -> None:
        limit = self.targets.get("recover_within")
        if limit is None or "recover_within" in self._decided:
            return
        s = self.scorer
        current = s.episode_length()
        if current is not None and current > limit:
            assert s.episode_start is not None
            start = f"from {_at(s.episode_start)} "
        elif s.longest_finished > limit:
            start = ""
        else:
            return
        self._lose("recover_within", f"an OOM episode {start}lasted over {format_duration(limit)}")

    # --- sampling -----------------------------------------------------------------------
    def update(self, kernel: Kernel) -> None:
        """A slice has run: sample the machine, check deadlines, and end the game in time."""
        self.scorer.update(kernel)
        self._check_recovery()
        now = self.now()
        if not self.time_up and now >= self.time_limit:
            self.time_up = True
            if "survive" in self.targets and "survive" not in self._decided:
                if kernel.panicked is not None:
                    self._lose("survive", f"panicked at {_at(now)}")
                elif kernel.oom_state() == "livelock":
                    self._lose("survive", f"livelocked at {_at(now)}")
                else:
                    self._decided["survive"] = _Decided(
                        MET, f"up {_at(now)}, running, not livelocked", now
                    )
            for goal in self.targets:
                if goal not in self._decided:
                    self._decided[goal] = _Decided(MET, self._pending_detail(goal), now)

    def next_check(self) -> int | None:
        """Run time of the next deadline :meth:`update` must see (the time limit), if any."""
        return None if self.time_up else self.time_limit

    # --- the state ----------------------------------------------------------------------
    @property
    def goals(self) -> list[GoalState]:
        """Every goal of the preset, in :data:`GOALS` order, with its state now."""
        out = []
        for goal, target in self.targets.items():
            d = self._decided.get(goal)
            if d is None:
                out.append(GoalState(goal, target, PENDING, self._pending_detail(goal)))
            else:
                out.append(GoalState(goal, target, d.state, d.detail, d.at))
        return out

    @property
    def lost(self) -> bool:
        return any(d.state == LOST for d in self._decided.values())

    @property
    def over(self) -> bool:
        """Time is up or a goal is lost."""
        return self.time_up or self.lost

    @property
    def won(self) -> bool:
        """There are goals and every one is met."""
        return bool(self.targets) and all(
            goal in self._decided and self._decided[goal].state == MET for goal in self.targets
        )

    def card(self) -> ScoreCard:
        return self.scorer.card()

    def to_dict(self) -> dict[str, Any]:
        return {
            "over": self.over,
            "won": self.won,
            "list": [g.to_dict() for g in self.goals],
        }

    def render_text(self) -> str:
        if not self.targets:
            return "goals: none (a sandbox)\n"
        verdict = "won" if self.won else "lost" if self.lost else "over" if self.over else "on"
        lines = [f"goals ({verdict}):"]
        for g in self.goals:
            lines.append(f"  {g.state:<7}  {g.label}: {g.detail}")
        return "\n".join(lines) + "\n"

    def _pending_detail(self, goal: str) -> str:
        s = self.scorer
        now = self.now()
        target = self.targets[goal]
        if goal == "survive":
            return f"up {_at(now)} of {_at(target)}"
        if goal == "no_panic":
            return "no panic" if s.panics == 0 else f"{s.panics} panics"
        if goal == "protect":
            return f"{', '.join(target)}: not killed"
        if goal == "max_kills":
            return f"{s.kills} of at most {target}"
        current = s.episode_length()
        if current is not None:
            return f"OOM episode for {_at(current)} (limit {format_duration(target)})"
        longest = s.longest_episode()
        if longest is None:
            return "no OOM episode"
        n = s.finished_episodes
        return f"{n} OOM episode{'s' * (n != 1)}, longest {_at(longest)}"


# ============================================================================ driving
@dataclass(slots=True)
class Tracked:
    """A :class:`~moomtui.sim.Simulation` whose ``run_for`` feeds a tracker at fixed points.

    It stops every :data:`SAMPLE` jiffies of run time (on a grid from the run's start)
    and at the tracker's deadline, and calls ``tracker.update`` there, so the score does not
    depend on how the caller slices time. Usable as the screen driver's ``Steppable``.

    Run time counts from ``origin``, the simulation's ``elapsed`` when this run started: a
    run started later on the same simulation (a replay, another preset on the screen)
    scores exactly as the same preset run headless from the start.
    """

    sim: Simulation
    tracker: GoalTracker | Scorer
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    origin: int = 0

    @classmethod
    def start(cls, sim: Simulation, scenario: Scenario | None = None) -> Tracked:
        """Subscribe a new :class:`GoalTracker` for ``scenario`` (default: the sim's),
        its run starting now."""
        tracker = GoalTracker(scenario or sim.scenario, sim.kernel, elapsed=0)
        unsubscribe = sim.kernel.bus.subscribe(tracker)
        return cls(sim, tracker, unsubscribe, origin=sim.elapsed)

    @property
    def ticks(self) -> int:
        return self.sim.ticks

    @property
    def elapsed(self) -> int:
        """Run time of this tracked run."""
        return self.sim.elapsed - self.origin

    def run_for(self, n: int) -> None:
        sim, tracker = self.sim, self.tracker
        end = self.elapsed + n
        if n <= 0:
            sim.run_for(0)
            return
        while (now := self.elapsed) < end:
            stop = min(end, (now // SAMPLE + 1) * SAMPLE)
            deadline = tracker.next_check() if isinstance(tracker, GoalTracker) else None
            if deadline is not None and now < deadline < stop:
                stop = deadline
            sim.run_for(stop - now)
            now = self.elapsed
            if now % SAMPLE == 0 or now == deadline:
                tracker.update(sim.kernel)

    def finish(self) -> None:
        """Take a last sample where the run stopped (if that is not a sample point)."""
        tracker = self.tracker
        if tracker.now() % SAMPLE or tracker.now() == 0:
            tracker.update(self.sim.kernel)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
