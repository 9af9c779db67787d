"""The module panel: each OOM policy with its Kconfig state and parameters, the notifier chain
in call order, insmod/rmmod by key or click, and oom_kill_parent's 32-slot blacklist.

Clicking a policy selects it; clicking its ``[insmod]``/``[rmmod]`` button runs the command
through the shell, like the ``i``/``r`` keys do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click

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
SHORT_STATES = {
    "built-in": "built-in",
    "loaded": "loaded",
    "available": "avail",
    "not built": "n/a",
}


class ModulePanel(TextPanel, can_focus=True):
    """Policies, chain and blacklist; the cursor picks the policy ``i``/``r`` act on."""

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
            tuple((e["pid"], e["value"], round(e["expires_in"])) for e in blacklist),
            self.cursor,
            self.has_focus,
            self.size.width,
        )
        if key != self._key:
            self._key = key
            self.names = kernel.modules.names()
            self.cursor = min(self.cursor, max(0, len(self.names) - 1))
            self._text = self._build(kernel, chain, blacklist)
            self.refresh(layout=True)

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
        width = max(20, self.size.width or 40)
        lines: list[Text] = []
        self._buttons.clear()
        self._module_lines.clear()
        name_width = max((len(n) for n in self.names), default=8)
        for i, name in enumerate(self.names):
            state = k.modules.state(name)
            cursor = i == self.cursor
            self._module_lines[len(lines)] = i
            mark = self._s("cursor") if cursor else Style()
            line = Text("▸ " if cursor else "  ", mark)
            line.append(name.ljust(name_width), mark)
            if width < 2 + name_width + 19:
                # Too narrow for one line: the state and the button go below the name.
                self._module_lines[len(lines) + 1] = i
                lines.append(line)
                line = Text("    ")
            line.append(f" {state:<9}", self._s(STATE_CLASSES[state].removeprefix("modules--")))
            action = {"loaded": "rmmod", "available": "insmod"}.get(state)
            if action:
                line.append(" ")
                start = line.cell_len
                line.append(f"[{action}]", self._s("button"))
                self._buttons[len(lines)] = (start, line.cell_len, f"{action} {name}")
            if name in k.modules.tainted:
                line.append(" tainted", self._s("absent"))
            lines.append(line)
            params = self._param_texts(k, name)
            joined = "    " + " ".join(params)
            if not params:
                continue
            if len(joined) <= width:
                lines.append(Text(joined, self._s("dim")))
            else:
                lines += [Text("    " + p, self._s("dim")) for p in params]
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
        parent = k.modules.get("oom_kill_parent")
        if parent is not None:
            line = Text(f"blacklist {len(blacklist)}/{BLACKLIST_SLOTS}", self._s("label"))
            lines.append(line)
            if blacklist:
                lines.append(Text("   PID COMM            STRIKES EXPIRES", self._s("dim")))
                limit = getattr(parent, "oom_parent_max", 10)
                for entry in blacklist:
                    expires = format_duration(round(entry["expires_in"] * 100))
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
