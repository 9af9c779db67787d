"""A key before the machine: the clock and the frame wait while a key is handled.

The screen, the clock's slices (:class:`moomtui.kernel.clock.Driver`) and the frame timer
share one asyncio loop. A key's way through Textual is several hops through its queues —
in at the app, to the focused widget, back up to the app where the bindings are looked up
(the widget's, the screen's, the app's), then the screen's next update paints what the
action did — and each hop let whatever else was ready run first: at 5,000 tasks and 100×
a slice of the machine (up to :data:`~moomtui.kernel.clock.SLICE`), a frame of the panels
(the tree mended, its victim found) and its paint, often two of each, so that one key in
twenty waited more than a tenth of a second (docs/benchmarks.md).

:class:`KeyFirst` holds the clock (:meth:`Driver.hold`) from the moment a key is posted to the
app (:meth:`KeyFirst.posted`: the app's ``post_message``, a few hops of the loop before the
key comes in, in which a slice that came due would run first) and
has the frame timer skip its frames (one frame is drawn when the hold ends) until what the
key did is painted:

- a key that comes back up to the app: once its binding has run, at the first paint after
  it, seen by :class:`PaintSeen` (a line filter that changes nothing: Textual runs every
  line it paints through the app's filters) — or, if the action changed nothing on the
  screen, after :data:`LOOKS` refreshes with no paint;
- a key a widget kept (a letter typed at the console): :data:`LOOKS` refreshes after the
  widget was done with it (it may still be on its way up);
- and whatever happens, the driver's own limit (:data:`~moomtui.kernel.clock.HOLD_MAX`).

A key the app takes first (a priority binding: ``:``, ``/``) waits, with every key after it,
while keys before it are still on their way through a widget (:meth:`KeyFirst.waits`): the
app looks their bindings up when they come back, against the focus of that moment.

A key then waits for what was running when it came in, at most a slice or a frame, and for
its own paint. The jiffies not run meanwhile are run after (the clock banks them); the
frames skipped are one frame, drawn at once after the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.filter import LineFilter

if TYPE_CHECKING:
    from rich.segment import Segment
    from textual.app import App
    from textual.color import Color

    from ..kernel.clock import Driver

LOOKS = 3
"""Refreshes to wait for a paint (or for a kept key to come back up) before the hold ends."""
MAX_KEYS = 64
"""Keys in hand at most: past that, their callbacks were lost (a screen closed under them)."""


class PaintSeen(LineFilter):
    """A line filter that passes every line as it is and tells when a paint happens."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: Callable[[], None] | None = None
        """Called (once, on the loop, after the paint) at the next line painted."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if self.waiting is not None:
            callback, self.waiting = self.waiting, None
            asyncio.get_running_loop().call_soon(callback)
        return segments


class KeyFirst:
    """The keys in hand, and the hold they keep on ``driver`` (see the module docstring)."""

    def __init__(
        self,
        app: App[Any],
        driver: Callable[[], Driver],
        frame: Callable[[], None],
        in_turn: Callable[[], object],
    ):
        """``frame`` draws a frame: called when the hold ends if the timer skipped one;
        ``in_turn`` takes the keys whose turn has come (:meth:`waits`)."""
        self.app = app
        self._driver = driver
        self._frame = frame
        self._in_turn = in_turn
        self.out: dict[events.Key, None] = {}
        """Keys handed to a widget and not yet back up at the app (nor kept by it)."""
        self.waiting: list[events.Key] = []
        """Keys come in that wait for those :attr:`out`, in the order they came."""
        self.filter = PaintSeen()
        self.keys: dict[events.Key, bool] = {}
        """The keys being handled: whether each came back up to the app."""
        self.frame_owed = False
        """A frame the timer skipped while a key was handled."""
        self._painted: list[events.Key] = []
        self._early: dict[events.Key, None] = {}
        """Keys posted that have not come in yet, the clock held for each. (A dictionary,
        not a set: at a session's memory ceiling a set whose growth fails keeps the key
        anyway, and once full, CPython's next add probes it for ever; a dictionary grows
        before it stores.)"""
        self._after: list[Callable[[], object]] = []
        """What waits for the keys in hand to be painted (:meth:`after_keys`)."""

    def posted(self, event: events.Key) -> None:
        """A key was posted to the app: it comes in a few hops of the loop later, and a
        slice of the clock that came due meanwhile would run first; the clock is held from
        now. (A key posted from another thread is held when it comes in.)"""
        try:
            now = asyncio.get_running_loop().time()
        except RuntimeError:
            return
        if len(self._early) > MAX_KEYS:  # posted and never come: their holds have lapsed
            self._early.clear()
        self._driver().hold(now)
        self._early[event] = None

    def came(self, event: events.Key) -> None:
        """A key came in (before the app hands it to the focused widget)."""
        if len(self.keys) > MAX_KEYS:
            for key in list(self.keys):
                self._done(key)
        if event in self._early:
            del self._early[event]  # held since it was posted
        else:
            self._driver().hold(asyncio.get_running_loop().time())
        self.keys[event] = False

    def waits(self, event: events.Key, first: Callable[[str], bool]) -> bool:
        """Whether the key come in waits its turn: a key the app takes first (``first``: a
        priority binding — ``:`` focuses the console, ``/`` the filter) while keys handed to a
        widget are not yet back up at the app, which looks their bindings up when they come
        back, against the focus then: ``↑ ↑ :`` sent at once recalled the console's history
        instead of moving the tree's cursor. Every key after a waiting one waits behind it."""
        if self.waiting or (self.out and first(event.key)):
            self.waiting.append(event)
            return True
        return False

    def next_in_turn(self, first: Callable[[str], bool]) -> events.Key | None:
        """The first waiting key, if its turn has come (as :meth:`waits` decides)."""
        if self.waiting and not (self.out and first(self.waiting[0].key)):
            return self.waiting.pop(0)
        return None

    def handed(self, event: events.Key) -> None:
        """The app handed the key to the focused widget (or took it itself): look again once
        the widget is done with it (its queue holds the key first)."""
        if event.is_forwarded:
            self.out[event] = None
        target = self.app.focused or self.app.screen
        if not target.call_after_refresh(self._kept, event, 0):
            self._done(event)

    def back(self, event: events.Key) -> None:
        """The key came back up to the app and its binding (if any) has run: done at the
        next paint, or after :data:`LOOKS` refreshes without one."""
        self.out.pop(event, None)  # the app takes the keys waiting for it (_in_turn)
        if event not in self.keys:
            return
        self.keys[event] = True
        self._painted.append(event)
        self.filter.waiting = self._paint
        self.app.call_after_refresh(self._unpainted, event, 0)

    def after_keys(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the keys in hand are painted (after the next refresh if
        there are none): work a key's action leads to — the charts plotted again after a
        command — comes after the paint of what the key did, not before it."""
        if not self.defer(callback):
            self.app.call_after_refresh(callback)

    def defer(self, callback: Callable[[], object]) -> bool:
        """Whether a key is in hand; if so ``callback`` is called once the keys are painted
        (a timer's work that can wait: the charts' next plot)."""
        if self.keys or self._early:
            if callback not in self._after:
                self._after.append(callback)
            return True
        return False

    def frame_tick(self) -> bool:
        """The frame timer fired: whether it may draw (else the frame is owed)."""
        if (self._early or self.waiting) and not self._driver().holding:
            self._early.clear()  # posted and never come in: their holds have lapsed
            if self.out:  # handed and never come back: waiting keys go on
                self.out.clear()
                self.app.call_later(self._in_turn)
        if self.keys or self._early:
            self.frame_owed = True
            return False
        self.frame_owed = False
        return True

    def _kept(self, event: events.Key, looks: int) -> None:
        if self.keys.get(event) is not False:
            return  # done, or back up at the app: that ends it
        if looks < LOOKS:
            self.app.call_after_refresh(self._kept, event, looks + 1)
        else:
            self._done(event)

    def _unpainted(self, event: events.Key, looks: int) -> None:
        if event not in self.keys:
            return
        if looks < LOOKS:
            self.app.call_after_refresh(self._unpainted, event, looks + 1)
        else:
            self._done(event)

    def _paint(self) -> None:
        painted, self._painted = self._painted, []
        for event in painted:
            self._done(event)

    def _done(self, event: events.Key) -> None:
        if event in self.out:  # its widget kept it: the keys waiting for it may go on
            del self.out[event]
            if not self.out and self.waiting:
                self.app.call_later(self._in_turn)
        if self.keys.pop(event, None) is None:
            return
        self._driver().release()
        if not self.keys and self.frame_owed:
            self.frame_owed = False
            self._frame()
        if not self.keys and self._after:
            self.app.call_after_refresh(self._run_after)

    def _run_after(self) -> None:
        """What waited for the keys, one piece a refresh (each may be a plot of 15 ms: a
        key that comes meanwhile waits for one)."""
        if self._after and not (self.keys or self._early):
            self._after.pop(0)()
            if self._after:
                self.app.call_after_refresh(self._run_after)
