"""The game: how well a run went, read from the one event stream. No Textual, no Rich.

- :mod:`.card` — the :class:`ScoreCard` (the seed's five goals of a good kill, livelock,
  panics…) and the :data:`CRITERIA` ``moomtui compare`` ranks on;
- :mod:`.scorer` — the :class:`Scorer` that measures a run for its card;
- :mod:`.goals` — the preset's ``[goals]`` live (:class:`GoalTracker`);
- :mod:`.scores` — a game's one score to beat and the player's best (:class:`ScoreBook`);
- :mod:`.tracking` — :class:`Tracked`: a run sampled every :data:`SAMPLE` of run time,
  however the caller slices it (headless runs, ``moomtui compare``);
- :mod:`.play` — :class:`Game`: the run as the screen plays it, ending with its goals, and
  the :class:`Report` the screen shows.

Import the names from here; the definitions are in docs/game.md. Those of :mod:`.play`
(the screen's) are loaded when first used: a headless run does without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .card import CRITERIA, Criterion, ScoreCard
from .goals import GOALS, LOST, MET, PENDING, GoalState, GoalTracker
from .scorer import Scorer
from .scores import ScoreBook, ScoreResult, default_scores_path, score_of
from .tracking import SAMPLE, Tracked

if TYPE_CHECKING:
    from .play import MARKS, Game, Report

__all__ = [
    "CRITERIA",
    "GOALS",
    "LOST",
    "MARKS",
    "MET",
    "PENDING",
    "SAMPLE",
    "Criterion",
    "Game",
    "GoalState",
    "GoalTracker",
    "Report",
    "ScoreBook",
    "ScoreCard",
    "ScoreResult",
    "Scorer",
    "Tracked",
    "default_scores_path",
    "score_of",
]


def __getattr__(name: str) -> object:
    if name not in ("MARKS", "Game", "Report"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import play

    value = getattr(play, name)
    globals()[name] = value
    return value
