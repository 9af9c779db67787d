"""The Textual app: a simulated 2.4 machine running out of memory, and you at its console.

The kernel runs on the app's asyncio loop through :class:`moomtui.kernel.clock.Driver`, which
paces the :class:`moomtui.sim.Simulation` (it also fires the preset's scripted commands).
The panels and the console are laid out by :class:`~.components.main_screen.MainScreen`, the
app's default screen (:meth:`MoomApp.get_default_screen`); dialogs, the report and the panic
screen go on top of it. The screen never draws per jiffy: a timer at
:attr:`MoomApp.FRAME_RATE` frames per second calls :meth:`MoomApp.refresh_frame`, which brings
every panel up to date from the model — each panel redraws only if what it shows changed,
and only the lines that changed. A big machine's heap is frozen for the garbage collector once
its first frame is shown (:mod:`.heap`), so a full collection never holds a key for long. A
long ``step`` runs on the driver in slices (the screen stays live); Esc stops it.

This module holds the machine's start, the frame timer and the clock, and the last-resort
guard; the rest of :class:`MoomApp` comes from its parts, one idea each (their state and
shared methods are declared in :mod:`.app_base`):

- :mod:`.app_console` — the console-command bridge: every command of the screen, whoever
  asked (a key, the palette, a dialog, the console), runs through the shell and is echoed
  at the console; the palette's presets and themes;
- :mod:`.app_actions` — the keys, and where each applies;
- :mod:`.app_game` — the game's briefing, its report, the best scores, the panic screen.

The app follows the simulation's capability profile (:mod:`moomtui.shell.profile`). In a
served session (``moomtui --served``, what ``moomtui serve`` runs for each browser: the
``SERVED`` profile) it reads and writes no file of the host: the history stays in memory,
only the shipped themes and presets are offered, and the console refuses what would reach
the host.

Text from files — preset names and descriptions, theme errors, the history's warnings — is
shown as plain text, never as markup; and whatever character of it a terminal would act on
(an escape sequence, a NUL, a bidirectional override) is drawn as a visible mark, never sent
(:class:`~.controls.ShowControls`, a line filter on every widget). Should an exception reach
Textual all the same (a bug), the app's last-resort guard
(:meth:`MoomApp._handle_exception`) ends it with one line, ``moomtui: internal error: …``
and a hint to report it, instead of a traceback; the command history is already on disk,
line by line.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Keymap
from textual.filter import LineFilter
from textual.message import Message

from .. import errors
from ..game import Game, ScoreBook, default_scores_path
from ..game.campaign import needs_own_code
from ..kernel.clock import Driver
from ..kernel.units import format_duration
from ..presets import (
    DEFAULT_PRESET,
    PresetError,
    Scenario,
    load_preset,
    load_shipped_preset,
)
from ..shell.profile import LOCAL_CONSOLE, SERVED, Profile
from ..sim import Simulation
from .app_actions import KeyActions
from .app_campaign import CampaignFlow
from .app_console import APP_COMMANDS, ConsoleBridge
from .app_game import GameFlow
from .bindings import APP_BINDINGS
from .changes import ChangeTracker
from .commands import GameCommands, PresetCommands, ShellCommands, ThemeCommands
from .components.charts import HistoryScreen
from .components.main_screen import MainScreen
from .config import Config, ConfigError, user_config
from .controls import ShowControls
from .heap import HeapFreeze
from .history import History, default_history_path
from .keyfirst import KeyFirst
from .signals import ending_on_signals
from .themes import DEFAULT_THEME, PROJECT_VARIABLES, MoomTheme, discover_themes
from .timeline import Timeline

__all__ = ["APP_COMMANDS", "InternalError", "MoomApp", "run_app"]


class InternalError(Exception):
    """An exception nobody expected, told in one line (Textual prints it on exit)."""

    def __rich__(self) -> Text:
        return Text(f"moomtui: {self}")


T = TypeVar("T")


class InlineExecutor(ThreadPoolExecutor):
    """An executor that runs each call at once, in the caller's thread: for the screen's
    short calls that a library hands to ``run_in_executor`` (a thread would cost more
    memory than the call takes time). A thread pool that never starts a thread: asyncio
    takes nothing else as the default executor.

    It is the whole loop's default, so nothing on the screen may need a real thread from
    it: Textual's thread workers (``@work`` with ``thread``, and the ``Log`` and
    ``DirectoryTree`` widgets that use them) run there and call back with
    ``call_from_thread``, which fails in the loop's own thread; ``asyncio.to_thread``
    would block the screen. ``tests/tui/test_app.py`` holds the screen's code to that."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the caller's await raises it, as from a thread
            future.set_exception(error)
        return future


class MoomApp(KeyActions, GameFlow, CampaignFlow, ConsoleBridge):
    """The game: a machine, its panels, its console."""

    CSS_PATH = "app.tcss"
    TITLE = "moomtui"
    FRAME_RATE = 20
    SERVED_FRAME_RATE = 12
    """A served session's frames a second: each session costs the server a share of a core."""
    SHOW_CONTROLS = ShowControls()
    """The filter every drawn line passes: one for all apps (Textual caches by filter)."""
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
        campaign: bool = False,
        config: Config | None = None,
    ) -> None:
        """``campaign``: open the campaign screen first (``moomtui campaign``). ``config``:
        the user's settings (:mod:`.config`): its keys, and its theme and columns unless
        ``theme`` says otherwise; the screen saves changes to them there."""
        super().__init__()
        self.open_campaign = campaign
        if isinstance(scenario_or_simulation, Simulation):
            self.sim = scenario_or_simulation
        else:
            self.sim = Simulation(scenario_or_simulation)
        self.game = Game(self.sim)
        self._guard_boot()
        self.driver = Driver(self.game, speed=speed, paused=paused)
        self.driver.on_step_end = self._step_ended
        self.sim.session.driver = self.driver  # pause, step and speed at the console
        self.tracker = ChangeTracker()
        self.game.outside.append(self.tracker)  # the screen's: not in the checkpoints
        if self.served:  # a forked copy's CPU would be outside the session's share
            self.game.checkpoints.forks = False
        self.timeline = Timeline()
        self._rewinds = self.sim.rewinds
        self.heap = HeapFreeze()
        path = history_path if history_path is not None else default_history_path()
        self.history = History(path if self.sim.profile.user_files else None)
        self.config = config or Config()
        if self.config.columns is not None:
            self.sim.session.columns = self.config.columns
        self.requested_theme = theme or self.config.theme
        self.moom_themes: dict[str, MoomTheme] = {}
        self.theme_errors: list[str] = []
        self.initial_keymap = {**self.config.keys, **(keymap or {})}
        self.keymap: Keymap = {}
        """The keys remapped by binding id, as :meth:`set_keymap` was last told."""
        self.frames = 0
        self.keyfirst = KeyFirst(self, lambda: self.driver, self.refresh_frame, self._keys_in_turn)
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
        self._started = asyncio.Event()
        self._load_themes()

    def _guard_boot(self) -> None:
        """``boot NAME`` (the console, the preset picker, the palette) refuses a level won
        by a policy file where none may run: a served visitor could start it, take its
        hints at a cost, and never win it. The simulation asks the guard, and gives it to
        the replays a rewind makes."""
        if not self.sim.profile.run_code:
            self.sim.boot_guard = functools.partial(needs_own_code, run_code=False)

    # ---------------------------------------------------------------------------- layout
    @property
    def served(self) -> bool:
        """A stranger's browser session (the ``served`` profile): no file of the host is
        read or written."""
        return self.sim.profile == SERVED

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(PROJECT_VARIABLES)

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's own filters, :class:`~.controls.ShowControls` (no character from data
        that a terminal would act on is drawn as itself) and, while a key waits for its
        paint, :class:`~.keyfirst.PaintSeen` (which changes nothing: it is only there when
        waited for, each filter being a pass over every line painted)."""
        filters = [*super().get_line_filters(), self.SHOW_CONTROLS]
        if self.keyfirst.filter.waiting is not None:
            filters.append(self.keyfirst.filter)
        return filters

    def _load_themes(self) -> None:
        """Register the shipped themes (and the user's, where the profile reads files) and
        choose one before any screen is styled; a missing one is told once the app runs."""
        user_files = self.sim.profile.user_files
        self.moom_themes, self.theme_errors = discover_themes(include_user=user_files)
        for theme in self.moom_themes.values():
            self.register_theme(theme)
        wanted = self.requested_theme or DEFAULT_THEME
        if wanted in self.moom_themes:
            self.theme = wanted
        elif DEFAULT_THEME in self.moom_themes:
            self.theme = DEFAULT_THEME
        if self.theme in self.moom_themes:  # one list: t, --theme and the palette's two
            for name in list(self.available_themes):
                if name not in self.moom_themes:
                    self.unregister_theme(name)

    def get_default_screen(self) -> MainScreen:
        """The base screen, made once, when the app starts.

        It is Textual's default screen, not the screen of a mode: a mode's first screen is
        mounted before it is on the mode's stack, and an ``Input`` mounting then asks the app
        for the current screen (Textual 8.2 on Python 3.12 and newer: ``ScreenStackError: No
        screens on stack``; docs/textual-modes.md has the reproduction)."""
        self._main = MainScreen(
            self.history, self._complete, self.prompt(), when_mounted=self._start
        )
        return self._main

    async def on_mount(self) -> None:
        """The app is ready once its main screen has started (:meth:`_start`) and shown its
        first frame: whoever waits for the app (a pilot, ``run_test``) finds the panels laid
        out and the clock set, as it did when the main screen was awaited as a mode's.

        Work handed to the loop's default executor runs where it is asked for
        (:class:`InlineExecutor`): Textual's Markdown parses help's prose there, a few
        milliseconds a section, and a thread for it is a stack of 8 MB and an allocator
        arena — three of them took a served session from 35 to 69 MB of its memory share
        the moment help opened, one 53 MB; inline it stays near 40."""
        asyncio.get_running_loop().set_default_executor(InlineExecutor())
        await self._started.wait()
        shown = asyncio.Event()
        self.main.call_after_refresh(shown.set)
        await shown.wait()

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
        self._show_scores_warning()  # a scores file moomtui may not write: told at once
        session = self.sim.session
        session.on_clear = self.console_view.output.clear  # clear
        session.on_page = self.show_pager  # less at the console
        session.on_exit = self.main.leave_field  # exit at the first shell
        session.on_columns = self._columns_chosen  # columns, F2
        self._show_scores_warning()
        if self.open_campaign:  # the levels first: the first game's briefing waits for Esc
            self._briefed = self.game.number
            self.show_campaign()
        self.before_first_frame()
        self.refresh_frame()
        self.console_view.note("Type help for the commands, ? for the keys.")
        rate = self.SERVED_FRAME_RATE if self.served else self.FRAME_RATE
        self.set_interval(1 / rate, self._frame_tick, name="frame")
        self.driver.start().add_done_callback(self._driver_done)
        self._started.set()

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
        rather than a traceback — unless ``MOOMTUI_DEBUG`` asks for it.

        A served session out of memory (at the ceiling its server set) ends at once: an
        orderly exit needs memory it has not got, and Textual stopping its timers then
        spun for minutes. ``MemoryError`` on stderr tells the server which share ran out."""
        if isinstance(error, MemoryError) and self.served:
            os.write(2, b"MemoryError\n")
            os._exit(1)
        if self.internal_error is None:
            self.internal_error = error
        if isinstance(error, InternalError) or errors.debugging():
            super()._handle_exception(error)
            return
        wrapped = InternalError(errors.internal_error(error))
        wrapped.__cause__ = error
        super()._handle_exception(wrapped)

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

    # ---------------------------------------------------------------------------- keys first
    def post_message(self, message: Message) -> bool:
        """A key posted to the app holds the clock from now (:meth:`.KeyFirst.posted`)."""
        queued = super().post_message(message)
        if queued and isinstance(message, events.Key) and not message.is_forwarded:
            self.keyfirst.posted(message)
        return queued

    async def on_event(self, event: events.Event) -> None:
        """A key has the loop before the machine and the frame while it is handled
        (:mod:`.keyfirst`)."""
        if not isinstance(event, events.Key):
            await super().on_event(event)
        elif not event.is_forwarded:  # it came in: for the focused widget, in its turn
            if not self.keyfirst.waits(event, self._taken_first):
                await self._take(event)
        else:  # back up at the app: the bindings (the widget's, the screen's, the app's)
            await super().on_event(event)
            self.keyfirst.back(event)
            await self._keys_in_turn()

    async def _take(self, key: events.Key) -> None:
        self.keyfirst.came(key)
        await super().on_event(key)
        self.keyfirst.handed(key)

    async def _keys_in_turn(self) -> None:
        """The keys that waited for those before them (:meth:`.KeyFirst.waits`)."""
        while (key := self.keyfirst.next_in_turn(self._taken_first)) is not None:
            await self._take(key)

    def _taken_first(self, key: str) -> bool:
        """Whether the app takes ``key`` before the focused widget (a priority binding)."""
        active = self.screen.active_bindings.get(key)
        return active is not None and active.enabled and active.binding.priority

    def _frame_tick(self) -> None:
        """The frame timer: a frame, unless a key is being handled (then once it is)."""
        if self.keyfirst.frame_tick():
            self.refresh_frame()

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
        if self.sim.rewinds != self._rewinds:
            self._rewinds = self.sim.rewinds
            self._rewound()
        self.timeline.frame(self.sim, main.selected_task)
        if isinstance(self.screen, HistoryScreen):
            self.screen.keys_line.show(self.sim.run_time, kernel.jiffies, self.driver.paused)
        else:  # the charts hide every panel
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
                columns=self.sim.scenario.columns,
                chosen=self.sim.session.columns,
            )
        self._sync_panic(kernel)
        self._new_game()  # after the panic screen of the last game has gone
        if game.ended and not self._reporting and kernel.panicked is None:
            # after a panic, the panic first: the report when asked. A player halfway
            # through a command when the game ended goes on typing: the report holds it.
            self.show_report(typing=self.typing_a_command)
        if self.heap.due(kernel):  # a new machine: freeze it once its first frame is shown
            self.call_after_refresh(self.heap.freeze, kernel)

    # ---------------------------------------------------------------------------- history
    def show_charts(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(
                HistoryScreen(
                    self.timeline,
                    lambda: self.kernel,
                    lambda: self.main.selected_task,
                    defer=self.keyfirst.defer,
                )
            )

    def _rewound(self) -> None:
        """A rewind ran: the kernel log starts again from the replayed machine's, under a
        rule at the branch point, the memory panel's sparklines go on from the minute
        before it (the timeline has what the panel dropped), and the toast says what the
        replay took."""
        to, left = self.sim.branches[-1]
        origin = self.sim.run_origin
        where = f"{format_duration(to - origin)} (from {format_duration(left - origin)})"
        self.main.dmesg_view.rewound(self.kernel, f"⟲ rewound to {where}")
        now, ticks = self.sim.run_time, self.kernel.ticks
        past = [
            (ticks - (now - s.at), s.free, s.swap) for s in self.timeline.samples if s.at <= now
        ]
        self.main.memory_view.rewound(self.kernel, past)
        replay = self.game.last_replay
        took = f"; replayed in {replay.wall:.2f} s" if replay is not None else ""
        self.notify(f"rewound to {where}{took}", timeout=4, markup=False)


def run_app(
    preset: str | Scenario | None = None,
    theme: str | None = None,
    *,
    speed: float = 1.0,
    paused: bool = False,
    seed: int | None = None,
    profile: Profile = LOCAL_CONSOLE,
    campaign: bool = False,
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
    try:
        config = user_config(themes) if profile.user_files else Config()
    except ConfigError as error:
        print(f"moomtui: {error}", file=sys.stderr)
        return 2
    sim = Simulation(scenario, seed=seed, profile=profile)
    app = MoomApp(sim, theme=theme, speed=speed, paused=paused, campaign=campaign, config=config)
    if profile == SERVED:  # its driver ends the process on SIGTERM (moomtui.web.driver)
        app.run()
    else:
        with ending_on_signals(app):  # SIGTERM, SIGHUP: the terminal given back, 128 + sig
            app.run()
    if app.internal_error is not None:
        return errors.INTERNAL_ERROR
    return app.return_code or 0
