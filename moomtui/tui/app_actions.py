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

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.binding import Binding, Keymap
from textual.widgets import Input

from ..kernel.constants import HZ, SIGNAL_NAMES
from ..shell.session import user_name
from .app_base import AppBase
from .bindings import (
    APP_BINDINGS,
    CLOCK_ACTIONS,
    FOCUS_ACTIONS,
    GAME_ACTIONS,
    HTOP_CLASHES,
    HTOP_KEYS,
    PANIC_ACTIONS,
    SHARED_WITH_HTOP,
    TASK_BINDINGS,
)
from .columns import COLUMNS, COMMAND
from .components.charts import HistoryScreen
from .components.choosers import ColumnChooser, SortMenu, UserChooser
from .components.dialogs import HelpScreen, PresetPicker, ReniceDialog, SignalDialog, SpawnDialog
from .components.explain import ExplainScreen
from .components.panic import PanicScreen
from .help import help_page
from .messages import CommandSubmitted
from .model import USER_FILTER

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
        if isinstance(self.screen, PanicScreen):
            # a hung machine may still be left for another preset; nothing acts on it
            return action in PANIC_ACTIONS
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

    def action_search(self, direction: int = 1) -> None:
        """htop's F3 (Shift+F3 upwards): the search under the tree, or its next match."""
        if direction < 0:
            self.main.search_next(back=True)
        else:
            self.main.show_search()

    def action_user_filter(self) -> None:
        """htop's u (here U): choose a user; the tree shows that user's tasks (the filter
        ``user:NAME``), or all of them again."""
        owners = Counter(task.uid for task in self.kernel.tasks.values())
        users = sorted(((user_name(uid) or str(uid), n) for uid, n in owners.items()))

        def done(name: object) -> None:
            if isinstance(name, str):
                self.main.set_filter("" if name == UserChooser.ALL else USER_FILTER + name)

        self.push_screen(UserChooser(users), done)

    def action_sort_menu(self) -> None:
        """htop's F6: choose the column to sort by."""
        view = self.main.process_view
        columns = [(c.key, c.title, c.help) for c in (*COLUMNS, COMMAND)]

        def done(key: object) -> None:
            if isinstance(key, str):
                view.action_sort_on(key)

        self.push_screen(SortMenu(columns, view.model.sort_key), done)

    def action_choose_columns(self) -> None:
        """htop's F2: choose the task columns; the choice is run as a ``columns`` command."""
        columns = [(c.key, c.title, c.help) for c in COLUMNS]

        def done(choice: object) -> None:
            if choice == "reset":
                self.submit(CommandSubmitted("columns reset", "dialog"))
            elif isinstance(choice, tuple):
                line = (
                    "columns " + " ".join(choice)
                    if choice
                    else "columns hide " + " ".join(c.key for c in COLUMNS)
                )
                self.submit(CommandSubmitted(line, "dialog"))

        self.push_screen(ColumnChooser(columns, self.sim.session.columns), done)

    def action_leave_field(self) -> None:
        self.main.leave_field()

    def action_maximize(self) -> None:
        if not self.main.toggle_maximize():
            self.bell()

    def action_help(self) -> None:
        """Help over the stopped clock, in a game or out of one; it runs again on closing
        if it ran before."""
        columns = [(c.title, c.help) for c in (*COLUMNS, COMMAND)]
        was_running = not self.driver.paused
        self.driver.pause()

        def done(_: object) -> None:
            if was_running:
                self.driver.resume()

        self.push_screen(HelpScreen(help_page(self.key_table(), columns, HTOP_CLASHES)), done)

    def set_keymap(self, keymap: Keymap) -> None:
        """Remap keys by binding id (Textual's own), remembered for the help screen's table."""
        self.keymap = dict(keymap)
        super().set_keymap(keymap)

    def update_keymap(self, keymap: Keymap) -> None:
        self.keymap = {**self.keymap, **keymap}
        super().update_keymap(keymap)

    def key_table(self) -> Iterable[tuple[str, str, str, str]]:
        """(moomtui's keys, htop's keys, what they do, the binding's id) for the help
        screen: the app's, then the tree's, as bound now. A key both programs use is in
        both columns; an action the user remapped (``[keys]`` in config.toml, by id) has its
        keys in moomtui's column only."""
        rows = []
        for binding in [*APP_BINDINGS, *TASK_BINDINGS]:
            if not isinstance(binding, Binding):
                continue
            remapped = binding.id in self.keymap
            key = self.keymap[binding.id] if binding.id and remapped else binding.key
            keys = [k.strip() for k in key.split(",")]
            htop = frozenset() if remapped else HTOP_KEYS.get(binding.id or "", frozenset())
            ours = [k for k in keys if k not in htop or k in SHARED_WITH_HTOP]
            theirs = [k for k in keys if k in htop]
            text = binding.tooltip or binding.description
            rows.append((self._shown_keys(ours), self._shown_keys(theirs), text, binding.id or ""))
        rows.append(("ctrl+p", "", "command palette: console commands, presets, themes", ""))
        rows.append(("R", "", "reboot (on the panic screen)", ""))
        return rows

    def _shown_keys(self, keys: list[str]) -> str:
        return ", ".join(self.get_key_display(Binding(k, "")) for k in keys)

    def action_charts(self) -> None:
        self.submit(CommandSubmitted("charts", "key"))

    def action_rewind(self) -> None:
        self.submit(CommandSubmitted("rewind 5s", "key"))

    def action_reboot(self) -> None:
        self.submit(CommandSubmitted("reboot", "key"))
