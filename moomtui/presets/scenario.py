"""What a preset becomes: a :class:`Scenario` (the machine to boot, its scripted events and
goals), and the one-line :class:`PresetError` every problem with a preset is told as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..kernel.bootspec import BootSpec
from ..kernel.constants import HZ


class PresetError(Exception):
    """A preset that cannot be used; ``str()`` is the one-line message."""


@dataclass(slots=True)
class PresetEvent:
    at: int  # jiffies since boot
    run: str


SCORE_UNITS = {
    "work_lost": "seconds",
    "mem_per_kill": "pages",
    "innocent_killed": "count",
    "protected_killed": "count",
    "kills": "count",
    "least_surprise": "share",
    "livelock": "seconds",
    "thrashing": "seconds",
    "down": "seconds",
    "panics": "count",
    "reboots": "count",
}
"""The score-card criteria a game may be scored by (``moomtui.game.CRITERIA``, whose keys
these are), each with the unit its ``par`` is written in."""


@dataclass(frozen=True, slots=True)
class ScoreRule:
    """A game's one score to beat: a score-card criterion (``by``, a key of
    :data:`moomtui.game.CRITERIA`) and the preset's par for it, in the card's units
    (seconds, pages, a count or a share)."""

    by: str
    par: float


class Game(NamedTuple):
    """What a preset's game is, without the rest of it: its goals (none: a sandbox) and its
    score rule (:meth:`.checker.Checker.game`)."""

    goals: dict[str, Any]
    score: ScoreRule | None


@dataclass(slots=True)
class Scenario:
    name: str
    description: str
    source: str
    spec: BootSpec
    events: list[PresetEvent] = field(default_factory=list)
    goals: dict[str, Any] = field(default_factory=dict)
    length: int = 600 * HZ
    key: str = ""  # the preset's file stem, e.g. "fork-bomb"
    hint: str = ""  # the briefing's nudge, for a game
    hint_command: str = ""  # a game's second hint: the command to try (it costs score)
    columns: tuple[str, ...] = ()  # the task columns a narrow screen keeps (the lesson's)
    score: ScoreRule | None = None
    drawn: dict[str, Any] = field(default_factory=dict)
    """A workload family's values drawn for this run, by path (presets.families)."""
