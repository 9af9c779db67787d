"""Tracking: a run sampled at fixed points of run time, whatever the caller's step.

:class:`Tracked` wraps a simulation so that its scorer (or goal tracker) is sampled every
:data:`SAMPLE` jiffies of run time (and at the goals' deadline): the score of a run does not
depend on how the caller sliced it. Headless runs and ``moomtui compare`` use it; it is a
``Steppable`` for the screen's clock driver too (through :class:`~.play.Game`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel.constants import HZ
from .goals import GoalTracker
from .scorer import Scorer

if TYPE_CHECKING:
    from ..presets import Scenario
    from ..sim import Simulation

SAMPLE = HZ // 10
"""Run time between two samples of the machine's state (livelock, thrashing, recovery)."""


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
        tracker = GoalTracker(
            scenario or sim.scenario, sim.kernel, elapsed=0, player=lambda: sim.player_command
        )
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
        sim = self.sim
        end = self.elapsed + n
        if n <= 0:
            sim.run_for(0)
            return
        while (now := self.elapsed) < end:
            tracker = self.tracker
            stop = min(end, (now // SAMPLE + 1) * SAMPLE)
            deadline = tracker.next_check() if isinstance(tracker, GoalTracker) else None
            if deadline is not None and now < deadline < stop:
                stop = deadline
            rewinds = sim.rewinds
            sim.run_for(stop - now)
            if sim.rewinds != rewinds:
                continue  # a scripted rewind: the replay's tracker has sampled up to here
            now = self.elapsed
            if now % SAMPLE == 0 or now == deadline:
                tracker.update(sim.kernel)

    def finish(self) -> None:
        """Take a last sample where the run stopped (if that is not a sample point)."""
        tracker = self.tracker
        if tracker.now() % SAMPLE or tracker.now() == 0:
            tracker.update(self.sim.kernel)

    def adopt(self, other: Tracked) -> None:
        """Take ``other``'s tracker — a replay's (:mod:`.rewind`), its simulation adopted by
        this one's — in place of this one's: it is moved to this simulation's event bus."""
        self.close()
        other.close()
        tracker = other.tracker
        if isinstance(tracker, GoalTracker):
            sim = self.sim
            tracker.player = lambda: sim.player_command
        self.tracker = tracker
        self._unsubscribe = self.sim.kernel.bus.subscribe(tracker)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
