"""Checkpoints: a run's machine pickled now and then, so that a rewind replays from the
nearest one before the moment wanted rather than from the start.

A rewind replays the run (:mod:`.rewind`); what that costs is the kernel time it replays.
The screen's game keeps checkpoints of its run to bound it: the machine (the kernel, its
modules, its tasks, its timers and its dice), the goals' tracker and whatever else the game
hands over (the kill explanations), the simulation's place in the preset's events, the
console's user and the event counts — pickled whole, a few hundred kilobytes for the
thousand-task ``bench`` machine. What watches the machine from outside it (the event bus
and its subscribers, the screen's task watcher, the lambdas that read a live simulation) is
left out and given back on restore, so a checkpoint is the machine alone. On the screen
the pickle is made by a forked copy of the process (:mod:`.snapshot`), so the frames and
the keys do not wait for it; it is kept once its bytes are in.

When: a checkpoint costs what pickling the machine costs, so one is taken once the run has
spent :data:`RATIO` times that in the kernel since the last (the cost of the last pickle is
measured): checkpoints take at most about a tenth of the run's time, and the replay a
rewind makes from the nearest one is at most about :data:`RATIO` pickles' worth of kernel
time — under half a second on the bench machine — however long the run. At most
:data:`KEEP` are kept, holding at most :func:`budget`: past either, every other one goes
(the newest stays), so they thin out towards the start of the run. A rewind drops those
after the moment it went back to (that future is gone). A machine that cannot be pickled
(a policy loaded from a file of the user's) is replayed from the start, as a run without
checkpoints.
"""

from __future__ import annotations

import pickle
import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ..kernel import events as ev
from .snapshot import FORKS, PICKLE_ERRORS, Forked

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..sim import Simulation
    from .tracking import Tracked

RATIO = 10
"""Kernel time spent between two checkpoints, in pickles' worth."""
FIRST = 0.05
"""Kernel CPU seconds before the first checkpoint (before any pickle was timed)."""
KEEP = 16
"""Checkpoints kept at most."""
MAX_BYTES = 64 << 20
"""Bytes the checkpoints may hold (a 5,000-task machine pickles to about 2 MB)."""
SHARE = 8
"""Under a data limit (``ulimit -d``; a served session's memory share), the checkpoints
hold at most this fraction of it."""


def budget() -> int:
    """The bytes the checkpoints may hold here: :data:`MAX_BYTES`, or an :data:`SHARE`-th
    of the process's data limit where that is less (a served session's share is 64 MiB at
    least: the checkpoints never make it the one to run out)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
    if soft == resource.RLIM_INFINITY:
        return MAX_BYTES
    return min(MAX_BYTES, soft // SHARE)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A run at a moment: its run time, how many lines of its record had run, the pickle."""

    run_time: int
    lines: int
    data: bytes


@dataclass(slots=True)
class Restored:
    """A checkpoint unpickled: the machine, the tracker, the extras, the simulation's
    state (its place in the preset's events, the user, the event counts)."""

    checkpoint: Checkpoint
    kernel: Kernel
    tracker: Any
    extras: list[Any]
    state: dict[str, Any]


class Checkpoints:
    """The checkpoints of one run (see the module docstring)."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = budget() if max_bytes is None else max_bytes
        """What the checkpoints may hold (:func:`budget`)."""
        self.kept: list[Checkpoint] = []
        self.cost = 0.0
        """CPU seconds the last checkpoint took to pickle."""
        self.spent = 0.0
        """CPU seconds the kernel spent since the last checkpoint."""
        self.broken: str | None = None
        """Why this run's machine cannot be pickled, if it cannot."""
        self.automatic = True
        """Whether :meth:`due` ever says one is due (a test takes its own)."""
        self.forks = FORKS
        """Whether :meth:`take` may have a forked copy make the pickle (``later``)."""
        self.pending: tuple[Forked, int, int] | None = None
        """A pickle being made by a forked copy: it, and the run time and record lines of
        the moment it holds."""

    def clear(self) -> None:
        self.kept.clear()
        self.spent = 0.0
        self.broken = None
        self.pending = None  # of another machine: dropped when it comes in

    def collect(self) -> None:
        """Keep the forked copy's pickle if it is in (see :meth:`take`)."""
        if self.pending is None or not self.pending[0].done.is_set():
            return
        forked, run_time, lines = self.pending
        self.pending = None
        if forked.data is not None:
            self._keep(Checkpoint(run_time, lines, forked.data), forked.cost)
        elif forked.error is not None:
            self._break(forked.error)
        else:  # the copy gave no answer: the next pickle is made here
            self.forks = False

    @property
    def size(self) -> int:
        """Bytes the checkpoints hold."""
        return sum(len(c.data) for c in self.kept)

    def due(self, spent: float) -> bool:
        """Count ``spent`` CPU seconds of kernel time; whether a checkpoint is due."""
        self.spent += spent
        self.collect()
        if self.broken is not None or not self.automatic or self.pending is not None:
            return False
        return self.spent >= (RATIO * self.cost if self.cost else FIRST)

    def take(
        self,
        sim: Simulation,
        tracked: Tracked,
        extras: list[Any],
        outside: Iterable[object],
        later: bool = False,
    ) -> None:
        """Pickle the run as it stands; ``outside``: watchers of the kernel that are not the
        machine's (the screen's), left out. A run whose machine cannot be pickled is marked
        :attr:`broken` and keeps no checkpoint after. ``later``: where :attr:`forks`, a
        forked copy makes the pickle and it is kept when it is in (:meth:`collect`); the
        run goes on meanwhile."""
        start = time.process_time()
        kernel = sim.kernel
        self.collect()
        if self.pending is not None or (self.kept and self.kept[-1].run_time == sim.run_time):
            return
        state = sim.state()
        state["counts"] = dict(kernel.bus.counts)
        bus, tracker = kernel.bus, cast("Any", tracked.tracker)
        watchers = [w for w in kernel.watchers if any(w is o for o in outside)]
        for watcher in watchers:
            kernel.unwatch(watcher)
        player = getattr(tracker, "player", None)
        unbound = [(x, x.unbind()) for x in extras if hasattr(x, "unbind")]
        kernel.bus = None  # type: ignore[assignment]
        if player is not None:
            tracker.player = None
        whole = (kernel, tracker, extras, state)
        try:
            if later and self.forks:
                try:
                    self.pending = (Forked(whole), sim.run_time, len(sim.run_log))
                    self.spent = 0.0
                    return
                except OSError:  # no process to spare: made here, as where it cannot fork
                    self.forks = False
            data = pickle.dumps(whole, protocol=pickle.HIGHEST_PROTOCOL)
        except PICKLE_ERRORS as err:
            self._break(f"{type(err).__name__}: {err}")
            return
        finally:
            kernel.bus = bus
            if player is not None:
                tracker.player = player
            for extra, binding in unbound:
                extra.rebind(*binding)
            for watcher in watchers:
                kernel.watch(watcher)
        self._keep(Checkpoint(sim.run_time, len(sim.run_log), data), time.process_time() - start)
        self.spent = 0.0

    def _keep(self, checkpoint: Checkpoint, cost: float) -> None:
        """Keep ``checkpoint``, whose pickle took ``cost`` CPU seconds (the kernel time
        spent since it was taken goes on counting towards the next)."""
        self.kept.append(checkpoint)
        while len(self.kept) > KEEP or (len(self.kept) > 1 and self.size > self.max_bytes):
            self.kept = self.kept[::-1][::2][::-1]
        self.cost = cost

    def _break(self, why: str) -> None:
        self.broken = why
        self.kept.clear()

    def nearest(self, until: int) -> Checkpoint | None:
        """The latest checkpoint at or before run time ``until``."""
        self.collect()
        found = None
        for checkpoint in self.kept:
            if checkpoint.run_time <= until:
                found = checkpoint
        return found

    def cut(self, until: int) -> None:
        """A rewind to ``until``: the checkpoints after it are of a future that is gone."""
        self.collect()
        self.kept = [c for c in self.kept if c.run_time <= until]
        if self.pending is not None and self.pending[1] > until:
            self.pending = None
        self.spent = 0.0


def restore(checkpoint: Checkpoint) -> Restored:
    """The checkpoint's run unpickled, on a new event bus with its counts."""
    kernel, tracker, extras, state = pickle.loads(checkpoint.data)
    bus = ev.EventBus()
    bus.counts.update(state["counts"])
    kernel.bus = bus
    return Restored(checkpoint, kernel, tracker, extras, state)
