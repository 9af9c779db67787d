"""The campaign screen: the levels in order, which are open, won, their par and the
player's best, and what each teaches (:mod:`moomtui.game.campaign`).

Enter on an open level dismisses the screen with its preset's key (the app boots it with a
new seed); a locked level says which one opens it. Esc closes. Text from presets goes
through :func:`moomtui.text.one_line` before it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ...game.campaign import LevelState
from ...text import one_line


class CampaignScreen(ModalScreen[str | None]):
    """Every level: Enter plays an open one, Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="campaign.close"),
    ]

    def __init__(self, levels: Sequence[LevelState], current: str = "") -> None:
        super().__init__()
        self.levels = list(levels)
        self.current = current

    def compose(self) -> ComposeResult:
        won = sum(state.won for state in self.levels)
        with Vertical(classes="dialog wide", id="campaign"):
            yield Label(
                f"Campaign: the modular OOM killer — {won}/{len(self.levels)} won. "
                "Enter plays (a new seed), Esc closes",
                classes="dialog-title",
            )
            options = []
            for state in self.levels:
                level = state.level
                prompt = Text()
                prompt.append(f"{state.mark} {level.number}. ", "bold")
                prompt.append(one_line(state.name), "bold")
                running = "  ← running" if level.key == self.current else ""
                prompt.append(f"  par {state.par} · best {state.best}{running}")
                prompt.append(f"\n   {one_line(level.idea)}", "dim")
                if not state.open:
                    prompt.append(f"\n   locked: win level {level.number - 1} first", "dim")
                options.append(Option(prompt, id=level.key, disabled=not state.open))
            yield OptionList(*options, id="campaign-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        keys = [state.level.key for state in self.levels]
        next_up = [i for i, s in enumerate(self.levels) if s.open and not s.won]
        if next_up:  # the first level still to win
            option_list.highlighted = next_up[0]
        else:
            option_list.highlighted = keys.index(self.current) if self.current in keys else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
