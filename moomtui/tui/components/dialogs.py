"""Small modal screens: the preset picker, the spawn and renice prompts, and help.

Each returns what the user chose through ``dismiss``; the app turns that into a shell command
(or, for a preset, a new boot), so a dialog never touches the kernel itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Markdown, OptionList
from textual.widgets.option_list import Option

from .inputs import BurstInput

ESCAPE: list[BindingType] = [Binding("escape", "dismiss_none", "Close", id="dialog.close")]


class _Dialog(ModalScreen[object]):
    BINDINGS: ClassVar[list[BindingType]] = ESCAPE

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


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


class HelpScreen(_Dialog):
    """What the simulation models, what each policy does, and the keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *ESCAPE,
        Binding("question_mark,q", "dismiss_none", "Close", id="help.close"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Markdown(self.text)
