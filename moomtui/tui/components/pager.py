"""``less`` on the screen: what a line typed at the console ends with ``| less`` (or ``less
FILE``) shows, in a view to scroll, over the screen.

The text is drawn with the Line API of the console's own log (:class:`.line_log.LineLog`),
so a long ``ps aux`` costs what is on screen, not what was read; long lines wrap. The keys
are less's: space, ``f`` or PageDown a screen on, ``b`` or PageUp back, ``j``/``k`` or the
arrows a line, ``g``/Home the top, ``G``/End the bottom; ``q`` or Esc closes. The machine
runs on meanwhile (the text is what the command printed when it ran).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label

from .dialogs import _Dialog
from .line_log import LineLog

MAX_LINES = 100_000
"""The most lines the view keeps (the first ones): a pipe holds at most 4 MiB anyway."""


class PagerText(LineLog):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"pager--text"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,f,pagedown", "page(1)", "page", id="pager.page_down", key_display="space"),
        Binding("b,pageup", "page(-1)", "back", id="pager.page_up", key_display="b"),
        Binding("j,down,enter", "line(1)", "line", id="pager.down", show=False),
        Binding("k,up", "line(-1)", "up", id="pager.up", show=False),
        Binding("g,home", "top", "top", id="pager.top", key_display="g"),
        Binding("G,end", "bottom", "bottom", id="pager.bottom", key_display="G"),
    ]

    def action_page(self, direction: int) -> None:
        if direction > 0:
            self.scroll_page_down(animate=False)
        else:
            self.scroll_page_up(animate=False)

    def action_line(self, direction: int) -> None:
        self.scroll_relative(y=direction, animate=False)

    def action_top(self) -> None:
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)


class PagerScreen(_Dialog):
    """``text`` under ``title``, to scroll; ``q`` or Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "close", id="pager.close", key_display="q"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        lines = text.removesuffix("\n").split("\n") if text else []
        self.cut = max(0, len(lines) - MAX_LINES)
        self.lines = lines[:MAX_LINES]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="pager"):
            yield Label(self._title(), id="pager-title", classes="dialog-title", markup=False)
            yield PagerText(max_lines=MAX_LINES, follow=False, id="pager-text")

    def _title(self) -> str:
        more = f"; {self.cut} more lines not shown" if self.cut else ""
        return (
            f"less: {self.title_text} — {len(self.lines)} lines{more} "
            "(space/b: page, g/G: top/bottom, q: close)"
        )

    def on_mount(self) -> None:
        view = self.query_one(PagerText)
        view.write([(line, "pager--text") for line in self.lines])
        view.focus()

    @property
    def plain(self) -> str:
        """The text shown (what tests read)."""
        return self.query_one(PagerText).plain
