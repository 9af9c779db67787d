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
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


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


def set_virtual_size(view: ScrollView, size: Size) -> bool:
    """Give ``view`` the virtual ``size``; True if the screen will be laid out for it (a
    scrollbar comes or goes, or the view is not laid out yet), False if not: then the view
    repaints the lines that changed itself (a scroll it causes repaints the view)."""
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
        scrollbar = view.vertical_scrollbar
        scrollbar.window_virtual_size = size.height
        scrollbar.window_size = view.container_size.height - view.scrollbar_size_horizontal
    view.scroll_y = view.scroll_y  # validated: kept within the new size
    return False
