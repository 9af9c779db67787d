"""The asyncio pacing driver: speed, pause, resume, single step, a responsive loop."""

from __future__ import annotations

import asyncio
import math

import pytest

from moomtui.kernel.clock import Driver, format_speed, parse_speed


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
    await asyncio.sleep(0.1)
    assert k.ticks == 0
    d.resume()
    await asyncio.sleep(0.3)
    d.stop()
    assert k.ticks > 0


async def test_driver_paces_roughly_to_speed_and_keeps_the_loop_responsive() -> None:
    k = Counter()
    d = Driver(k, speed=100.0)
    d.start()
    pings = 0
    for _ in range(20):
        await asyncio.sleep(0.02)
        pings += 1
    d.stop()
    assert pings == 20
    # 0.4 s at 100x is about 4000 jiffies; be generous for a loaded machine
    assert 500 < k.ticks < 8000
