"""What a line of the task tree says: the header, a task's cells, its COMMAND and its colour.

Plain functions of a :class:`~moomtui.tui.model.Row` and what the cells read (the columns
shown, the :class:`~moomtui.tui.columns.Context`), so that
:class:`~.process_view.ProcessView` keeps to drawing, scrolling and the selection. A task
that is gone (a ghost, shown greyed for a moment) shows its memory as it died and ``X`` for
its state; a task of the tree shows its branch, ``▾``/``▸`` when it has children, and a
kernel thread its name in brackets as ``ps`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from ...kernel.units import format_size_short
from ..columns import COLUMN_BY_KEY, Column, Context

if TYPE_CHECKING:
    from ...kernel import Kernel
    from ..changes import ChangeTracker
    from ..model import Row


def header(
    columns: tuple[Column, ...],
    sort_key: str,
    reverse: bool,
    width: int,
    style: Style,
    sorted_style: Style,
) -> Strip:
    """Line 0: the column titles, the sorted one marked with its direction."""
    arrow = "▼" if reverse else "▲"
    segments = []
    for column in columns:
        title = column.title
        is_sorted = column.key == sort_key
        if is_sorted:
            title = title + arrow
        if column is columns[-1]:
            text = title.ljust(width - sum(c.width + 1 for c in columns[:-1]))
        elif column.right:
            text = title.rjust(column.width)[-column.width - 1 :] + " "
        else:
            text = title.ljust(column.width + 1)
        segments.append(Segment(text, sorted_style if is_sorted else style))
    return Strip(segments).adjust_cell_length(width, style)


def row_class(
    row: Row,
    *,
    cursor: bool,
    kernel: Kernel | None,
    tracker: ChangeTracker | None,
    victim: int | None,
) -> str:
    """The component class that colours ``row`` (``""``: the view's own colours)."""
    task = row.task
    if cursor:
        return "process-view--cursor"
    if row.ghost is not None or task.memdie or task.dead:
        return "process-view--dying"
    if kernel is not None and task in kernel.dying:
        return "process-view--dying"  # a fatal signal: it exits at the next jiffy
    if tracker is not None and task.pid in tracker.killed:
        return "process-view--dying"
    if task.pid == victim:
        return "process-view--victim"
    if tracker is not None and task.pid in tracker.new:
        return "process-view--new"
    if row.ancestor_only:
        return "process-view--dim"
    if task.mm is None:
        return "process-view--kthread"
    return ""


def cells(row: Row, columns: tuple[Column, ...], ctx: Context) -> list[str]:
    """The cells of ``row`` for every column but the last (COMMAND), each padded or cut to
    its column's width; ``►`` before the next victim's score."""
    task = row.task
    out = []
    for column in columns:
        if row.ghost is not None:
            text = ghost_cell(column.key, row)
        elif column.key == "oom" and task.pid == ctx.victim:
            text = "►" + column.text(task, ctx)
        else:
            text = column.text(task, ctx)
        if len(text) > column.width:
            text = text[: column.width]
        out.append(text.rjust(column.width) if column.right else text.ljust(column.width))
    return out


def command(row: Row, *, tree: bool, marks: dict[int, str]) -> str:
    """The COMMAND column in full: the tree's branch, the name as ``ps`` shows it, and a
    ghost's ``<killed>``/``<exited>`` or a task's mark."""
    task = row.task
    name = f"{{{task.comm}}}" if task.thread_leader is not None else task.comm
    if task.mm is None and not task.dead and row.ghost is None:
        name = f"[{name}]"
    marker = ""
    if tree:
        if row.children:
            marker = "▸ " if row.collapsed else "▾ "
        elif row.prefix:
            marker = "─ "
    if row.ghost is not None:
        name += " <killed>" if row.ghost.killed else " <exited>"
    elif task.pid in marks and task.thread_leader is None:
        name += f" ⚑ {marks[task.pid]}"
    return f"{row.prefix}{marker}{name}"


def scrolled(text: str, offset: int) -> str:
    """The COMMAND cell scrolled ``offset`` cells to the left, with ``…`` where it was cut."""
    if offset:
        return "…" + text[offset + 1 :] if len(text) > offset else ""
    return text


def ghost_cell(key: str, row: Row) -> str:
    """A cell of a task that is gone: its memory as it died, X for its state."""
    ghost = row.ghost
    assert ghost is not None
    if key in ("pid", "user", "nice", "flags", "cpu"):
        return COLUMN_BY_KEY[key].text(row.task, Context(jiffies=0))
    if key == "state":
        return "X"
    if key == "rss":
        return format_size_short(ghost.rss)
    if key == "swap":
        return format_size_short(ghost.swap)
    return "-"
