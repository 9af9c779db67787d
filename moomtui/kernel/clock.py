"""The asyncio pacing driver: runs a kernel at a chosen speed on an event loop.

The kernel itself has no notion of wall time; this driver decides how many jiffies to run
per slice of wall time. At speed 1.0 a simulated second takes a wall second; ``speed`` may be
anything from 0.25 to 1000, or ``math.inf`` for "as fast as possible". Between slices it
always awaits, so a user interface on the same loop stays responsive: a slice runs jiffies in
chunks and stops after ``SLICE`` seconds of wall time or ``MAX_JIFFIES_PER_SLICE`` jiffies,
whichever comes first; jiffies a slow machine could not run are dropped rather than banked
beyond one simulated second. A chunk is sized from what the last jiffies cost (at most
``CHUNK``), so that even a machine in a crisis — a fork bomb's thousand kills a second —
hands the loop back within a slice: a key is read, and the screen drawn, between two
chunks, never a long simulation later.

A long ``step`` (the console's, more than :data:`STEP_NOW` jiffies) does not run at once
either: :meth:`Driver.advance` hands it to the loop, which runs it as fast as it can in the
same bounded slices — the screen stays live — until it is done or
:meth:`Driver.cancel_step` (Esc on the screen) stops it.

A key has the loop before the machine: the screen holds the driver (:meth:`~Driver.hold`)
when a key comes in and lets go (:meth:`~Driver.release`) once the key's effect is on the screen,
so the key waits for no slice beyond the one running when it came (at most
:data:`HOLD_MAX` of wall time; the jiffies not run meanwhile are run after, as any the
loop was late for).

The wall clock is read only here (``loop.time()``), never inside the kernel, so a run is
deterministic for a given sequence of commands whatever the pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable
from typing import Protocol

from .constants import HZ

SPEEDS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, math.inf)
MIN_SPEED, MAX_SPEED = 0.25, 1000.0
SLICE = 1 / 120
"""Wall seconds a slice runs at most, and the pause between two: a key that comes in while
one runs waits for it (half of 60 Hz's 17 ms: at 5,000 tasks and 100× a slice took the
whole of it)."""
MAX_JIFFIES_PER_SLICE = 2000
CHUNK = 50
"""Jiffies run between two looks at the wall clock, at most; fewer when jiffies are dear."""
CHUNK_TIME = SLICE / 4
"""Wall time a chunk is sized to take, from the cost of the jiffies before it."""
STEP_NOW = 10 * HZ
"""A ``step`` of up to this many jiffies runs at once; a longer one in slices on the loop."""
HOLD_MAX = 0.25
"""Wall seconds a :meth:`Driver.hold` lasts at most if nothing releases it."""


class Steppable(Protocol):
    """What the driver paces: a kernel, or a game that runs one."""

    @property
    def ticks(self) -> int: ...

    def run_for(self, n: int) -> None: ...


def parse_speed(text: str) -> float:
    """``"10"``, ``"10x"``, ``"0.25"``, ``"max"`` / ``"inf"``; ValueError otherwise."""
    t = text.strip().lower()
    if t in ("max", "inf", "fast", "∞"):
        return math.inf
    try:
        value = float(t.removesuffix("x").removesuffix("×"))
    except ValueError:
        raise ValueError(f"expected a speed like 10, 0.25 or max, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a speed like 10, 0.25 or max, got {text!r}")
    if not (MIN_SPEED <= value <= MAX_SPEED):
        raise ValueError(f"speed must be from {MIN_SPEED} to {MAX_SPEED:g}, or max")
    return value


def format_speed(speed: float) -> str:
    return "max" if math.isinf(speed) else f"{speed:g}×"


class Driver:
    """Paces ``kernel`` on the running event loop; pause, resume, step and speed."""

    def __init__(
        self,
        kernel: Steppable,
        *,
        speed: float = 1.0,
        paused: bool = False,
        on_advance: Callable[[], None] | None = None,
    ) -> None:
        self.kernel = kernel
        self.speed = speed
        self.paused = paused
        self.on_advance = on_advance
        self.stepping = 0
        """Jiffies of a long step still to run on the loop."""
        self.on_step_end: Callable[[int], None] | None = None
        """Called when a long step ends, with the jiffies it did not run (0: it finished)."""
        self._debt = 0.0
        self._jiffy_cost: float | None = None
        """Wall seconds a jiffy took lately (a moving average); None before the first."""
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._holds = 0
        self._hold_until = 0.0
        self._released = asyncio.Event()

    # --- controls ------------------------------------------------------------------------
    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self._debt = 0.0
        self._wake.set()

    def toggle(self) -> None:
        if self.paused:
            self.resume()
        else:
            self.pause()

    def step(self, jiffies: int = 1) -> None:
        """Run ``jiffies`` now, paused or not."""
        if jiffies > 0:
            self.kernel.run_for(jiffies)
            if self.on_advance:
                self.on_advance()

    def hold(self, now: float) -> None:
        """Run no slice until :meth:`release` (as many times as this was called), or until
        :data:`HOLD_MAX` after ``now`` (the loop's time): a key is being handled."""
        self._holds += 1
        self._hold_until = now + HOLD_MAX
        self._released.clear()

    def release(self) -> None:
        """One :meth:`hold` is over; the slices go on once every one is."""
        self._holds = max(0, self._holds - 1)
        if not self._holds:
            self._released.set()

    @property
    def holding(self) -> bool:
        """Whether a :meth:`hold` keeps the slices back now."""
        return bool(self._holds)

    async def _wait_released(self, loop: asyncio.AbstractEventLoop) -> None:
        left = self._hold_until - loop.time()
        if self._holds and left > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), left)
        self._holds = 0

    @property
    def running(self) -> bool:
        """Whether the pacing loop is running (between :meth:`start` and :meth:`stop`)."""
        return self._task is not None and not self._task.done()

    def advance(self, jiffies: int) -> bool:
        """Run ``jiffies`` for the console's ``step``: at once (True) when the step is short
        or no loop runs; else on the loop, in slices, paused or not (False)."""
        if jiffies <= STEP_NOW or not self.running:
            self.step(jiffies)
            return True
        self.stepping += jiffies
        self._wake.set()
        return False

    def cancel_step(self) -> int:
        """Stop a long step; returns the jiffies it had left (0 if none was running)."""
        left, self.stepping = self.stepping, 0
        if left and self.on_step_end is not None:
            self.on_step_end(left)
        return left

    def set_speed(self, speed: float) -> None:
        self.speed = speed
        self._debt = 0.0

    def faster(self) -> None:
        self.set_speed(next((s for s in SPEEDS if s > self.speed), SPEEDS[-1]))

    def slower(self) -> None:
        self.set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0]))

    # --- the loop ------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            if self._holds:
                await self._wait_released(loop)
                continue
            if self.stepping:
                await asyncio.sleep(0)
                if self._holds:
                    continue
                self._run_step(loop.time)
                last = loop.time()
                continue
            if self.paused:
                self._wake.clear()
                await self._wake.wait()
                last = loop.time()
                continue
            await asyncio.sleep(0 if math.isinf(self.speed) else SLICE)
            if self._holds:
                continue  # the time held is run once it is over
            now = loop.time()
            elapsed, last = now - last, now
            if math.isinf(self.speed):
                want = MAX_JIFFIES_PER_SLICE
            else:
                self._debt = min(self._debt + elapsed * HZ * self.speed, HZ * self.speed)
                want = min(int(self._debt), MAX_JIFFIES_PER_SLICE)
            done = self._run_bounded(want, loop.time)
            if not math.isinf(self.speed):
                self._debt -= done
            if done and self.on_advance:
                self.on_advance()

    def _run_step(self, clock: Callable[[], float]) -> None:
        """One slice of a long step."""
        done = self._run_bounded(self.stepping, clock, stepping=True)
        self.stepping = max(0, self.stepping - done)
        if done and self.on_advance:
            self.on_advance()
        if not self.stepping and self.on_step_end is not None:
            self.on_step_end(0)

    def _run_bounded(self, want: int, clock: Callable[[], float], *, stepping: bool = False) -> int:
        """Run up to ``want`` jiffies in chunks, stopping once a slice of wall time is used,
        so a busy machine (a livelock, a thrash) never holds the event loop for long."""
        start = last = clock()
        done = 0
        while done < want and (stepping or not self.paused):
            cost = self._jiffy_cost
            if cost is None:
                n = 1
            else:
                n = min(CHUNK, want - done, max(1, int(CHUNK_TIME / cost)) if cost else CHUNK)
            self.kernel.run_for(n)
            done += n
            now = clock()
            took = (now - last) / n
            self._jiffy_cost = took if cost is None else 0.5 * cost + 0.5 * took
            last = now
            if now - start >= SLICE:
                break
        return done
