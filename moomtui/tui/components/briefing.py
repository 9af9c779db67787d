"""The briefing card: a game's goals, rules, score, hint and keys, before the clock starts.

A game preset opens on it, paused at 1× (so does a replay, and booting another game): the
player reads what is asked, then Enter starts the clock, or Esc closes the card to look
around first, the clock still stopped (space starts it). It returns ``True`` (start) or
``False`` (look around) through ``dismiss``; the app acts on it. Text from the preset is
shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...game.briefing import Briefing


class BriefingScreen(ModalScreen[bool]):
    """The game's briefing over the paused machine."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space", "start", "start", id="briefing.start"),
        Binding("escape", "look", "look around", id="briefing.look"),
    ]

    def __init__(self, briefing: Briefing, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.briefing = briefing
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        b = self.briefing
        with VerticalScroll(classes="dialog briefing", id="briefing"):
            yield Label(f"{b.title} — the briefing", classes="dialog-title", markup=False)
            yield Static(b.description, id="briefing-description", markup=False)
            yield Static(self._section("Goals", b.goals), id="briefing-goals")
            yield Static(self._section("Rules", b.rules), id="briefing-rules")
            if b.score:
                yield Static(self._labelled("Score", b.score), id="briefing-score")
            if b.hint:
                yield Static(self._labelled("Hint", b.hint), id="briefing-hint")
            yield Static(self._key_text(), id="briefing-keys")
            yield Label(
                "[@click=screen.start][b]Enter[/b] start the clock[/]  ·  "
                "[@click=screen.look][b]Esc[/b] look around first[/]",
                id="briefing-footer",
            )

    @staticmethod
    def _section(title: str, lines: Sequence[str]) -> Text:
        text = Text()
        text.append(title, style="bold")
        for line in lines:
            text.append("\n • ")
            text.append(line)
        return text

    @staticmethod
    def _labelled(title: str, line: str) -> Text:
        return Text.assemble((f"{title}: ", "bold"), line)

    def _key_text(self) -> Text:
        text = Text()
        text.append("Keys: ", style="bold")
        for i, (key, what) in enumerate(self.keys):
            if i:
                text.append("  ·  ", style="dim")
            text.append(key, style="bold")
            text.append(f" {what}")
        return text

    @property
    def plain(self) -> str:
        """The card as text (for tests and the curious)."""
        b = self.briefing
        parts = [f"{b.title} — the briefing", b.description]
        parts.append(self._section("Goals", b.goals).plain)
        parts.append(self._section("Rules", b.rules).plain)
        if b.score:
            parts.append(f"Score: {b.score}")
        if b.hint:
            parts.append(f"Hint: {b.hint}")
        parts.append(self._key_text().plain)
        return "\n".join(parts)

    def action_start(self) -> None:
        self.dismiss(True)

    def action_look(self) -> None:
        self.dismiss(False)
