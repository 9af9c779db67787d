"""The README's picture is today's screen: docs/screenshot.py makes it again, here, and it
must be the committed docs/screenshot.svg.

The picture depends on the machine only (the script says how), so the comparison is of the
whole SVG, Rich's per-picture id aside, as the screen's snapshot tests compare theirs; a
failure shows the rows of text that changed. After a deliberate change to the screen:
``python docs/screenshot.py``, and look at the picture.
"""

from __future__ import annotations

import difflib
import html
import importlib.util
import re
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "docs" / "screenshot.py"

pytestmark = pytest.mark.slow  # the screen, up for half a second


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_screenshot", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normal(svg: str) -> str:
    """Without the id Rich makes up for each picture (``terminal-123323765-r1``)."""
    return re.sub(r"\bterminal-\d+-", "terminal-", svg)


CELL = re.compile(
    r'<text class="[^"]*-r\d+" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>'
)


def rows(svg: str) -> list[str]:
    """The picture's text, row by row, each piece at its column, as a person reads it."""
    lines: dict[float, dict[int, str]] = defaultdict(dict)
    for m in CELL.finditer(svg):
        text = html.unescape(m[4]).replace("\xa0", " ")
        width = float(m[3]) / max(len(text), 1)
        lines[float(m[2])][round(float(m[1]) / width)] = text
    out = []
    for y in sorted(lines):
        row = ""
        for column, text in sorted(lines[y].items()):
            row = row.ljust(column) + text
        out.append(row.rstrip())
    return out


async def test_the_readme_screenshot_is_the_screen_today() -> None:
    script = load_script()
    made = await script.render()
    committed = script.SCREENSHOT.read_text(encoding="utf-8")
    assert "docs/screenshot.svg" in (ROOT / "README.md").read_text()
    if normal(made) != normal(committed):
        changed = "\n".join(difflib.unified_diff(rows(committed), rows(made), lineterm="", n=0))
        pytest.fail(
            "docs/screenshot.svg is not today's screen (python docs/screenshot.py makes it):\n"
            + (changed or "(the same text: colours or layout changed)")
        )


def test_the_rows_read_as_the_screen() -> None:
    """The failure's text is the screen's: the header and a dmesg line, in order."""
    text = rows((ROOT / "docs" / "screenshot.svg").read_text(encoding="utf-8"))
    assert text[0].startswith(" Linux 2.4.22-moom  Leaky Apache ")
    assert any("Out of Memory: Killed process" in row for row in text)
