"""The console: a ``root@moom:~#`` prompt running the shared shell, with its output above.

The prompt browses a persistent history (up/down, see :mod:`moomtui.tui.history`) and
completes with Tab through ``Shell.complete``. What runs a line is the app (it owns the
shell), told by a :class:`~moomtui.tui.messages.CommandSubmitted` message from the
``console``: the app adds the line to the history, runs it, and writes the answer back with
:meth:`ConsoleView.show`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label

from ..bindings import APP_BINDINGS, bound_keys
from ..history import History
from ..messages import CommandSubmitted
from .inputs import BurstInput
from .line_log import LineLog


def common_prefix(words: list[str]) -> str:
    """The longest text every word starts with."""
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


class ConsoleOutput(LineLog):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "console--prompt",
        "console--error",
        "console--output",
        "console--note",
    }


class PromptInput(BurstInput):
    """The command line: Enter runs, up/down browse the history, Tab completes.

    Keys typed in a burst keep their order, and the line is emptied the moment Enter is
    read, so a pasted ``free`` Enter ``ps`` Enter runs both (:mod:`.inputs`).
    """

    clear_on_submit = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "history", id="console.older", key_display="↑↓"),
        Binding("down", "history(1)", "Newer", show=False, id="console.newer"),
        Binding("tab", "complete", "complete", id="console.complete"),
        Binding("escape", "leave", "leave", id="console.leave", key_display="esc"),
        Binding("pageup", "page(-1)", "scroll", id="console.page_up"),
        Binding("pagedown", "page(1)", "", show=False, id="console.page_down"),
    ]

    def __init__(
        self,
        history: History,
        complete: Callable[[str], list[str]],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, placeholder="type a command, e.g. help, lsmod, insmod oom_kill")
        self.history = history
        self.completer = complete
        self.show_candidates: Callable[[list[str]], None] = lambda _: None

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """An empty prompt leaves the app the key that focuses it (``:``, `` ` ``, as the
        keymap binds them): pressed again there it is not the line's first character —
        ``:`` ``:lsmod`` ran ``::lsmod``. Inside a line the key is typed."""
        if not self.value and key in bound_keys(APP_BINDINGS, "app.console", self.app):
            return False
        return super().check_consume_key(key, character)

    def action_history(self, direction: int) -> None:
        line = self.history.previous(self.value) if direction < 0 else self.history.next()
        if line is not None:
            self.value = line
            self.cursor_position = len(line)

    def action_page(self, direction: int) -> None:
        """PageUp/PageDown scroll the console's output while the prompt keeps the focus."""
        output = self.screen.query_one(ConsoleOutput)
        if direction < 0:
            output.scroll_page_up(animate=False)
        else:
            output.scroll_page_down(animate=False)

    def action_complete(self) -> None:
        """Complete the line as bash does: one candidate fills in, several show a list."""
        line = self.value[: self.cursor_position]
        rest = self.value[self.cursor_position :]
        candidates = self.completer(line)
        if not candidates:
            self.app.bell()
            return
        cut = max(line.rfind(" "), line.rfind("\t"), line.rfind("|")) + 1  # after a pipe too
        head, word = line[:cut], line[cut:]
        common = common_prefix(candidates)
        if len(candidates) == 1 and not common.endswith(("/", "=")):
            common += " "
        if len(common) > len(word):
            self.value = head + common + rest
            self.cursor_position = len(head + common)
        elif len(candidates) > 1:
            self.show_candidates(candidates)

    def action_leave(self) -> None:
        self.screen.focus_next("ProcessView")


class ConsoleView(Vertical):
    """Output above, prompt below. It can be maximized (``z``, or Ctrl+F while typing):
    ``ps aux`` and ``vmstat`` need the width."""

    ALLOW_MAXIMIZE = True

    def __init__(
        self,
        history: History,
        complete: Callable[[str], list[str]],
        prompt: str,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.history = history
        self.complete = complete
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        yield ConsoleOutput(max_lines=2000, id="console-output")
        with Horizontal(id="prompt-line"):
            yield Label(self.prompt, id="prompt", markup=False)
            yield PromptInput(self.history, self.complete, id="prompt-input")

    def on_mount(self) -> None:
        self.input.show_candidates = self._show_candidates

    @property
    def input(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def output(self) -> ConsoleOutput:
        return self.query_one(ConsoleOutput)

    def set_prompt(self, prompt: str) -> None:
        if prompt != self.prompt:
            self.prompt = prompt
            self.query_one("#prompt", Label).update(prompt)

    def _show_candidates(self, words: list[str]) -> None:
        self.output.write([(self.prompt + self.input.value, "console--prompt")])
        self.output.write([("  ".join(words), "console--note")])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(CommandSubmitted(event.value, source="console"))

    def echo(self, line: str) -> None:
        """Show ``line`` after the prompt, as typed; a command brings the view back to the
        end, as a terminal does when you type (even after scrolling back with the wheel)."""
        self.output.follow_end()
        self.output.write([(self.prompt + line, "console--prompt")])

    def show(self, output: str, status: int) -> None:
        """What a command printed; in the error colour if it failed."""
        style = "console--error" if status else "console--output"
        if output:
            self.output.write([(text, style) for text in output.rstrip("\n").split("\n")])

    def note(self, text: str) -> None:
        self.output.write([(text, "console--note")])
