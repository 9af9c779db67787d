"""The campaign on the screen: its levels, a level started with a new seed, tiered hints.

``campaign`` at the console (and ``moomtui campaign``, and ``l`` on a game's report) opens
the campaign screen (:mod:`.components.campaign`) over the stopped clock; Enter on an open
level boots it with a seed drawn from the level's (:func:`moomtui.game.campaign.draw_seed`),
which the console shows, and ``r`` on the report replays that same seed. ``hint`` at the
console gives the game's next hint tier, the idea and then the command, each counted against
the score (:meth:`moomtui.game.goals.GoalTracker.take_hint`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..game.campaign import draw_seed, level_of, load_levels, par_and_best, progress
from ..presets import PresetError, shipped_game
from ..text import one_line
from .app_base import AppBase
from .components.campaign import CampaignScreen

if TYPE_CHECKING:
    from ..presets import Game, Scenario


class CampaignFlow(AppBase):
    """The campaign screen, its levels' seeds and the hints of :class:`~.app.MoomApp`."""

    _levels_cache: dict[str, Scenario] | None = None
    _game_marks: dict[str, Game | None] | None = None
    _paused_before_campaign = False

    def levels(self) -> dict[str, Scenario]:
        if self._levels_cache is None:
            self._levels_cache = load_levels()
        return self._levels_cache

    def show_campaign(self) -> None:
        """The levels over the stopped clock."""
        if self._campaign_open:
            return
        self._campaign_open = True
        self._paused_before_campaign = self.driver.paused
        self.driver.pause()
        states = progress(self.scores, self.levels(), run_code=self.sim.profile.run_code)
        self.push_screen(CampaignScreen(states, self.sim.scenario.key), self._campaign_done)

    def _campaign_done(self, key: str | None) -> None:
        self._campaign_open = False
        if key is not None:
            self.start_level(key)
        elif self.game.held:
            self.show_briefing()  # a game waits for its briefing to be read
        elif not self._paused_before_campaign and not self.game.ended:
            self.driver.resume()
        self.refresh_frame()  # a game over shows its report again

    def start_level(self, key: str) -> None:
        """Boot level ``key`` with a new seed, drawn from the level's; its briefing follows."""
        scenario = self.levels()[key]
        seed = draw_seed(scenario)
        self.sim.boot(scenario, seed=seed)
        self.refresh_frame()  # the new machine's own note first, then its seed
        level = level_of(key)
        number = f"Level {level.number}" if level is not None else one_line(scenario.name)
        self.console_view.note(
            f"{number}, seed {seed}: r on the report replays this seed, "
            "a new attempt from the campaign draws another."
        )

    def take_hint(self) -> None:
        """``hint``: the game's next hint tier, at a cost to the score."""
        tracker = self.game.tracker
        text = tracker.take_hint()
        if text is None:
            if tracker.hints:
                what = f"no more hints: the {tracker.hints} this game has are above"
            else:
                what = "no tiered hints in this game (the briefing has its hint)"
            self.console_view.note(f"hint: {what}.")
            return
        score = tracker.score()
        cost = f" Score so far: {score.line(judged=False)}." if score is not None else ""
        self.console_view.note(f"hint {tracker.hints}: {one_line(text)}{cost}")

    def game_mark(self, key: str) -> str:
        """``game · par … · best …`` for a shipped preset that is a game, "" for a sandbox
        (the preset picker's marks; each preset's goals and score rule are read once)."""
        if self._game_marks is None:
            self._game_marks = {}
        if key not in self._game_marks:
            try:
                self._game_marks[key] = shipped_game(key)
            except PresetError:
                self._game_marks[key] = None
        game = self._game_marks[key]
        return "" if game is None else par_and_best(self.scores, key, game)
