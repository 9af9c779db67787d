"""The campaign screen: levels in order, locked until the one before is won; a level started
from it boots with a seed of its own, shown on its briefing; its win opens the next level.
Help stops the clock while it is open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import OptionList

from moomtui.game.campaign import LEVELS, level_seeds
from moomtui.presets import load_shipped_preset
from moomtui.tui.app import MoomApp
from moomtui.tui.components.briefing import BriefingScreen
from moomtui.tui.components.campaign import CampaignScreen
from moomtui.tui.components.report import ReportScreen

from .scenarios import run_until

MakeApp = Callable[..., MoomApp]


@pytest.mark.slow
async def test_a_level_played_from_the_campaign_screen_opens_the_next(
    make_app: MakeApp,
) -> None:
    first = load_shipped_preset(LEVELS[0].key)
    app = make_app(first, campaign=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen) and app.driver.paused
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).disabled for i in range(3)] == [
            False,
            True,
            True,
        ]
        await pilot.press("enter")  # level 1, a new seed
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        seed = app.kernel.spec.seed
        assert seed in level_seeds(first)
        assert f"Seed {seed}, which the workload varies with" in app.screen.plain
        assert "Built in (y): none." in app.screen.plain
        await pilot.press("escape")
        app.driver.resume()  # help stops the clock, in a game or out of one, and restarts it
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.driver.paused
        await pilot.press("escape")
        await pilot.pause()
        assert not app.driver.paused
        app.driver.pause()
        app.run_command("insmod oom_kill")  # as the console runs a typed line
        run_until(app, lambda: app.game.ended)
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen) and app.game.tracker.won
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        options = app.screen.query_one(OptionList)
        assert not options.get_option_at_index(1).disabled  # level 2 is open now
        assert options.highlighted == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)  # the game is over: its report again
