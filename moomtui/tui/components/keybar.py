"""The key bar at the bottom of the main screen: the keys that matter now, as many as fit.

Textual's footer lists the bindings in order and cuts the line where the screen ends, so at
100 columns ``i``/``r`` fell off, and the task tree's keys (``/ o O v F``) were shown only by
help. This bar ranks the keys instead: it picks the most useful ones that fit the width,
draws them in a fixed order, and shows the keys of what has the focus — the task tree's
when it has it, the console's (Enter, Tab, ↑↓, PgUp, Esc) while typing there. Keys are
shown as the keymap binds them now; clicking one presses it. Over a dialog it shows the
dialog's own keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.widget import Widget
from textual.widgets import Input

from ..bindings import APP_BINDINGS, TASK_BINDINGS
from .console import PromptInput
from .modules import ModulePanel
from .process_view import ProcessView

PALETTE = "▏^p palette"


@dataclass(frozen=True, slots=True)
class Hint:
    """Keys (binding ids, or literal keys) shown together with one label; a lower
    ``rank`` is kept first when the bar is short of room."""

    keys: tuple[str, ...]
    label: str
    rank: int


MAIN = (
    Hint(("sim.pause",), "pause", 0),
    Hint(("task.kill",), "kill", 1),
    Hint(("task.explain",), "explain", 2),
    Hint(("task.renice",), "renice", 4),
    Hint(("task.spawn",), "spawn", 14),
    Hint(("app.presets",), "presets", 15),
    Hint(("game.score",), "score", 16),
    Hint(("app.console",), "console", 5),
    Hint(("tasks.filter",), "filter", 9),
    Hint(("app.maximize",), "zoom", 7),
    Hint(("app.theme",), "theme", 18),
    Hint(("app.help",), "help", 6),
    Hint(("app.quit",), "quit", 17),
    Hint(("sim.step", "sim.second"), "step", 8),
    Hint(("sim.faster", "sim.slower"), "speed", 13),
    Hint(("module.insmod", "module.rmmod"), "ins/rmmod", 3),
)
TREE = (
    Hint(("tasks.sort", "tasks.reverse"), "sort", 10),
    Hint(("tasks.tree",), "tree", 11),
    Hint(("tasks.follow",), "follow", 12),
)
MODULES = (Hint(("enter",), "load/unload", 10),)
CONSOLE = (
    Hint(("enter",), "run", 0),
    Hint(("tab",), "complete", 1),
    Hint(("up",), "history", 2),
    Hint(("pageup", "pagedown"), "scroll", 3),
    Hint(("app.maximize",), "zoom", 4),
    Hint(("escape",), "leave", 5),
    Hint(("task.kill",), "kill", 6),
)
DISPLAY = {"up": "↑↓", "pageup": "PgUp", "pagedown": "/PgDn", "escape": "Esc", "enter": "Enter"}
BINDINGS = {b.id: b for b in (*APP_BINDINGS, *TASK_BINDINGS) if isinstance(b, Binding) and b.id}


class KeyBar(Widget):
    """One line of ``key label`` hints; see the module docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--label", "keybar--dim"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._key: tuple[object, ...] = ()
        self._spans: list[tuple[int, int, str]] = []

    # ---------------------------------------------------------------------------- content
    def _keys(self, hint: Hint) -> list[tuple[str, str]]:
        """``(shown, key to press)`` for each key of ``hint``, as bound now."""
        keymap = getattr(self.app, "keymap", {})
        out = []
        for ident in hint.keys:
            binding = BINDINGS.get(ident)
            if binding is None:
                out.append((DISPLAY.get(ident, ident), ident))
                continue
            key = keymap.get(ident, binding.key).split(",")[0].strip()
            if ident == "app.maximize" and isinstance(self.app.focused, Input):
                key = "ctrl+f"  # z would be typed
            if ident == "task.kill" and isinstance(self.app.focused, Input):
                key = "f9"
            shown = binding.key_display or self.app.get_key_display(Binding(key, ""))
            out.append((shown, key))
        return out

    def hints(self) -> tuple[Hint, ...]:
        focused = self.app.focused
        if isinstance(focused, PromptInput):
            return CONSOLE
        if isinstance(focused, ProcessView):
            return MAIN + TREE
        if isinstance(focused, ModulePanel):
            return MAIN + MODULES
        return MAIN

    def _dialog_hints(self) -> list[tuple[str, str, str]]:
        """``(shown keys, label, key)`` for the bindings a dialog on top shows, the keys of
        one action together (``esc/q close``)."""
        grouped: dict[str, tuple[list[str], str]] = {}
        for key, active in self.app.screen.active_bindings.items():
            binding = active.binding
            if binding.show and binding.description:
                shown = binding.key_display or self.app.get_key_display(binding)
                keys, _ = grouped.setdefault(binding.action, ([], key))
                if shown not in keys:  # keys shown as one (key_display): told once
                    keys.append(shown)
        out = []
        for keys, key in grouped.values():
            binding = self.app.screen.active_bindings[key].binding
            out.append(("/".join(keys), binding.description.lower(), key))
        return out

    def render(self) -> Text:
        width = self.size.width
        room = width - cell_len(PALETTE)
        items: list[tuple[str, str, str]] = []  # (shown keys, label, key to press)
        if self.app.screen is not self.screen:
            items = self._dialog_hints()
        else:
            chosen: set[Hint] = set()
            used = 0
            hints = self.hints()
            for hint in sorted(hints, key=lambda h: h.rank):
                keys = self._keys(hint)
                size = sum(cell_len(shown) for shown, _ in keys) + 1 + cell_len(hint.label) + 1
                if used + size <= room:
                    chosen.add(hint)
                    used += size
            for hint in hints:
                if hint in chosen:
                    keys = self._keys(hint)
                    items.append(("".join(s for s, _ in keys), hint.label, keys[0][1]))
        key_style = self.get_component_rich_style("keybar--key", partial=True)
        label_style = self.get_component_rich_style("keybar--label", partial=True)
        text = Text(no_wrap=True, overflow="crop")
        self._spans = []
        for shown, label, key in items:
            if text.cell_len + cell_len(shown) + 1 + cell_len(label) > room:
                break
            start = text.cell_len
            text.append(shown, key_style)
            text.append(f" {label}", label_style)
            self._spans.append((start, text.cell_len, key))
            text.append(" ")
        text.pad_right(max(0, width - text.cell_len - cell_len(PALETTE)))
        text.append("▏", self.get_component_rich_style("keybar--dim", partial=True))
        text.append("^p", key_style)
        text.append(" palette", label_style)
        self._spans.append((width - cell_len(PALETTE) + 1, width, "ctrl+p"))
        return text

    def sync(self) -> None:
        """Redraw if what the bar shows may have changed (called every frame)."""
        app = self.app
        key = (
            self.size.width,
            type(app.focused).__name__,
            id(app.screen),
            tuple(sorted(getattr(app, "keymap", {}).items())),
        )
        if key != self._key:
            self._key = key
            self.refresh()

    def on_click(self, event: Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
