"""Growing a scroll view without laying out the whole screen.

Textual's ``Widget.virtual_size`` is a reactive that asks for a layout of the screen when it
changes: every widget is placed again and the whole screen drawn afresh, which at 200×60
costs tens of milliseconds. The kernel log and the console grow by a few lines, and the task
tree by a row, many times a second, and none of that moves any other widget — unless the
view's scrollbar comes or goes, which changes the room its content has.

:func:`set_virtual_size` takes the cheap way when no scrollbar comes or goes: it sets the size
without the layout (``set_reactive``) and updates the scrollbar's thumb and the scroll
position as the layout would (``Widget._scroll_update`` in Textual); the view repaints the
lines that changed.
Otherwise it assigns the size as usual and Textual lays out the screen. What is drawn is the
same either way (the screen's snapshot tests hold it to that).

A scrollbar repaints whenever its numbers change, and at 5,000 tasks and 100× they change
every frame (a fork, an exit, a line logged and followed) while the thumb it draws moves by
a hundredth of a cell: its repaint was a fifth of every frame's paint. :func:`move_bar`
gives the bar its new numbers without a repaint (``set_reactive``: a drag or a click still
reads the true ones) and repaints it only when the thumb it draws changes; :func:`scrolled`
is ``ScrollView.watch_scroll_y`` with the bar moved so.
"""

from __future__ import annotations

from math import ceil

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.widget import Widget

EIGHTHS = 8
"""A vertical bar draws its thumb's ends in eighths of a cell (``ScrollBarRender``'s glyphs)."""


def _vertical_bar(view: ScrollView, height: int) -> bool | None:
    """Whether a vertical scrollbar shows for content ``height`` rows high; None when that
    hangs on the horizontal scrollbar (Textual works it out in a layout)."""
    overflow = view.styles.overflow_y
    if overflow != "auto":
        return overflow == "scroll"
    room = view.container_size.height
    if height > room:
        return True
    if height <= room - view.styles.scrollbar_size_horizontal:
        return False
    return None


def _horizontal_bar(view: ScrollView, width: int, vertical: bool) -> bool:
    """Whether a horizontal scrollbar shows for content ``width`` cells wide, beside a
    vertical scrollbar or not (``Widget._refresh_scrollbars``' rule)."""
    overflow = view.styles.overflow_x
    if overflow != "auto":
        return overflow == "scroll"
    room = view.container_size.width
    if vertical:
        room -= view.styles.scrollbar_size_vertical
    return width > room


def set_virtual_size(view: ScrollView, size: Size, *, at_end: bool = False) -> bool:
    """Give ``view`` the virtual ``size``; True if the screen will be laid out for it (a
    scrollbar comes or goes, or the view is not laid out yet), False if not: then the view
    repaints the lines that changed itself (a scroll it causes repaints the view).
    ``at_end``: the view is about to scroll to its new end (a log following its lines), and
    its bar is told so at once, not first drawn for the old position in the new size."""
    old = view.virtual_size
    if size == old:
        return False
    bar = _vertical_bar(view, size.height) if view.is_mounted and view.container_size else None
    if (
        bar is None
        or size.width != old.width
        or bar != view.show_vertical_scrollbar
        or bar != _vertical_bar(view, old.height)
        or _horizontal_bar(view, size.width, bar) != view.show_horizontal_scrollbar
    ):
        view.virtual_size = size
        return True
    view.set_reactive(Widget.virtual_size, size)
    if bar and view.styles.scrollbar_size_vertical:
        window = view.container_size.height - view.scrollbar_size_horizontal
        move_bar(
            view.vertical_scrollbar,
            virtual=size.height,
            window=window,
            position=max(0, size.height - window) if at_end else None,
        )
    view.scroll_y = view.scroll_y  # validated: kept within the new size
    return False


def thumb(size: int, virtual: float, window: float, position: float) -> tuple[int, ...]:
    """What a vertical scrollbar ``size`` cells high draws for its numbers (its
    ``window_virtual_size``, ``window_size`` and ``position``): its height, and its thumb's
    first and last eighth of a cell — the arithmetic of Textual's ``ScrollBar.render`` and
    ``ScrollBarRender.render_bar``; just the height when it draws no thumb."""
    shown = ceil(window) if window < virtual else 0
    whole = ceil(virtual)
    if not (shown and size and whole and size != whole and whole != shown):
        return (size,)
    length = max(1, shown / (whole / size))
    start = int((size - length) * (position / (whole - shown)) * EIGHTHS)
    return (size, start, start + ceil(length * EIGHTHS))


def drawn(bar: ScrollBar) -> tuple[int, ...]:
    """What the vertical ``bar`` draws now (:func:`thumb`)."""
    return thumb(bar.size.height, bar.window_virtual_size, bar.window_size, bar.position)


def move_bar(
    bar: ScrollBar,
    *,
    virtual: int | None = None,
    window: int | None = None,
    position: float | None = None,
) -> None:
    """Give the vertical ``bar`` its new numbers; repaint it only if its thumb moves."""
    before = drawn(bar)
    if virtual is not None:
        bar.set_reactive(ScrollBar.window_virtual_size, virtual)
    if window is not None:
        bar.set_reactive(ScrollBar.window_size, window)
    if position is not None:
        bar.set_reactive(ScrollBar.position, bar.validate_position(position))
    if drawn(bar) != before:
        bar.refresh()


def scrolled(view: ScrollView, old: float, new: float) -> None:
    """``ScrollView.watch_scroll_y`` (the view scrolled from ``old`` to ``new``), with the
    bar repainted only if its thumb moves."""
    if view.show_vertical_scrollbar:
        move_bar(view.vertical_scrollbar, position=new)
    if round(old) != round(new):
        view.refresh(view.size.region)
