"""The main screen: the machine's panels and its console, laid out, kept up to date.

The header (:class:`~.status.StatusLine`) on top; the task tree with its ``/`` filter, and
beside it memory and the module panel; the kernel log and the console below; the key bar at
the bottom (:mod:`.keybar`: the keys that matter for what has the focus, as many as fit).
The app, which owns the machine, calls :meth:`MainScreen.sync` at its frame
rate; each panel then redraws only if what it shows changed.

The screen answers which task and which policy are selected, for the keys that act on them,
and keeps the task panel's title (count, sort, filter, follow) in step with the tree. It
runs no command itself: the console and the module panel post
:class:`~moomtui.tui.messages.CommandSubmitted`, which the app handles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, Self

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input

from ...modules import policy_score
from ..columns import COLUMN_BY_KEY
from .console import ConsoleView
from .dmesg import DmesgView
from .inputs import BurstInput
from .keybar import KeyBar
from .memory import MemoryView
from .modules import ModuleBox, ModulePanel
from .process_view import ProcessView
from .status import StatusLine

if TYPE_CHECKING:
    from ...kernel import Kernel
    from ..changes import ChangeTracker
    from ..history import History


class FilterInput(BurstInput):
    """The ``/`` filter of the task tree: typing filters at once, Esc clears and leaves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear")
    ]

    def action_clear(self) -> None:
        self.value = ""
        self.display = False
        self.screen.set_focus(self.screen.query_one(ProcessView))


class SearchInput(BurstInput):
    """htop's F3 under the task tree: the cursor jumps to the first task from the selected
    one whose name holds what is typed (or whose pid it is); every task stays in view."""


RESTORE = "z or Esc restores"
"""The subtitle of a maximized panel."""

RESTORE_TYPED = "^f or Esc restores"
"""The console's, where ``z`` is typed into the prompt."""


class TasksPanel(Vertical):
    """The task tree's frame (with the filter under the tree): it can be maximized."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._border_only = False

    def set_titles(self, title: str, subtitle: str) -> None:
        """Show ``title`` and ``subtitle`` on the frame, repainting its top and bottom lines
        alone: Textual repaints a whole widget when its border title is set, which for this
        frame is the task tree inside it too, at every fork or exit."""
        self._border_only = True
        try:
            if self.border_title != title:
                self.border_title = title
            if self.border_subtitle != subtitle:
                self.border_subtitle = subtitle
        finally:
            self._border_only = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        if self._border_only and not regions and not layout and self.outer_size:
            # Regions are given relative to the content, which starts inside the border; the
            # frame's lines are the widget's whole width, its first line and its last (the
            # content's size, one line short of the frame at each end, missed the subtitle).
            x, y = -self.content_offset.x, -self.content_offset.y
            width, height = self.outer_size
            regions = (Region(x, y, width, 1), Region(x, y + height - 1, width, 1))
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class MainScreen(Screen[None]):
    """The header, the task tree, memory, modules, dmesg, the console and the key bar.

    ``z`` (or Ctrl+F, also while typing at the console) maximizes the panel that has the
    focus — the task tree, the kernel log, the console or the module list — with the header
    and the key bar kept; ``z`` again or Esc restores the layout.
    """

    ALLOW_IN_MAXIMIZED_VIEW = "KeyBar, #status"

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
        self.tasks_panel = TasksPanel(id="tasks-panel")
        self.process_view = ProcessView(policy_score, id="tasks")
        self.filter_input = FilterInput(
            placeholder="filter: part of a name, a pid, or user:NAME", id="filter"
        )
        self.search_input = SearchInput(placeholder="search: part of a name, or a pid", id="search")
        self.memory_view = MemoryView(id="memory")
        self.module_panel = ModulePanel(id="modules")
        self.module_box = ModuleBox(id="modules-box")
        self.dmesg_view = DmesgView(id="dmesg")
        self.console_view = ConsoleView(history, complete, prompt, id="console")
        self.key_bar = KeyBar(id="keybar")
        self.kernel: Kernel | None = None
        """The machine of the last :meth:`sync`."""

    def compose(self) -> ComposeResult:
        yield self.status_line
        with Horizontal(id="top"):
            with self.tasks_panel:
                yield self.process_view
                yield self.filter_input
                yield self.search_input
            with Vertical(id="side"):
                yield self.memory_view
                with self.module_box:
                    yield self.module_panel
        with Horizontal(id="bottom"):
            yield self.dmesg_view
            yield self.console_view
        yield self.key_bar

    def on_mount(self) -> None:
        self.filter_input.display = False
        self.search_input.display = False
        self.tasks_panel.border_title = "tasks"
        self.memory_view.border_title = "memory"
        self.module_box.border_title = "modules"
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
        run_time: int = 0,
        game: bool = False,
        columns: tuple[str, ...] = (),
        chosen: tuple[str, ...] | None = None,
    ) -> None:
        """Bring every panel up to date with ``kernel``; the header also shows the preset's
        name, the clock (``speed``, ``paused``) and the game (``goals``, ``sandbox``, its
        ``run_time``; ``game``: the preset has goals); the task tree keeps the preset's
        ``columns`` on a narrow screen, or shows the user's ``chosen`` ones."""
        self.kernel = kernel
        self.status_line.sync(
            kernel, preset, speed, paused, goals=goals, sandbox=sandbox, run_time=run_time,
            game=game,
        )  # fmt: skip
        self.process_view.keep_columns(columns, chosen)
        self.process_view.sync(kernel, tracker)
        self.update_tasks_title()
        self.memory_view.sync(kernel)
        self.module_panel.sync(kernel)
        self.dmesg_view.sync(kernel)
        self.console_view.set_prompt(prompt)
        self.key_bar.sync()

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
        # The sorted column by the title its header shows (NI, not the key's NICE).
        column = COLUMN_BY_KEY.get(model.sort_key)
        name = column.title if column is not None else model.sort_key.upper()
        sort = name + ("▼" if model.reverse else "▲")
        parts = [f"sort {sort}", "tree" if model.tree else "list"]
        if model.filter:
            parts.append(f"filter {model.filter!r}")
        if view.follow_pid is not None:
            parts.append(f"follow {view.follow_pid}")
        if view.command_offset:
            parts.append(f"names →{view.command_offset}")
        if self.maximized is panel:
            parts.append(RESTORE)
        panel.set_titles(title, " · ".join(parts))

    # ---------------------------------------------------------------------------- maximize
    def panel_of(self, widget: Widget | None) -> Widget | None:
        """The panel (tasks, module list, dmesg or console) that holds ``widget``."""
        panels = (self.tasks_panel, self.module_box, self.dmesg_view, self.console_view)
        while widget is not None and widget not in panels:
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None
        return widget

    def toggle_maximize(self) -> bool:
        """Maximize the focused panel, or restore the layout; False if nothing changed."""
        if self.maximized is not None:
            self.minimize()
            return True
        panel = self.panel_of(self.focused)
        if panel is None:
            return False
        return self.maximize(panel, container=False)

    def watch_maximized(self, maximized: Widget | None) -> None:
        for panel in (self.module_box, self.dmesg_view, self.console_view):
            restore = RESTORE_TYPED if panel is self.console_view else RESTORE
            note = restore if panel is maximized else ""
            if panel.border_subtitle != note:
                panel.border_subtitle = note
        self.update_tasks_title()

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
    @property
    def text_fields(self) -> tuple[Input, ...]:
        """The console's prompt, the filter and the search: Esc leaves them (see
        :meth:`leave_field`)."""
        return (self.console_view.input, self.filter_input, self.search_input)

    def leave_field(self) -> None:
        """Esc in a text field, at once: the filter is cleared and closed, the console left;
        the task tree gets the focus before the next key is read."""
        if self.focused is self.filter_input:
            self.filter_input.action_clear()
        elif self.focused is self.search_input:
            self.close_search()
        else:
            self.set_focus(self.process_view)

    def show_filter(self) -> None:
        self.filter_input.display = True
        self.set_focus(self.filter_input)  # at once: the next key is typed there

    def set_filter(self, text: str) -> None:
        """Filter the tree by ``text`` and show it in the filter's field (htop's u chooses a
        user: ``user:NAME``); the tree keeps the focus."""
        self.filter_input.value = text
        self.filter_input.display = bool(text)
        self.process_view.set_filter(text)

    # ---------------------------------------------------------------------------- the search
    def show_search(self) -> None:
        """htop's F3: open the search under the tree (with the last text), or, open, go on
        to the next match."""
        if self.search_input.display and self.focused is self.search_input:
            self.search_next()
            return
        self.search_input.display = True
        self.set_focus(self.search_input)

    def search_next(self, back: bool = False) -> None:
        """The next task that matches (the one before, ``back``), round the end."""
        text = self.search_input.value
        if not self.process_view.search(text, after=True, back=back):
            self.app.bell()

    def close_search(self) -> None:
        self.search_input.display = False
        self.set_focus(self.process_view)

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            self.process_view.set_filter(event.value)
        elif isinstance(event.input, SearchInput):
            found = self.process_view.search(event.value)
            event.input.set_class(bool(event.value) and not found, "-no-match")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SearchInput):
            self.close_search()
        elif isinstance(event.input, FilterInput):
            self.process_view.focus()
            if not event.value:
                event.input.display = False

    def on_descendant_focus(self) -> None:
        self.key_bar.sync()

    # ---------------------------------------------------------------------------- the tree
    def on_process_view_changed(self, message: ProcessView.Changed) -> None:
        self.update_tasks_title()

    def on_process_view_filter_cleared(self, message: ProcessView.FilterCleared) -> None:
        self.filter_input.action_clear()

    def on_process_view_follow_lost(self, message: ProcessView.FollowLost) -> None:
        self.notify(f"{message.pid} ({message.comm}) is gone; no longer following", markup=False)
