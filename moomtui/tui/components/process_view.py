"""The process tree: thousands of tasks, drawn a visible line at a time (Textual's Line API).

:class:`ProcessView` is a ``ScrollView`` whose ``render_line`` builds a ``Strip`` for one
visible row only; there is no widget per task. The rows come from
:class:`moomtui.tui.model.ProcessModel`, mended or rebuilt at most once per frame and only
when the kernel's task list changed (or, when sorted by a value such as RSS, when time moved
on); what each line says — the header, a task's cells, its colour — is
:mod:`.process_cells`'s.

Each frame only the visible lines whose text or colour changed are repainted (a fork or an
exit out of view repaints none), so a screen of sleeping daemons costs nothing while the
clock runs. The selection is a pid, not a row: when
tasks above it fork or die the selected task keeps its place on the screen and the rows
around it move. Line 0 is the column header; clicking it sorts by that column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...kernel.constants import HZ
from ...modules import GuardedScore
from ...modules.classic import ClassicKiller, badness
from ...modules.ranking import ClassicRanking
from ..bindings import TASK_BINDINGS
from ..columns import (
    Column,
    Context,
    blacklist_strikes,
    columns_for_width,
    select_victim,
)
from ..model import ProcessModel, Row
from . import process_cells as cells
from .scrolling import scrolled, set_virtual_size

if TYPE_CHECKING:
    from ...kernel import Kernel
    from ..changes import ChangeTracker
    from ..columns import Badness


VICTIM_JIFFIES = HZ // 4


class ProcessView(ScrollView, can_focus=True):
    """The task tree with columns PID … COMMAND; the selection follows a pid."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "process-view--header",
        "process-view--sorted",
        "process-view--cursor",
        "process-view--new",
        "process-view--dying",
        "process-view--victim",
        "process-view--kthread",
        "process-view--dim",
    }

    BINDINGS: ClassVar[list[BindingType]] = TASK_BINDINGS

    @dataclass
    class Changed(Message):
        """The selection, the follow, the sort or the filter changed (for the panel title)."""

        view: ProcessView

    @dataclass
    class FilterCleared(Message):
        """Esc on the tree with a filter set: the screen empties and hides its input."""

        view: ProcessView

    @dataclass
    class FollowLost(Message):
        """The followed task is gone."""

        pid: int
        comm: str

    def __init__(self, score: Callable[[Kernel], Badness] | None, *, id: str | None = None) -> None:
        """``score(kernel)`` gives the function the OOM column shows: what the loaded
        policy would give each task (``moomtui.modules.policy_score``)."""
        super().__init__(id=id)
        self.model = ProcessModel()
        self.score = score
        self.cursor_pid: int | None = None
        self.cursor_row = 0
        self.follow_pid: int | None = None
        self._follow_comm = ""
        self.ctx = Context(jiffies=0)
        self.tracker: ChangeTracker | None = None
        self._seen: tuple[int, int, int, int] = (-1, -1, -1, -1)
        self._scored: Badness | None = None
        """The score of the last frame (equal while the same policy scores)."""
        self._dirty = True
        self._styles: dict[str, Style] = {}
        self._shown: dict[int, tuple[str, str]] = {}
        self._columns: tuple[Column, ...] = ()
        self._keep: tuple[str, ...] = ()
        """The columns a narrow view keeps first: the preset's lesson is read in them."""
        self._chosen: tuple[str, ...] | None = None
        """The user's columns, in order (``columns``, F2); None: all that fit."""
        self._kernel: Kernel | None = None
        self._victim_pid: int | None = None
        self._victim_ticks = -VICTIM_JIFFIES
        self.marks: dict[int, str] = {}
        self.command_offset = 0
        """Cells of the COMMAND column scrolled off to the left (deep trees' names)."""

    # ---------------------------------------------------------------------------- the frame
    def sync(self, kernel: Kernel, tracker: ChangeTracker) -> None:
        """Bring the rows up to date with ``kernel``; cheap when nothing changed."""
        self.tracker = tracker
        score = self.score(kernel) if self.score is not None else None
        seen = (id(kernel), kernel.ticks, tracker.generation, tracker.values)
        if score != self._scored:  # insmod or rmmod changed what the OOM column means
            self._scored = score
            self._dirty = True
        if seen == self._seen and not self._dirty:
            return
        moved = seen[:2] != self._seen[:2]
        another = kernel is not self._kernel
        structural = seen[2] != self._seen[2] or another
        # A command changed values while the clock stood still (renice, kill, a write to
        # oom_score_adj): the scores and the next victim are redone now, not in a while.
        touched = not moved and seen[3] != self._seen[3]
        self._seen = seen
        self._kernel = kernel
        self.ctx = Context(jiffies=kernel.jiffies, badness=score)
        self.ctx.strikes = blacklist_strikes(kernel)
        self.ctx.victim = self._victim(kernel, structural or self._dirty or touched)
        sorted_moved = (moved or touched) and self.model.sorts_by_value
        if self._dirty or structural or sorted_moved:
            self._rebuild(kernel)
            if self._dirty or another:  # the header or every row may read differently
                self._shown = {}
                self.refresh()
        self._dirty = False
        self._refresh_changed()

    def _victim(self, kernel: Kernel, changed: bool) -> int | None:
        """The next victim; walking every task is the dearest part of a frame, so while no
        task forks or dies it is redone only every :data:`VICTIM_JIFFIES` of simulated time."""
        if changed or abs(kernel.ticks - self._victim_ticks) >= VICTIM_JIFFIES:
            if _is_classic(self.ctx.badness):  # the kernel's ranking has it, without a walk
                victim = ClassicRanking.of(kernel).select()
                self._victim_pid = victim.pid if victim is not None else None
            else:
                self._victim_pid = select_victim(kernel.tasks.values(), self.ctx)
            self._victim_ticks = kernel.ticks
        return self._victim_pid

    def _rebuild(self, kernel: Kernel) -> None:
        assert self.tracker is not None
        old_row = self.cursor_row
        touched, whole = self.tracker.take()
        if self.model.can_update() and not (whole or self._dirty):
            self.model.update(kernel, self.tracker.ghosts, self.ctx, touched)
        else:
            self.model.rebuild(kernel, self.tracker.ghosts, self.ctx)
        rows = self.model.rows
        set_virtual_size(self, Size(self.size.width, len(rows) + 1))
        if self.follow_pid is not None and self.follow_pid not in self.model.index:
            self.post_message(self.FollowLost(self.follow_pid, self._follow_comm))
            self.follow_pid = None
        if self.follow_pid is not None:
            self.cursor_pid = self.follow_pid
        new_row = self.model.row_of(self.cursor_pid)
        if new_row is None:
            new_row = min(old_row, len(rows) - 1) if rows else 0
            self.cursor_pid = rows[new_row].pid if rows else None
            self.post_message(self.Changed(self))
        self.cursor_row = new_row
        if self.follow_pid is not None:
            self.scroll_to(y=max(0, new_row - self.body_height // 2), animate=False)
        elif new_row != old_row:
            # Keep the selected task on the same screen line while rows move around it.
            self.scroll_to(y=max(0, self.scroll_y + new_row - old_row), animate=False)
            self._keep_cursor_visible()

    def keep_columns(self, keys: tuple[str, ...], chosen: tuple[str, ...] | None = None) -> None:
        """Keep the columns ``keys`` on a narrow view, leaving out others first (a preset's
        ``columns``: NI where badness() doubles for a niced task); or show the user's
        ``chosen`` columns, in their order (the ``columns`` command, F2)."""
        if keys != self._keep or chosen != self._chosen:
            self._keep, self._chosen = keys, chosen
            self._columns = ()
            self._shown = {}
            self._dirty = True
            self.refresh()

    def mark(self, pid: int, label: str) -> None:
        """Mark the task ``pid`` with a small label after its name (e.g. a report's victim)."""
        self.marks[pid] = label
        self._shown = {}
        self.refresh()

    def invalidate(self) -> None:
        """Rebuild the rows at the next frame (sort, filter or fold changed)."""
        self._dirty = True
        if self._kernel is not None and self.tracker is not None:
            self.sync(self._kernel, self.tracker)
        self.post_message(self.Changed(self))

    # ---------------------------------------------------------------------------- geometry
    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _keep_cursor_visible(self) -> None:
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + self.body_height:
            self.scroll_to(y=self.cursor_row - self.body_height + 1, animate=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scrolled(self, old_value, new_value)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.model.rows) + 1)
        self._columns = ()
        self._shown = {}
        self._keep_cursor_visible()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    # ---------------------------------------------------------------------------- selection
    def select_row(self, row: int) -> None:
        rows = self.model.rows
        if not rows:
            return
        row = max(0, min(len(rows) - 1, row))
        self.cursor_row = row
        self.cursor_pid = rows[row].pid
        if self.follow_pid is not None and self.follow_pid != self.cursor_pid:
            self.follow_pid = None
        self._keep_cursor_visible()
        self._shown = {}
        self.refresh()
        self.post_message(self.Changed(self))

    def select_pid(self, pid: int) -> bool:
        row = self.model.row_of(pid)
        if row is None:
            return False
        self.select_row(row)
        return True

    @property
    def selected(self) -> Row | None:
        rows = self.model.rows
        return rows[self.cursor_row] if 0 <= self.cursor_row < len(rows) else None

    def action_cursor(self, delta: int) -> None:
        self.select_row(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.select_row(self.cursor_row + direction * self.body_height)

    def action_jump(self, row: int) -> None:
        self.select_row(row if row >= 0 else len(self.model.rows) - 1)

    def action_fold(self) -> None:
        row = self.selected
        if row is None or not row.children:
            return
        self.model.collapsed ^= {row.pid}
        self.invalidate()

    def action_collapse(self) -> None:
        row = self.selected
        if row is not None and row.children and not row.collapsed:
            self.model.collapsed.add(row.pid)
            self.invalidate()
            return
        parent = self.model.parent_row(self.cursor_row)
        if parent is not None:
            self.select_row(parent)

    def action_expand(self) -> None:
        row = self.selected
        if row is not None and row.collapsed:
            self.model.collapsed.discard(row.pid)
            self.invalidate()

    def action_collapse_all(self) -> None:
        """Fold every subtree but init's: the machine at a glance, init's children in view."""
        kernel = self._kernel
        tasks = kernel.tasks.values() if kernel is not None else ()
        self.model.collapsed = {t.pid for t in tasks if t.children and t.pid != 1}
        self.model.collapsed |= {
            row.pid for row in self.model.rows if row.children and row.pid != 1
        }
        self.invalidate()

    def action_expand_all(self) -> None:
        self.model.collapsed.clear()
        self.invalidate()

    def action_scroll_command(self, cells: int) -> None:
        """Scroll the COMMAND column sideways (the other columns stay)."""
        widest = max((len(self._command(row)) for row in self._visible_rows()), default=0)
        self.command_offset = max(0, min(self.command_offset + cells, max(0, widest - 8)))
        self._shown = {}
        self.refresh()
        self.post_message(self.Changed(self))

    def _visible_rows(self) -> list[Row]:
        top = round(self.scroll_y)
        return self.model.rows[top : top + self.body_height]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self.model.filter)  # else Esc goes on (the app's, a step's)
        return True

    def action_clear_filter(self) -> None:
        self.post_message(self.FilterCleared(self))

    def sort_by(self, key: str) -> None:
        """Sort by column ``key``; the same column again reverses the order."""
        if key == self.model.sort_key:
            self.model.reverse = not self.model.reverse
        else:
            self.model.sort_key = key
            self.model.reverse = key not in ("pid", "user", "command", "state")
        self.invalidate()

    def action_sort_next(self) -> None:
        keys = [c.key for c in self.columns]
        key = self.model.sort_key
        following = keys[(keys.index(key) + 1) % len(keys)] if key in keys else keys[0]
        self.sort_by(following)

    def action_sort_on(self, key: str) -> None:
        """Sort by column ``key`` in its own direction, whatever the sort was (htop's M, P,
        T and the F6 menu; a value column biggest first)."""
        self.model.sort_key = key
        self.model.reverse = key not in ("pid", "user", "command", "state")
        self.invalidate()

    def action_sort_reverse(self) -> None:
        self.model.reverse = not self.model.reverse
        self.invalidate()

    def action_toggle_tree(self) -> None:
        self.model.tree = not self.model.tree
        self.invalidate()

    def action_follow(self) -> None:
        row = self.selected
        if self.follow_pid is not None or row is None:
            self.follow_pid = None
        else:
            self.follow_pid, self._follow_comm = row.pid, row.task.comm
        self.invalidate()

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns drawn now, COMMAND last."""
        self._fit_columns()
        return self._columns

    def search(self, text: str, *, after: bool = False, back: bool = False) -> bool:
        """htop's F3: select the next task whose name holds ``text`` (or whose pid it is),
        from the selected one on (``after``: from the one after it; ``back``: upwards),
        round the end; False if no row matches. Unlike the filter, every row stays."""
        needle = text.strip().lower()
        rows = self.model.rows
        if not needle or not rows:
            return False
        step = -1 if back else 1
        start = self.cursor_row + (step if after else 0)
        for n in range(len(rows)):
            row = (start + step * n) % len(rows)
            task = rows[row].task
            if str(task.pid) == needle or needle in task.comm.lower():
                self.select_row(row)
                return True
        return False

    def set_filter(self, text: str) -> None:
        self.model.filter = text
        self.invalidate()

    # ---------------------------------------------------------------------------- mouse
    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = 0
            for column in self._columns:
                if x <= offset.x < x + column.width + 1:
                    self.sort_by(column.key)
                    return
                x += column.width + 1
            self.sort_by("command")
            return
        row = round(self.scroll_y) + offset.y - 1
        if 0 <= row < len(self.model.rows):
            self.select_row(row)
            if event.chain == 2:
                self.action_fold()

    # ---------------------------------------------------------------------------- drawing
    def _style(self, name: str) -> Style:
        """A component class's style (``""``: the widget's own), cached until styles change."""
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name, partial=True) if name else self.rich_style
            self._styles[name] = style
        return style

    def on_focus(self) -> None:
        self._styles.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles.clear()
        self.refresh()

    def _fit_columns(self) -> None:
        """Choose the columns for the width, once per size: a row's text depends on them."""
        if not self._columns:
            width = self.scrollable_content_region.width
            self._columns = columns_for_width(width, self._keep, self._chosen)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        self._fit_columns()
        base = self._style("")
        if y == 0:
            return self._header(width, base)
        index = round(self.scroll_y) + y - 1
        if index >= len(self.model.rows):
            return Strip.blank(width, base)
        shown = self._shown.get(index)
        if shown is None:  # remembered: when the row changes or goes, this line is repainted
            shown = self._shown[index] = self._content(index)
        text, name = shown
        style = base + self._style(name) if name else base
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    def _refresh_changed(self) -> None:
        """Repaint only the visible rows whose text or colour changed since the last frame
        (rows moved by a fork or an exit above them included), and the lines left blank
        where rows were."""
        self._fit_columns()
        top = round(self.scroll_y)
        shown: dict[int, tuple[str, str]] = {}
        before = self._shown
        for index in range(top, min(top + self.body_height, len(self.model.rows))):
            content = self._content(index)
            shown[index] = content
            if before.get(index) != content:
                self.refresh_lines(index + 1)
        for index in before.keys() - shown.keys():
            self.refresh_lines(index + 1)
        self._shown = shown

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self._style("process-view--header")
        sorted_style = style + self._style("process-view--sorted")
        model = self.model
        return cells.header(
            self._columns, model.sort_key, model.reverse, width, style, sorted_style
        )

    def _content(self, index: int) -> tuple[str, str]:
        """The text of row ``index`` and the component class that colours it."""
        row = self.model.rows[index]
        text = cells.cells(row, self._columns[:-1], self.ctx)
        text.append(self._command_cell(row))
        name = cells.row_class(
            row,
            cursor=index == self.cursor_row,
            kernel=self._kernel,
            tracker=self.tracker,
            victim=self.ctx.victim,
        )
        return " ".join(text), name

    def _command(self, row: Row) -> str:
        return cells.command(row, tree=self.model.tree, marks=self.marks)

    def _command_cell(self, row: Row) -> str:
        """The COMMAND cell as shown: scrolled by :attr:`command_offset`, with ``…`` where
        the tree's lines were cut."""
        return cells.scrolled(self._command(row), self.command_offset)


def _is_classic(score: Badness | None) -> bool:
    """Whether ``score`` is the classic ``badness()``, whose best task
    :class:`~moomtui.modules.ranking.ClassicRanking` keeps (``select_victim``'s rule is
    ``select_bad_process``'s): ``badness`` itself, or a classic killer's score (oom_kill's,
    oom_kill_parent's) under its oops guard, which can never oops."""
    if isinstance(score, GuardedScore):
        score = score.score
    return score is badness or getattr(score, "__func__", None) is ClassicKiller.score
