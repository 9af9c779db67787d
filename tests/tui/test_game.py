"""The game on the screen: goals in the header, the report when the game ends, what next."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from textual.widgets import OptionList, Static

from moomtui.kernel.constants import HZ
from moomtui.tui.app import MoomApp
from moomtui.tui.components.briefing import BriefingScreen
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.dialogs import PresetPicker
from moomtui.tui.components.panic import PanicScreen
from moomtui.tui.components.report import ReportScreen, score_card_table
from moomtui.tui.components.status import StatusLine

from .scenarios import begin, hog_scenario, run_until, with_goals
from .waiting import notifications, until

SIZE = (120, 40)
MakeApp = Callable[..., MoomApp]


def header(app: MoomApp) -> str:
    return app.main.query_one(StatusLine).plain


def report(app: MoomApp) -> ReportScreen:
    assert isinstance(app.screen, ReportScreen), app.screen_stack
    return app.screen


async def play_to_the_end(app: MoomApp, pilot) -> None:  # type: ignore[no-untyped-def]
    if isinstance(app.screen, BriefingScreen) or app.game.held:
        await begin(app, pilot)
    run_until(app, lambda: app.game.ended)
    await pilot.pause()


async def test_the_header_shows_each_goal_and_its_state(make_app: MakeApp) -> None:
    scenario = with_goals(hog_scenario(), survive=120 * HZ, protect=["sshd"], max_kills=3)
    app = make_app(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        app.driver.step(2 * HZ)
        app.refresh_frame()
        assert "goals ●survive 2/120s ●protect sshd ●kills 0/3" in header(app)


async def test_a_preset_without_goals_adds_nothing_to_the_header(make_app: MakeApp) -> None:
    app = make_app(hog_scenario())
    async with app.run_test(size=SIZE):
        app.driver.step(HZ)
        app.refresh_frame()
        assert "goals" not in header(app) and "sandbox" not in header(app)


async def test_surviving_at_max_speed_ends_the_run_with_the_won_report(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), survive=5 * HZ), speed=math.inf, paused=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.driver.paused and app.driver.speed == 1  # a game starts paused at 1×
        await pilot.press("enter")  # the briefing: start the clock
        app.driver.set_speed(math.inf)
        for _ in range(100):
            await pilot.pause(0.05)
            if isinstance(app.screen, ReportScreen):
                break
        await pilot.pause()
        screen = report(app)
        assert screen.report.outcome == "won"
        assert "You won: every goal met at 5.0 s." in screen.plain
        assert "✓ met survive 5s" in screen.plain
        assert "score card (5.0 s;" in screen.plain  # the card, with the seed's criteria
        assert app.driver.paused
        assert app.game.run_time() == 5 * HZ  # the machine stopped at the end, not later


async def test_a_goal_lost_ends_the_run_and_the_report_names_it(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), max_kills=0))
    async with app.run_test(size=SIZE) as pilot:
        hog = next(t.pid for t in app.kernel.tasks.values() if t.comm == "hog")
        await play_to_the_end(app, pilot)
        screen = report(app)
        assert screen.report.outcome == "lost"
        assert "Game over at" in screen.plain and "lost at most 0 kills" in screen.plain
        assert "✗ lost at most 0 kills: kill 1 at" in screen.plain
        assert f"hog (pid {hog}) by oom_kill" in screen.plain
        assert "✗kills 1/0" in header(app)
        card = screen.report.card
        assert score_card_table(card).row_count == len(card.rows()) == 8
        ticks = app.kernel.ticks
        app.driver.step(HZ)  # the game is over: the machine waits for a choice
        assert app.kernel.ticks == ticks


async def test_c_plays_on_in_sandbox_mode_and_the_clock_runs_again(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), max_kills=0))
    async with app.run_test(size=SIZE) as pilot:
        await play_to_the_end(app, pilot)
        ticks = app.kernel.ticks
        await pilot.press("c")
        assert not isinstance(app.screen, ReportScreen)
        assert app.game.sandbox and not app.driver.paused
        assert await until(pilot, lambda: app.kernel.ticks > ticks)
        app.refresh_frame()
        assert "│ sandbox" in header(app) and "goals" not in header(app)
        await pilot.press("g")  # the score so far, the game's end still told
        assert "Playing on in sandbox mode." in report(app).plain
        assert app.driver.paused


async def test_r_replays_the_preset_with_a_fresh_tracker(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), max_kills=0))
    async with app.run_test(size=SIZE) as pilot:
        await play_to_the_end(app, pilot)
        old_kernel, old_tracker = app.kernel, app.game.tracker
        subscribers = len(app.kernel.bus)
        app.driver.set_speed(10)
        await pilot.press("r")
        await pilot.pause()
        # a replay starts as the first game did: paused, at 1×, on the briefing
        assert isinstance(app.screen, BriefingScreen)
        assert app.driver.paused and app.driver.speed == 1 and app.game.held
        assert app.kernel is not old_kernel and app.game.tracker is not old_tracker
        assert app.kernel.ticks == 0 and app.game.run_time() == 0
        assert not app.game.tracker.lost and app.game.tracker.scorer.kills == 0
        assert len(app.kernel.bus) == subscribers  # the old tracker has left the bus
        await begin(app, pilot)
        app.refresh_frame()
        assert "●kills 0/0" in header(app)
        assert "Replay: Hog" in app.main.query_one(ConsoleView).output.plain


async def test_a_command_typed_as_the_game_ends_does_not_fall_on_the_reports_keys(
    make_app: MakeApp,
) -> None:
    """A player typing ``swapoff -a`` at the console when the game ended: the ``p`` opened
    the preset picker over the report and the Enter booted a preset, the report unread. The
    report holds a command's keys until its Enter (or Esc), and says so."""
    app = make_app(with_goals(hog_scenario(), max_kills=0))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await begin(app, pilot)
        await pilot.press("colon", *"swapo")  # halfway through a command
        assert app.focused is app.console_view.input
        told = notifications(app)
        run_until(app, lambda: app.game.ended)
        await pilot.pause()
        screen = report(app)
        assert screen.typing and told == [ReportScreen.TYPING_NOTICE]
        await pilot.press(*"ff -a", "enter")
        assert report(app) is screen and not screen.typing  # no picker, no boot
        await pilot.press("colon", "p", "l")  # the console's key over the report: held too
        assert report(app) is screen and screen.typing
        await pilot.press("escape")
        assert report(app) is screen and not screen.typing
        await pilot.press("p")  # the report's keys act again
        assert isinstance(app.screen, PresetPicker)


async def test_p_from_the_report_boots_another_preset_as_a_new_game(make_app: MakeApp) -> None:
    app = make_app(with_goals(hog_scenario(), max_kills=0))
    async with app.run_test(size=SIZE) as pilot:
        await play_to_the_end(app, pilot)
        await pilot.press("p")
        assert isinstance(app.screen, PresetPicker)
        await pilot.press("escape")  # back to the report: the game is still over
        report(app)
        await pilot.press("p")
        picker = app.screen.query_one(OptionList)
        picker.highlighted = [o.id for o in picker.options].index("fork-bomb")
        await pilot.press("enter")
        await pilot.pause()
        app.driver.pause()
        assert app.sim.scenario.key == "fork-bomb"
        assert not isinstance(app.screen, ReportScreen)
        assert app.game.tracker.scenario is app.sim.scenario and not app.game.ended
        app.refresh_frame()
        assert "●protect mysqld, sshd" in header(app)


async def test_a_panic_that_loses_the_game_shows_the_panic_first_then_the_report(
    make_app: MakeApp,
) -> None:
    """The panic is what such a game is about: it stays in front, saying the game is over;
    Enter opens the report over it; a replay leaves both."""
    app = make_app(with_goals(hog_scenario(modules=("oom_panic",)), no_panic=True))
    async with app.run_test(size=SIZE) as pilot:
        await play_to_the_end(app, pilot)
        await pilot.pause()
        assert [type(s) for s in app.screen_stack[1:]] == [PanicScreen]
        panic = app.screen
        assert isinstance(panic, PanicScreen)
        status = str(panic.query_one("#panic-status", Static).render())
        assert "Game over: lost no panic. Press Enter (or g) for the report." in status
        log = str(panic.query_one("#panic-log", Static).render())
        assert "Kernel panic: Out-Of-Memory" in log
        await pilot.press("enter")
        assert [type(s) for s in app.screen_stack[1:]] == [PanicScreen, ReportScreen]
        assert "✗ lost no panic: panic at" in report(app).plain
        await pilot.press("r")
        await pilot.pause()
        assert app.kernel.panicked is None
        assert [type(s) for s in app.screen_stack[1:]] == [BriefingScreen]


async def test_a_reboot_after_a_panic_is_part_of_the_same_game(make_app: MakeApp) -> None:
    scenario = with_goals(
        hog_scenario(modules=("oom_panic",), sysctl={"kernel.panic": 1}), max_kills=3
    )
    app = make_app(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        tracker = app.game.tracker
        run_until(app, lambda: app.kernel.boot == 1)
        assert app.game.tracker is tracker
        assert (tracker.scorer.panics, tracker.scorer.reboots) == (1, 1)
        assert app.game.run_time() > app.kernel.ticks  # run time counts across the reboot


@pytest.mark.slow
async def test_g_and_score_show_the_report_of_a_preset_without_goals(make_app: MakeApp) -> None:
    app = make_app(hog_scenario(), paused=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("g")
        screen = report(app)
        assert screen.report.outcome == "on" and "has no goals: a sandbox" in screen.plain
        assert app.driver.paused  # the clock stands still while the report is up
        ticks = app.kernel.ticks
        await pilot.press("space", "full_stop", "greater_than_sign")
        await pilot.pause(0.2)
        assert app.kernel.ticks == ticks and app.driver.paused
        await pilot.press("escape")
        assert not app.driver.paused  # as it was before
        await pilot.press("colon", *"sco", "tab")
        assert app.query_one(ConsoleView).input.value.strip() == "score"
        await pilot.press("enter")
        report(app)
        await pilot.press("c")
        assert not isinstance(app.screen, ReportScreen) and not app.game.sandbox
