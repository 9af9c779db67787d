"""The console-command bridge: every command of the screen, whoever asked, runs here.

Every key that changes the machine is a console command run through the same shell as the
console (``insmod oom_kill``, ``kill -9 123``, ``pause``): a
:class:`~.messages.CommandSubmitted` from the ``key`` source, handled like a line typed at the
console (:meth:`ConsoleBridge.submit`) and echoed there, so the user sees, and can retype,
what happened. The palette (:mod:`.commands`) asks here for the shell's commands, the
presets and the themes; ``score`` and ``briefing`` are the screen's own words
(:data:`APP_COMMANDS`), never the shell's.
"""

from __future__ import annotations

from ..game.campaign import needs_own_code
from ..presets import list_presets
from ..shell.base import COMMANDS
from .app_base import AppBase
from .components.charts import HistoryScreen
from .components.pager import PagerScreen
from .config import ConfigError, save_setting
from .messages import CommandSubmitted, Source

APP_COMMANDS = {
    "score": "the goals and the score card so far (key g)",
    "briefing": "the game's goals, rules, score and hint again",
    "campaign": "the campaign's levels: which are open, won, their par and your best",
    "hint": "the game's next hint: the idea, then the command (each costs score)",
    "charts": "history charts: memory over time, the OOM kills, the selected task's RSS (key y)",
}
"""Words the console takes that are the screen's, not the machine's: the shell never sees them."""


class ConsoleBridge(AppBase):
    """The console, the palette, the presets and the themes of :class:`~.app.MoomApp`."""

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
        if isinstance(self.screen, HistoryScreen) and self.driver.paused:
            # What the command did, plotted once it is drawn (while the clock runs, the
            # charts' timer plots what moved a quarter of a second later at most).
            self.keyfirst.after_keys(self.screen.redraw_in_turn)
        return result.status

    def show_pager(self, title: str, text: str) -> None:
        """``less`` at the end of a line typed at the console: its text in a view to
        scroll (the shell's ``session.on_page``)."""
        self.push_screen(PagerScreen(title, text))

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
            elif line == "campaign":
                self.show_campaign()
            elif line == "hint":
                self.take_hint()
            elif line == "charts":
                self.show_charts()
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

    def _show_history_warning(self) -> None:
        warning = self.history.take_warning()
        if warning:
            self.notify(warning, severity="warning", timeout=8, markup=False)

    # ---------------------------------------------------------------------------- presets
    def presets(self) -> list[tuple[str, str, str]]:
        shown = list_presets(include_user=self.sim.profile.user_files)
        out = []
        run_code = self.sim.profile.run_code
        for info in shown:
            mark = "" if info.user else self.game_mark(info.key)
            why = needs_own_code(info.key, run_code) if not info.user else None
            if why is not None:
                mark = f"{mark} · {why}" if mark else why
            out.append(
                (info.key, info.name, f"{mark}: {info.description}" if mark else info.description)
            )
        return out

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
        self.keep_setting("theme", self.theme)

    # ---------------------------------------------------------------------------- settings
    def _columns_chosen(self) -> None:
        """The ``columns`` command chose (the session's ``on_columns``): kept in the config."""
        chosen = self.sim.session.columns
        self.keep_setting("columns", None if chosen is None else list(chosen))

    def keep_setting(self, key: str, value: str | list[str] | None) -> None:
        """Save a changed setting in the user's config file (:mod:`.config`; None removes
        it), unless there is none (a served session). One that cannot be saved is told in
        one line and holds for this session."""
        path = self.config.path
        if path is None or not self.sim.profile.user_files:
            return
        try:
            save_setting(path, key, value)
        except ConfigError as error:
            self.notify(str(error), severity="warning", timeout=8, markup=False)
