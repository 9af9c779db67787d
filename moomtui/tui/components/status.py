"""The header line: kernel, preset, the OOM state word, the clocks, speed, goals.

The state word (:meth:`~moomtui.kernel.Kernel.oom_state`, defined in docs/game.md) comes
early, and the header is never cut at its end where it can help it: a narrow screen leaves
out the least needed parts first (:data:`GIVEN_UP`) — the jiffies counter, ``Linux``, the
goals' label, the second clock, the kernel's release, as much of the preset's name as it
must, the rest of it, the clock — so that the state word, the speed, the ``PAUSED`` badge
and the goals stay whole.

Two clocks, each labelled, one story with the console: ``up 12:00:32`` is the machine's
uptime, from ``jiffies`` as ``/proc/uptime``, ``uptime`` and dmesg's ``[43232.000]`` count it
(a preset's machine may have been up for hours when the run starts); ``game 00:32`` is the
time since this game started (``run`` for a preset without goals), across reboots — the
clock the goals are judged on. On a narrow screen only one is shown: the game clock when
there are goals, else the uptime.

The preset's goals come last, each marked and coloured by its state (``●`` pending, ``✓``
met, ``✗`` lost); ``sandbox`` once the player chose to play on after the game ended. A
preset without goals adds nothing.

The line changes every frame (the clocks): it is drawn with the Line API, its text rendered
to one strip, as the side panels are (:mod:`.text_panel`) — handed to Textual as rich text
it went through the content pipeline at each frame, a millisecond of every paint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
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
GIVEN_UP = (
    "jiffies",  # the counter after the uptime
    "linux",  # "Linux " before the release
    "goals label",  # "goals" before the goals
    "second clock",  # the uptime in a game, the run's clock in a sandbox
    "kernel",  # the release
    "long name",  # the end of the preset's name, as much as it must (12 characters stay)
    "preset",  # the preset's name
    "clock",  # the clock left
    "oom label",  # "OOM" before the state word
)
"""What a header too wide for the screen leaves out, one after the other, least needed first.
Never left out: the state word, the speed, ``PAUSED``, ``sandbox`` and the goals."""
PRESET_SHORT = 12
"""What a preset's name keeps of itself before the header leaves it out."""


def _cells(parts: list[tuple[str, Style] | str]) -> int:
    """The cells the header's ``parts`` take, its trailing spaces left out."""
    text = "".join(part if isinstance(part, str) else part[0] for part in parts)
    return cell_len(text.rstrip())


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
        self._styles: dict[str, Style] = {}
        self._strip: Strip | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._key = ()
        self._styles = {}
        self._strip = None

    def _style(self, name: str) -> Style:
        """The style of the component class ``name``, looked up once per style change."""
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

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
        self._strip = None
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
        width = self.size.width
        for given_up in range(len(GIVEN_UP) + 1):
            left_out = set(GIVEN_UP[:given_up])
            given = (kernel, speed, paused, state, goals, sandbox, clocks, left_out)
            parts = self._assemble(preset, *given)
            over = _cells(parts) - width
            if over > 0 and "long name" in left_out and "preset" not in left_out:
                keep = max(PRESET_SHORT, len(preset) - over - 1)  # and "…"
                if keep < len(preset):
                    parts = self._assemble(preset[:keep].rstrip() + "…", *given)
            if _cells(parts) <= width:
                break
        # The narrowest there is, if nothing fits: cut at its end.
        text = Text.assemble(*parts, no_wrap=True, overflow="ellipsis")
        text.rstrip()
        return text

    def _assemble(
        self,
        preset: str,
        kernel: Kernel,
        speed: float,
        paused: bool,
        state: str,
        goals: tuple[tuple[str, str], ...],
        sandbox: bool,
        clocks: tuple[int, int, bool],
        left_out: set[str],
    ) -> list[tuple[str, Style] | str]:
        """The header's parts without those of :data:`GIVEN_UP` in ``left_out``."""
        style = self._style
        bar = ("│", style("status--dim"))
        jiffies, run_time, game = clocks
        uptime = f"up {format_uptime(jiffies)}"
        if "jiffies" not in left_out:
            uptime += f" jiffies {kernel.jiffies}"
        played = f"{'game' if game else 'run'} {format_uptime(run_time).removeprefix('0:')}"
        clocks_shown: list[tuple[str, Style] | str] = []
        if "clock" in left_out:
            pass
        elif "second clock" in left_out:  # a game's clock, else the machine's uptime
            clocks_shown = [f" {played if game else uptime} ", bar]
        else:
            clocks_shown = [f" {uptime} ", bar, f" {played} ", bar]
        parts: list[tuple[str, Style] | str] = []
        if "kernel" not in left_out:
            release = f" {UTS_RELEASE} " if "linux" in left_out else f" Linux {UTS_RELEASE} "
            parts.append((release, style("status--kernel")))
        if "preset" not in left_out:
            parts.append(f" {preset} ")
        if parts:
            parts.append(bar)
        parts += [
            "" if "oom label" in left_out else " OOM ",
            (f" {state} ", style(SEVERITY[state])),
            " ",
            bar,
            *clocks_shown,
            f" {format_speed(speed)} ",
        ]
        if paused:
            parts.append((" PAUSED ", style("status--paused")))
        if sandbox:
            parts += [" ", bar, (" sandbox ", style("status--sandbox"))]
        elif goals:
            label = " " if "goals label" in left_out else (" goals ", style("status--dim"))
            parts += [" ", bar, label]
            for goal_state, chip in goals:
                parts += [(chip, style(GOAL_STYLES[goal_state])), " "]
        return parts

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strip
        if y:
            return Strip.blank(width, self.rich_style)
        if strip is None or strip.cell_length != width:
            base = self.rich_style
            text = self._text.copy()
            text.truncate(width, overflow="ellipsis")
            segments = list(text.render(self.app.console))
            strip = Strip(segments).apply_style(base).adjust_cell_length(width, base)
            self._strip = strip
        return strip

    @property
    def text(self) -> Text:
        """The line as rich text (what it draws)."""
        return self._text

    @property
    def plain(self) -> str:
        return self._text.plain
