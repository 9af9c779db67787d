"""The campaign screen: levels in order, locked until the one before is won; a level started
from it boots with a seed of its own, shown on its briefing; its win opens the next level.
Help stops the clock while it is open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from textual.widgets import OptionList

from moomtui.game.campaign import LEVELS, level_seeds
from moomtui.presets import load_shipped_preset
from moomtui.tui.app import MoomApp
from moomtui.tui.components.briefing import BriefingScreen
from moomtui.tui.components.campaign import CampaignScreen
from moomtui.tui.components.report import ReportScreen

from .reading import screen_lines
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
        assert [state.open for state in app.screen.levels[:3]] == [True, False, False]
        await pilot.press("down", "enter")  # level 2 is locked: the screen stays
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        await pilot.press("up", "enter")  # level 1, a new seed
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
        assert app.screen.levels[1].open  # level 2 is open now
        assert options.highlighted == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReportScreen)  # the game is over: its report again


@pytest.mark.slow
async def test_at_80_by_24_the_campaign_and_a_briefing_fit_their_width_and_scroll(
    make_app: MakeApp,
) -> None:
    """Each level takes three lines that fit 80 columns (the running mark on its par line,
    unwrapped); the keys scroll the list to the last level, and a briefing taller than the
    screen says it scrolls and does."""
    first = load_shipped_preset(LEVELS[0].key)
    app = make_app(first, campaign=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert any("Campaign: the modular OOM killer — 0/11 won" in line for line in lines)
        assert any("Enter plays (a new seed) · ↑↓ choose · Esc closes" in line for line in lines)
        at = next(i for i, line in enumerate(lines) if "Level 1: no OOM at all" in line)
        assert "· Level 1: no OOM at all  ← running" in lines[at]
        assert "par livelock 3.0s · best -" in lines[at + 1]
        assert LEVELS[0].idea in lines[at + 2]
        assert not any("Level 11" in line for line in lines)  # below: the list scrolls
        await pilot.press("end")
        await pilot.pause()
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Level 11: a policy of your own" in line)
        assert "locked: win level 10 first" in lines[at + 1]
        assert LEVELS[-1].idea in lines[at + 2]
        assert any("Level 10: HA node" in line for line in lines)  # numbered like the rest
        await pilot.press("enter")  # locked: the screen stays
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        await pilot.press("home", "enter")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        await pilot.pause()
        lines = screen_lines(app)
        assert any("Esc look around first  ·  ↑↓ more" in line for line in lines)
        assert not any("Keys:" in line for line in lines)
        await pilot.press("end")
        await pilot.pause()
        assert any("Keys:" in line for line in screen_lines(app))


def test_every_levels_lines_fit_the_list_of_an_80_column_screen() -> None:
    """The list's text is 70 columns wide at 80 (68 inside its padding): no level's line is
    wider, whichever level runs, with a best on every level (a game won outside the
    campaign) and every one locked."""
    from moomtui.game import ScoreBook
    from moomtui.game.campaign import load_levels, progress
    from moomtui.game.scores import ScoreResult

    scenarios = load_levels()
    book = ScoreBook(None)
    for key, scenario in scenarios.items():
        assert scenario.score is not None
        book.record(key, ScoreResult(scenario.score.by, 88.8, scenario.score.par))
    states = [replace(s, open=False, won=False) for s in progress(book, scenarios)]
    served = progress(book, scenarios, run_code=False)
    for level in LEVELS:
        screen = CampaignScreen([*states, served[-1]], level.key)
        for state in (*states, served[-1]):
            lines = screen.prompt(state).plain.split("\n")
            assert len(lines) == 3 and max(map(len, lines)) <= 68, lines
    skipped = CampaignScreen(served).prompt(served[-1]).plain
    assert skipped.startswith("– Level 11: a policy of your own")
    assert skipped.endswith("needs a local moomtui: you write its policy in Python")
