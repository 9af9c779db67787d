"""Why this victim? The explain panel: every loaded policy's score for one task, step by
step, its rank, the top candidates, who is next and why (:mod:`moomtui.modules.explain`).

The same lines as the console's ``explain PID`` (:func:`~moomtui.shell.cmd_explain.
explain_lines`), coloured by kind. The panel follows the machine: it is worked out again
twice a second while the clock runs, and says so when the task is gone. ``n`` explains the
next victim instead; Esc closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from ...kernel.constants import HZ
from ...modules.explain import explain
from ...shell.cmd_explain import explain_lines
from .dialogs import ESCAPE, _Dialog

if TYPE_CHECKING:
    from ..app import MoomApp

KINDS = ("title", "code", "text", "result", "label", "candidate", "next", "this", "note")
REFRESH = 0.5
"""Seconds between two recomputations while the panel is open."""


class ExplainScreen(_Dialog):
    """The explanation of task ``pid``, kept up to date."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"explain--{kind}" for kind in KINDS}
    BINDINGS: ClassVar[list[BindingType]] = [
        *ESCAPE,
        Binding("q,e", "dismiss_none", "close", id="explain.close"),
        Binding("n", "next_victim", "next victim", id="explain.next"),
    ]

    def __init__(self, pid: int) -> None:
        super().__init__()
        self.pid = pid
        self.comm = ""
        self._shown: tuple[object, ...] = ()

    @property
    def moom(self) -> MoomApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="explain"):
            yield Label("", id="explain-title", classes="dialog-title", markup=False)
            yield Static("", id="explain-text", markup=False)

    def on_mount(self) -> None:
        self.update_text()
        self.set_interval(REFRESH, self.update_text)

    def update_text(self) -> None:
        """Work the explanation out again (only if the machine moved on)."""
        k = self.moom.kernel
        key = (id(k), k.ticks, self.pid, len(k.tasks), k.kills)
        if key == self._shown:
            return
        self._shown = key
        task = k.tasks.get(self.pid)
        title = self.query_one("#explain-title", Label)
        when = f"at {k.ticks / HZ:.2f} s"
        if task is None:
            gone = f"{self.pid} ({self.comm})" if self.comm else str(self.pid)
            title.update(f"Why this victim? {gone} is gone ({when})")
            return
        self.comm = task.comm
        title.update(f"Why this victim? {task.pid} ({task.comm}), {when}")
        text = Text(no_wrap=False)
        for i, (line, kind) in enumerate(explain_lines(explain(k, task))):
            if i:
                text.append("\n")
            text.append(line, self.get_component_rich_style(f"explain--{kind}", partial=True))
        self.query_one("#explain-text", Static).update(text)

    def action_next_victim(self) -> None:
        k = self.moom.kernel
        task = k.tasks.get(self.pid) or k.tasks.get(1)
        if task is None:
            return
        nxt = next((v.next for v in explain(k, task, 1).verdicts if v.next), None)
        if nxt is None:
            self.app.bell()
            return
        self.pid, self.comm, self._shown = nxt.pid, nxt.comm, ()
        self.update_text()
