"""Reading the screen as a person sees it: the characters drawn, line by line.

A widget's own state (a border subtitle, a text it holds) can be right while the screen
still shows what was drawn before: the task panel's subtitle was set at every ``o``, but
its line was never repainted. :func:`screen_lines` reads what the app draws — its screenshot,
Textual's public ``export_screenshot`` — back into lines of text, each character at its
column.
"""

from __future__ import annotations

import html
import re

from textual.app import App

CELL_WIDTH = 12.2
"""The width of a cell in Rich's SVG export (a 20 px font, 0.61 of it wide)."""
_TEXT = re.compile(
    r'<text class="[^"]*" x="([0-9.]+)" y="[0-9.]+" textLength="[0-9.]+" '
    r'clip-path="url\(#terminal-(?:[0-9]+-)?line-([0-9]+)\)">([^<]*)</text>'
)


def screen_lines(app: App[object]) -> list[str]:
    """Every line of the screen as drawn now, ``app.size.width`` characters each. Just after
    a resize the screenshot may still be of the old size: what falls outside the new one is
    left out (a caller waiting for a line to show asks again)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, text in _TEXT.findall(app.export_screenshot()):
        if int(line) >= height:
            continue
        row = rows[int(line)]
        column = round(float(x) / CELL_WIDTH)
        for offset, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if 0 <= column + offset < width:
                row[column + offset] = char
    return ["".join(row) for row in rows]


def region_text(app: App[object], x: int, y: int, width: int, height: int) -> list[str]:
    """The lines of the screen inside a rectangle (a widget's ``region``)."""
    return [line[x : x + width] for line in screen_lines(app)[y : y + height]]
