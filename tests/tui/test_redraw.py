"""The screen redraws what changed and no more: a log that grows, a fork out of view, the task
count in the panel's title; and the heap of a big machine is frozen for short collections."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest
from textual.events import Key
from textual.geometry import Region, Size
from textual.widget import Widget

from moomtui.kernel import TaskSpec
from moomtui.kernel.clock import Driver
from moomtui.modules import GuardedScore
from moomtui.modules.classic import badness
from moomtui.tui import heap
from moomtui.tui.app import MoomApp
from moomtui.tui.columns import Context, select_victim
from moomtui.tui.components import process_view
from moomtui.tui.components.main_screen import TasksPanel
from moomtui.tui.components.process_view import ProcessView
from moomtui.tui.components.scrolling import set_virtual_size

from ..fixtures import machine
from .scenarios import family_scenario
from .waiting import until

SIZE = (160, 40)
MakeApp = Callable[..., MoomApp]


def lines(n: int, start: int = 0) -> list[tuple[str, str]]:
    return [(f"line {i}", "") for i in range(start, start + n)]


async def test_a_log_that_grows_shows_its_last_line_in_the_same_frame(make_app: MakeApp) -> None:
    """Growing a log whose scrollbar stays needs no layout of the screen; the view follows
    the end at once and its scrollbar measures the new length."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        log = app.main.dmesg_view
        log.write(lines(100))
        await pilot.pause()
        assert log.show_vertical_scrollbar and log.scroll_y == log.max_scroll_y
        log.write(lines(5, start=100))
        assert log.virtual_size.height == len(log._rows)
        assert log.scroll_y == log.max_scroll_y  # before any refresh: this frame shows it
        assert log.vertical_scrollbar.window_virtual_size == log.virtual_size.height
        kept = (log.scroll_y, log.max_scroll_y, log.vertical_scrollbar.window_size)
        log.refresh(layout=True)  # what a layout of the screen would make of it
        await pilot.pause()
        assert (log.scroll_y, log.max_scroll_y, log.vertical_scrollbar.window_size) == kept
        assert log.render_line(log.scrollable_content_region.height - 1).text.startswith("line 104")


async def test_a_log_that_outgrows_its_panel_line_by_line_gets_a_vertical_bar_alone(
    make_app: MakeApp,
) -> None:
    """Its lines wrap narrower when the vertical bar comes; no horizontal bar stays behind
    to hide the last line (as the kernel log fills during a run)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        log = app.main.dmesg_view
        log.clear()
        await pilot.pause()
        for i in range(log.container_size.height + 5):
            log.write(lines(1, start=i))
            await pilot.pause()
        assert log.show_vertical_scrollbar and not log.show_horizontal_scrollbar
        last = log.scrollable_content_region.height - 1
        assert log.render_line(last).text.startswith(f"line {i}")


async def test_the_screen_is_laid_out_only_when_a_scrollbar_comes_or_goes(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        log = app.main.dmesg_view
        log.clear()
        await pilot.pause()
        room = log.container_size.height
        width = log.virtual_size.width
        assert not log.show_vertical_scrollbar
        assert set_virtual_size(log, Size(width, room - 1)) is False  # still fits: no bar
        assert set_virtual_size(log, Size(width, room + 10)) is True  # a bar comes
        await pilot.pause()
        assert log.show_vertical_scrollbar
        assert set_virtual_size(log, Size(width, room + 20)) is False  # it stays
        assert set_virtual_size(log, Size(width, 1)) is True  # it goes
        await pilot.pause()
        assert not log.show_vertical_scrollbar
        assert set_virtual_size(log, Size(width, 1)) is False  # no change at all


def row_refreshes(view: Widget, monkeypatch: pytest.MonkeyPatch) -> list[Region | None]:
    """The regions Textual is asked to repaint of ``view`` from now on (None: all of it)."""
    asked: list[Region | None] = []
    refresh = Widget.refresh

    def recording(self: Widget, *regions: Region, **kwargs: bool) -> Widget:
        if self is view:
            asked.extend(regions or [None])
        return refresh(self, *regions, **kwargs)

    monkeypatch.setattr(Widget, "refresh", recording)
    return asked


async def test_a_fork_below_the_visible_rows_repaints_none_of_them(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree is mended and the rows' count grows, but every row on the screen reads as
    before: nothing of the tree is repainted (the scrollbar's thumb aside)."""
    app = make_app(family_scenario())
    async with app.run_test(size=(160, 24)) as pilot:
        await pilot.pause()
        app.refresh_frame()
        view = app.main.process_view
        k = app.kernel
        last = max(k.tasks.values(), key=lambda t: t.pid)
        assert view.model.index[last.pid] > view.body_height  # out of view
        k.fork(last, k.programs["idle"]())
        app.refresh_frame()  # the rows on the screen are drawn by now, as in a running app
        asked = row_refreshes(view, monkeypatch)
        rows = len(view.model.rows)
        child = k.fork(last, k.programs["idle"]())
        assert child is not None
        app.refresh_frame()
        assert len(view.model.rows) == rows + 1
        assert asked == []
        # A fork among the rows shown repaints the rows it moved, and shows the new one.
        child = k.fork(k.tasks[300], k.programs["idle"]())
        assert child is not None
        app.refresh_frame()
        assert asked and None not in asked
        row = view.model.index[child.pid]
        assert f"{child.pid} " in view.render_line(row - round(view.scroll_y) + 1).text


async def test_a_new_task_count_repaints_the_frame_lines_not_the_tree(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual repaints a whole widget when its border title is set: for the task panel that
    would be the tree inside it, at every fork and exit."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.refresh_frame()
        panel = app.query_one(TasksPanel)
        asked = row_refreshes(panel, monkeypatch)
        k = app.kernel
        k.fork(k.tasks[300], k.programs["idle"]())
        app.refresh_frame()
        assert panel.border_title == f"tasks {len(k.tasks)}"
        width, height = panel.outer_size  # the frame's lines: the subtitle is on the last
        offset = panel.content_offset
        assert asked == [
            Region(-offset.x, -offset.y, width, 1),
            Region(-offset.x, height - 1 - offset.y, width, 1),
        ]


def test_a_big_machine_has_its_heap_frozen_once_and_given_back_for_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heap, "FREEZE_TASKS", 20)
    big = machine(*[TaskSpec(comm=f"d{i}") for i in range(30)])
    small = machine(TaskSpec(comm="d"))
    freezer = heap.HeapFreeze()
    try:
        assert not freezer.due(small)
        freezer.freeze(small)
        assert freezer.freezes == 0 and gc.get_freeze_count() == 0
        assert freezer.due(big)
        freezer.freeze(big)
        assert freezer.freezes == 1 and gc.get_freeze_count() > 0
        assert not freezer.due(big)  # once per machine
        big.reboot()  # a new machine in the same kernel object: its old tasks are garbage
        assert freezer.due(big)
        freezer.freeze(big)
        assert freezer.freezes == 2
        freezer.freeze(small)  # another, small machine: the big one's objects given back
        assert gc.get_freeze_count() == 0 and freezer.freezes == 2
        freezer.freeze(big)
        freezer.release()  # the app ends
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


async def test_a_key_holds_the_clock_from_the_moment_it_is_posted(make_app: MakeApp) -> None:
    """A key posted to the app — as the terminal's input thread has it posted — holds the
    clock at once, hops of the loop before it comes in, so a slice that comes due meanwhile
    does not run first; once it is drawn nothing is held. One posted from another thread is
    held when it comes in."""
    app = make_app(family_scenario(), paused=False, speed=100.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        assert not app.driver.holding
        app.simulate_key("down")  # App.post_message, on the loop
        assert app.driver.holding and not app.keyfirst.keys  # held before it came in
        assert await until(pilot, lambda: not app.driver.holding)
        assert not app.keyfirst.keys

        thread = threading.Thread(target=app.post_message, args=(Key("down", None),))
        thread.start()
        thread.join()
        assert not app.driver.holding
        assert await until(pilot, lambda: app.main.selected_task is not None)
        await pilot.pause()
        assert await until(pilot, lambda: not app.driver.holding and not app.keyfirst.keys)


@pytest.mark.slow
async def test_a_key_is_handled_and_drawn_before_the_clock_and_the_frame_go_on(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the moment a key comes in until what it did is painted, the clock runs no slice
    and the frame timer draws no frame (keyfirst.py): the key's hops through Textual's
    queues wait for nothing of the machine's. A frame the timer skipped is drawn after."""
    app = make_app(family_scenario(), paused=False, speed=100.0)
    seen: list[str] = []

    def recording(cls: type, name: str, label: str) -> None:
        real = getattr(cls, name)

        def record(*args: object, **kwargs: object) -> object:
            seen.append(label)
            return real(*args, **kwargs)

        monkeypatch.setattr(cls, name, record)

    recording(Driver, "hold", "hold")
    recording(Driver, "release", "release")
    recording(Driver, "_run_bounded", "slice")
    recording(ProcessView, "select_row", "key")
    recording(MoomApp, "refresh_frame", "frame")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        assert "slice" in seen and "frame" in seen  # the machine runs
        for _ in range(5):
            seen.clear()
            await pilot.press("down")
            await pilot.pause()
            held = seen[seen.index("hold") : seen.index("release")]
            assert "key" in held and "slice" not in held and "frame" not in held, seen
        assert not app.driver.holding and not app.keyfirst.keys

        frames = app.frames
        event = Key("down", None)
        app.keyfirst.came(event)
        app._frame_tick()  # the timer, while a key is in hand
        assert app.frames == frames and app.keyfirst.frame_owed
        app.keyfirst.back(event)
        await pilot.pause()
        assert app.frames > frames and not app.keyfirst.frame_owed and not app.driver.holding


@pytest.mark.slow
async def test_the_next_victim_of_a_classic_killer_is_the_kernels_ranking_not_a_walk(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """oom_kill scores with badness() under its oops guard: the OOM column's next victim is
    the kernel's ranking's (no walk of every task at every fork), and the one the walk
    would find."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        app.run_command("insmod oom_kill")
        await pilot.pause()
        k = app.kernel
        walked = select_victim(k.tasks.values(), Context(k.jiffies, badness))

        def no_walk(*args: object) -> None:
            raise AssertionError("every task walked")

        monkeypatch.setattr(process_view, "select_victim", no_walk)
        child = k.fork(k.tasks[300], k.programs["idle"]())
        assert child is not None
        app.refresh_frame()
        view = app.main.process_view
        assert isinstance(view.ctx.badness, GuardedScore)
        assert view.ctx.victim == walked is not None


@pytest.mark.parametrize(("given", "painted"), [(None, 120), ("30", 30)])
def test_the_screen_paints_up_to_120_times_a_second_unless_the_user_says(
    given: str | None, painted: int
) -> None:
    """Textual paints what a key did at its next update, at most TEXTUAL_FPS a second (60
    unless set): the screen asks for 120, so the wait is half; a user's TEXTUAL_FPS wins."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if given is not None:
        env["TEXTUAL_FPS"] = given
    code = "import moomtui.tui, textual.screen as s; print(round(1 / s.UPDATE_PERIOD))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == str(painted), out.stderr
