"""The game on the screen: its briefing, its report, the player's best scores, the panic.

The driver paces a :class:`moomtui.game.play.Game`, which scores the run and stops the machine
when the preset's goals say the game is over; the report (:mod:`.components.report`) then
asks what next. ``g``, or ``score`` at the console, shows it at any time. A game starts
paused at 1× on its briefing (:mod:`.components.briefing`; ``briefing`` at the console shows
it again); a game lost to a panic shows the panic first (:mod:`.components.panic`), and the
report when asked. A won game's score goes into the player's best scores
(:class:`~moomtui.game.ScoreBook`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from ..game.briefing import briefing
from ..game.campaign import level_of
from .app_base import AppBase
from .bindings import APP_BINDINGS
from .components.briefing import BriefingScreen
from .components.panic import PanicScreen
from .components.report import Choice, ReportScreen

if TYPE_CHECKING:
    from ..kernel import Kernel


class GameFlow(AppBase):
    """The briefing, the report and the panic screen of :class:`~.app.MoomApp`."""

    def _sync_panic(self, kernel: Kernel) -> None:
        panic = next((s for s in self.screen_stack if isinstance(s, PanicScreen)), None)
        if kernel.panicked is not None:
            if panic is None:
                panic = PanicScreen(kernel, typing=self.typing_a_command)
                self.push_screen(panic)
            if panic.is_mounted:
                game = self.game
                loses = not game.ended and game.tracker.reboot_by_hand_loses()
                panic.sync(kernel, game_over=self._game_over_line(), reboot_loses=loses)
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

    def _new_game(self) -> None:
        """A game has just started (the first, a replay, another preset booted): a game
        with goals waits, at 1×, on its briefing."""
        game = self.game
        if game.number == self._briefed or self._campaign_open:
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
        if self._briefing or self._reporting or self._campaign_open:
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
        seed = self.kernel.spec.seed if level_of(scenario.key) is not None else None
        card = briefing(scenario, game.tracker.time_limit, best, seed=seed)
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

    def show_report(self, *, typing: bool = False) -> None:
        """Stop the clock and show the goals and the score card (once: not over itself).
        ``typing``: the player was typing at the console (the report holds their keys
        until Enter or Esc, see :class:`~.components.report.ReportScreen`)."""
        if self._reporting or self._briefing or self._campaign_open:
            return
        self._reporting = True
        self._paused_before_report = self.driver.paused
        self.driver.pause()
        report = ReportScreen(
            self.game.report(),
            self.presets(),
            self.sim.scenario.key,
            best=self._best_line(),
            typing=typing,
        )
        self.push_screen(report, self._report_done)

    def _best_line(self) -> str:
        """The player's best for this game; a won game's score is recorded here, once."""
        game = self.game
        score = game.tracker.score()
        key = self.sim.scenario.key
        if score is None:
            return ""
        kept = game.score_to_keep()
        if kept is not None and self._recorded != game.number:
            self._recorded = game.number
            recorded = self.scores.record(key, kept)
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
        if game.tracker.won and game.rewound:
            return f"{mine} A rewound game's score is not kept: r plays it again from the start."
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
        elif action == "campaign":
            self.show_campaign()
        elif action == "boot":
            self.boot_preset(preset, "dialog")
            if not self.game.held:
                self.driver.resume()
        self.refresh_frame()
