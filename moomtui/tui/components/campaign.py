"""The campaign screen: the levels in order, which are open, won, their par and the
player's best, and what each teaches (:mod:`moomtui.game.campaign`).

Enter on an open level dismisses the screen with its preset's key (the app boots it with a
new seed); on a locked level it says which one opens it, on a skipped one (a served session
and a level won by a policy file) why. Every level can be highlighted, so the keys scroll
the whole list. Esc closes. Each level takes three short lines, so the list fits 80 columns
without wrapping and scrolls with the highlight on a short screen. Text from presets goes
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

from ...game.campaign import SKIPPED_WHY, LevelState
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
                f"Campaign: the modular OOM killer — {won}/{len(self.levels)} won",
                classes="dialog-title",
            )
            options = [Option(self.prompt(state), id=state.level.key) for state in self.levels]
            yield OptionList(*options, id="campaign-list")
            yield Label("Enter plays (a new seed) · ↑↓ choose · Esc closes", id="campaign-keys")

    def prompt(self, state: LevelState) -> Text:
        """A level in three short lines, none wider than the list on an 80-column screen:
        its name (and whether it is running); its par, best, and which level opens it (or
        why it is skipped); what it teaches."""
        level = state.level
        prompt = Text()
        prompt.append(f"{state.mark} ", "bold")
        name = one_line(state.name)
        if not name.startswith(f"Level {level.number}:"):  # a game older than the campaign
            name = f"Level {level.number}: {name}"
        prompt.append(name, "bold" if state.open else "bold dim")
        if level.key == self.current:
            prompt.append("  ← running", "bold")
        prompt.append(f"\n   par {state.par} · best {state.best}")
        if state.skipped:
            prompt.append(f"\n   {SKIPPED_WHY}", "dim")
        else:
            if not state.open:
                prompt.append(f" · locked: win level {level.number - 1} first", "dim")
            prompt.append(f"\n   {one_line(level.idea)}", "dim")
        return prompt

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        keys = [state.level.key for state in self.levels]
        next_up = [i for i, s in enumerate(self.levels) if s.open and not s.won]
        if next_up:  # the first level still to win
            option_list.highlighted = next_up[0]
        else:
            option_list.highlighted = keys.index(self.current) if self.current in keys else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        state = next(s for s in self.levels if s.level.key == event.option.id)
        if state.open:
            self.dismiss(event.option.id)
        elif state.skipped:
            self.notify(f"Level {state.level.number} {SKIPPED_WHY}.", severity="warning")
        else:
            number = state.level.number
            self.notify(f"Level {number} is locked: win level {number - 1} first.")

    def action_close(self) -> None:
        self.dismiss(None)
