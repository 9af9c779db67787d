"""The task panel's choosers, as htop has them: the columns (F2), the sort (F6), a user (u,
here U).

Each returns its choice through ``dismiss`` and changes nothing itself: the app runs the
``columns`` command for the first (so the console shows it and a script can say the same)
and sets the sort or the filter for the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from .dialogs import ESCAPE, _Dialog


class SortMenu(_Dialog):
    """htop's F6: the columns to sort by, the current one highlighted; Enter sorts."""

    def __init__(self, columns: Sequence[tuple[str, str, str]], current: str) -> None:
        """``columns``: (key, title, what it means) of each column."""
        super().__init__()
        self.columns = list(columns)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label("Sort by — Enter sorts, Esc cancels", classes="dialog-title")
            yield OptionList(
                *(
                    Option(Text.assemble((f"{title:<8}", "bold"), help), id=key)
                    for key, title, help in self.columns
                ),
                id="sort-list",
            )

    def on_mount(self) -> None:
        keys = [key for key, _, _ in self.columns]
        if self.current in keys:
            self.query_one(OptionList).highlighted = keys.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        where(event)


def where(event: OptionList.OptionHighlighted) -> None:
    """The list's frame says which of its options the cursor is on: its scroll bar is not
    drawn (app.tcss), and on a short terminal the list scrolls."""
    option_list = event.option_list
    option_list.border_title = f"↑↓ {event.option_index + 1}/{option_list.option_count}"


class UserChooser(_Dialog):
    """htop's u: all users, or one of those who own a task; Enter filters the panel."""

    ALL = "*"

    def __init__(self, users: Sequence[tuple[str, int]]) -> None:
        """``users``: (name, how many tasks) of each user who owns a task."""
        super().__init__()
        self.users = list(users)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label("Show the tasks of — Enter filters, Esc cancels", classes="dialog-title")
            options = [Option(Text("All users", "bold"), id=self.ALL)]
            options += [
                Option(
                    Text.assemble((f"{name:<10}", "bold"), f" {count} task{'s' * (count != 1)}"),
                    id=name,
                )
                for name, count in self.users
            ]
            yield OptionList(*options, id="user-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ColumnChooser(_Dialog):
    """htop's F2 columns: every column, ✓ shown or · hidden, in the panel's order. Space
    shows or hides the highlighted one, Shift+↑ and Shift+↓ (or [ and ]) move it, r goes back
    to every column; Enter keeps the choice, Esc leaves it as it was. COMMAND is always
    last. Dismissed with the shown keys in order, ``()`` for none, or ``None``; "reset" for
    every column as the panel chooses them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ESCAPE,
        Binding("space", "show_hide", "show/hide", id="columns.toggle"),
        Binding("shift+up,left_square_bracket", "move(-1)", "move up", id="columns.up"),
        Binding("shift+down,right_square_bracket", "move(1)", "move down", id="columns.down"),
        Binding("r", "reset", "every column", id="columns.reset"),
    ]

    def __init__(
        self, columns: Sequence[tuple[str, str, str]], chosen: Sequence[str] | None
    ) -> None:
        """``columns``: (key, title, what it means) of each column but COMMAND; ``chosen``:
        the keys shown now, in order (None: all)."""
        super().__init__()
        self.about = {key: (title, help) for key, title, help in columns}
        keys = [key for key, _, _ in columns]
        shown = list(keys if chosen is None else chosen)
        self.order = shown + [key for key in keys if key not in shown]
        self.shown = set(shown)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                "Columns — Space shows/hides, [ ] move, r: all; Enter keeps, Esc cancels",
                classes="dialog-title",
            )
            yield OptionList(*self._options(), id="column-list")

    def _prompt(self, key: str) -> Text:
        title, help = self.about[key]
        mark = ("✓ ", "bold") if key in self.shown else ("· ", "dim")
        return Text.assemble(mark, (f"{title:<6}", "bold"), help)

    def _options(self) -> list[Option]:
        """One option a place (its id the place: a move changes two prompts, no option)."""
        return [Option(self._prompt(key), id=str(i)) for i, key in enumerate(self.order)]

    def _redraw(self, *places: int) -> None:
        """Draw the options at ``places`` again, and the choice on the frame."""
        option_list = self.query_one(OptionList)
        for place in places:
            option_list.replace_option_prompt_at_index(place, self._prompt(self.order[place]))
        shown = " ".join(self.about[key][0] for key in self.order if key in self.shown)
        option_list.border_subtitle = f"{shown} COMMAND"

    def on_mount(self) -> None:
        self._redraw()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        where(event)

    @property
    def _index(self) -> int:
        highlighted = self.query_one(OptionList).highlighted
        return 0 if highlighted is None else highlighted

    def action_show_hide(self) -> None:
        index = self._index
        self.shown ^= {self.order[index]}
        self._redraw(index)

    def action_move(self, delta: int) -> None:
        index = self._index
        target = index + delta
        if not 0 <= target < len(self.order):
            self.app.bell()
            return
        self.order[index], self.order[target] = self.order[target], self.order[index]
        self._redraw(index, target)
        self.query_one(OptionList).highlighted = target

    def action_reset(self) -> None:
        self.dismiss("reset")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter keeps the choice (OptionList's Enter selects the highlighted option)."""
        self.dismiss(tuple(key for key in self.order if key in self.shown))
