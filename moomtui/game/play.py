"""The game as the screen plays it: the preset's goals, live, and the run ending with them.

The screen's clock driver paces a :class:`Game`, not the bare simulation. A game is one
:class:`~.tracking.Tracked` run with a fresh :class:`~.goals.GoalTracker`: it
samples the score every 0.1 s of run time, as a headless run does, and stops the machine
once the game is over (a goal lost or time up) until the player chooses what next. Going on
in *sandbox* mode lets the machine run again with the goals no longer ending it.

A new machine (``boot NAME``, the preset picker, a replay) is a new game; a reboot of the
same machine (after a panic, or ``reboot``) is part of the same game, and the tracker
counts it. A new game with goals starts *held*: it does not run until the player has read
its briefing (:meth:`Game.begin`); :attr:`Game.number` counts the games, so the screen can
tell a new one from the last. The game's :class:`~.kills.KillLog` explains each kill for
the report. No Textual and no Rich here: the screen (:mod:`moomtui.tui.components.report`,
:mod:`moomtui.tui.components.briefing` and the header) draws what this gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..kernel.constants import HZ
from .card import ScoreCard
from .checkpoint import Checkpoints
from .goals import LOST, MET, PENDING, GoalState, GoalTracker
from .kills import KillLog
from .nonevents import PolicyWatch
from .rewind import Replay, describe, message, rewind
from .scores import ScoreResult
from .tracking import SAMPLE, Tracked

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.events import EventBus
    from ..sim import Simulation

MARKS = {PENDING: "●", MET: "✓", LOST: "✗"}
"""How the header and the report mark a goal's state."""


@dataclass(frozen=True, slots=True)
class Report:
    """What the report screen shows: the outcome, the goals, the score, the kills and the
    score card."""

    preset: str
    outcome: str  # "won", "lost" or "on" (the game goes on, or a preset without goals)
    headline: str
    goals: list[GoalState]
    card: ScoreCard
    ended: bool  # the game is over and waits for the player's choice
    score: ScoreResult | None = None
    kills: tuple[str, ...] = ()  # one line per kill (or group of kills), explained
    policies: tuple[str, ...] = ()  # one line per policy: why it did or did not act


class Game:
    """One game on the screen's simulation; a ``Steppable`` for the clock driver."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.sandbox = False
        self.number = 0
        """How many games have started on this simulation (the first is 1)."""
        self.held = False
        """A new game waits for :meth:`begin` (the player read the briefing)."""
        self._kernel: Kernel | None = None
        self._unsubscribe_kills: Callable[[], None] | None = None
        self._unsubscribe_policies: Callable[[], None] | None = None
        self.kills: KillLog
        self.tracked = self._start()
        self.last_replay: Replay | None = None
        """The last rewind's replay (what it took), if any."""
        self.checkpoints = Checkpoints()
        """The run's checkpoints, which bound what a rewind replays (:mod:`.checkpoint`)."""
        self.outside: list[object] = []
        """Watchers of the machine that are not part of it (the screen's): left out of
        the checkpoints."""
        sim.session.on_rewind = self.rewind

    # --- the game's lifetime ------------------------------------------------------------
    def _start(self) -> Tracked:
        self._kernel = self.sim.kernel
        self.number += 1
        self.rewound = False
        """Whether this game went back in time: a rewound game's score is not kept as a
        best (:meth:`score_to_keep`)."""
        self.kills = KillLog(lambda: self.sim.kernel, lambda: self.tracker.now())
        self._unsubscribe_kills = self.sim.kernel.bus.subscribe(self.kills)
        self.policies = PolicyWatch()
        self._unsubscribe_policies = self.sim.kernel.bus.subscribe(
            self.policies, kinds=PolicyWatch.KINDS
        )
        tracked = Tracked.start(self.sim)
        self.held = (
            bool(tracked.tracker.targets) if isinstance(tracked.tracker, GoalTracker) else False
        )
        return tracked

    def _stop(self) -> None:
        self.tracked.close()
        if self._unsubscribe_kills is not None:
            self._unsubscribe_kills()
            self._unsubscribe_kills = None
        if self._unsubscribe_policies is not None:
            self._unsubscribe_policies()
            self._unsubscribe_policies = None

    def begin(self) -> None:
        """The player has read the briefing: the game may run."""
        self.held = False

    def restart(self) -> None:
        """A new game on the machine the simulation runs now (goals on again)."""
        self._stop()
        self.sandbox = False
        self.tracked = self._start()
        self.checkpoints.clear()

    def sync(self) -> bool:
        """Start a new game if the simulation booted another machine; True if it did."""
        if self.sim.kernel is self._kernel:
            return False
        self.restart()
        return True

    def replay(self) -> None:
        """Boot the same scenario again, with the same seed, and play it from the start."""
        self.sim.boot(self.sim.scenario, seed=self.sim.kernel.spec.seed)
        self.restart()

    def close(self) -> None:
        self._stop()

    def rewind(self, back: int | None) -> str:
        """``rewind``: take the run ``back`` jiffies back (:mod:`.rewind`), the goals, the
        score and the kills explained as they were then; None tells how far it can go. A
        game lost or won later than that moment is on again (sandbox mode ends with it)."""
        sim = self.sim
        if back is None:
            return describe(sim, self.checkpoints)
        left = sim.run_time

        def attach(
            bus: EventBus, replica: Simulation, tracked: Tracked, old: list[Any] | None
        ) -> list[Any]:
            kills, policies = old or (KillLog(lambda: sim.kernel, lambda: 0), PolicyWatch())
            kills.rebind(lambda: replica.kernel, lambda: tracked.tracker.now())
            bus.subscribe(kills)
            bus.subscribe(policies, kinds=PolicyWatch.KINDS)
            return [kills, policies]

        done = rewind(sim, back, attach=attach, checkpoints=self.checkpoints)
        self.tracked.adopt(done.tracked)
        for unsubscribe in (self._unsubscribe_kills, self._unsubscribe_policies):
            if unsubscribe is not None:
                unsubscribe()
        kills, policies = done.attached
        kills.rebind(lambda: self.sim.kernel, lambda: self.tracker.now())
        self.kills, self.policies = kills, policies
        self._unsubscribe_kills = sim.kernel.bus.subscribe(kills)
        self._unsubscribe_policies = sim.kernel.bus.subscribe(policies, kinds=PolicyWatch.KINDS)
        self._kernel = sim.kernel
        self.sandbox = self.sandbox and self.tracker.over
        self.last_replay = done
        self.rewound = True
        return message(sim, left, done)

    def checkpoint(self, later: bool = False) -> None:
        """Keep the run as it stands, for a rewind to start from (:mod:`.checkpoint`):
        the machine, the goals, the kills explained, what the policies did. ``later``: the
        pickle may be made by a forked copy, and kept when it is in."""
        extras = [self.kills, self.policies]
        self.checkpoints.take(self.sim, self.tracked, extras, self.outside, later=later)

    # --- running ------------------------------------------------------------------------
    @property
    def ticks(self) -> int:
        return self.sim.ticks

    def run_for(self, n: int) -> None:
        """Run ``n`` jiffies, or less: the machine stops at the end of the game.

        It runs to each sample point (and the time limit) at a time, so a game lost by a
        kill stops within 0.1 s of it, however many jiffies the driver asked for.
        """
        sim = self.sim
        end = sim.elapsed + n
        while sim.elapsed < end:
            self.sync()
            if self.ended or self.held:
                return
            now = self.tracked.elapsed
            piece = min(end - sim.elapsed, SAMPLE - now % SAMPLE)
            deadline = self.tracker.next_check()
            if deadline is not None and now < deadline < now + piece:
                piece = deadline - now
            start = time.process_time()
            self.tracked.run_for(piece)
            if self.checkpoints.due(time.process_time() - start) and not sim.executing:
                self.checkpoint(later=True)

    # --- the state ----------------------------------------------------------------------
    @property
    def tracker(self) -> GoalTracker:
        return cast("GoalTracker", self.tracked.tracker)

    @property
    def has_goals(self) -> bool:
        return bool(self.tracker.targets)

    @property
    def ended(self) -> bool:
        """The game is over and goals still end it: the machine waits for a choice."""
        return self.has_goals and self.tracker.over and not self.sandbox

    def score_to_keep(self) -> ScoreResult | None:
        """The score a best may be made of: a won game's, unless it was rewound (a player
        who saw the future and went back played another game than the one scored)."""
        score = self.tracker.score()
        if score is None or not self.tracker.won or self.rewound:
            return None
        return score

    def run_time(self) -> int:
        """Jiffies since the game started (across reboots)."""
        return self.tracked.elapsed

    def chips(self) -> list[tuple[str, str]]:
        """``(state, text)`` of each goal for the header: ``("pending", "●survive 45/120s")``."""
        kills = self.tracker.scorer.kills
        out = []
        for goal in self.tracker.goals:
            if goal.goal == "survive" and goal.state == PENDING:
                text = f"survive {self.run_time() // HZ}/{goal.target // HZ}s"
            elif goal.goal == "max_kills":
                text = f"kills {kills}/{goal.target}"
            else:
                text = goal.label
            out.append((goal.state, MARKS[goal.state] + text))
        return out

    def report(self) -> Report:
        tracker = self.tracker
        goals = tracker.goals
        name = self.sim.scenario.name
        kills = tuple(self.kills.lines())
        policies = tuple(self.policies.lines(self.sim.kernel))
        if not goals:
            headline = (
                f"{name} has no goals: a sandbox. "
                f"The score so far, {self.run_time() / HZ:.1f} s into the run."
            )
            return Report(
                name,
                "on",
                headline,
                goals,
                tracker.card(),
                ended=False,
                kills=kills,
                policies=policies,
            )
        lost = [g for g in goals if g.state == LOST]
        sandbox = " Playing on in sandbox mode." if self.sandbox else ""
        if tracker.won:
            outcome = "won"
            headline = f"You won: every goal met at {tracker.time_limit / HZ:.1f} s.{sandbox}"
        elif lost:
            outcome = "lost"
            at = min((g.at for g in lost if g.at is not None), default=self.run_time())
            which = "; ".join(g.label for g in lost)
            headline = f"Game over at {at / HZ:.1f} s: lost {which}.{sandbox}"
        else:
            outcome = "on"
            headline = (
                f"{self.run_time() / HZ:.1f} s into the game; time is up at "
                f"{tracker.time_limit / HZ:.1f} s. The goals so far:"
            )
        return Report(
            name,
            outcome,
            headline,
            goals,
            tracker.card(),
            ended=self.ended,
            score=tracker.score(),
            kills=kills,
            policies=policies,
        )
