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

Import the names from here; the definitions are in docs/game.md.
"""

from .card import CRITERIA, Criterion, ScoreCard
from .goals import GOALS, LOST, MET, PENDING, GoalState, GoalTracker
from .play import MARKS, Game, Report
from .scorer import Scorer
from .scores import ScoreBook, ScoreResult, default_scores_path, score_of
from .tracking import SAMPLE, Tracked

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
