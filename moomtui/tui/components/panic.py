"""The panic screen: what a 2.4 console looked like after ``panic()``.

The last lines of the kernel log, white on black, ending in ``Kernel panic: …``; below them
the reboot countdown when ``kernel.panic`` > 0, or the hung machine's only way out: press R.
The app pops this screen by itself when the kernel reboots.

When the panic ends a game (ha-failover's is what that preset is about), the panic stays in
front: a line under it says the game is over, and Enter (or ``g``) opens the report on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from ...kernel.constants import HZ
from ...kernel.printk import format_record

if TYPE_CHECKING:
    from ...kernel import Kernel


class PanicScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("R", "app.reboot", "Reboot", id="panic.reboot"),
        Binding("enter", "app.score", "Report", id="panic.report"),
    ]

    def __init__(self, kernel: Kernel) -> None:
        super().__init__()
        self.kernel = kernel
        self._key: tuple[object, ...] = ()
        self.game_over: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="panic-log")
        yield Static(id="panic-status")

    def on_mount(self) -> None:
        self.sync(self.kernel, self.game_over)

    def sync(self, kernel: Kernel, game_over: str | None = None) -> None:
        """Show the log's tail and the countdown; ``game_over``: the line saying the panic
        ended the game, if it did."""
        self.game_over = game_over
        height = max(3, self.app.size.height - 3)
        left = None if kernel.reboot_at is None else max(0, kernel.reboot_at - kernel.ticks)
        records = kernel.log.records()
        key = (records[-1].seq if records else 0, left, height, game_over)
        if key == self._key:
            return
        self._key = key
        records = [r for r in records if kernel.log.reaches_console(r)]
        lines = [format_record(r) for r in records[-height:]]
        self.query_one("#panic-log", Static).update(Text("\n".join(lines), no_wrap=True))
        if left is None:
            status = "The machine is hung (kernel.panic = 0) — press R to reboot"
        else:
            status = f"Rebooting in {(left + HZ - 1) // HZ} seconds.. (press R to reboot now)"
        if game_over is not None:
            status = f"{game_over}\n{status}"
        self.query_one("#panic-status", Static).update(status)
