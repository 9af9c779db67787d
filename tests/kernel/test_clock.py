"""The asyncio pacing driver: speed, pause, resume, single step, a responsive loop."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

import pytest

from moomtui.kernel.clock import HOLD_MAX, SLICE, Driver, format_speed, parse_speed
from moomtui.kernel.constants import HZ


class Counter:
    def __init__(self) -> None:
        self.ticks = 0

    def run_for(self, n: int) -> None:
        self.ticks += n


def test_parse_speed_accepts_the_documented_range() -> None:
    assert parse_speed("10") == 10
    assert parse_speed("0.25x") == 0.25
    assert math.isinf(parse_speed("max"))
    for bad in ("0.1", "2000", "fast-ish"):
        with pytest.raises(ValueError):
            parse_speed(bad)
    assert format_speed(math.inf) == "max"
    assert format_speed(2.0) == "2×"


def test_step_runs_even_when_paused_and_speed_steps_through_the_table() -> None:
    k = Counter()
    d = Driver(k, paused=True)
    d.step(5)
    assert k.ticks == 5
    d.set_speed(1.0)
    d.faster()
    assert d.speed == 2.0
    d.slower()
    d.slower()
    assert d.speed == 0.5


async def test_paused_driver_runs_nothing_and_resume_restarts() -> None:
    k = Counter()
    d = Driver(k, speed=100.0, paused=True)
    d.start()
    for _ in range(10):  # ten slices' time: a running driver would have run jiffies
        await asyncio.sleep(SLICE)
    assert k.ticks == 0
    d.resume()
    assert await until(lambda: k.ticks > 0)
    d.stop()


async def until(done: Callable[[], bool], *, turns: int = 2000) -> bool:
    """Let the loop turn (a slice at a time) until ``done()``: whether it came. The bound
    only keeps a broken driver from hanging the test; nothing here is timed."""
    for _ in range(turns):
        if done():
            return True
        await asyncio.sleep(SLICE)
    return done()


async def test_driver_paces_to_speed_and_keeps_the_loop_responsive() -> None:
    """The driver runs no more jiffies than the loop's clock has allowed at its speed (it
    catches up on time it lost, never runs ahead), and the loop answers meanwhile. A bound
    on the clock the driver itself reads, so a loaded machine cannot fail it."""
    k = Counter()
    loop = asyncio.get_running_loop()
    speed = 100.0
    began = loop.time()
    d = Driver(k, speed=speed)
    d.start()
    pings = 0
    for _ in range(20):
        await asyncio.sleep(0.02)
        pings += 1
    assert await until(lambda: k.ticks > 0)
    d.stop()
    ended = loop.time()
    assert pings == 20
    assert 0 < k.ticks <= (ended - began) * HZ * speed


async def test_a_hold_keeps_the_slices_back_until_released_or_for_hold_max() -> None:
    """The screen holds the driver while a key is handled: no jiffy runs until the hold is
    released (each hold once), and the time held is run after; a hold never released ends
    after HOLD_MAX on its own."""
    k = Counter()
    loop = asyncio.get_running_loop()
    d = Driver(k, speed=100.0)
    d.start()
    assert await until(lambda: k.ticks > 0)
    d.hold(loop.time())
    d.hold(loop.time())  # two keys
    await asyncio.sleep(2 * SLICE)  # a slice in hand when the hold came ends first
    held = k.ticks
    for _ in range(5):
        await asyncio.sleep(SLICE)
    assert k.ticks == held and d.holding
    d.release()
    await asyncio.sleep(3 * SLICE)
    assert k.ticks == held  # one key still in hand
    d.release()
    assert not d.holding
    assert await until(lambda: k.ticks > held)

    d.hold(loop.time())  # never released
    await asyncio.sleep(2 * SLICE)
    held = k.ticks
    began = loop.time()
    assert await until(lambda: k.ticks > held)
    assert loop.time() - began >= HOLD_MAX - 3 * SLICE
    assert not d.holding
    d.stop()
