"""The module panel: each OOM policy with its Kconfig state and parameters, the notifier chain
in call order, insmod/rmmod by key or click, and oom_kill_parent's 32-slot blacklist.

Clicking a policy selects it; clicking its ``[insmod]``/``[rmmod]`` button runs the command
through the shell, like the ``i``/``u`` keys do.

The panel sits in a :class:`ModuleBox` under the memory panel and takes the height left; a
list taller than that scrolls inside the box, which keeps the cursor's policy in view and
never takes the focus itself. On a narrow side column the state words shorten and then give
way to the buttons alone (``[rmmod]``: loaded), the names keeping the state's colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer
from textual.events import Click
from textual.geometry import Region

from ...kernel.units import format_duration
from ...modules.oom_kill_parent import OOM_HISTORY_SIZE as BLACKLIST_SLOTS
from ..messages import CommandSubmitted
from .text_panel import TextPanel

if TYPE_CHECKING:
    from ...kernel import Kernel

STATE_CLASSES = {
    "built-in": "modules--builtin",
    "loaded": "modules--loaded",
    "available": "modules--available",
    "not built": "modules--absent",
}
STATES_FULL = {state: state for state in STATE_CLASSES}
SHORT_STATES = {
    "built-in": "built-in",
    "loaded": "loaded",
    "available": "avail",
    "not built": "n/a",
}


def _state_label(state: str, tier: int) -> str:
    """The state word at ``tier``: 0 in full, 1 short, 2 none where a button says it."""
    if tier == 0:
        return state
    if tier == 2 and state in ("loaded", "available"):
        return ""
    return SHORT_STATES[state]


def _whole(seconds: float | None) -> int | None:
    """A blacklist entry's time left in whole seconds, what the panel redraws on (None:
    never forgotten)."""
    return None if seconds is None else round(seconds)


class ModuleBox(ScrollableContainer, can_focus=False):
    """The module panel's frame: it scrolls when the list is taller than the room left
    under the memory panel, and never takes the focus itself (the panel inside does). It
    can be maximized."""

    ALLOW_MAXIMIZE = True


class ModulePanel(TextPanel, can_focus=True):
    """Policies, chain and blacklist; the cursor picks the policy ``i``/``u`` act on."""

    STYLE_PREFIX = "modules"
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *STATE_CLASSES.values(),
        "modules--cursor",
        "modules--button",
        "modules--label",
        "modules--dim",
        "modules--chain",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="modules.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="modules.down"),
        Binding("enter", "toggle_module", "Load/unload", show=False, id="modules.toggle"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names: list[str] = []
        self.cursor = 0
        self._kernel: Kernel | None = None
        self._buttons: dict[int, tuple[int, int, str]] = {}
        self._module_lines: dict[int, int] = {}
        self._cursor_line = 0

    @property
    def selected(self) -> str | None:
        return self.names[self.cursor] if 0 <= self.cursor < len(self.names) else None

    def sync(self, kernel: Kernel) -> None:
        self._kernel = kernel
        loaded = tuple(m.name for m in kernel.modules.loaded())
        blacklist = self._blacklist(kernel)
        chain = tuple(nb.name for nb in kernel.oom.chain)
        key = (
            id(kernel),
            loaded,
            chain,
            tuple(sorted(kernel.modules.tainted)),
            self._params(kernel),
            tuple((e["pid"], e["value"], _whole(e["expires_in"])) for e in blacklist),
            self.cursor,
            self.has_focus,
            self.size.width,
        )
        if key != self._key:
            self._key = key
            self.names = kernel.modules.names()
            self.cursor = min(self.cursor, max(0, len(self.names) - 1))
            self.show(self._build(kernel, chain, blacklist))

    @staticmethod
    def _blacklist(kernel: Kernel) -> list[dict]:
        module = kernel.modules.get("oom_kill_parent")
        view = getattr(module, "blacklist_view", None)
        return view() if view is not None else []

    @staticmethod
    def _params(kernel: Kernel) -> tuple[tuple[str, int], ...]:
        out = []
        for module in kernel.modules.loaded():
            out += [(f"{module.name}.{p.name}", getattr(module, p.name)) for p in module.params]
        return tuple(out)

    # ---------------------------------------------------------------------------- drawing
    def _build(self, k: Kernel, chain: tuple[str, ...], blacklist: list[dict]) -> Text:
        """The chain; one line per policy (its state and button), with the parameters of
        the loaded ones and of the one under the cursor; oom_kill_parent's blacklist."""
        width = max(20, self.size.width or 40)
        lines: list[Text] = []
        self._buttons.clear()
        self._module_lines.clear()
        self._cursor_line = 0
        name_width = max((len(n) for n in self.names), default=8)
        states = {name: k.modules.state(name) for name in self.names}
        # The state in full if it fits on the line with the button, else in short; if even
        # that does not fit, a policy with a button shows only the button ([rmmod]: it is
        # loaded) and its name in the state's colour.
        buttons = {name for name, state in states.items() if state in ("loaded", "available")}

        def fits(tier: int) -> bool:
            pad = max((len(_state_label(states[n], tier)) for n in buttons), default=0)
            return all(
                2 + name_width + 1 + (pad + 9 if name in buttons else len(_state_label(st, tier)))
                <= width
                for name, st in states.items()
            )

        tier = next((t for t in (0, 1) if fits(t)), 2)
        # The chain first: the order out_of_memory() calls the handlers in.
        line = Text("chain ", self._s("label"))
        line.append("out_of_memory()", self._s("chain"))
        for name in chain:
            if line.cell_len + 3 + len(name) > width:
                lines.append(line)
                line = Text("      ")
            line.append(f" → {name}", self._s("chain"))
        lines.append(line)
        if not chain:
            lines.append(Text("      (empty: out_of_memory() does nothing)", self._s("dim")))
        labels = {name: _state_label(state, tier) for name, state in states.items()}
        state_width = max((len(labels[n]) for n in buttons), default=0)
        for i, name in enumerate(self.names):
            state = states[name]
            cursor = i == self.cursor
            if cursor:
                self._cursor_line = len(lines)
            self._module_lines[len(lines)] = i
            style = self._s(STATE_CLASSES[state].removeprefix("modules--"))
            mark = self._s("cursor") if cursor else Style()
            line = Text("▸ " if cursor else "  ", mark)
            line.append(name.ljust(name_width), mark if cursor or tier < 2 else style)
            shown = labels[name]
            if width < 2 + name_width + 1 + max(state_width, len(shown)) + 1 + 8 * (
                name in buttons
            ):
                # Too narrow for one line: the state and the button go below the name.
                self._module_lines[len(lines) + 1] = i
                lines.append(line)
                line = Text("    ")
            if shown or tier < 2:
                line.append(f" {shown:<{state_width}}" if name in buttons else f" {shown}", style)
            action = {"loaded": "rmmod", "available": "insmod"}.get(state)
            if action:
                line.append(" ")
                start = line.cell_len
                line.append(f"[{action}]", self._s("button"))
                self._buttons[len(lines)] = (start, line.cell_len, f"{action} {name}")
            if name in k.modules.tainted:
                line.append(" tainted", self._s("absent"))
            lines.append(line)
            if state in ("loaded", "built-in") or cursor:
                lines += self._param_lines(k, name, width)
        parent = k.modules.get("oom_kill_parent")
        if parent is not None:
            line = Text(f"blacklist {len(blacklist)}/{BLACKLIST_SLOTS}", self._s("label"))
            lines.append(line)
            if blacklist:
                lines.append(Text("   PID COMM            STRIKES EXPIRES", self._s("dim")))
                limit = getattr(parent, "oom_parent_max", 10)
                for entry in blacklist:
                    left = entry["expires_in"]
                    expires = "never" if left is None else format_duration(round(left * 100))
                    lines.append(
                        Text(
                            f"{entry['pid']:>6} {entry['comm'][:15]:<15} "
                            f"{entry['value']:>3}/{limit:<3} {expires:>7}"
                        )
                    )
            else:
                line.append(" (empty)", self._s("dim"))
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return Text("\n", no_wrap=True).join(lines)

    def _param_lines(self, k: Kernel, name: str, width: int) -> list[Text]:
        """The parameters as ``name=value``, as many to a line as fit."""
        lines: list[Text] = []
        line = ""
        for param in self._param_texts(k, name):
            if line and len(line) + 1 + len(param) > width:
                lines.append(Text(line, self._s("dim")))
                line = ""
            line = f"{line} {param}" if line else f"    {param}"
        if line:
            lines.append(Text(line, self._s("dim")))
        return lines

    def _param_texts(self, k: Kernel, name: str) -> list[str]:
        module = k.modules.get(name)
        cls = k.modules.registry.get(name)
        if cls is None or not cls.params:
            return []
        source = module if module is not None else None
        return [
            f"{p.name}={getattr(source, p.name) if source is not None else p.default}"
            for p in cls.params
        ]

    # ---------------------------------------------------------------------------- input
    def action_cursor(self, delta: int) -> None:
        if self.names:
            self.cursor = (self.cursor + delta) % len(self.names)
            self._after_move()

    def action_toggle_module(self) -> None:
        """Load the selected policy, or unload it (Textual's own ``toggle`` flips an
        attribute: another action)."""
        command = self.toggle_command()
        if command:
            self.post_message(CommandSubmitted(command, source="key"))

    def toggle_command(self) -> str | None:
        name = self.selected
        if name is None or self._kernel is None:
            return None
        state = self._kernel.modules.state(name)
        return {"loaded": f"rmmod {name}", "available": f"insmod {name}"}.get(state)

    def select(self, name: str) -> None:
        if name in self.names:
            self.cursor = self.names.index(name)
            self._after_move()

    def _after_move(self) -> None:
        if self._kernel is not None:
            self.sync(self._kernel)
        self.call_after_refresh(self.show_cursor)

    def show_cursor(self) -> None:
        """Scroll the panel's box so the cursor's policy is in view (the list may be taller
        than the box; the box scrolls, the rest of the screen stays put)."""
        box = self.parent
        if isinstance(box, ScrollableContainer):
            box.scroll_to_region(Region(0, self._cursor_line, 1, 1), animate=False, immediate=True)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        button = self._buttons.get(offset.y)
        if button is not None and button[0] <= offset.x < button[1]:
            self.post_message(CommandSubmitted(button[2], source="click"))
        index = self._module_lines.get(offset.y)
        if index is not None:
            self.cursor = index
            self._after_move()
