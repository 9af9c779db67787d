"""The shipped games on the screen, played as a newcomer would.

Each game opens paused, at 1×, on its briefing; a replay and a boot of another game do the
same. Killing by hand breaks fork-bomb's rule at once; a won game's score becomes the
player's best, kept in a file under the (test's own) data dir, but not in a served session;
ha-failover's panic is shown before its report; the report explains each kill.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.shell.profile import SERVED
from moomtui.sim import Simulation
from moomtui.tui.app import MoomApp
from moomtui.tui.components.briefing import BriefingScreen
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.panic import PanicScreen
from moomtui.tui.components.report import ReportScreen

from .scenarios import begin, hog_scenario, run_until
from .waiting import until

SIZE = (120, 40)
MakeApp = Callable[..., MoomApp]


def console(app: MoomApp) -> str:
    return app.main.query_one(ConsoleView).output.plain


def report(app: MoomApp) -> ReportScreen:
    assert isinstance(app.screen, ReportScreen), app.screen_stack
    return app.screen


async def type_line(app: MoomApp, pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``line`` at the console's prompt and press Enter."""
    app.main.console_view.input.focus()
    await pilot.press(*line, "enter")
    await pilot.pause()


async def test_a_game_preset_opens_paused_at_1x_on_its_briefing(make_app: MakeApp) -> None:
    app = make_app(load_preset("fork-bomb"), paused=False, speed=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BriefingScreen)
        assert app.driver.paused and app.driver.speed == 1 and app.game.held
        text = screen.plain
        assert "Keep the machine up, and not livelocked, for 2m00s." in text
        assert "mysqld and sshd are not to be killed" in text
        assert "Hands off: a kill, killall (the k key) or reboot of yours loses — but a " in text
        assert "reboot into another kernel (kconfig first) is yours" in text
        assert "Score: work lost, lower is better. Par 10.0s; no best yet." in text
        assert "Hint: Watch the OOM column" in text
        assert "space start/pause" in text and "n renice" in text and "k kill" not in text
        await pilot.pause(0.3)
        assert app.kernel.ticks == 0  # nothing runs under the briefing
        await pilot.press("enter")
        assert not app.driver.paused and not app.game.held
        assert await until(pilot, lambda: app.kernel.ticks > 0)


@pytest.mark.slow
async def test_booting_a_game_after_a_fast_sandbox_does_not_carry_the_speed(
    make_app: MakeApp,
) -> None:
    app = make_app(hog_scenario(), paused=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, BriefingScreen)  # a sandbox has no briefing
        await type_line(app, pilot, "speed 5")
        assert app.driver.speed == 5
        await type_line(app, pilot, "boot fork-bomb")
        assert isinstance(app.screen, BriefingScreen)
        assert app.driver.paused and app.driver.speed == 1
        assert app.sim.scenario.key == "fork-bomb" and app.kernel.ticks == 0


async def test_killall_bomb_at_the_start_breaks_the_rule_and_ends_the_game(
    make_app: MakeApp,
) -> None:
    app = make_app(load_preset("fork-bomb"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        await type_line(app, pilot, "killall bomb")
        app.refresh_frame()
        await pilot.pause()
        screen = report(app)
        assert screen.report.outcome == "lost"
        assert "✗ lost hands off: killall sent SIGTERM to bomb (pid 9) at 0.0 s" in screen.plain
        assert not app.game.tracker.won


async def test_the_k_key_is_killing_by_hand_too(make_app: MakeApp) -> None:
    app = make_app(load_preset("fork-bomb"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        app.driver.step(3 * HZ)
        app.main.process_view.focus()
        app.main.process_view.select_pid(9)
        await pilot.press("k")  # the signal chooser, SIGTERM chosen
        await pilot.press("enter")
        app.refresh_frame()
        await pilot.pause()
        assert "✗ lost hands off: kill sent SIGTERM to bomb (pid 9)" in report(app).plain


async def test_a_won_game_keeps_its_best_score_and_the_next_briefing_shows_it(
    make_app: MakeApp, isolated_home: Path
) -> None:
    """renice 19 on the first bomb: every copy it forks is niced, badness() doubles for
    them, and the classic killer shoots bombs instead of mysqld."""
    app = make_app(load_preset("fork-bomb"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        await type_line(app, pilot, "renice 19 9")
        run_until(app, lambda: app.game.ended, seconds=130)
        await pilot.pause()
        screen = report(app)
        assert screen.report.outcome == "won"
        score = screen.report.score
        assert score is not None and score.at_par and score.value is not None
        assert f"A new best score: {score.show(score.value)}." in screen.plain
        kills = "\n".join(screen.report.kills)
        assert "bash (pid 500) by oom_kill: badness 1024" in kills
        assert "bomb (pid" in kills
        assert not any(" mysqld (pid 8) by " in line for line in screen.report.kills)
        saved = json.loads((isolated_home / "data" / "moomtui" / "scores.json").read_text())
        assert saved["best"]["fork-bomb"] == {"by": "work_lost", "best": score.value}
        await pilot.press("r")  # replay: the briefing again, with the best to beat
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        assert f"your best {score.show(score.value)}" in app.screen.plain


async def test_a_served_session_keeps_no_scores_file(isolated_home: Path) -> None:
    sim = Simulation(load_preset("fork-bomb"), profile=SERVED)
    app = MoomApp(sim, paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        await type_line(app, pilot, "renice 19 9")
        run_until(app, lambda: app.game.ended, seconds=130)
        await pilot.pause()
        assert report(app).report.outcome == "won"
        assert app.scores.path is None
        assert not (isolated_home / "data" / "moomtui" / "scores.json").exists()


async def test_a_served_session_cannot_boot_the_level_won_by_ones_own_code(
    isolated_home: Path,
) -> None:
    """Level 11 is won by a policy file, which a served session may not run: the picker
    says so on its line, and booting it is refused with the reason, the level not begun."""
    sim = Simulation(load_preset("fork-bomb"), profile=SERVED)
    app = MoomApp(sim, paused=True)
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        offered = {key: description for key, _, description in app.presets()}
        assert (
            "Level 11 needs a local moomtui: you write its policy in Python"
            in (offered["lvl11-own-policy"])
        )
        assert "needs a local moomtui" not in offered["lvl2-parent-pays"]
        await type_line(app, pilot, "boot lvl11-own-policy")
        assert "boot: lvl11-own-policy: Level 11 needs a local moomtui" in console(app)
        assert app.sim.scenario.key == "fork-bomb"
        # a rewind replays the run, the refused boot included: refused there too
        app.run_command("step 3s")
        app.run_command("rewind 1s")
        assert app.sim.scenario.key == "fork-bomb"
        assert app.kernel.spec.name == app.sim.scenario.spec.name
    local = MoomApp(Simulation(load_preset("fork-bomb")), paused=True)
    assert "needs a local" not in dict((k, d) for k, _, d in local.presets())["lvl11-own-policy"]


async def test_the_briefing_command_shows_the_card_again(make_app: MakeApp) -> None:
    app = make_app(load_preset("ha-failover"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        await type_line(app, pilot, "briefing")
        assert isinstance(app.screen, BriefingScreen)
        assert "The kernel must not panic." in app.screen.plain
        await pilot.press("escape")
        assert app.driver.paused


async def test_the_panic_screen_says_what_r_costs_in_a_hands_off_game(make_app: MakeApp) -> None:
    """Level 5 is won by the kernel rebooting itself: R, a reboot by hand, loses its hands-off
    goal, and the countdown's line says so while the game runs (not once it is over)."""
    app = make_app(load_preset("lvl5-fail-fast"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        app.run_command("sysctl -w kernel.panic=3")
        run_until(app, lambda: app.kernel.panicked is not None, seconds=75)
        app.refresh_frame()
        await pilot.pause()
        assert isinstance(app.screen, PanicScreen) and not app.game.ended
        status = str(app.screen.query_one("#panic-status").render())
        assert "press R to reboot now — by hand: that loses the game's hands-off goal" in status
        app.run_command("kconfig CONFIG_OOM_PANIC=m CONFIG_OOM_KILL=y")  # another kernel
        app.refresh_frame()
        await pilot.pause()
        status = str(app.screen.query_one("#panic-status").render())
        assert "loses" not in status  # a reboot into another kernel is the player's
        app.run_command("kconfig CONFIG_OOM_KILL=m")  # the running kernel's again
        app.refresh_frame()
        await pilot.pause()
        assert "loses the game's hands-off goal" in str(
            app.screen.query_one("#panic-status").render()
        )
        await pilot.press("R")
        await pilot.pause()
        assert app.game.ended
        assert any(g.label == "hands off" and g.state == "lost" for g in app.game.tracker.goals)


async def test_ha_failover_shows_its_panic_before_its_report(make_app: MakeApp) -> None:
    app = make_app(load_preset("ha-failover"))
    async with app.run_test(size=SIZE) as pilot:
        await begin(app, pilot)
        run_until(app, lambda: app.kernel.panicked is not None, seconds=60)
        app.refresh_frame()
        await pilot.pause()
        assert app.game.ended and isinstance(app.screen, PanicScreen)
        assert app.game.run_time() >= 30 * HZ  # a newcomer had half a minute first
        await pilot.press("enter")
        assert "✗ lost no panic: panic at" in report(app).plain
        assert "Kills: none" in report(app).plain
        await pilot.press("c")  # sandbox: the countdown runs on, the machine reboots
        await pilot.pause()
        assert isinstance(app.screen, PanicScreen) and not app.driver.paused
        run_until(app, lambda: app.kernel.boot == 1, seconds=15)
        await pilot.pause()
        assert not isinstance(app.screen, PanicScreen)
        assert "Sandbox mode" in console(app)
