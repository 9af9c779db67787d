"""The main screen: the machine's panels and its console, laid out, kept up to date.

The header (:class:`~.status.StatusLine`) on top; the task tree with its ``/`` filter, and
beside it memory and the module panel; the kernel log and the console below; the key bar at
the bottom. The app, which owns the machine, calls :meth:`MainScreen.sync` at its frame
rate; each panel then redraws only if what it shows changed.

The screen answers which task and which policy are selected, for the keys that act on them,
and keeps the task panel's title (count, sort, filter, follow) in step with the tree. It
runs no command itself: the console and the module panel post
:class:`~moomtui.tui.messages.CommandSubmitted`, which the app handles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Input

from ...modules import policy_score
from .console import ConsoleView
from .dmesg import DmesgView
from .memory import MemoryView
from .modules import ModulePanel
from .process_view import ProcessView
from .status import StatusLine

if TYPE_CHECKING:
    from ...kernel import Kernel
    from ..history import History
    from ..model import ChangeTracker


class FilterInput(Input):
    """The ``/`` filter of the task tree: typing filters at once, Esc clears and leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear")
    ]

    def action_clear(self) -> None:
        self.value = ""
        self.display = False
        self.screen.query_one(ProcessView).focus()


class MainScreen(Screen[None]):
    """The header, the task tree, memory, modules, dmesg, the console and the key bar."""

    def __init__(
        self,
        history: History,
        complete: Callable[[str], list[str]],
        prompt: str,
        *,
        when_mounted: Callable[[], None] = lambda: None,
    ) -> None:
        """``history`` and ``complete`` (the shell's completion) serve the console's prompt,
        which starts as ``prompt``; ``when_mounted`` is called once the panels are mounted,
        before they are first laid out (the app draws its first frame there)."""
        super().__init__()
        self._when_mounted = when_mounted
        self.status_line = StatusLine(id="status")
        self.tasks_panel = Vertical(id="tasks-panel")
        self.process_view = ProcessView(policy_score, id="tasks")
        self.filter_input = FilterInput(placeholder="filter: part of a name, or a pid", id="filter")
        self.memory_view = MemoryView(id="memory")
        self.module_panel = ModulePanel(id="modules")
        self.dmesg_view = DmesgView(id="dmesg")
        self.console_view = ConsoleView(history, complete, prompt, id="console")
        self.kernel: Kernel | None = None
        """The machine of the last :meth:`sync`."""

    def compose(self) -> ComposeResult:
        yield self.status_line
        with Horizontal(id="top"):
            with self.tasks_panel:
                yield self.process_view
                yield self.filter_input
            with VerticalScroll(id="side"):
                yield self.memory_view
                yield self.module_panel
        with Horizontal(id="bottom"):
            yield self.dmesg_view
            yield self.console_view
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.filter_input.display = False
        self.tasks_panel.border_title = "tasks"
        self.memory_view.border_title = "memory"
        self.module_panel.border_title = "modules"
        self.dmesg_view.border_title = "dmesg"
        self.console_view.border_title = "console"
        self.process_view.focus()
        self._when_mounted()

    @property
    def live(self) -> bool:
        """The panels are there to draw on (not while starting up or shutting down)."""
        return self.is_attached and self.status_line.is_attached

    # ---------------------------------------------------------------------------- the frame
    def sync(
        self,
        kernel: Kernel,
        tracker: ChangeTracker,
        *,
        preset: str,
        speed: float,
        paused: bool,
        goals: Sequence[tuple[str, str]],
        sandbox: bool,
        prompt: str,
    ) -> None:
        """Bring every panel up to date with ``kernel``; the header also shows the preset's
        name, the clock (``speed``, ``paused``) and the game (``goals``, ``sandbox``)."""
        self.kernel = kernel
        self.status_line.sync(kernel, preset, speed, paused, goals=goals, sandbox=sandbox)
        self.process_view.sync(kernel, tracker)
        self.update_tasks_title()
        self.memory_view.sync(kernel)
        self.module_panel.sync(kernel)
        self.dmesg_view.sync(kernel)
        self.console_view.set_prompt(prompt)

    def update_tasks_title(self) -> None:
        """The task panel's title (how many tasks) and subtitle (sort, view, filter, follow)."""
        if self.kernel is None:
            return
        panel, view = self.tasks_panel, self.process_view
        model = view.model
        title = f"tasks {len(self.kernel.tasks)}"
        if model.filter.strip():  # the rows that match, of all the tasks
            shown = sum(1 for row in model.rows if not row.ancestor_only)
            title = f"tasks {shown}/{len(self.kernel.tasks)}"
        sort = model.sort_key.upper() + ("▼" if model.reverse else "▲")
        parts = [f"sort {sort}", "tree" if model.tree else "list"]
        if model.filter:
            parts.append(f"filter {model.filter!r}")
        if view.follow_pid is not None:
            parts.append(f"follow {view.follow_pid}")
        if view.command_offset:
            parts.append(f"names →{view.command_offset}")
        subtitle = " · ".join(parts)
        # Setting a border title repaints the whole panel, even to the same text.
        if panel.border_title != title:
            panel.border_title = title
        if panel.border_subtitle != subtitle:
            panel.border_subtitle = subtitle

    # ---------------------------------------------------------------------------- selection
    @property
    def selected_task(self) -> int | None:
        """The pid under the task tree's cursor."""
        return self.process_view.cursor_pid

    @property
    def selected_module(self) -> str | None:
        """The policy under the module panel's cursor."""
        return self.module_panel.selected

    # ---------------------------------------------------------------------------- the filter
    def show_filter(self) -> None:
        self.filter_input.display = True
        self.filter_input.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            self.process_view.set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):
            self.process_view.focus()
            if not event.value:
                event.input.display = False

    # ---------------------------------------------------------------------------- the tree
    def on_process_view_changed(self, message: ProcessView.Changed) -> None:
        self.update_tasks_title()

    def on_process_view_filter_cleared(self, message: ProcessView.FilterCleared) -> None:
        self.filter_input.action_clear()

    def on_process_view_follow_lost(self, message: ProcessView.FollowLost) -> None:
        self.notify(f"{message.pid} ({message.comm}) is gone; no longer following", markup=False)
