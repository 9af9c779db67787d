"""What every part of the app holds and calls: its state, the main screen, and the methods
one part asks of another.

:class:`~.app.MoomApp` is put together from parts, one idea each: the console-command bridge
(:mod:`.app_console`), the keys (:mod:`.app_actions`), the game's briefing, report and panic
screen (:mod:`.app_game`), and, in :mod:`.app` itself, the machine's start, the frame timer
and the clock. Each part derives from :class:`AppBase`, which declares the state they share
(set up by ``MoomApp.__init__``) and the few methods one part calls and another defines, so
the type checker follows every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Keymap

if TYPE_CHECKING:
    from ..game import Game, ScoreBook
    from ..kernel import Kernel
    from ..kernel.clock import Driver
    from ..sim import Simulation
    from .changes import ChangeTracker
    from .components.console import ConsoleView
    from .components.main_screen import MainScreen
    from .config import Config
    from .heap import HeapFreeze
    from .history import History
    from .keyfirst import KeyFirst
    from .messages import CommandSubmitted, Source
    from .themes import MoomTheme


class AppBase(App[int]):
    """The state and the shared methods of :class:`~.app.MoomApp`'s parts."""

    sim: Simulation
    game: Game
    driver: Driver
    tracker: ChangeTracker
    heap: HeapFreeze
    history: History
    scores: ScoreBook
    moom_themes: dict[str, MoomTheme]
    config: Config
    """The user's settings, and where to save them (:mod:`.config`)."""
    keymap: Keymap
    """The keys remapped by binding id, as :meth:`set_keymap` was last told."""
    keyfirst: KeyFirst
    """The keys in hand, ahead of the clock and the frame (:mod:`.keyfirst`)."""
    _main: MainScreen | None
    _paused_before_report: bool
    _reporting: bool
    """The report is up, or its choice not acted on yet."""
    _briefing: bool
    """The briefing is up."""
    _campaign_open: bool = False
    """The campaign screen is up: neither the report nor a briefing goes over it."""
    _briefed: int
    """The number of the last game whose start was seen."""
    _recorded: int
    """The number of the last game whose score was recorded."""

    @property
    def kernel(self) -> Kernel:
        return self.sim.kernel

    @property
    def main(self) -> MainScreen:
        """The main screen: the panels and the console (at the bottom of the screen stack)."""
        assert self._main is not None, "the app has not started"
        return self._main

    @property
    def console_view(self) -> ConsoleView:
        return self.main.console_view

    @property
    def typing_a_command(self) -> bool:
        """A command halfway typed at the console: its prompt has the focus and holds text
        (a prompt left empty after a command is no one typing)."""
        prompt = self.console_view.input
        return self.focused is prompt and bool(prompt.value)

    # Defined by one part, called by others.
    def refresh_frame(self) -> None:
        """Redraw what changed since the last frame (:mod:`.app`)."""
        raise NotImplementedError

    def submit(self, command: CommandSubmitted) -> None:
        """Run a command, whoever asked (:mod:`.app_console`)."""
        raise NotImplementedError

    def prompt(self) -> str:
        """The console's prompt (:mod:`.app_console`)."""
        raise NotImplementedError

    def presets(self) -> list[tuple[str, str, str]]:
        """The presets offered: key, name, description (:mod:`.app_console`)."""
        raise NotImplementedError

    def boot_preset(self, key: str, source: Source = "palette") -> None:
        """Boot preset ``key`` through the shell (:mod:`.app_console`)."""
        raise NotImplementedError

    def show_briefing(self) -> None:
        """The game's briefing over the stopped clock (:mod:`.app_game`)."""
        raise NotImplementedError

    def show_charts(self) -> None:
        """The history charts over the panels (:mod:`.app`)."""
        raise NotImplementedError

    def show_report(self, *, typing: bool = False) -> None:
        """The goals and the score card over the stopped clock (:mod:`.app_game`)."""
        raise NotImplementedError

    def show_campaign(self) -> None:
        """The campaign's levels over the stopped clock (:mod:`.app_campaign`)."""
        raise NotImplementedError

    def take_hint(self) -> None:
        """The game's next hint tier, at a cost (:mod:`.app_campaign`)."""
        raise NotImplementedError

    def game_mark(self, key: str) -> str:
        """A game preset's par and best for a list, "" for a sandbox (:mod:`.app_campaign`)."""
        raise NotImplementedError
