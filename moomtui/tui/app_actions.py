"""The keys: one short method per binding of :mod:`.bindings`, and which apply when.

A key that changes the machine runs a console command (:meth:`~.app_console.ConsoleBridge.
submit`); a key that acts on the selected task or policy opens its dialog (a signal, a nice
value, a program to spawn) and runs the command the dialog ends with. :meth:`KeyActions.
check_action` says where each key applies: the clock stands still under the report and the
briefing, a letter typed into a text field is the field's, Esc goes on to a step or a filter
only when there is one. The key table of the help screen is made here, from the keys as
bound now (a user's keymap included).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.binding import Binding, Keymap
from textual.widgets import Input

from ..kernel.constants import HZ, SIGNAL_NAMES
from .app_base import AppBase
from .bindings import APP_BINDINGS, CLOCK_ACTIONS, FOCUS_ACTIONS, GAME_ACTIONS, TASK_BINDINGS
from .columns import COLUMNS, COMMAND
from .components.charts import HistoryScreen
from .components.dialogs import HelpScreen, PresetPicker, ReniceDialog, SignalDialog, SpawnDialog
from .components.explain import ExplainScreen
from .components.panic import PanicScreen
from .help import help_text
from .messages import CommandSubmitted

if TYPE_CHECKING:
    from ..kernel.task import Task

SPAWNABLE_EXCLUDED = ("init", "thread")


def signal_warning(task: Task) -> str:
    """Why ``task`` will not act on a signal, or "" (init, kernel threads, zombies)."""
    if task.pid == 1:
        return (
            "init gets no signal it has no handler for: 2.4 drops it (do_signal), and init "
            "lives on."
        )
    if task.dead:
        return "a zombie: it has exited already and waits for its parent to reap it."
    if task.mm is None:
        return (
            f"[{task.comm}] is a kernel thread: it never returns to user mode, so it never "
            "acts on a signal."
        )
    return ""


class KeyActions(AppBase):
    """The key actions of :class:`~.app.MoomApp`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_step":
            return self.driver.stepping > 0  # else Esc goes on to what has the focus
        if action in ("presets", "score") and isinstance(self.screen, PanicScreen):
            return True  # a hung machine may still be left for another preset
        if action in CLOCK_ACTIONS and (self._reporting or self._briefing):
            return False  # the clock stands still under the report and the briefing
        if action == "leave_field":
            return self.screen is self.main and self.focused in self.main.text_fields
        if action == "console" and self.focused is self.console_view.input:
            # `:` at the empty prompt it would focus: the habit of a second `:` (vi's, or a
            # key pressed twice) is not a command's first character; inside a line it is.
            return not self.console_view.input.value
        if action in FOCUS_ACTIONS and isinstance(self.focused, Input):
            return False  # typed into the field that has the focus
        if action == "rewind":  # from the panels or the charts, not over a dialog
            return self.screen is self.main or isinstance(self.screen, HistoryScreen)
        return action not in GAME_ACTIONS or self.screen is self.main

    def action_toggle_pause(self) -> None:
        self.submit(CommandSubmitted("resume" if self.driver.paused else "pause", "key"))

    def action_step(self, jiffies: int) -> None:
        step = f"step {jiffies // HZ}s" if jiffies % HZ == 0 else f"step {jiffies}"
        self.submit(CommandSubmitted(step, "key"))

    def action_speed(self, direction: int) -> None:
        self.submit(CommandSubmitted("speed faster" if direction > 0 else "speed slower", "key"))

    def action_insmod(self) -> None:
        name = self.main.selected_module
        if name is not None:
            self.submit(CommandSubmitted(f"insmod {name}", "key"))

    def action_rmmod(self) -> None:
        name = self.main.selected_module
        if name is not None:
            self.submit(CommandSubmitted(f"rmmod {name}", "key"))

    def action_kill(self) -> None:
        """htop's F9: choose a signal for the selected task; the dialog names the task and
        says plainly when it will not act on any signal."""
        pid = self.main.selected_task
        task = self.kernel.tasks.get(pid) if pid is not None else None
        if task is None:
            self.bell()
            return

        def done(sig: object) -> None:
            if isinstance(sig, int):
                name = SIGNAL_NAMES.get(sig, str(sig))
                self.submit(CommandSubmitted(f"kill -{name} {task.pid}", "dialog"))

        self.push_screen(SignalDialog(task.pid, task.comm, signal_warning(task)), done)

    def action_explain(self) -> None:
        pid = self.main.selected_task
        if pid is None or pid not in self.kernel.tasks:
            self.bell()
            return
        self.push_screen(ExplainScreen(pid))

    def action_renice(self) -> None:
        pid = self.main.selected_task
        task = self.kernel.tasks.get(pid) if pid is not None else None
        if task is None:
            self.bell()
            return

        def done(nice: object) -> None:
            if isinstance(nice, int):
                self.submit(CommandSubmitted(f"renice {nice} -p {task.pid}", "dialog"))

        self.push_screen(ReniceDialog(task.pid, task.comm, task.nice), done)

    def action_spawn(self) -> None:
        programs = [
            (name, cls.description)
            for name, cls in sorted(self.kernel.programs.items())
            if name not in SPAWNABLE_EXCLUDED
        ]

        def done(choice: object) -> None:
            if isinstance(choice, str) and choice:
                self.submit(CommandSubmitted(f"spawn {choice}", "dialog"))

        self.push_screen(SpawnDialog(programs), done)

    def action_presets(self) -> None:
        def done(key: object) -> None:
            if isinstance(key, str):
                self.boot_preset(key, "dialog")

        self.push_screen(PresetPicker(self.presets(), self.sim.scenario.key), done)

    def action_console(self) -> None:
        self.main.set_focus(self.console_view.input)  # at once: the next key is typed there

    def action_filter(self) -> None:
        self.main.show_filter()

    def action_leave_field(self) -> None:
        self.main.leave_field()

    def action_maximize(self) -> None:
        if not self.main.toggle_maximize():
            self.bell()

    def action_help(self) -> None:
        columns = [(c.title, c.help) for c in (*COLUMNS, COMMAND)]
        self.push_screen(HelpScreen(help_text(self.key_table(), columns)))

    def set_keymap(self, keymap: Keymap) -> None:
        """Remap keys by binding id (Textual's own), remembered for the help screen's table."""
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def key_table(self) -> Iterable[tuple[str, str]]:
        """(keys as bound now, what they do) for the help screen: the app's, the tree's."""
        rows = []
        for binding in [*APP_BINDINGS, *TASK_BINDINGS]:
            if isinstance(binding, Binding):
                key = self.keymap.get(binding.id, binding.key) if binding.id else binding.key
                shown = ", ".join(
                    self.get_key_display(Binding(k.strip(), "")) for k in key.split(",")
                )
                rows.append((shown, binding.tooltip or binding.description))
        rows.append(("ctrl+p", "command palette: console commands, presets, themes"))
        rows.append(("R", "reboot (on the panic screen)"))
        return rows

    def action_charts(self) -> None:
        self.submit(CommandSubmitted("charts", "key"))

    def action_rewind(self) -> None:
        self.submit(CommandSubmitted("rewind 5s", "key"))

    def action_reboot(self) -> None:
        self.submit(CommandSubmitted("reboot", "key"))
