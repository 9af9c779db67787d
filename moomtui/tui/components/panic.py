"""The panic screen: what a 2.4 console looked like after ``panic()``.

The last lines of the kernel log, white on black, ending in ``Kernel panic: …``; below them
the reboot countdown when ``kernel.panic`` > 0, or the hung machine's only way out: press R.
The app pops this screen by itself when the kernel reboots.

When the panic ends a game (ha-failover's is what that preset is about), the panic stays in
front: a line under it says the game is over, and Enter (or ``g``) opens the report on top.
In a game still running whose goals forbid rebooting by hand, the line says what R costs.

A panicked kernel runs nothing: the keys that act on it (the console, kill, renice, insmod…)
do nothing here, and a key with nothing to do says so — what a newcomer who starts typing a
command at a dead console needs to hear — rather than pass to the screen behind.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from ...kernel.constants import HZ
from ...kernel.printk import format_record
from .held import HoldsTyping

if TYPE_CHECKING:
    from ...kernel import Kernel


class PanicScreen(HoldsTyping, Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("R", "app.reboot", "Reboot", id="panic.reboot"),
        Binding("enter", "app.score", "Report", id="panic.report"),
    ]

    NOTICE = (
        "The kernel has panicked: nothing runs on it, not even the console, until it "
        "reboots; what you type goes nowhere until Enter or Esc. R reboots · Enter the "
        "report · p another preset · q quit"
    )
    """What a key that does nothing here says."""

    def __init__(self, kernel: Kernel, *, typing: bool = False) -> None:
        """``typing``: a command was halfway typed at the console when the kernel panicked:
        its keys are held (see :meth:`on_key`)."""
        super().__init__()
        self.kernel = kernel
        self.typing = typing
        self._key: tuple[object, ...] = ()
        self.game_over: str | None = None
        self.reboot_loses = False
        self._noticed = -1e9

    def compose(self) -> ComposeResult:
        yield Static(id="panic-log")
        yield Static(id="panic-status")

    def on_mount(self) -> None:
        self.sync(self.kernel, self.game_over, reboot_loses=self.reboot_loses)
        if self.typing:
            self.held_notice()

    def on_key(self, event: events.Key) -> None:
        """A command's keys are held (:class:`~.held.HoldsTyping`); a printable key that no
        binding here takes says why."""
        if self.hold(event):
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.enabled:
            return
        if not event.is_printable:
            return
        self.held_notice()

    def held_notice(self) -> None:
        now = time.monotonic()
        if now - self._noticed >= 3.0:  # a typed word is one notice, not one a letter
            self._noticed = now
            self.notify(self.NOTICE, severity="warning", timeout=4)

    def sync(
        self, kernel: Kernel, game_over: str | None = None, *, reboot_loses: bool = False
    ) -> None:
        """Show the log's tail and the countdown; ``game_over``: the line saying the panic
        ended the game, if it did; ``reboot_loses``: a game still running forbids rebooting
        by hand, so R loses it."""
        self.game_over = game_over
        self.reboot_loses = reboot_loses
        height = max(3, self.app.size.height - 3)
        left = None if kernel.reboot_at is None else max(0, kernel.reboot_at - kernel.ticks)
        records = kernel.log.records()
        key = (records[-1].seq if records else 0, left, height, game_over, reboot_loses)
        if key == self._key:
            return
        self._key = key
        records = [r for r in records if kernel.log.reaches_console(r)]
        lines = [format_record(r) for r in records[-height:]]
        self.query_one("#panic-log", Static).update(Text("\n".join(lines), no_wrap=True))
        by_hand = " — by hand: that loses the game's hands-off goal" if reboot_loses else ""
        if left is None:
            status = f"The machine is hung (kernel.panic = 0) — press R to reboot{by_hand}"
        else:
            now = f"press R to reboot now{by_hand}"
            status = f"Rebooting in {(left + HZ - 1) // HZ} seconds.. ({now})"
        if game_over is not None:
            status = f"{game_over}\n{status}"
        self.query_one("#panic-status", Static).update(status)
