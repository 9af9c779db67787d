"""Small modal screens: the preset picker, the spawn and renice prompts, the signal
chooser (htop's F9) and help.

Each returns what the user chose through ``dismiss``; the app turns that into a shell command
(or, for a preset, a new boot), so a dialog never touches the kernel itself.

The signal list and the help text scroll without a scrollbar (app.tcss): a bar's thumb, drawn
in eighths of a cell, left block glyphs about the dialog that read as stray characters.
Their frames say where the view is instead — ``15/31`` for the signal under the cursor,
``40%`` of the help — and which keys scroll.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.css.scalar import Scalar
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...kernel.constants import SIGNALS, SIGTERM
from ..help import HelpPart, HelpTable, page_text
from .inputs import BurstInput

ESCAPE: list[BindingType] = [Binding("escape", "dismiss_none", "Close", id="dialog.close")]


class _Dialog(ModalScreen[object]):
    """A dialog whose option list is never cut by its frame: the list is as tall as its
    options, or as the dialog has room for on this terminal (an 80×24 one holds fewer
    than the ten columns, nineteen sorts or thirty-one signals), and scrolls the rest."""

    BINDINGS: ClassVar[list[BindingType]] = ESCAPE
    MIN_LIST = 3
    """Lines an option list keeps however short the terminal."""

    def __init__(self) -> None:
        super().__init__()
        self._caps: dict[OptionList, Scalar | None] = {}
        """Each list's ``max-height`` from the stylesheet, before :meth:`fit_lists` set it."""

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_lists)

    def fit_lists(self) -> None:
        """Bound each option list by the room its dialog has: the dialog's own ``max-height``
        less its frame and the other lines in it (the title, a warning, an input), and by
        the list's own ``max-height`` from the stylesheet."""
        for option_list in self.query(OptionList):
            box = option_list.parent
            if not isinstance(box, Widget) or box.styles.max_height is None:
                continue
            limit = int(box.styles.max_height.resolve(self.size, self.app.size))
            others = sum(
                child.outer_size.height + child.styles.margin.top + child.styles.margin.bottom
                for child in box.children
                if child is not option_list and child.display
            )
            room = limit - box.styles.gutter.height - others
            cap = self._caps.setdefault(option_list, option_list.styles.max_height)
            if cap is not None:
                room = min(room, int(cap.resolve(box.size, self.app.size)))
            wanted = max(self.MIN_LIST, room)
            if option_list.styles.max_height != Scalar.from_number(wanted):
                option_list.styles.max_height = wanted


class PresetPicker(_Dialog):
    """Every preset with its description; choosing one boots it."""

    def __init__(self, presets: Sequence[tuple[str, str, str]], current: str) -> None:
        super().__init__()
        self.presets = list(presets)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Boot a preset — Enter boots, Esc cancels", classes="dialog-title")
            options = []
            for key, name, description in self.presets:
                prompt = Text()
                prompt.append(name, "bold")
                prompt.append(f"  ({key})" + ("  ← running" if key == self.current else ""))
                prompt.append("\n" + description, "dim")
                options.append(Option(prompt, id=key))
            yield OptionList(*options, id="preset-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        keys = [key for key, _, _ in self.presets]
        if self.current in keys:
            option_list.highlighted = keys.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class SpawnDialog(_Dialog):
    """Pick a program to start under init, with optional arguments."""

    def __init__(self, programs: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.programs = list(programs)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Spawn a workload — Enter starts it, Esc cancels", classes="dialog-title")
            yield OptionList(
                *(Option(Text.assemble((n, "bold"), f"  {d}"), id=n) for n, d in self.programs),
                id="spawn-list",
            )
            yield BurstInput(placeholder="arguments, e.g. rate=1M/s limit=32M", id="spawn-args")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        args = self.query_one("#spawn-args", Input).value.strip()
        self.dismiss(f"{event.option.id} {args}".strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        option_list = self.query_one(OptionList)
        if option_list.highlighted is not None:
            program = self.programs[option_list.highlighted][0]
            self.dismiss(f"{program} {event.value.strip()}".strip())


class ReniceDialog(_Dialog):
    """Ask for the new nice value of one task."""

    def __init__(self, pid: int, comm: str, nice: int) -> None:
        super().__init__()
        self.pid, self.comm, self.nice = pid, comm, nice

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small"):
            yield Label(
                f"renice {self.pid} ({self.comm}) — nice -20..19, Enter sets, Esc cancels",
                classes="dialog-title",
                markup=False,
            )
            yield BurstInput(str(self.nice), id="renice-value", restrict=r"-?\d{0,2}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(int(event.value))
        except ValueError:
            self.app.bell()


SIGNAL_MEANINGS = {
    "HUP": "hangup (a daemon would reload): terminates",
    "INT": "interrupt, Ctrl+C: terminates",
    "QUIT": "quit: terminates, with a core dump",
    "KILL": "kill: cannot be caught or ignored",
    "TERM": "terminate, the polite default: a program may catch it and linger",
    "CHLD": "a child changed state: ignored",
    "CONT": "continue: ignored (no job control here)",
    "STOP": "stop: ignored here (no job control)",
    "TSTP": "stop from the terminal: ignored here",
    "TTIN": "background read: ignored here",
    "TTOU": "background write: ignored here",
    "URG": "urgent socket data: ignored",
    "WINCH": "window size changed: ignored",
}
CORE = frozenset({"QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "SEGV", "XCPU", "XFSZ", "SYS"})


def signal_meaning(name: str) -> str:
    """What the signal does to a task here, by its default action."""
    if name in SIGNAL_MEANINGS:
        return SIGNAL_MEANINGS[name]
    return "terminates, with a core dump" if name in CORE else "terminates"


class SignalDialog(_Dialog):
    """Send a signal to one task, as htop's F9 does: the signals in number order, SIGTERM
    chosen; Enter sends, Esc cancels. ``warning`` says plainly when the task will not act
    on any signal (init, a kernel thread, a zombie)."""

    def __init__(self, pid: int, comm: str, warning: str = "") -> None:
        super().__init__()
        self.pid, self.comm, self.warning = pid, comm, warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(
                f"Send a signal to {self.pid} ({self.comm}) — Enter sends, Esc cancels",
                classes="dialog-title",
                markup=False,
            )
            if self.warning:
                yield Label(self.warning, classes="dialog-warning", markup=False)
            options = []
            for name, number in SIGNALS.items():
                prompt = Text.assemble(
                    (f"{number:>2} SIG{name:<7}", "bold"), f" {signal_meaning(name)}"
                )
                options.append(Option(prompt, id=str(number)))
            yield OptionList(*options, id="signal-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = list(SIGNALS.values()).index(SIGTERM)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The frame says which of the signals the cursor is on (the list scrolls to it)."""
        option_list = event.option_list
        option_list.border_subtitle = f"↑↓ {event.option_index + 1}/{option_list.option_count}"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(int(event.option.id))


class HelpTableView(Widget):
    """A table of the help page (:class:`~moomtui.tui.help.HelpTable`), drawn by Rich in one
    widget: its cells are text as written, the keys in the theme's key colour. (Textual's
    Markdown table made a widget of every cell: some 260 of them, the most of a second it
    took to open help.)"""

    DEFAULT_CSS = """
    HelpTableView { height: auto; margin: 0 0 1 0; }
    HelpTableView > .help-table--key { color: $text-accent; text-style: bold; }
    HelpTableView > .help-table--header { text-style: bold; }
    HelpTableView > .help-table--frame { color: $foreground-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "help-table--key",
        "help-table--header",
        "help-table--frame",
    }

    def __init__(self, table: HelpTable) -> None:
        super().__init__()
        self.table = table

    def render(self) -> Table:
        t = self.table
        key = self.get_component_rich_style("help-table--key", partial=True)
        out = Table(
            box=box.SQUARE,
            show_lines=True,
            expand=True,
            header_style=self.get_component_rich_style("help-table--header", partial=True),
            border_style=self.get_component_rich_style("help-table--frame", partial=True),
        )
        for i, header in enumerate(t.headers):
            if i == t.wraps:
                out.add_column(header, ratio=1, overflow="fold")
            else:
                out.add_column(header, no_wrap=True)
        for row in t.rows:
            out.add_row(*(Text(cell, key if i < t.keys else "") for i, cell in enumerate(row)))
        return out


class HelpScreen(_Dialog):
    """What the simulation models, what each policy does, and the keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ESCAPE,
        Binding("question_mark,q,f1", "dismiss_none", "Close", id="help.close"),
    ]

    def __init__(self, page: Sequence[HelpPart]) -> None:
        super().__init__()
        self.page = tuple(page)

    @property
    def text(self) -> str:
        """The page as plain text (:func:`~moomtui.tui.help.page_text`)."""
        return page_text(self.page)

    def tables(self) -> dict[str, HelpTable]:
        """The page's tables by title."""
        return {part.title: part for part in self.page if isinstance(part, HelpTable)}

    def compose(self) -> ComposeResult:
        # Textual's Markdown brings markdown-it: imported when help is first opened, not
        # with the app (a fifth of a second of its start is imports).
        from textual.widgets import Markdown

        with VerticalScroll(classes="dialog wide", id="help"):
            for part in self.page:
                if isinstance(part, str):
                    yield Markdown(part)
                    continue
                yield Markdown(
                    f"## {part.title}\n\n{part.intro}" if part.intro else f"## {part.title}"
                )
                yield HelpTableView(part)

    def on_mount(self) -> None:
        scroller = self.query_one("#help", VerticalScroll)
        self.watch(scroller, "scroll_y", self._scrolled)
        self.watch(scroller, "virtual_size", self._scrolled)

    def _scrolled(self) -> None:
        """The frame says how far down the text the view is, and which keys scroll it."""
        scroller = self.query_one("#help", VerticalScroll)
        end = scroller.max_scroll_y
        shown = "" if end <= 0 else f"{round(100 * scroller.scroll_y / end)}%"
        scroller.border_subtitle = f"↑↓ PgUp PgDn · {shown}" if shown else ""
