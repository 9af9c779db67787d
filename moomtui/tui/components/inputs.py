"""A text input that keeps every key of a burst in order (a paste, fast typing, tmux).

Textual's ``Input`` inserts a printable key as soon as the key reaches it, but acts on its
key *bindings* (Backspace, Ctrl+U, the arrows, Enter …) only once the key has bubbled up to
the app, which looks the binding up there. Keys that arrive together are therefore applied
out of order: ``renice 5``, Backspace, ``10`` typed in one burst left ``renice 51`` (the
Backspace ran after the ``1`` and the ``0``), and ``free``, Enter, ``ps`` submitted
``freeps``. :class:`BurstInput` runs its own bindings the moment their key arrives, before
the next key is read, and :meth:`BurstInput.action_submit` empties the line at once, so
what is typed after Enter is kept for the next command.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class BurstInput(Input):
    """An ``Input`` whose key bindings act in the order the keys arrive."""

    clear_on_submit: bool = False
    """Empty the line when Enter submits it (a command prompt)."""

    async def on_key(self, event: events.Key) -> None:
        """Runs before ``Input``'s own key handler (Textual calls the handlers of the class
        and then of its bases, unless one prevents the default), which inserts the
        printable keys."""
        if event.is_printable:
            return
        # The binding the screen would run for this key (the app's keymap applied), if it is
        # this widget's own; priority bindings were already tried by the app.
        active = self.screen.active_bindings.get(event.key)
        if active is not None and active.node is self and not active.binding.priority:
            event.stop()
            event.prevent_default()  # Input's handler is not called
            await self.run_action(active.binding.action)

    async def action_submit(self) -> None:
        if not self.clear_on_submit:
            await super().action_submit()
            return
        value = self.value
        self.value = ""
        self.post_message(self.Submitted(self, value))
