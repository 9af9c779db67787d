"""Regenerate docs/screenshot.svg: the default preset 75 s in, after the first kills.

python docs/screenshot.py

The picture depends on the machine only, so it is the same wherever it is made: a fixed
size, the vga theme, an empty home (no theme, history or score of the user's), the clock
paused, the prompt's cursor still and no wall-clock highlight. tests/test_screenshot.py
makes it the same way and compares it with the committed file.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.widgets import Input  # noqa: E402

from moomtui.kernel.constants import HZ  # noqa: E402
from moomtui.presets import DEFAULT_PRESET, load_preset  # noqa: E402
from moomtui.sim import Simulation  # noqa: E402
from moomtui.tui.app import MoomApp  # noqa: E402

SCREENSHOT = ROOT / "docs" / "screenshot.svg"
SIZE = (120, 40)
AT = 75 * HZ
"""When the picture is taken: Leaky Apache has had its first kills."""


@contextmanager
def empty_home() -> Iterator[Path]:
    """``XDG_CONFIG_HOME`` and ``XDG_DATA_HOME`` in a new empty folder, for the duration."""
    saved = {key: os.environ.get(key) for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME")}
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_CONFIG_HOME"] = os.path.join(home, "config")
        os.environ["XDG_DATA_HOME"] = os.path.join(home, "data")
        try:
            yield Path(home)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


async def render() -> str:
    """The screenshot, as SVG text."""
    with empty_home() as home:
        sim = Simulation(load_preset(DEFAULT_PRESET, include_user=False))
        sim.run_for(AT)
        app = MoomApp(sim, theme="vga", paused=True, history_path=home / "history")
        async with app.run_test(size=SIZE) as pilot:
            app.tracker.flash = 0
            for prompt in app.query(Input):
                prompt.cursor_blink = False
            await pilot.pause(0.5)
            return app.export_screenshot()


def main() -> None:
    SCREENSHOT.write_text(asyncio.run(render()), encoding="utf-8")


if __name__ == "__main__":
    main()
