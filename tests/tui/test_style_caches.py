"""The panels look their component styles up once per style change (the memory panel asked
for about seventy a frame): a theme change must still recolour them, paused or not."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style

from moomtui.tui.app import MoomApp
from moomtui.tui.components.dmesg import DmesgView
from moomtui.tui.components.memory import MemoryView
from moomtui.tui.components.status import StatusLine

MakeApp = Callable[..., MoomApp]


def _styles(strip_segments: object) -> set[Style]:
    return {seg.style for seg in strip_segments if seg.style is not None}  # type: ignore[attr-defined]


async def test_a_theme_change_recolours_the_cached_styles_of_a_paused_screen(
    make_app: MakeApp,
) -> None:
    app = make_app(theme="vga")
    async with app.run_test(size=(120, 40)) as pilot:
        app.refresh_frame()
        await pilot.pause()
        status, memory, dmesg = (
            app.query_one(StatusLine),
            app.query_one(MemoryView),
            app.query_one(DmesgView),
        )
        assert dmesg.lines, "the boot logged nothing to look at"
        before = (
            _styles(status.text.render(app.console)),
            _styles(memory.render_line(1)),
            _styles(dmesg.render_line(0)),
        )
        app.theme = "amber"
        await pilot.pause()
        app.refresh_frame()  # paused: the frame that follows a theme change
        await pilot.pause()
        kernel = status.get_component_rich_style("status--kernel")
        assert kernel in _styles(status.text.render(app.console))
        after = (
            _styles(status.text.render(app.console)),
            _styles(memory.render_line(1)),
            _styles(dmesg.render_line(0)),
        )
        for old, new in zip(before, after, strict=True):
            assert old != new
        assert dmesg.rich_style.bgcolor in {s.bgcolor for s in after[2]}
