"""SVG snapshots of the main screen, the panic screen, help, a game's briefing and its report,
and explain.

Fixed terminal size, a paused clock, a fixed seed, the vga theme and no cursor blink (see
conftest.py), so the pictures change only when the screen does. Update them after a deliberate
change with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable

from moomtui.kernel import events as ev
from moomtui.kernel.constants import HZ
from moomtui.presets import load_preset
from moomtui.tui.app import MoomApp

from ..fixtures import Recorder
from .scenarios import begin, hog_scenario, run_until, with_goals

MakeApp = Callable[..., MoomApp]


def steady(app: MoomApp) -> None:
    """No wall-clock highlights: what a picture shows depends on the machine only."""
    app.tracker.flash = 0


def test_main_screen_after_the_first_kill(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(hog_scenario(), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        recorder = Recorder(app.kernel)
        run_until(app, lambda: bool(recorder.of(ev.OomKill)))
        app.driver.step(HZ)
        app.run_command("lsmod")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=play)


def test_main_screen_at_80_by_24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(hog_scenario(), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        app.driver.step(2 * HZ)
        app.refresh_frame()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=play)


def test_panic_screen(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(hog_scenario(modules=("oom_panic",)), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        run_until(app, lambda: app.kernel.panicked is not None)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=play)


def test_help_screen(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(hog_scenario(), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 30), run_before=play)


def test_report_of_a_lost_game(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(with_goals(hog_scenario(), survive=60 * HZ, max_kills=0), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        await begin(app, pilot)
        run_until(app, lambda: app.game.ended)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=play)


def test_explain_panel(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    """Why this victim? ``e`` on the hog, two seconds in: the seed's badness() a statement
    at a time, the ranking, and the timing rules."""
    app = make_app(hog_scenario(), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        app.driver.step(2 * HZ)
        app.refresh_frame()
        view = app.main.process_view
        hog = next(t.pid for t in app.kernel.tasks.values() if t.comm == "hog")
        view.select_pid(hog)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=play)


def test_briefing_of_fork_bomb_at_80_by_24(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    """What a newcomer sees first in a game, on the smallest terminal: goals, rules, the
    score to beat, the hint and the keys, over the machine stopped at 1×."""
    app = make_app(load_preset("fork-bomb"), theme="vga", paused=False, speed=5.0)

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=play)


def test_briefing_of_ha_failover_at_120_by_40(snap_compare, make_app: MakeApp) -> None:  # type: ignore[no-untyped-def]
    app = make_app(load_preset("ha-failover"), theme="vga")

    async def play(pilot) -> None:  # type: ignore[no-untyped-def]
        steady(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=play)
