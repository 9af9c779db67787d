"""Rewind: back to an earlier moment of this run, by replaying it.

A run is deterministic: the same scenario, seed and commands give the same machine, jiffy
for jiffy. So a run need not be saved to be gone back to; what it was given is enough. The
simulation keeps its record (:attr:`moomtui.sim.Simulation.run_log`: each line the player
ran, with its run time and its source), and ``rewind 5s`` replays it: a fresh simulation of
the same scenario and seed (:func:`replay`) runs to each recorded line's time and runs the
line, up to the moment wanted, as fast as the machine allows; then the run goes on from
the replica (:meth:`~moomtui.sim.Simulation.adopt`) — the record cut there, so another
command from then on makes another future.

What the replay costs is the run time it replays: from the start of the run (a run begins
when a preset is booted; its reboots are part of it), whatever the distance gone back —
``rewind 5s`` at ten minutes replays nine minutes fifty-five, a second or two of CPU on the
thousand-task bench machine — or from the nearest checkpoint before the moment wanted,
where the screen's game keeps them (:mod:`.checkpoint`: the machine pickled at a pace
bounded by what pickling costs, so a replay from one is a fraction of a second;
docs/benchmarks.md, ``bench/rewind.py``). How far back it can go: to the start of the run.
The record is a few bytes a command.

The run's trackers are replayed with it — the goals and score (:class:`~.tracking.Tracked`
sampled on the same grid of run time), and whatever else the caller attaches to the
replica's event bus (the kill explanations of the screen's game, the kill counts of a
headless run) — and handed over: :meth:`Tracked.adopt`.

A line is replayed as it ran: a script's as the replica's own script (fired between the
preset's events as it was), a console line once the replica has run to its time, each
under its source's profile, with a clock driver if the run had one (a ``step`` on the
screen runs through the game, so its jiffies are run time; a headless ``step`` runs the
kernel alone, as it did). What a line printed is not printed again; ``rewind`` and
``script`` lines are not in the record (a replay never rewinds, and never writes a file).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..kernel.clock import STEP_NOW
from ..kernel.units import format_duration
from ..sim import Simulation
from .checkpoint import Checkpoints, restore
from .tracking import Tracked

if TYPE_CHECKING:
    from ..kernel.events import EventBus

MAX_REPLAY = 6 * 3600 * 100
"""The longest run a rewind replays (six hours of run time): at a thousand times real time
that is twenty seconds, more than a screen should stand still for."""


class RewindError(ValueError):
    """Why a rewind cannot be done, in one line (the shell's error)."""


class ReplayDriver:
    """The clock of a replay, where the run had one (the screen's): ``step`` and ``vmstat``
    run the machine through the replayed tracker, as the screen's driver runs them through
    its game; a long ``step`` ran on the screen's loop in slices, between the lines that
    came meanwhile — its jiffies are in the record's times, so it runs nothing here."""

    def __init__(self, tracked: Tracked) -> None:
        self.tracked = tracked
        self.paused = True
        self.speed = 1.0

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def set_speed(self, speed: float) -> None:
        pass

    def step(self, jiffies: int = 1) -> None:
        if jiffies > 0:
            self.tracked.run_for(jiffies)

    def advance(self, jiffies: int) -> bool:
        if jiffies <= STEP_NOW:
            self.step(jiffies)
            return True
        return False


@dataclass(slots=True)
class Replay:
    """A replayed run: the replica simulation, its tracked goals, what was attached to its
    bus, and what the replay took (wall seconds, run time replayed)."""

    sim: Simulation
    tracked: Tracked
    attached: list[Any] = field(default_factory=list)
    wall: float = 0.0
    replayed: int = 0
    since: int = 0
    """The run time the replay started from: a checkpoint's, or 0 (the start)."""


Attach = Callable[["EventBus", Simulation, Tracked, "list[Any] | None"], "list[Any]"]
"""``attach(bus, replica, tracked, restored)``: the subscribers of the replica's bus to
replay along (made anew, or ``restored`` from a checkpoint when there is one)."""


def replay(
    sim: Simulation,
    until: int,
    *,
    attach: Attach | None = None,
    checkpoints: Checkpoints | None = None,
) -> Replay:
    """A fresh run of ``sim``'s scenario and seed, fed ``sim``'s record up to run time
    ``until`` (the lines recorded at ``until`` included) and run to it — from the nearest
    of ``checkpoints`` before ``until``, if any, else from the start. ``attach`` is called
    before the replay starts: what it returns is replayed too, and given back in
    :attr:`Replay.attached`."""
    start = time.perf_counter()
    lines = [entry for entry in sim.run_log if entry[0] <= until]
    checkpoint = checkpoints.nearest(until) if checkpoints is not None else None
    done = lines[: checkpoint.lines] if checkpoint is not None else []
    lines = lines[len(done) :]
    script = [(at, line) for at, source, line in lines if source == "script"]
    replica = Simulation(sim.scenario, seed=sim.run_seed, profile=sim.profile, script=script)
    replica.boot_guard = sim.boot_guard  # a boot refused in the run is refused in its replay
    restored = None
    if checkpoint is None:
        tracked = Tracked.start(replica)
    else:
        back = restore(checkpoint)
        replica.resume(back.kernel, back.state, done)
        tracked = Tracked(replica, back.tracker, back.kernel.bus.subscribe(back.tracker))
        back.tracker.player = lambda: replica.player_command
        restored = back.extras
    bus = replica.kernel.bus
    attached = [] if attach is None else attach(bus, replica, tracked, restored)
    if sim.session.driver is not None:
        replica.session.driver = ReplayDriver(tracked)
    for at, source, line in lines:
        if source != "script":  # a script's lines fire on their own, as they did
            tracked.run_for(at - replica.elapsed)
            replica.execute(line, source)
    tracked.run_for(until - replica.elapsed)
    wall = time.perf_counter() - start
    since = checkpoint.run_time if checkpoint is not None else 0
    return Replay(replica, tracked, attached, wall, until - since, since)


def parse_back(sim: Simulation, back: int) -> int:
    """The run time ``back`` jiffies ago; RewindError if the run is younger or too long."""
    now = sim.run_time
    if back <= 0:
        raise RewindError(f"{format_duration(back)}: must be more than 0")
    if back > now:
        raise RewindError(
            f"{format_duration(back)}: this run began {format_duration(now)} ago "
            "(rewind goes back to its start at most)"
        )
    return now - back


def rewind(
    sim: Simulation,
    back: int,
    *,
    attach: Attach | None = None,
    checkpoints: Checkpoints | None = None,
) -> Replay:
    """Take ``sim`` back ``back`` jiffies of run time (see the module docstring); the
    caller hands the replay's trackers over to its own (:meth:`Tracked.adopt`)."""
    until = parse_back(sim, back)
    checkpoint = checkpoints.nearest(until) if checkpoints is not None else None
    since = checkpoint.run_time if checkpoint is not None else 0
    if until - since > MAX_REPLAY:
        raise RewindError(
            f"{format_duration(back)}: would replay {format_duration(until - since)}; "
            f"a rewind replays at most {format_duration(MAX_REPLAY)} of a run"
        )
    done = replay(sim, until, attach=attach, checkpoints=checkpoints)
    sim.adopt(done.sim)
    if checkpoints is not None:
        checkpoints.cut(until)
    return done


def describe(sim: Simulation, checkpoints: Checkpoints | None = None) -> str:
    """``rewind`` alone: how far back this run can go, and what a rewind costs."""
    now = sim.run_time
    lines = [
        f"this run: {sim.scenario.name}, seed {sim.run_seed}, {format_duration(now)} of run "
        f"time, {len(sim.run_log)} command(s) recorded",
        f"rewind DURATION goes back at most {format_duration(now)} (to the start of the run)",
    ]
    kept = checkpoints.kept if checkpoints is not None else []
    if kept:
        times = ", ".join(format_duration(c.run_time) for c in kept[-6:])
        lines.append(
            f"{len(kept)} checkpoint(s), {checkpoints.size // 1024 if checkpoints else 0} KiB "
            f"(the latest at {times}): a rewind replays from the nearest one before the "
            "moment wanted"
        )
    else:
        why = f" ({checkpoints.broken})" if checkpoints is not None and checkpoints.broken else ""
        lines.append(f"no checkpoint{why}: a rewind replays the run from its start")
    lines.append(
        "what a rewind costs is the run time it replays, at the kernel's full speed "
        f"(at most {format_duration(MAX_REPLAY)})"
    )
    for to, left in sim.branches:
        lines.append(
            f"branched at {format_duration(to - sim.run_origin)} "
            f"(left {format_duration(left - sim.run_origin)})"
        )
    return "\n".join(lines)


def message(sim: Simulation, left: int, done: Replay) -> str:
    """What ``rewind`` answers once done (no wall time: a headless run prints it, and the
    same script gives the same output; a headless run keeps no checkpoint)."""
    since = f"a checkpoint at {format_duration(done.since)}" if done.since else "the start"
    return (
        f"rewind: back to {format_duration(sim.run_time)} of the run "
        f"(from {format_duration(left)}); replayed {format_duration(done.replayed)} "
        f"from {since}, {len(sim.run_log)} command(s)"
    )
