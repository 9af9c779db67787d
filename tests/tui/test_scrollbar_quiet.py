"""A scrollbar repaints only when the thumb it draws moves (moomtui.tui.components.scrolling).

At 5,000 tasks and 100× the task tree's and the kernel log's numbers change every frame while
their thumbs stay put; :func:`move_bar` gives the bar its numbers without a repaint and
repaints it when :func:`thumb` changes. These tests hold :func:`thumb` to what Textual's
``ScrollBarRender`` draws (equal thumbs draw the same), and a log that grows line by line to
a bar whose numbers are always the view's while it repaints a few times only.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color
from textual.app import App, ComposeResult
from textual.scrollbar import ScrollBarRender

from moomtui.tui.components.line_log import LineLog
from moomtui.tui.components.scrolling import thumb

BACK, BAR = Color.parse("#202020"), Color.parse("#c0c0c0")


def _drawn(size: int, virtual: int, window: int, position: float) -> Any:
    """The segments Textual draws for a vertical bar with these numbers (as
    ``ScrollBar._render_bar`` hands them to the renderer)."""
    shown = window if window < virtual else 0
    return ScrollBarRender.render_bar(
        size=size,
        virtual_size=ceil(virtual),
        window_size=ceil(shown),
        position=position,
        back_color=BACK,
        bar_color=BAR,
    ).segments


@st.composite
def _two_bars(draw: st.DrawFn) -> tuple[tuple[int, int, int, float], ...]:
    """A bar's numbers, and the same bar a frame later: a few rows more or fewer, scrolled a
    little (the changes that come every frame)."""
    size = draw(st.integers(1, 60))
    virtual = draw(st.integers(0, 6000))
    window = draw(st.integers(0, 80))
    top = max(0, virtual - window)
    position = draw(st.integers(0, top * 8)) / 8
    virtual2 = max(0, virtual + draw(st.integers(-4, 4)))
    window2 = max(0, window + draw(st.sampled_from((0, 0, 0, -1, 1))))
    top2 = max(0, virtual2 - window2)
    position2 = min(top2, max(0.0, position + draw(st.integers(-16, 16)) / 8))
    return (size, virtual, window, position), (size, virtual2, window2, position2)


@settings(max_examples=300, deadline=None)
@given(_two_bars())
def test_equal_thumbs_draw_the_same(bars: tuple[tuple[int, int, int, float], ...]) -> None:
    """Numbers whose thumbs are equal draw the same segments: skipping the repaint then
    leaves the screen as Textual would have drawn it (different thumbs are repainted, which
    is never wrong)."""
    a, b = bars
    if thumb(*a) == thumb(*b):
        assert _drawn(*a) == _drawn(*b)


def test_a_moved_thumb_is_seen() -> None:
    """Scrolled a cell's worth, or grown enough to shrink the thumb: a different thumb."""
    assert thumb(20, 1000, 20, 0) != thumb(20, 1000, 20, 60)
    assert thumb(20, 100, 20, 0) != thumb(20, 400, 20, 0)
    assert thumb(20, 3000, 20, 1500) == thumb(20, 3001, 20, 1500)
    assert thumb(20, 10, 20, 0) == (20,)  # all of it shows: no thumb


class _Log(App[None]):
    def compose(self) -> ComposeResult:
        yield LineLog(max_lines=3000)


async def test_a_growing_log_keeps_its_bar_true_and_seldom_repaints_it() -> None:
    app = _Log()
    async with app.run_test(size=(60, 16)) as pilot:
        log = app.query_one(LineLog)
        log.write([(f"line {i}", "") for i in range(40)])
        await pilot.pause()
        bar = log.vertical_scrollbar
        repaints = 0
        original = bar.refresh

        def counted(*args: Any, **kwargs: Any) -> Any:
            nonlocal repaints
            repaints += 1
            return original(*args, **kwargs)

        bar.refresh = counted  # type: ignore[method-assign]
        for i in range(40, 1040):
            log.write([(f"line {i}", "")])
        await pilot.pause()
        assert bar.window_virtual_size == log.virtual_size.height == 1040
        assert bar.position == int(log.scroll_y * 8) / 8
        assert log.scroll_y == log.max_scroll_y  # it followed the new lines
        # 1,000 lines, each one scroll: the thumb (a cell of 14) moved a few eighths only
        assert 1 <= repaints < 60, repaints
