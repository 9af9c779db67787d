"""What the history charts draw: memory, the OOM kills and a task's RSS over run time.

No Textual here: the app feeds a :class:`Timeline` once a frame (:meth:`Timeline.frame`)
and the charts (:mod:`.components.charts`) read it. Its cost follows activity, not the
machine's size: a frame adds one memory sample (five numbers) and one RSS sample of the
selected task, and an OOM kill adds one entry, from the one event stream (``OomKill`` on the
kernel's bus) — the tasks are never walked.

Memory stays bounded however long the run: the samples are a ring of at most
:data:`MAX_SAMPLES`; when it is full every other sample is dropped and samples are taken
half as often, so the chart always covers the whole run, coarser as it grows. The kills are
the last :data:`MAX_KILLS`; the RSS of the last :data:`MAX_TASKS` tasks selected is kept
(from when each was first selected: a task nobody looked at is not followed).

Times are run time (:attr:`moomtui.sim.Simulation.run_time`): the seconds since the preset
was booted, across reboots — the clock of a script and of ``rewind``. A new run (``boot``)
starts the charts again; a rewind cuts what came after the moment gone back to (that
future did not happen on this branch) and marks the branch point.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel import events as ev
from ..kernel.constants import JIFFIES_MASK

if TYPE_CHECKING:
    from ..sim import Simulation

MAX_SAMPLES = 1024
MAX_KILLS = 500
MAX_TASKS = 8


@dataclass(frozen=True, slots=True)
class Kill:
    """An OOM kill on the timeline: when (run time, jiffies), who, which policy, why."""

    at: int
    pid: int
    comm: str
    module: str
    reason: str


@dataclass(frozen=True, slots=True)
class Sample:
    """Memory at a moment of run time, in pages."""

    at: int
    free: int
    cache: int
    anon: int
    swap: int


def _thin(ring: deque[tuple[int, int]] | deque[Sample]) -> None:
    """Keep every other entry, the newest always."""
    kept = list(ring)[::-1][::2][::-1]
    ring.clear()
    ring.extend(kept)  # type: ignore[arg-type]


class Timeline:
    """Memory samples, OOM kills and task RSS of the current run (see the module doc)."""

    def __init__(self) -> None:
        self.samples: deque[Sample] = deque()
        self.kills: deque[Kill] = deque(maxlen=MAX_KILLS)
        self.rss: OrderedDict[int, deque[tuple[int, int]]] = OrderedDict()
        self.branches: list[tuple[int, int]] = []
        """Rewinds of this run: ``(run time gone back to, run time left)``."""
        self.every = 1
        """Run time between two memory samples, in jiffies (doubles when the ring fills)."""
        self._pending: list[ev.OomKill] = []
        self._run = -1
        self._rewinds = -1
        self._last = 0
        self._unsubscribe: object = None
        self._bus: ev.EventBus | None = None

    def _on_kill(self, event: ev.Event) -> None:
        assert isinstance(event, ev.OomKill)
        self._pending.append(event)

    def _attach(self, bus: ev.EventBus) -> None:
        if bus is not self._bus:
            self._bus = bus
            bus.subscribe(self._on_kill, kinds=(ev.OomKill,))

    def _restart(self) -> None:
        self.samples.clear()
        self.kills.clear()
        self.rss.clear()
        self.branches = []
        self.every = 1
        self._pending.clear()
        self._last = 0

    def frame(self, sim: Simulation, selected: int | None) -> None:
        """Take in what happened since the last frame: the kills, a memory sample, the
        selected task's RSS; a new run starts again, a rewind cuts the future it left."""
        kernel = sim.kernel
        self._attach(kernel.bus)
        now = sim.run_time
        run = sim.run_origin
        if run != self._run:
            self._run = run
            self._restart()
            self._rewinds = sim.rewinds
        elif sim.rewinds != self._rewinds:
            self._rewinds = sim.rewinds
            self._pending.clear()  # the replay's, on its own bus; these are the old branch's
            self._cut(sim)
        for event in self._pending:
            back = (kernel.jiffies - event.jiffies) & JIFFIES_MASK
            at = now - min(back, max(0, now - self._last))
            self.kills.append(Kill(at, event.pid, event.comm, event.module, event.reason))
        self._pending.clear()
        self._last = now
        vm = kernel.vm
        if not self.samples or now - self.samples[-1].at >= self.every:
            self.samples.append(Sample(now, vm.free, vm.cache, vm.anon, vm.swap_used))
            if len(self.samples) > MAX_SAMPLES:
                _thin(self.samples)
                self.every *= 2
        task = kernel.tasks.get(selected) if selected is not None else None
        if task is not None:
            ring = self.rss.get(task.pid)
            if ring is None:
                ring = self.rss[task.pid] = deque()
                while len(self.rss) > MAX_TASKS:
                    self.rss.popitem(last=False)
            self.rss.move_to_end(task.pid)
            rss = task.mm.rss if task.mm is not None else 0
            if not ring or ring[-1][0] != now:
                ring.append((now, rss))
                if len(ring) > MAX_SAMPLES:
                    _thin(ring)

    def _cut(self, sim: Simulation) -> None:
        """A rewind: what came after the moment gone back to is dropped; the branch is
        marked. The kills replayed up to it are the ones kept (the same, as the run is
        deterministic)."""
        for to, left in sim.branches[len(self.branches) :]:
            self.branches.append((to - sim.run_origin, left - sim.run_origin))
        at = sim.run_time
        while self.samples and self.samples[-1].at > at:
            self.samples.pop()
        while self.kills and self.kills[-1].at > at:
            self.kills.pop()
        for ring in self.rss.values():
            while ring and ring[-1][0] > at:
                ring.pop()
        self._last = at
