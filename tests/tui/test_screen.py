"""The screen as an htop user drives it: keys in bursts, focus, the layout at every size,
the kill dialog, panels maximized, explain, help and the footer (issue 13)."""

from __future__ import annotations

from collections.abc import Callable

from textual import events

from moomtui.tui.app import MoomApp
from moomtui.tui.components.console import ConsoleView

from .scenarios import family_scenario

SIZE = (120, 40)
MakeApp = Callable[..., MoomApp]

CHARACTERS = {"space": " ", "backspace": "\x7f", "enter": "\r", "minus": "-"}


def burst(app: MoomApp, *keys: str) -> None:
    """Post ``keys`` to the app all at once, as a paste or tmux's send-keys delivers them
    (``pilot.press`` waits for each key to be handled before the next)."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


def console_text(app: MoomApp) -> str:
    return app.query_one(ConsoleView).output.plain


# ============================================================================ item 12: bursts
async def test_keys_typed_in_a_burst_after_backspace_keep_their_order(make_app: MakeApp) -> None:
    """``renice 5``, Backspace, ``10`` in one burst became ``renice 51``: Textual ran the
    Backspace binding after the keys that followed it."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        burst(app, *"renice 5", "backspace", *"10 -p 400")
        await pilot.pause()
        assert app.query_one(ConsoleView).input.value == "renice 10 -p 400"
        burst(app, "ctrl+u", *"free")
        await pilot.pause()
        assert app.query_one(ConsoleView).input.value == "free"


async def test_a_pasted_burst_of_commands_runs_each_one(make_app: MakeApp) -> None:
    """``free`` Enter ``uptime`` Enter in one burst: the line is emptied when Enter is read,
    so the second command is not glued to the first."""
    app = make_app(family_scenario())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        burst(app, *"free", "enter", *"uptime", "enter", *"ps")
        await pilot.pause()
        text = console_text(app)
        assert "root@moom:~# free" in text and "root@moom:~# uptime" in text
        assert "freeuptime" not in text
        assert app.query_one(ConsoleView).input.value == "ps"
        assert app.history.lines == ["free", "uptime"]
