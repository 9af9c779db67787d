"""A bounded, styled, append-only log drawn with the Line API: the base of dmesg and console.

Like Textual's ``Log``, but each line carries a component-class name for its colour (so a
theme change recolours what is already on screen), long lines wrap as on a real console, and
it follows new lines only while the view is at the end, so a user reading back is not yanked
away. Wrapping is by cells; the wrapped rows are recomputed only on resize.
"""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .scrolling import scrolled, set_virtual_size

STRIPS = 1024
"""Drawn rows kept at most (a tall log on a tall terminal shows about a hundred)."""


def wrap(text: str, width: int) -> list[str]:
    """``text`` in rows of at most ``width`` cells, broken after a space where one is near."""
    rows = []
    while cell_len(text) > width:
        piece = chop_cells(text, width)[0]
        space = piece.rfind(" ")
        if space >= width // 2:
            piece = piece[: space + 1]
        rows.append(piece)
        text = text[len(piece) :]
    rows.append(text)
    return rows


class LineLog(ScrollView, can_focus=True):
    """Lines of ``(text, component class)``, at most ``max_lines`` of them."""

    COMPONENT_CLASSES: ClassVar[set[str]] = set()

    def __init__(
        self, max_lines: int = 2000, *, follow: bool = True, id: str | None = None
    ) -> None:
        """``follow``: whether the view starts following new lines (a pager starts at the
        top and stays there)."""
        super().__init__(id=id)
        self.lines: deque[tuple[str, str]] = deque()
        self.max_lines = max_lines
        self._rows: deque[tuple[str, str]] = deque()
        self._rows_per_line: deque[int] = deque()
        self._wrap_width = 0
        self._styles: dict[str, Style] = {}
        self._base: Style | None = None
        self._strips: dict[tuple[tuple[str, str], int], Strip] = {}
        """Rows drawn, by row and width: a row is drawn once, however often the log scrolls
        under it (emptied when it outgrows :data:`STRIPS` or the styles change)."""
        self._follow = follow

    # ---------------------------------------------------------------------------- content
    def write(self, lines: list[tuple[str, str]]) -> None:
        """Append ``lines``; follow them if the view was at the end."""
        if not lines:
            return
        for text, style in lines:
            line = (text.expandtabs().replace("\r", ""), style)
            self.lines.append(line)
            self._add_rows(line)
        pruned = 0
        while len(self.lines) > self.max_lines:
            self.lines.popleft()
            for _ in range(self._rows_per_line.popleft()):
                self._rows.popleft()
                pruned += 1
        laid_out = set_virtual_size(
            self, Size(self._wrap_width, len(self._rows)), at_end=self._follow
        )
        if self._follow:
            # Without a layout to wait for, the end is known now: this frame shows it.
            self.scroll_end(animate=False, x_axis=False, immediate=not laid_out)
        elif pruned:
            self.scroll_to(y=max(0, self.scroll_y - pruned), animate=False)
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scrolled(self, old_value, new_value)
        # Scrolled back by the user: stop following; back at the end: follow again.
        self._follow = round(new_value) >= self.max_scroll_y

    def follow_end(self) -> None:
        """Jump to the end and follow new lines again."""
        self._follow = True
        self.scroll_end(animate=False, x_axis=False, immediate=True)

    def clear(self) -> None:
        self.lines.clear()
        self._rows.clear()
        self._rows_per_line.clear()
        set_virtual_size(self, Size(self._wrap_width, 0))
        self.refresh()

    @property
    def plain(self) -> str:
        """All lines as text (what tests and screen readers want)."""
        return "\n".join(text for text, _ in self.lines)

    def _add_rows(self, line: tuple[str, str]) -> None:
        text, style = line
        width = max(1, self._wrap_width)
        pieces = wrap(text, width)
        self._rows.extend((piece, style) for piece in pieces)
        self._rows_per_line.append(len(pieces))

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._wrap_width and width > 0:
            self._wrap_width = width
            self._rows.clear()
            self._rows_per_line.clear()
            for line in self.lines:
                self._add_rows(line)
            self.virtual_size = Size(width, len(self._rows))
            if self._follow:
                self.scroll_end(animate=False, x_axis=False)

    # ---------------------------------------------------------------------------- drawing
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._base = None
        self._strips.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name, partial=True) if name else Style()
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        index = round(self.scroll_y) + y
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        key = (row, width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) >= STRIPS:
                self._strips.clear()
            text, name = row
            style = base + self._style(name)
            strip = Strip([Segment(text, style)]).adjust_cell_length(width, base)
            self._strips[key] = strip
        return strip
