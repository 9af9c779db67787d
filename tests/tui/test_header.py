"""The header: one clock story with the console, and the machine's state word."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.tui.app import MoomApp
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.status import StatusLine

from .scenarios import begin, hog_scenario, run_until, with_goals

MakeApp = Callable[..., MoomApp]


def header(app: MoomApp) -> str:
    return app.main.query_one(StatusLine).plain


def console_answer(app: MoomApp, line: str) -> str:
    before = len(app.query_one(ConsoleView).output.plain)
    app.run_command(line)
    return app.query_one(ConsoleView).output.plain[before:]


async def test_the_header_uptime_is_the_uptime_of_uptime_and_dmesg(make_app: MakeApp) -> None:
    """The preset's machine has been up for an hour when the run starts (jiffies 360000):
    the header says so, as ``uptime`` and dmesg's stamps do; the run's own clock is apart
    and labelled."""
    app = make_app(hog_scenario())
    async with app.run_test(size=(160, 40)):
        app.driver.step(75 * HZ)
        app.refresh_frame()
        text = header(app)
        assert "up 1:01:15 jiffies 367500" in text and "│ run 01:15 │" in text
        assert " up  1:01, " in console_answer(app, "uptime")
        assert "\n3675.00 " in console_answer(app, "cat /proc/uptime")
        app.run_command("echo")
        stamps = re.findall(r"\[ *(\d+)\.\d+\]", console_answer(app, "dmesg"))
        assert stamps and int(stamps[0]) == 3600


async def test_a_game_shows_its_game_clock_across_a_reboot(make_app: MakeApp) -> None:
    """After a reboot the uptime starts again (from the preset's jiffies, as each boot does);
    the game clock goes on."""
    scenario = with_goals(hog_scenario(), survive=600 * HZ)
    app = make_app(scenario)
    async with app.run_test(size=(160, 40)) as pilot:
        await begin(app, pilot)
        app.driver.step(30 * HZ)
        app.run_command("reboot")
        app.driver.step(5 * HZ)
        app.refresh_frame()
        text = header(app)
        assert "│ game 00:35 │" in text
        assert "up 1:00:05" in text


async def test_at_80_columns_a_game_keeps_its_game_clock(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), survive=600 * HZ))
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(app, pilot)
        app.driver.step(12 * HZ)
        app.refresh_frame()
        text = header(app)
        assert " game 00:12 " in text and "up " not in text


async def test_the_header_reads_thrashing_through_swap_trap_not_oom(make_app: MakeApp) -> None:
    app = make_app(load_preset("swap-trap"))
    async with app.run_test(size=(120, 40)):
        run_until(app, lambda: app.kernel.oom_state() == "thrashing", seconds=30)
        app.driver.step(20 * HZ)
        app.refresh_frame()
        assert "OOM  thrashing " in header(app)
        assert app.kernel.kills == 0


@pytest.mark.slow
async def test_a_narrow_header_leaves_out_the_least_needed_never_the_goals_or_paused(
    make_app: MakeApp,
) -> None:
    """Issue 24, item 5: at 120 columns the header cut the live goals (and could cut the
    ``PAUSED`` badge) at its end. It leaves out the jiffies counter, ``Linux``, the goals'
    label, a clock, the preset's long name, the release … first: the state word, the speed,
    ``PAUSED`` and every goal stay whole, at 120 columns and at 80."""
    for preset in ("fork-bomb", "ha-failover"):
        for width in (200, 120, 100, 80):
            app = make_app(load_preset(preset))
            async with app.run_test(size=(width, 24)) as pilot:
                await begin(app, pilot)
                app.refresh_frame()
                text = header(app)
                assert len(text) <= width, (preset, width, text)
                assert "PAUSED" in text and " OOM  ok " in text, (preset, width, text)
                chips = [chip for _, chip in app.game.chips()]
                assert len(chips) == 3
                for chip in chips:
                    assert chip in text, (preset, width, chip, text)
                if width == 200:  # room for all: nothing left out
                    assert "Linux 2.4.22-moom" in text and " jiffies " in text
                    assert "│ goals ●" in text and app.sim.scenario.name in text


async def test_a_game_under_way_keeps_its_goals_whole_at_80_columns(make_app: MakeApp) -> None:
    """100 s into the fork bomb, its goals counting in three digits, all still fit."""
    app = make_app(load_preset("fork-bomb"))
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(app, pilot)
        app.driver.step(100 * HZ)
        app.driver.pause()
        app.refresh_frame()
        text = header(app)
        state = app.kernel.oom_state()
        assert f" {state} " in text and "PAUSED" in text, text
        for _, chip in app.game.chips():
            assert chip in text, (chip, text)
        assert len(text) <= 80
