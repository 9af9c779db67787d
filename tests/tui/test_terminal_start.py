"""The screen starts as a person starts it, on every Python.

Textual's ``App.run`` starts tasks eagerly on Python 3.12 and newer
(``asyncio.eager_task_factory``): a screen's mount then runs inside the call that registers
it. Built as a mode's first screen, moomtui's main screen was mounted before the mode's
stack was stored, and its ``Input`` asked for a screen that was not there yet
(``ScreenStackError: No screens on stack``, exit 70, on 3.12 and 3.13 — docs/textual-modes.md
keeps the reproduction). The first test drives the app on such a loop (where this Python has
one); the second runs ``python -m moomtui`` on a real pseudo-terminal and reads the screen
through a terminal emulator: it opens, the clock moves, ``q`` exits 0.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from moomtui.presets import DEFAULT_PRESET, load_shipped_preset
from moomtui.tui.app import MoomApp
from moomtui.tui.components.main_screen import MainScreen

from ..terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]


async def test_the_screen_starts_on_a_loop_that_starts_tasks_eagerly(
    make_app: Callable[..., MoomApp],
) -> None:
    eager = getattr(asyncio, "eager_task_factory", None)  # 3.12+: what App.run sets
    if eager is not None:
        asyncio.get_running_loop().set_task_factory(eager)
    app = make_app(load_shipped_preset(DEFAULT_PRESET), paused=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert app.screen is app.main
        assert app.internal_error is None
        assert app.focused is not None
    assert app.return_code in (0, None)


def run_clock(text: str) -> str | None:
    """The header's ``run mm:ss``, if the screen shows it."""
    match = re.search(r"run (\d\d:\d\d)", text)
    return match.group(1) if match else None


@pytest.mark.slow
def test_moomtui_opens_on_a_real_terminal_the_clock_moves_and_q_exits_0(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
    }
    with Terminal([sys.executable, "-m", "moomtui"], env=env, cwd=tmp_path) as term:
        first = term.wait_for("Leaky Apache")
        assert "internal error" not in first
        start = run_clock(term.wait_for(lambda t: run_clock(t) is not None))
        term.wait_for(lambda t: run_clock(t) not in (None, start), timeout=20)
        screen = term.text()
        assert "tasks" in screen and "dmesg" in screen, screen
        term.send("q")
        assert term.wait_exit() == 0, term.text()
