"""The header line: kernel, preset, the OOM state word, the clocks, speed, goals.

The state word (:meth:`~moomtui.kernel.Kernel.oom_state`, defined in docs/game.md) comes
early so that a narrow terminal cuts the clock, not the news.

Two clocks, each labelled, one story with the console: ``up 12:00:32`` is the machine's
uptime, from ``jiffies`` as ``/proc/uptime``, ``uptime`` and dmesg's ``[43232.000]`` count it
(a preset's machine may have been up for hours when the run starts); ``game 00:32`` is the
time since this game started (``run`` for a preset without goals), across reboots — the
clock the goals are judged on. On a narrow screen only one is shown: the game clock when
there are goals, else the uptime.

The preset's goals come last, each marked and coloured by its state (``●`` pending, ``✓``
met, ``✗`` lost); ``sandbox`` once the player chose to play on after the game ended. A
preset without goals adds nothing. The jiffies counter gives way to the goals on a narrow
screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...kernel.clock import format_speed
from ...kernel.constants import HZ, JIFFIES_MASK, UTS_RELEASE

if TYPE_CHECKING:
    from ...kernel import Kernel

SEVERITY = {
    "ok": "status--ok",
    "pressure": "status--pressure",
    "reclaim": "status--reclaim",
    "thrashing": "status--thrashing",
    "OOM": "status--oom",
    "livelock": "status--livelock",
    "panic": "status--panic",
}
"""The style of each word :meth:`~moomtui.kernel.Kernel.oom_state` gives (docs/game.md)."""
GOAL_STYLES = {
    "pending": "status--goal-pending",
    "met": "status--goal-met",
    "lost": "status--goal-lost",
}
WIDE_WITH_GOALS = 150
"""Below this width the header leaves out the jiffies counter when there are goals."""


def format_uptime(ticks: int) -> str:
    """``12:00:32``, or ``3d 2:00:32`` from a day on: ``ticks`` jiffies as a clock."""
    seconds = ticks // HZ
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{days}d {clock}" if days else clock


class StatusLine(Widget):
    """One line, redrawn only when its text changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *SEVERITY.values(),
        *GOAL_STYLES.values(),
        "status--sandbox",
        "status--kernel",
        "status--paused",
        "status--dim",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple[object, ...] = ()
        self._text = Text()

    def sync(
        self,
        kernel: Kernel,
        preset: str,
        speed: float,
        paused: bool,
        goals: Sequence[tuple[str, str]] = (),
        sandbox: bool = False,
        run_time: int = 0,
        game: bool = False,
    ) -> None:
        """``goals``: ``(state, text)`` for each goal, as :meth:`~moomtui.game.play.Game.chips`
        gives them; ``sandbox``: the game ended and goes on without them; ``run_time``:
        jiffies since the game (``game``: a preset with goals) or the run started."""
        state = kernel.oom_state()
        goals = tuple(goals)
        key = (
            kernel.ticks, kernel.boot, preset, speed, paused, state, goals, sandbox,
            run_time // HZ, game, self.size.width,
        )  # fmt: skip
        if key == self._key:
            return
        self._key = key
        clocks = (kernel.jiffies & JIFFIES_MASK, run_time, game)
        self._text = self._build(kernel, preset, speed, paused, state, goals, sandbox, clocks)
        self.refresh()

    def _build(
        self,
        kernel: Kernel,
        preset: str,
        speed: float,
        paused: bool,
        state: str,
        goals: tuple[tuple[str, str], ...],
        sandbox: bool,
        clocks: tuple[int, int, bool],
    ) -> Text:
        style = self.get_component_rich_style
        width = self.size.width
        narrow = width < 90
        bar = ("│", style("status--dim"))
        jiffies, run_time, game = clocks
        uptime = f"up {format_uptime(jiffies)}"
        if not narrow and not ((goals or sandbox) and width < WIDE_WITH_GOALS):
            uptime += f" jiffies {kernel.jiffies}"
        played = f"{'game' if game else 'run'} {format_uptime(run_time).removeprefix('0:')}"
        if narrow:
            clocks_shown: list[tuple[str, Style] | str] = [f" {played if game else uptime} "]
        else:
            clocks_shown = [f" {uptime} ", bar, f" {played} "]
        parts: list[tuple[str, Style] | str] = [
            (f" {UTS_RELEASE} " if narrow else f" Linux {UTS_RELEASE} ", style("status--kernel")),
            f" {preset[:12] if narrow else preset} ",
            bar,
            " OOM ",
            (f" {state} ", style(SEVERITY[state])),
            " ",
            bar,
            *clocks_shown,
            bar,
            f" {format_speed(speed)} ",
        ]
        if paused:
            parts.append((" PAUSED ", style("status--paused")))
        if sandbox:
            parts += [" ", bar, (" sandbox ", style("status--sandbox"))]
        elif goals:
            parts += [" ", bar, " " if narrow else (" goals ", style("status--dim"))]
            for goal_state, text in goals:
                parts += [(text, style(GOAL_STYLES[goal_state])), " "]
        return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")

    def render(self) -> Text:
        return self._text

    @property
    def plain(self) -> str:
        return self._text.plain
