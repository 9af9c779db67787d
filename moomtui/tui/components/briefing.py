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

from rich.console import Group
from rich.table import Table
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
            yield Static(self._bullets("Goals", b.goals), id="briefing-goals")
            yield Static(self._bullets("Rules", b.rules), id="briefing-rules")
            if b.score:
                yield Static(self._labelled("Score", b.score), id="briefing-score")
            if b.hint:
                yield Static(self._labelled("Hint", b.hint), id="briefing-hint")
            yield Static(self._key_text(), id="briefing-keys")
            yield Label(self._footer(scrolls=False), id="briefing-footer")

    @staticmethod
    def _footer(*, scrolls: bool) -> str:
        more = "  ·  [b]↑↓[/b] more" if scrolls else ""
        return (
            "[@click=screen.start][b]Enter[/b] start the clock[/]  ·  "
            f"[@click=screen.look][b]Esc[/b] look around first[/]{more}"
        )

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_if_it_scrolls)

    def _say_if_it_scrolls(self) -> None:
        """On a short screen the card scrolls: the footer says so (the card has the focus,
        so the arrow keys and Page Up/Down move it)."""
        card = self.query_one("#briefing", VerticalScroll)
        self.query_one("#briefing-footer", Label).update(
            self._footer(scrolls=card.max_scroll_y > 0)
        )

    @staticmethod
    def _bullets(title: str, lines: Sequence[str]) -> Group:
        """A titled list whose items wrap under their own first word, not under the bullet."""
        items = Table.grid(padding=(0, 1, 0, 0))
        items.add_column(width=2, justify="right")
        items.add_column(ratio=1)
        for line in lines:
            items.add_row("•", Text(line))
        return Group(Text(title, style="bold"), items)

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
