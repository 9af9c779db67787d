"""The history charts: memory over run time with the OOM kills on it, the kill timeline,
and the selected task's RSS over time (key ``y``, console ``charts``).

The plots are plotext's, through textual-plotext's ``Plot`` (Textual's own ``Sparkline``
draws one series without an axis; these need several series, a time axis in seconds, and
the kills and branch points marked on it), shown by :class:`~.plot.Chart`. They are drawn
from the app's :class:`~moomtui.tui.timeline.Timeline`, at most :data:`REDRAW` times a
second and only when it changed, so an open chart costs a bounded share of the frame
whatever the machine's size. Plotext is pure Python and its cost follows the points it
draws: each series is thinned to about a point a cell of the plot's width and drawn as
dots (a line between points costs plotext six times as much), about 35 ms for the four
series of a 200-column chart, and decoded in a few (:mod:`.plot`). A command run under the
charts (``.``, ``b``) redraws them once the screen has shown what it did.

The machine runs on underneath (space still pauses it, ``b`` rewinds); ``y`` or Esc goes
back to the panels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget

from ...kernel.constants import HZ, PAGE_SIZE
from ...kernel.units import format_duration

if TYPE_CHECKING:
    from textual_plotext import Plot

    from ...kernel import Kernel
    from ..timeline import Timeline

REDRAW = 2
"""Redraws a second, at most, while the charts are open and the clock runs."""
MIB = (1 << 20) // PAGE_SIZE
SERIES = (("free", "green"), ("cache", "cyan"), ("anon", "orange"), ("swap", "magenta"))
KILL_COLOR = "red"
BRANCH_COLOR = "yellow"
MAX_MARKS = 60
"""Kills marked on the memory chart at most (the newest): more would hide the lines."""


def thin(points: Sequence[tuple[float, float]], cells: int) -> list[tuple[float, float]]:
    """About a point a cell: every n-th, the last always (what plotext costs grows with
    the points it is given; a cell of braille holds two columns of dots)."""
    step = max(1, len(points) // max(1, cells))
    out = list(points[::step])
    if points and out[-1] != points[-1]:
        out.append(points[-1])
    return out


def kill_lines(timeline: Timeline) -> Text:
    """The kill timeline, oldest first, with the branch points among the kills."""
    rows: list[tuple[int, int, Text]] = []
    for kill in timeline.kills:
        line = Text(f"{format_duration(kill.at):>8}  ", style="bold")
        line.append(f"{kill.comm} ({kill.pid})", style="red")
        line.append(f"  {kill.module}")
        if kill.reason != "victim":
            line.append(f" ({kill.reason})", style="dim")
        rows.append((kill.at, 1, line))
    for to, left in timeline.branches:
        line = Text(f"{format_duration(to):>8}  ", style="bold")
        line.append(f"⟲ rewound here from {format_duration(left)}", style="yellow")
        rows.append((to, 0, line))
    if not rows:
        return Text("no OOM kill in this run yet", style="dim")
    rows.sort(key=lambda row: (row[0], row[1]))
    return Text("\n").join(row[2] for row in rows)


class KillList(Widget):
    """The kill timeline, the newest at the bottom: as many lines as fit, repainted without
    laying the screen out again (a ``Static``'s update does, and so redraws the charts)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def show(self, text: Text) -> None:
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        lines = self.text.split("\n")
        room = max(1, self.size.height)
        return Text("\n").join(lines[-room:])


KEYS = "y or Esc: back to the panels · space: pause · b: rewind 5s"


class KeysLine(Widget):
    """The clock (run time, jiffies, paused) and the keys, under the charts: a key that
    moves the clock (``.``, space) shows at once here, before the charts are drawn again.
    Repainted without laying the screen out again (see :class:`KillList`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = KEYS

    def show(self, run_time: int, jiffies: int, paused: bool) -> None:
        state = " · PAUSED" if paused else ""
        text = f"run {format_duration(run_time)} · jiffies {jiffies}{state} · {KEYS}"
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="ellipsis")


class HistoryScreen(Screen[None]):
    """Memory over time, the kills, the selected task's RSS."""

    DEFAULT_CSS = """
    HistoryScreen #memory-chart { height: 3fr; }
    HistoryScreen #charts-bottom { height: 2fr; }
    HistoryScreen #kill-list { width: 1fr; border: round $primary; }
    HistoryScreen #rss-chart { width: 1fr; }
    HistoryScreen #charts-keys { height: 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,escape", "app.pop_screen", "close", id="charts.close"),
    ]

    def __init__(
        self,
        timeline: Timeline,
        kernel: Callable[[], Kernel],
        selected: Callable[[], int | None],
        defer: Callable[[Callable[[], object]], bool] | None = None,
    ) -> None:
        """``defer(callback)``: whether a key is in hand, ``callback`` then called once it
        is drawn (:meth:`.KeyFirst.defer`): the timer's plot waits for the key's paint."""
        # plotext and textual-plotext are imported when the charts are first opened, not
        # with the app: a fifth of a second of its start (bench/startup.py) is imports.
        from .plot import Chart

        super().__init__()
        self.timeline = timeline
        self._kernel = kernel
        self._selected = selected
        self._defer = defer
        self.memory_plot = Chart(self._memory, id="memory-chart")
        self.rss_plot = Chart(self._rss, id="rss-chart")
        self.kill_list = KillList(id="kill-list")
        self.keys_line = KeysLine(id="charts-keys")
        self.draws = 0
        """Times the memory chart was drawn again (the charts' redraws)."""
        self._keys: dict[str, object] = {}
        self._second = False

    def compose(self) -> ComposeResult:
        with Vertical(id="charts"):
            yield self.memory_plot
            with Horizontal(id="charts-bottom"):
                yield self.kill_list
                yield self.rss_plot
            yield self.keys_line

    def on_mount(self) -> None:
        self.kill_list.border_title = "OOM kills: when, who, which policy"
        self.redraw()
        self.set_interval(1 / (2 * REDRAW), self._redraw_half, name="charts")

    def redraw(self) -> None:
        """Plot again what the timeline moved on for (or the selection changed)."""
        self._redraw_memory()
        self._redraw_rest()

    def redraw_in_turn(self) -> None:
        """:meth:`redraw`, one plot now and the other after the next refresh: a key that
        comes meanwhile waits for one build, not both."""
        if self.is_attached:
            self._redraw_memory()
            self.call_after_refresh(self._redraw_rest)

    def _redraw_half(self) -> None:
        """The timer, at twice :data:`REDRAW`: the memory chart, then the RSS chart and the
        kills, in turn — each plot a build of 10–15 ms, so that a key waits for one at
        most, not for both; a key in hand is drawn first."""
        if self._defer is not None and self._defer(self._redraw_half):
            return
        self._second = not self._second
        if self._second:
            self._redraw_memory()
        else:
            self._redraw_rest()

    def _changed(self, part: str, key: object) -> bool:
        if self._keys.get(part) == key:
            return False
        self._keys[part] = key
        return True

    def _moment(self) -> tuple[int, int, int, int]:
        """Where the timeline is: its last sample, how many, its kills and branch points."""
        tl = self.timeline
        last = tl.samples[-1].at if tl.samples else -1
        return (last, len(tl.samples), len(tl.kills), len(tl.branches))

    def _redraw_memory(self) -> None:
        if self._changed("memory", (self._moment(), self.size)):
            self.draws += 1
            self.memory_plot.replot()

    def _redraw_rest(self) -> None:
        if self._changed("rest", (self._moment(), self._selected(), self.size)):
            self.rss_plot.replot()
            self.kill_list.show(kill_lines(self.timeline))

    def _memory(self, plt: Plot, width: int, height: int) -> None:
        tl = self.timeline
        cells = max(10, width - 10)
        for name, color in SERIES:
            points = [(s.at / HZ, getattr(s, name) / MIB) for s in tl.samples]
            points = thin(points, cells)
            if points:
                xs, ys = zip(*points, strict=True)
                plt.scatter(list(xs), list(ys), label=name, color=color, marker="braille")
        for kill in list(tl.kills)[-MAX_MARKS:]:
            plt.vertical_line(kill.at / HZ, color=KILL_COLOR)
        for to, _ in tl.branches:
            plt.vertical_line(to / HZ, color=BRANCH_COLOR)
        kills = len(tl.kills)
        plt.title(
            f"memory (MiB) over run time (s): {kills} OOM kill{'s' if kills != 1 else ''} "
            f"│ red{', branch point │ yellow' if tl.branches else ''}"
        )

    def _rss(self, plt: Plot, width: int, height: int) -> None:
        selected = self._selected()
        ring = self.timeline.rss.get(selected) if selected is not None else None
        task = self._kernel().tasks.get(selected) if selected is not None else None
        name = f"{task.comm} ({selected})" if task is not None else f"pid {selected}"
        if not ring:
            plt.title("RSS: select a task in the tree" if selected is None else f"RSS of {name}")
        else:
            cells = max(10, width - 10)
            points = thin([(at / HZ, rss / MIB) for at, rss in ring], cells)
            xs, ys = zip(*points, strict=True)
            plt.scatter(list(xs), list(ys), color="orange", marker="braille")
            plt.title(f"RSS of {name} (MiB) since selected")
