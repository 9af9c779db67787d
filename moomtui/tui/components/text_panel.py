"""A side panel drawn as lines of rich text, rebuilt from the model only when it changed.

The panel is drawn a line at a time (Textual's Line API, as the task tree is): each line of
its text is turned into a strip once, and when the text changes only the lines that read or
look different are repainted. Handing Textual the whole text instead re-renders every line
of it through its content pipeline at every change — for the memory panel at 100× that was
every frame, about 1.5 ms a line.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget


class TextPanel(Widget):
    """Holds the panel's text and a key of what it was built from.

    A subclass's ``sync`` compares a cheap key of the model with ``_key`` and rebuilds
    ``_text`` only when they differ, then calls :meth:`show`; a theme change clears the key,
    so the next ``sync`` redraws with the new colours. Component classes are named
    ``STYLE_PREFIX--name``. The text is one line a row, never wrapped (cut it to the width).
    """

    STYLE_PREFIX: ClassVar[str] = ""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple[object, ...] = ()
        self._text = Text()
        self._lines: list[Text] = [Text()]
        self._strips: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._key = ()
        self._strips = {}
        self._styles = {}

    def show(self, text: Text) -> None:
        """Show ``text``: the lines that changed are repainted (all of them, and the layout
        done again, if the number of lines changed)."""
        if text == self._text:
            return
        lines = list(text.split("\n", allow_blank=True))
        old = self._lines
        self._text, self._lines = text, lines
        if len(lines) != len(old):
            self._strips = {}
            self.refresh(layout=True)
            return
        width = self.size.width
        for y, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before.plain != after.plain or before.spans != after.spans:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, width, 1))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            base = self.rich_style
            if 0 <= y < len(self._lines):
                segments = list(self._lines[y].render(self.app.console))
                strip = Strip(segments).apply_style(base).adjust_cell_length(width, base)
            else:
                strip = Strip.blank(width, base)
            self._strips[y] = strip
        return strip

    def on_resize(self) -> None:
        self._strips = {}

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self._lines))

    @property
    def plain(self) -> str:
        return self._text.plain

    def _s(self, name: str) -> Style:
        """The style of the component class ``name`` (looked up once per style change: a
        panel rebuilt every frame asks for dozens)."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(
                f"{self.STYLE_PREFIX}--{name}", partial=True
            )
        return style
