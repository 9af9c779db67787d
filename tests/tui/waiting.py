"""Waiting for what a test means, not for the clock.

A fixed pause then an assertion that something happened meanwhile (a frame drawn, a hit
shown) fails on a loaded machine, where the pause can end before the app has had its turn:
:func:`until` lets the app run until the thing has happened. The command palette searches
in the background and shows its hits in batches, a quarter of a second apart (Textual's
``CommandPalette``): a test that typed a query, paused a fixed 0.3 s and pressed Enter lost
the race on a loaded machine — Enter found no list and did nothing.
:func:`palette_highlights` waits until the hit the test means is the highlighted one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.command import CommandList
from textual.css.query import NoMatches
from textual.pilot import Pilot


async def palette_highlights(pilot: Pilot[object], wanted: str, *, turns: int = 600) -> None:
    """Let the app run until the palette's highlighted hit reads ``wanted`` (a part of its
    text); the bound only keeps a broken palette from hanging the test."""
    shown = None
    for _ in range(turns):
        await pilot.pause(0.05)
        try:
            option = pilot.app.screen.query_one(CommandList).highlighted_option
        except NoMatches:
            continue
        shown = None if option is None else str(option.prompt)
        if shown is not None and wanted in shown:
            return
    raise AssertionError(f"the palette never highlighted {wanted!r} (last: {shown!r})")


async def until(pilot: Pilot[object], done: Callable[[], bool], *, turns: int = 600) -> bool:
    """Let the app run, a twentieth of a second at a time, until ``done()``: whether it
    came. The bound only keeps a broken app from hanging the test; nothing is timed."""
    for _ in range(turns):
        if done():
            return True
        await pilot.pause(0.05)
    return done()


def notifications(app: App[object]) -> list[str]:
    """Every message ``app`` notifies from now on, kept.

    A toast leaves the screen after its timeout (two seconds for many): on a loaded
    machine it can be gone before the test looks for it. What was told is what counts.
    """
    told: list[str] = []
    notify = app.notify

    def recording(message: str, *args: Any, **kwargs: Any) -> None:
        told.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return told
