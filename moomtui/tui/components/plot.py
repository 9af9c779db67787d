"""A plotext chart as a widget, drawn without Rich's ANSI decoder.

textual-plotext's ``PlotextPlot`` builds its plot and hands the ANSI text plotext makes to
``Text.from_ansi`` at every render: for a 200-column chart of four series that is about
35 ms of plotting and 80 ms of decoding, which a screen redrawn twice a second while 5,000
tasks run at 100× cannot spare. :class:`Chart` keeps the plotting — a
``textual_plotext.Plot``, plotext's figure without its global state — and decodes its
output itself: plotext writes only SGR colour codes (``ESC[38;5;Nm``, ``ESC[0m`` …), each
turned into a Rich style once and kept, so decoding costs a few milliseconds; the lines are
drawn with the Line API, as they are. The plot is built when the widget's size or its data
changed (:meth:`Chart.replot`), not at every render. Plotext's ``clear`` theme: no colours
but the series', on the panel's own background.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget
from textual_plotext import Plot

from ...patterns import scanning

SGR = scanning(r"\x1b\[([0-9;]{0,64})m")
"""An SGR escape (``ESC[38;5;2m``), its parameters grouped: what plotext writes."""
_styles: dict[str, Style] = {}


def sgr_style(code: str) -> Style:
    """The Rich style of SGR parameters ``code`` (``38;5;2``, ``0``), made once."""
    style = _styles.get(code)
    if style is None:
        style = Style()
        parts = [int(p) for p in code.split(";") if p.isdigit()]
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in (38, 48) and i + 2 < len(parts) and parts[i + 1] == 5:
                color = Color.from_ansi(parts[i + 2])
                style += Style(color=color) if p == 38 else Style(bgcolor=color)
                i += 3
                continue
            if p in (38, 48) and i + 4 < len(parts) and parts[i + 1] == 2:
                color = Color.from_rgb(*parts[i + 2 : i + 5])
                style += Style(color=color) if p == 38 else Style(bgcolor=color)
                i += 5
                continue
            if p == 1:
                style += Style(bold=True)
            i += 1
        _styles[code] = style
    return style


def decode(ansi: str) -> list[list[Segment]]:
    """Plotext's output as lines of segments, each run of characters in its colour."""
    lines = []
    style: Style | None = None
    for line in ansi.rstrip("\n").split("\n"):
        segments = []
        for i, piece in enumerate(SGR.split(line)):
            if i % 2:
                style = None if piece in ("", "0") else sgr_style(piece)
            elif piece:
                segments.append(Segment(piece, style))
        lines.append(segments)
    return lines


class Chart(Widget):
    """A plotext plot, drawn by ``draw(plt, width, height)`` when :meth:`replot` asks."""

    DEFAULT_CSS = """
    Chart { width: 1fr; height: 1fr; }
    """

    def __init__(self, draw: Callable[[Plot, int, int], None], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plt = Plot()
        self._draw = draw
        self._lines: list[Strip] = []
        self._built_size: tuple[int, int] = (0, 0)
        self.builds = 0

    def replot(self) -> None:
        """Plot again (the data changed) and repaint."""
        width, height = self.size.width, self.size.height
        if width <= 0 or height <= 0:
            return
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.theme("clear")
        self._draw(plt, width, height)
        plt.plotsize(width, height)
        base = self.rich_style
        self._lines = [
            Strip(Segment.apply_style(line, base)).adjust_cell_length(width, base)
            for line in decode(plt.build())
        ]
        self._built_size = (width, height)
        self.builds += 1
        self.refresh()

    def on_resize(self) -> None:
        if (self.size.width, self.size.height) != self._built_size:
            self.replot()

    def render_line(self, y: int) -> Strip:
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)
