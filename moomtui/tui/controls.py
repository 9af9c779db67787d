"""The screen's last word on text from data: nothing a terminal would act on is drawn.

Textual draws a widget's text as it is, but for the five control characters it strips (BEL,
BS, VT, FF, CR): an ``ESC`` in a task's name, a NUL, a C1 ``CSI`` (U+009B) or a
bidirectional override would reach the terminal among the screen's own escape sequences
and be obeyed there — a clipboard written (OSC 52), a title changed, the screen cleared.
What moomtui shows from data is checked or shown with :func:`moomtui.text.visible` before it
reaches a widget; this filter makes it so for whatever reaches a drawn line all the same
(every widget, every screen, a served session's too): each character
:func:`moomtui.text.unsafe` names is drawn as a visible mark — a C0 character as its Unicode
control picture (``␛`` for ESC, ``␀`` for NUL), DEL as ``␡``, any other as ``�`` — and never
sent. A mark takes one cell where the character took none, so a line that gets marks is cut
to its width again: its last cells (the padding, or a border) give way, the layout does not.

It is one of Textual's line filters (:meth:`textual.app.App.get_line_filters`, the hook its
own monochrome and dimming filters use), run on every line of every widget after it is
rendered; a line with nothing to mark is passed on as it is.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from ..text import unsafe

DEL_PICTURE = "\u2421"
OTHER_MARK = "\ufffd"


def mark(c: str) -> str:
    """The one-cell mark drawn for an unsafe character ``c``."""
    code = ord(c)
    if code < 0x20:
        return chr(0x2400 + code)
    return DEL_PICTURE if code == 0x7F else OTHER_MARK


def marked(text: str) -> str:
    """``text`` with each unsafe character drawn as its mark."""
    if text.isprintable():
        return text
    return "".join(mark(c) if unsafe(c) else c for c in text)


class ShowControls(LineFilter):
    """Draws every unsafe character of a line as a visible mark (see the module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if "".join([seg.text for seg in segments]).isprintable():
            return segments  # the usual line (a control segment's text is empty)
        width = Segment.get_line_length(segments)
        shown = [
            seg if seg.control else Segment(marked(seg.text), seg.style, seg.control)
            for seg in segments
        ]
        if Segment.get_line_length(shown) == width:
            return shown
        return Segment.adjust_line_length(shown, width)
