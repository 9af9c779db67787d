"""The Textual app: a simulated 2.4 machine running out of memory, and you at its console.

The kernel runs on the app's asyncio loop through :class:`moomtui.kernel.clock.Driver`, which
paces the :class:`moomtui.sim.Simulation` (it also fires the preset's scripted commands).
The panels and the console are laid out by :class:`~.components.main_screen.MainScreen`, the
base screen of the app's one mode (``main``); dialogs, the report and the panic screen go on
top of it. The screen never draws per jiffy: a timer at :attr:`MoomApp.FRAME_RATE` frames per
second calls :meth:`MoomApp.refresh_frame`, which brings every panel up to date from the
model — each panel redraws only if what it shows changed, and only the lines that changed.
A big machine's heap is frozen for the garbage collector once its first frame is shown
(:mod:`.heap`), so a full collection never holds a key for long.

Every key that changes the machine is a console command run through the same shell as the
console (``insmod oom_kill``, ``kill -9 123``, ``pause``): a
:class:`~.messages.CommandSubmitted` from the ``key`` source, handled like a line typed at the
console (:meth:`MoomApp.submit`) and echoed there, so the user sees, and can retype, what
happened.

The driver paces a :class:`moomtui.game.play.Game`, which scores the run and stops the machine
when the preset's goals say the game is over; the report (:mod:`.components.report`) then
asks what next. ``g``, or ``score`` at the console, shows it at any time. A game starts
paused at 1× on its briefing (:mod:`.components.briefing`; ``briefing`` at the console shows
it again); a game lost to a panic shows the panic first, and the report when asked. A won
game's score goes into the player's best scores (:class:`~moomtui.game.ScoreBook`). A long
``step`` runs on the driver in slices (the screen stays live); Esc stops it.

The app follows the simulation's capability profile (:mod:`moomtui.shell.profile`). In a
served session (``moomtui --served``, what ``moomtui serve`` runs for each browser: the
``SERVED`` profile) it reads and writes no file of the host: the history stays in memory,
only the shipped themes and presets are offered, and the console refuses what would reach
the host.

Text from files — preset names and descriptions, theme errors, the history's warnings — is
shown as plain text, never as markup. Should an exception reach Textual all the same (a bug),
the app's last-resort guard (:meth:`MoomApp._handle_exception`) ends it with one line,
``moomtui: internal error: …`` and a hint to report it, instead of a traceback; the
command history is already on disk, line by line.

Why this file is over 500 lines: it is the one place where the machine, the clock, the game,
the console and the screens meet. The layout and the panels are the main screen's, each
panel draws itself; what is left here is one short method per key, palette entry and
report choice, which read best side by side.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App
from textual.binding import Binding, Keymap
from textual.widgets import Input

from .. import errors
from ..game import Game, ScoreBook, default_scores_path
from ..game.briefing import briefing
from ..kernel.clock import Driver
from ..kernel.constants import HZ, SIGNAL_NAMES
from ..kernel.units import format_duration
from ..presets import (
    DEFAULT_PRESET,
    PresetError,
    Scenario,
    list_presets,
    load_preset,
    load_shipped_preset,
)
from ..shell.base import COMMANDS
from ..shell.profile import LOCAL_CONSOLE, SERVED, Profile
from ..sim import Simulation
from .bindings import APP_BINDINGS, CLOCK_ACTIONS, FOCUS_ACTIONS, GAME_ACTIONS, TASK_BINDINGS
from .commands import GameCommands, PresetCommands, ShellCommands, ThemeCommands
from .components.briefing import BriefingScreen
from .components.console import ConsoleView
from .components.dialogs import HelpScreen, PresetPicker, ReniceDialog, SignalDialog, SpawnDialog
from .components.explain import ExplainScreen
from .components.main_screen import MainScreen
from .components.panic import PanicScreen
from .components.report import Choice, ReportScreen
from .heap import HeapFreeze
from .help import help_text
from .history import History, default_history_path
from .messages import CommandSubmitted, Source
from .model import COLUMNS, COMMAND, ChangeTracker
from .themes import DEFAULT_THEME, PROJECT_VARIABLES, MoomTheme, discover_themes

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..kernel.task import Task

SPAWNABLE_EXCLUDED = ("init", "thread")

APP_COMMANDS = {
    "score": "the goals and the score card so far (key g)",
    "briefing": "the game's goals, rules, score and hint again",
}
"""Words the console takes that are the screen's, not the machine's: the shell never sees them."""


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


class InternalError(Exception):
    """An exception nobody expected, told in one line (Textual prints it on exit)."""

    def __rich__(self) -> Text:
        return Text(f"moomtui: {self}")


class MoomApp(App[int]):
    """The game: a machine, its panels, its console."""

    CSS_PATH = "app.tcss"
    TITLE = "moomtui"
    DEFAULT_MODE = "main"
    FRAME_RATE = 20
    SERVED_FRAME_RATE = 12
    """A served session's frames a second: each session costs the server a share of a core."""
    BINDINGS: ClassVar = APP_BINDINGS
    COMMANDS: ClassVar = App.COMMANDS | {ShellCommands, PresetCommands, ThemeCommands, GameCommands}
    # Textual declares the breakpoints as instance attributes (not ClassVars): keep its type.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [  # noqa: RUF012
        (0, "-tiny"),
        (70, "-narrow"),
        (100, "-normal"),
        (160, "-wide"),
    ]
    VERTICAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    def __init__(
        self,
        scenario_or_simulation: Scenario | Simulation,
        *,
        theme: str | None = None,
        speed: float = 1.0,
        paused: bool = False,
        history_path: Path | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        if isinstance(scenario_or_simulation, Simulation):
            self.sim = scenario_or_simulation
        else:
            self.sim = Simulation(scenario_or_simulation)
        self.game = Game(self.sim)
        self.driver = Driver(self.game, speed=speed, paused=paused)
        self.driver.on_step_end = self._step_ended
        self.sim.session.driver = self.driver  # pause, step and speed at the console
        self.tracker = ChangeTracker()
        self.heap = HeapFreeze()
        path = history_path if history_path is not None else default_history_path()
        self.history = History(path if self.sim.profile.user_files else None)
        self.requested_theme = theme
        self.moom_themes: dict[str, MoomTheme] = {}
        self.theme_errors: list[str] = []
        self.initial_keymap = keymap or {}
        self.keymap: Keymap = {}
        """The keys remapped by binding id, as :meth:`set_keymap` was last told."""
        self.frames = 0
        self.internal_error: BaseException | None = None
        """What reached the last-resort guard, if anything."""
        self._scenario: Scenario | None = None
        self._paused_before_report = paused
        self._reporting = False  # the report is up, or its choice not acted on yet
        self._briefing = False  # the briefing is up
        self._briefed = 0  # the number of the last game whose start was seen
        self._recorded = 0  # the number of the last game whose score was recorded
        self.scores = ScoreBook(default_scores_path() if self.sim.profile.user_files else None)
        self._main: MainScreen | None = None
        self.add_mode("main", self._make_main_screen)
        self._load_themes()

    # ---------------------------------------------------------------------------- layout
    @property
    def served(self) -> bool:
        """A stranger's browser session (the ``served`` profile): no file of the host is
        read or written."""
        return self.sim.profile == SERVED

    @property
    def kernel(self) -> Kernel:
        return self.sim.kernel

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(PROJECT_VARIABLES)

    def _load_themes(self) -> None:
        """Register the shipped themes (and the user's, where the profile reads files) and
        choose one before any screen is styled; a missing one is told once the app runs."""
        user_files = self.sim.profile.user_files
        self.moom_themes, self.theme_errors = discover_themes(include_user=user_files)
        for theme in self.moom_themes.values():
            self.register_theme(theme)
        wanted = self.requested_theme or DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted

    def _make_main_screen(self) -> MainScreen:
        """The ``main`` mode's screen, made once, when the app starts."""
        self._main = MainScreen(
            self.history, self._complete, self.prompt(), when_mounted=self._start
        )
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen: the panels and the console (at the bottom of the screen stack)."""
        assert self._main is not None, "the app has not started"
        return self._main

    def _start(self) -> None:
        """Warnings, keys, the first frame, the frame timer and the clock: called by the main
        screen once its panels are mounted and before they are first laid out, the moment
        the app's own mount used to be (the logs wrap what they hold at their first size)."""
        wanted = self.requested_theme or DEFAULT_THEME
        if self.theme != wanted:
            self.notify(f"no theme named {wanted!r}", severity="warning", markup=False)
        for error in self.theme_errors:
            self.notify(error, severity="warning", timeout=8, markup=False)
        if self.initial_keymap:
            self.set_keymap(self.initial_keymap)
        self._show_history_warning()
        session = self.sim.session
        session.on_clear = self.console_view.output.clear  # clear
        session.on_exit = self.main.leave_field  # exit at the first shell
        self._show_scores_warning()
        self.before_first_frame()
        self.refresh_frame()
        self.console_view.note("Type help for the commands, ? for the keys.")
        rate = self.SERVED_FRAME_RATE if self.served else self.FRAME_RATE
        self.set_interval(1 / rate, self.refresh_frame, name="frame")
        self.driver.start().add_done_callback(self._driver_done)

    def before_first_frame(self) -> None:
        """A subclass's moment to set up the panels before the first frame is drawn (the
        rebuilt machine of ``moomtui postmortem`` marks its victim here)."""

    def _driver_done(self, task: asyncio.Task[None]) -> None:
        """The clock stopped: normal at exit; an exception in it is a bug to report."""
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert isinstance(error, Exception)
            self._handle_exception(error)

    def _handle_exception(self, error: Exception) -> None:
        """The last resort: an unexpected exception ends the app with one line (exit 70)
        rather than a traceback — unless ``MOOMTUI_DEBUG`` asks for it."""
        if self.internal_error is None:
            self.internal_error = error
        if isinstance(error, InternalError) or errors.debugging():
            super()._handle_exception(error)
            return
        wrapped = InternalError(errors.internal_error(error))
        wrapped.__cause__ = error
        super()._handle_exception(wrapped)

    def _show_history_warning(self) -> None:
        warning = self.history.take_warning()
        if warning:
            self.notify(warning, severity="warning", timeout=8, markup=False)

    def _step_ended(self, left: int) -> None:
        if left:
            self.console_view.note(f"step: stopped, {format_duration(left)} short")
        else:
            self.console_view.note("step: done")
        self.refresh_frame()

    def action_cancel_step(self) -> None:
        self.driver.cancel_step()

    def on_unmount(self) -> None:
        self.driver.stop()
        self.tracker.detach()
        self.game.close()
        self.heap.release()

    # ---------------------------------------------------------------------------- the frame
    def refresh_frame(self) -> None:
        """Redraw what changed since the last frame (called ``FRAME_RATE`` times a second)."""
        main = self._main
        if main is None or not main.live:
            return  # starting up or shutting down
        self.frames += 1
        if self.sim.scenario is not self._scenario:
            self._scenario = self.sim.scenario
            self.console_view.note(f"{self._scenario.name}: {self._scenario.description}")
        kernel = self.kernel
        self.tracker.attach(kernel)
        self.tracker.settle()
        game = self.game
        game.sync()
        main.sync(
            kernel,
            self.tracker,
            preset=self.sim.scenario.name,
            speed=self.driver.speed,
            paused=self.driver.paused,
            goals=game.chips(),
            sandbox=game.sandbox,
            prompt=self.prompt(),
            run_time=game.run_time(),
            game=game.has_goals,
        )
        self._sync_panic(kernel)
        self._new_game()  # after the panic screen of the last game has gone
        if game.ended and not self._reporting and kernel.panicked is None:
            self.show_report()  # after a panic, the panic first: the report when asked
        if self.heap.due(kernel):  # a new machine: freeze it once its first frame is shown
            self.call_after_refresh(self.heap.freeze, kernel)

    def _sync_panic(self, kernel: Kernel) -> None:
        panic = next((s for s in self.screen_stack if isinstance(s, PanicScreen)), None)
        if kernel.panicked is not None:
            if panic is None:
                panic = PanicScreen(kernel)
                self.push_screen(panic)
            if panic.is_mounted:
                panic.sync(kernel, game_over=self._game_over_line())
        elif panic is not None and not self._reporting:  # the report goes first
            while panic in self.screen_stack:
                self.pop_screen()

    def _game_over_line(self) -> str | None:
        """What the panic screen says when the panic ended the game."""
        game = self.game
        if not game.ended:
            return None
        lost = "; ".join(g.label for g in game.tracker.goals if g.state == "lost")
        return f"Game over: lost {lost}. Press Enter (or g) for the report."

    # ---------------------------------------------------------------------------- commands
    @property
    def console_view(self) -> ConsoleView:
        return self.main.console_view

    def prompt(self) -> str:
        session = self.sim.session
        sign = "#" if session.uid == 0 else "$"
        return f"{session.user}@{self.kernel.spec.hostname}:~{sign} "

    def run_command(self, line: str) -> int:
        """Run ``line`` through the shell, show it at the console; returns its status."""
        self.console_view.echo(line)
        result = self.sim.execute(line)
        self.console_view.show(result.output, result.status)
        self.refresh_frame()
        return result.status

    def submit(self, command: CommandSubmitted) -> None:
        """Run a command, whoever asked: every command of the screen comes through here.

        Widgets post :class:`CommandSubmitted` (handled below); the app's keys, the palette
        and the dialogs call this at once, so a key's command has run before the next key is
        read (a second ``space`` sees the clock the first one started). What ``source``
        changes is told at :class:`~moomtui.tui.messages.CommandSubmitted`.
        """
        line = command.line.strip()
        typed = command.source == "console"
        if typed:
            self.history.add(command.line)
        if line in APP_COMMANDS:
            self.console_view.echo(line)
            if line == "briefing":
                self.show_briefing()
            else:
                self.show_report()
        elif line:
            self.run_command(command.line)
        elif typed:
            self.console_view.echo("")
        if typed:
            self._show_history_warning()

    def on_command_submitted(self, message: CommandSubmitted) -> None:
        self.submit(message)

    def _complete(self, line: str) -> list[str]:
        words = line.split()
        if len(words) == 1 and not line[-1].isspace():
            ours = [name for name in APP_COMMANDS if name.startswith(words[0])]
            return sorted({*self.sim.shell.complete(line), *ours})
        return self.sim.shell.complete(line)

    def shell_commands(self) -> list[tuple[str, str]]:
        names = sorted({*self.sim.shell.commands(), *APP_COMMANDS})
        return [
            (name, APP_COMMANDS.get(name) or (COMMANDS[name].summary if name in COMMANDS else ""))
            for name in names
        ]

    def prefill_console(self, text: str) -> None:
        """Put ``text`` at the prompt and give it the focus, and say so: the keys typed next
        are the command's arguments, not the screen's keys."""
        prompt = self.console_view.input
        prompt.value = text
        prompt.cursor_position = len(text)
        prompt.focus()
        self.notify(
            f"At the console: complete '{text.strip()}' and press Enter; Esc leaves.",
            timeout=4,
            markup=False,
        )

    def palette_run(self, line: str) -> None:
        """A command chosen in the palette that needs no argument: run it now."""
        self.submit(CommandSubmitted(line, "palette"))

    # ---------------------------------------------------------------------------- presets
    def presets(self) -> list[tuple[str, str, str]]:
        shown = list_presets(include_user=self.sim.profile.user_files)
        return [(info.key, info.name, info.description) for info in shown]

    def boot_preset(self, key: str, source: Source = "palette") -> None:
        """Boot preset ``key`` through the shell's ``boot`` command."""
        self.submit(CommandSubmitted(f"boot {key}", source))

    # ---------------------------------------------------------------------------- themes
    def theme_list(self) -> list[tuple[str, str]]:
        return [(name, theme.description) for name, theme in sorted(self.moom_themes.items())]

    def set_theme(self, name: str) -> None:
        """Switch to theme ``name`` (the palette's choice) and say so."""
        self.theme = name
        self._theme_changed()

    def action_next_theme(self) -> None:
        names = sorted(self.moom_themes) or [self.theme]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        self._theme_changed()

    def _theme_changed(self) -> None:
        """Every theme change is told: a note at the console and a toast with its name."""
        theme = self.moom_themes.get(self.theme)
        about = f": {theme.description}" if theme is not None and theme.description else ""
        self.notify(f"theme {self.theme} (t: the next one)", timeout=2, markup=False)
        self.console_view.note(f"theme {self.theme}{about}")

    # ---------------------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_step":
            return self.driver.stepping > 0  # else Esc goes on to what has the focus
        if action in ("presets", "score") and isinstance(self.screen, PanicScreen):
            return True  # a hung machine may still be left for another preset
        if action in CLOCK_ACTIONS and (self._reporting or self._briefing):
            return False  # the clock stands still under the report and the briefing
        if action == "leave_field":
            return self.screen is self.main and self.focused in self.main.text_fields
        if action in FOCUS_ACTIONS and isinstance(self.focused, Input):
            return False  # typed into the field that has the focus
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

    def action_reboot(self) -> None:
        self.submit(CommandSubmitted("reboot", "key"))

    # ---------------------------------------------------------------------------- the game
    def _new_game(self) -> None:
        """A game has just started (the first, a replay, another preset booted): a game
        with goals waits, at 1×, on its briefing."""
        game = self.game
        if game.number == self._briefed:
            return
        self._briefed = game.number
        if game.held:
            self.driver.pause()
            self.driver.set_speed(1.0)
            self.show_briefing()

    def briefing_keys(self) -> list[tuple[str, str]]:
        """The keys that matter in a game, as bound now (``k`` only where killing by hand
        is allowed)."""
        wanted = [
            ("sim.pause", "start/pause"),
            ("sim.faster", "faster"),
            ("task.renice", "renice the selected task"),
            ("module.insmod", "insmod"),
            ("module.rmmod", "rmmod (module panel)"),
            ("app.console", "console"),
            ("game.score", "score"),
            ("app.help", "help"),
        ]
        if not self.game.tracker.targets.get("hands_off"):
            wanted.insert(3, ("task.kill", "kill the selected task"))
        by_id = {b.id: b for b in APP_BINDINGS if isinstance(b, Binding) and b.id}
        keys = []
        for binding_id, what in wanted:
            binding = by_id.get(binding_id)
            if binding is not None:
                key = self.keymap.get(binding_id, binding.key).split(",")[0].strip()
                keys.append((self.get_key_display(Binding(key, "")), what))
        return keys

    def show_briefing(self) -> None:
        """The game's briefing over the stopped clock; Enter starts it, Esc looks first."""
        if self._briefing or self._reporting:
            return
        game = self.game
        scenario = self.sim.scenario
        if not game.has_goals:
            self.console_view.note(f"{scenario.name} has no goals: a sandbox, no briefing.")
            return
        self._briefing = True
        self._paused_before_report = self.driver.paused
        self.driver.pause()
        rule = scenario.score
        best = self.scores.best_for(scenario.key, rule.by) if rule is not None else None
        card = briefing(scenario, game.tracker.time_limit, best)
        self.push_screen(BriefingScreen(card, self.briefing_keys()), self._briefing_done)

    def _briefing_done(self, start: bool | None) -> None:
        self._briefing = False
        held = self.game.held
        self.game.begin()
        if start:
            self.driver.resume()
        elif held:
            self.console_view.note("The clock is stopped: press space to start the game.")
        elif not self._paused_before_report:
            self.driver.resume()
        self.refresh_frame()

    def action_score(self) -> None:
        self.show_report()

    def show_report(self) -> None:
        """Stop the clock and show the goals and the score card (once: not over itself)."""
        if self._reporting or self._briefing:
            return
        self._reporting = True
        self._paused_before_report = self.driver.paused
        self.driver.pause()
        report = ReportScreen(
            self.game.report(), self.presets(), self.sim.scenario.key, best=self._best_line()
        )
        self.push_screen(report, self._report_done)

    def _best_line(self) -> str:
        """The player's best for this game; a won game's score is recorded here, once."""
        game = self.game
        score = game.tracker.score()
        key = self.sim.scenario.key
        if score is None:
            return ""
        if game.tracker.won and self._recorded != game.number:
            self._recorded = game.number
            recorded = self.scores.record(key, score)
            self._show_scores_warning()
            if recorded.new_best:
                before = (
                    "" if recorded.previous is None else f" (was {score.show(recorded.previous)})"
                )
                return f"A new best score: {score.show(score.value)}{before}."
        best = self.scores.best_for(key, score.by)
        mine = "No best score yet." if best is None else f"Your best: {score.show(best)}."
        if game.tracker.lost:
            return f"{mine} A lost game's score does not count."
        return mine

    def _show_scores_warning(self) -> None:
        warning = self.scores.take_warning()
        if warning:
            self.notify(warning, severity="warning", timeout=8, markup=False)

    def _report_done(self, choice: Choice | None) -> None:
        action, preset = choice or ("continue", "")
        game = self.game
        self._reporting = False
        if action == "quit":
            self.exit()
            return
        if action == "continue" and not game.ended:
            if not self._paused_before_report:
                self.driver.resume()
        elif action == "continue":
            game.sandbox = True
            self.console_view.note("Sandbox mode: the goals no longer end the run.")
            self.driver.resume()
        elif action == "replay":
            game.replay()
            self.console_view.note(f"Replay: {self.sim.scenario.name}, a new game.")
            if not game.held:
                self.driver.resume()
        elif action == "boot":
            self.boot_preset(preset, "dialog")
            if not self.game.held:
                self.driver.resume()
        self.refresh_frame()


def run_app(
    preset: str | Scenario | None = None,
    theme: str | None = None,
    *,
    speed: float = 1.0,
    paused: bool = False,
    seed: int | None = None,
    profile: Profile = LOCAL_CONSOLE,
) -> int:
    """Open the screen on ``preset`` (a name, a path or a loaded scenario); the exit status.

    ``profile``: what the session may do; :data:`~moomtui.shell.profile.SERVED` for a
    browser session of ``moomtui serve`` (shipped presets and themes only, no file of the
    host read or written).
    """
    load = load_preset if profile.user_files else load_shipped_preset
    try:
        scenario = preset if isinstance(preset, Scenario) else load(preset or DEFAULT_PRESET)
    except PresetError as error:
        print(f"moomtui: {error}", file=sys.stderr)
        return 2
    themes, _ = discover_themes(include_user=profile.user_files)
    if theme is not None and theme not in themes:
        names = ", ".join(sorted(themes))
        print(f"moomtui: --theme: no theme named {theme!r} (themes: {names})", file=sys.stderr)
        return 2
    sim = Simulation(scenario, seed=seed, profile=profile)
    app = MoomApp(sim, theme=theme, speed=speed, paused=paused)
    app.run()
    if app.internal_error is not None:
        return errors.INTERNAL_ERROR
    return app.return_code or 0
