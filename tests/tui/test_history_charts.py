"""The history charts and rewind on the screen: y opens the charts, b goes back 5 s."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.events import Key

from moomtui.kernel.constants import HZ
from moomtui.presets import load_shipped_preset
from moomtui.tui.app import MoomApp
from moomtui.tui.components.charts import HistoryScreen
from moomtui.tui.components.console import ConsoleView
from moomtui.tui.components.dmesg import DmesgView
from moomtui.tui.timeline import MAX_SAMPLES, Timeline

from .reading import screen_lines
from .waiting import until

SIZE = (120, 40)


@pytest.mark.slow
async def test_charts_show_the_kill_and_b_rewinds_past_it_with_the_branch_marked(
    make_app: Callable[..., MoomApp],
) -> None:
    app = make_app(load_shipped_preset("leaky-apache"))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(10):  # a sample a frame, as the screen takes them
            app.game.run_for(5 * HZ)
            app.refresh_frame()
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        kills = [(k.at, k.comm, k.pid, k.module) for k in app.timeline.kills]
        assert kills == [(4682, "httpd", 10, "oom_kill")]  # [86446.820], 46.82 s into the run
        assert "46.82s  httpd (10)  oom_kill" in screen.kill_list.text.plain
        assert screen.draws == 1 and len(app.timeline.samples) == 11
        selected = app.main.selected_task
        assert selected is not None and len(app.timeline.rss[selected]) == 11
        assert screen.memory_plot.builds >= 1 and screen.rss_plot.builds >= 1

        await pilot.press("b")  # on the charts too: back to 45 s, before the kill
        await pilot.pause()
        assert app.sim.run_time == 45 * HZ
        assert (
            "rewind: back to 45s of the run (from 50s)" in app.query_one(ConsoleView).output.plain
        )
        assert list(app.timeline.kills) == [] and app.timeline.branches == [(45 * HZ, 50 * HZ)]
        assert app.timeline.samples[-1].at <= 45 * HZ
        screen.redraw()
        assert "⟲ rewound here from 50s" in screen.kill_list.text.plain
        log = app.query_one(DmesgView).plain
        assert log.endswith("──── ⟲ rewound to 45s (from 50s) ────")
        assert "Killed process 10" not in log

        await pilot.press("full_stop")  # a jiffy: told at once under the charts
        assert f"run 45.01s · jiffies {app.kernel.jiffies} · PAUSED" in screen.keys_line.text
        assert "b: rewind 5s" in screen_lines(app)[-1]

        await pilot.press("escape")
        assert app.screen is app.main
        await pilot.press("colon")
        app.query_one(ConsoleView).input.value = "charts"
        await pilot.press("enter")
        assert isinstance(app.screen, HistoryScreen)


def test_the_timeline_stays_bounded_and_covers_the_whole_run() -> None:
    from moomtui.sim import Simulation

    sim = Simulation(load_shipped_preset("classic-leak"))
    timeline = Timeline()
    for _ in range(3 * MAX_SAMPLES):
        sim.run_for(2)
        timeline.frame(sim, 1)
    assert len(timeline.samples) <= MAX_SAMPLES and len(timeline.rss[1]) <= MAX_SAMPLES
    assert timeline.samples[-1].at > 6 * MAX_SAMPLES - 2 * timeline.every  # now, and ...
    assert timeline.samples[0].at <= 2 * timeline.every  # ... the run's start still in
    assert timeline.every == 8  # thinned three times, sampled half as often each time


def _sparklines(app: MoomApp) -> list[str]:
    plain = app.main.memory_view.plain
    return [line for line in plain.split("\n") if "(last 60s)" in line]


@pytest.mark.slow
async def test_the_memory_sparklines_after_a_rewind_are_the_runs_own_minute(
    make_app: Callable[..., MoomApp],
) -> None:
    """After ``rewind`` the memory panel's minute of free memory and swap is the one it
    showed when the run was at that moment — not a fresh start. Its own samples cover the
    last minute: back 5 s they are what it keeps; back 90 s (from 100 s to 10 s) it has
    none left of then, and the run's timeline gives them back."""
    app = make_app(load_shipped_preset("swap-trap"))  # it swaps: two sparklines
    shown: dict[int, list[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # the game's briefing read
        for _ in range(400):  # a frame every quarter of a second, as at 5× real time
            app.game.run_for(HZ // 4)
            app.refresh_frame()
            if app.sim.run_time in (10 * HZ, 95 * HZ):
                shown[app.sim.run_time] = _sparklines(app)
        assert app.sim.run_time == 100 * HZ and len(_sparklines(app)) == 2
        first = app.main.memory_view.free_history[0][0]
        assert first > app.kernel.ticks - 61 * HZ  # the panel keeps its minute, no more
        assert shown[10 * HZ] != shown[95 * HZ]

        await pilot.press("b")  # rewind 5s
        await pilot.pause()
        assert app.sim.run_time == 95 * HZ
        assert _sparklines(app) == shown[95 * HZ]

        app.run_command("rewind 85s")
        assert app.sim.run_time == 10 * HZ and app.kernel.ticks < first
        assert _sparklines(app) == shown[10 * HZ]
        assert "▁" in shown[10 * HZ][0]  # the run's own ten seconds are drawn


async def test_the_charts_timer_plots_the_memory_chart_and_the_rss_chart_in_turn(
    make_app: Callable[..., MoomApp],
) -> None:
    """Each plot is a build of 10-15 ms: the timer draws one at a time, so a key waits for
    one at most; a chart whose data did not move is not plotted again."""
    app = make_app(load_shipped_preset("leaky-apache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        builds = lambda: (screen.memory_plot.builds, screen.rss_plot.builds)  # noqa: E731
        turns = []
        for _ in range(3):
            app.game.run_for(HZ)
            app.refresh_frame()  # a sample: both charts' data moved
            before = builds()
            screen._redraw_half()
            middle = builds()
            screen._redraw_half()
            turns.append((before, middle, builds()))
        for (m0, r0), (m1, r1), (m2, r2) in turns:
            assert {(m1 - m0, r1 - r0), (m2 - m1, r2 - r1)} == {(1, 0), (0, 1)}
        still = builds()
        screen._redraw_half()
        screen._redraw_half()
        assert builds() == still  # nothing moved: nothing plotted


async def test_the_charts_plot_after_the_key_in_hand_is_drawn(
    make_app: Callable[..., MoomApp],
) -> None:
    """A plot is a build of 10-15 ms: while a key is in hand, neither the charts' timer nor
    a command's redraw plots before the key's paint — they come once it is drawn, one plot
    a refresh."""
    app = make_app(load_shipped_preset("leaky-apache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await pilot.pause()
        builds = lambda: (screen.memory_plot.builds, screen.rss_plot.builds)  # noqa: E731
        app.game.run_for(HZ)
        app.refresh_frame()  # a sample: both charts' data moved
        before = builds()
        key = Key("full_stop", ".")
        app.keyfirst.came(key)  # a key in hand
        screen._redraw_half()  # the timer
        app.keyfirst.after_keys(screen.redraw_in_turn)  # a command's redraw
        await pilot.pause()
        assert builds() == before
        app.keyfirst.back(key)  # its binding ran; done at its paint
        assert await until(pilot, lambda: builds() == (before[0] + 1, before[1] + 1))
        assert not app.keyfirst.keys


async def test_a_command_on_the_paused_charts_is_plotted_once_its_key_is_drawn(
    make_app: Callable[..., MoomApp],
) -> None:
    """Paused, the charts' data moves only by a command: `.` is plotted as soon as its key
    is drawn, not at the timer's next turn."""
    app = make_app(load_shipped_preset("leaky-apache"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and app.driver.paused
        await pilot.pause()
        before = (screen.memory_plot.builds, screen.rss_plot.builds)
        await pilot.press("greater_than_sign")  # a second: a sample for both charts
        await pilot.pause()
        await pilot.pause()
        assert (screen.memory_plot.builds, screen.rss_plot.builds) == (
            before[0] + 1,
            before[1] + 1,
        )
