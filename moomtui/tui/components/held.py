"""Keys held over a screen that came up while a command was being typed.

The panic screen and the game's report come up by themselves, whatever the player is
doing: a command halfway typed at the console then fell on their keys (the ``p`` of
``swapoff`` or of ``sysctl kernel.panic`` opened the preset picker, the Enter booted a
preset). Such a screen holds a command's keys — from the console's ``:`` over it, or from
the moment it came up over a command halfway typed — until the command's Enter or Esc.
"""

from __future__ import annotations

from textual import events


class HoldsTyping:
    """A screen's key holding: call :meth:`hold` first in ``on_key``; ``typing`` starts
    true when the screen came up over a command halfway typed."""

    typing: bool = False

    def hold(self, event: events.Key) -> bool:
        """Whether ``event`` is a command's key, held (the caller is done with it)."""
        if not self.typing and event.key != "colon":
            return False
        event.stop()
        event.prevent_default()
        if not self.typing:
            self.typing = True
            self.held_notice()
        elif event.key in ("enter", "escape"):
            self.typing = False
        return True

    def held_notice(self) -> None:
        """Say that the keys typed go nowhere until Enter or Esc."""
        raise NotImplementedError
