"""The campaign: the game presets in the order they teach the patch, and the player's way
through them. No Textual and no Rich.

A level is a shipped game preset (its goals and its ``[score]``); :data:`LEVELS` orders
them, each with the one idea it teaches (docs/campaign.md). Progress is read off the best
scores (:class:`~.scores.ScoreBook`): a level is *won* once a won game of it has a score in
the book, and the first level is open, each other one once the level before it is won. The
scores file is the only file written, by its own rules.

A level's workload varies with its seed (every program's rates and times are jittered from
it): a new attempt draws one of :data:`SEEDS` seeds, from the preset's own upwards
(:func:`level_seeds`), and a replay keeps it. The par of a level holds for every seed it can
draw; the campaign's tests play a sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kernel.kconfig import KCONFIG_OPTIONS, resolve_kconfig
from .scores import ScoreResult

if TYPE_CHECKING:
    from ..kernel.bootspec import BootSpec
    from ..presets import Game, Scenario
    from .scores import ScoreBook

SEEDS = 8
"""How many seeds a level draws from: the preset's seed and the next seven."""

KCONFIG_MODULES = {
    "CONFIG_OOM_PANIC": "oom_panic",
    "CONFIG_OOM_KILL": "oom_kill",
    "CONFIG_OOM_KPPID": "oom_kill_parent",
}
"""The seed's three Kconfig options and the policy each builds."""


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    key: str  # the preset
    idea: str  # what it teaches, in one line
    own_code: bool = False  # won by a policy file the player writes: a local player's only


LEVELS: tuple[Level, ...] = (
    Level(1, "lvl1-empty-chain", "an empty OOM chain livelocks: load a handler in time"),
    Level(2, "lvl2-parent-pays", "oom_kill_parent: oom_parent_max and oom_parent_expire"),
    Level(3, "lvl3-two-killers", "every handler runs on every call: two killers, two victims"),
    Level(4, "lvl4-built-in", "a y policy cannot be unloaded: the move is the kernel you boot"),
    Level(5, "lvl5-fail-fast", "oom_panic and kernel.panic: fail fast rather than limp"),
    Level(6, "lvl6-who-is-spared", "badness(): nice doubles, root and CAP_SYS_RAWIO divide"),
    Level(7, "lvl7-swap-trap", "swap free means not out of memory: the killer never fires"),
    Level(8, "lvl8-score-adj", "what came later: oom_score_adj, once the classic is unloaded"),
    Level(9, "fork-bomb", "a fork bomb of small copies: badness() prefers the big database"),
    Level(10, "ha-failover", "what came later: a daemon that acts before the kernel runs out"),
    Level(
        11,
        "lvl11-own-policy",
        "your own policy: first on the chain, and it ends the walk",
        own_code=True,
    ),
)


def level_of(key: str) -> Level | None:
    return next((level for level in LEVELS if level.key == key), None)


def level_seeds(scenario: Scenario) -> range:
    """The seeds a level draws from: its preset's seed and the next :data:`SEEDS` - 1."""
    first = scenario.spec.seed
    return range(first, first + SEEDS)


def draw_seed(scenario: Scenario, rng: random.Random | None = None) -> int:
    """A new attempt's seed, one of :func:`level_seeds` (the screen's own generator, not
    the kernel's: the run itself stays determined by the seed drawn)."""
    return (rng or random.Random()).choice(level_seeds(scenario))


def killers_line(spec: BootSpec) -> str:
    """Which policies the kernel has built in, as modules, loaded at boot, and not at all:
    ``Built in (y): oom_kill. Modules (m): oom_panic, oom_kill_parent. … Modules loaded at
    boot: none.`` (a built-in policy is on the chain from boot: it is not "loaded")."""
    config = resolve_kconfig(spec.kconfig)
    built = [KCONFIG_MODULES[o] for o in KCONFIG_OPTIONS if config[o] == "y"]
    modular = [KCONFIG_MODULES[o] for o in KCONFIG_OPTIONS if config[o] == "m"]
    absent = [KCONFIG_MODULES[o] for o in KCONFIG_OPTIONS if config[o] == "n"]
    loaded = [line.split()[0] for line in spec.modules if line.split()]
    from ..modules import REGISTRY

    later = [name for name in REGISTRY if name not in KCONFIG_MODULES.values()]
    parts = [
        f"Built in (y): {', '.join(built) or 'none'}.",
        f"Modules (m): {', '.join(modular) or 'none'}.",
    ]
    if absent:
        parts.append(f"Not built (n): {', '.join(absent)}.")
    if later:
        parts.append(f"Later policies, modules too: {', '.join(later)}.")
    parts.append(f"Modules loaded at boot: {', '.join(loaded) or 'none'}.")
    return " ".join(parts)


SKIPPED_WHY = "needs a local moomtui: you write its policy in Python"
"""Why a served session skips a level won by the player's own code."""


def needs_own_code(key: str, run_code: bool) -> str | None:
    """Why preset ``key`` cannot be played where policy files may not run (``run_code``
    false: a served session): it is a level won by the player's own code. None if it can."""
    level = level_of(key)
    if level is None or not level.own_code or run_code:
        return None
    return f"Level {level.number} {SKIPPED_WHY}"


@dataclass(frozen=True, slots=True)
class LevelState:
    """One level as the campaign screen shows it."""

    level: Level
    name: str
    open: bool
    won: bool
    par: str
    best: str
    skipped: bool = False  # not playable here (a served session and a policy file)

    @property
    def mark(self) -> str:
        if self.skipped:
            return "–"
        return "✓" if self.won else "·" if self.open else "⊘"


def progress(
    book: ScoreBook, scenarios: dict[str, Scenario], *, run_code: bool = True
) -> list[LevelState]:
    """Every level in order: open, won, its par and the player's best (``-`` for none).

    ``run_code``: whether the player may load a policy file (a local console); without it
    a level won by one is skipped — shown, never open, and locking nothing after it."""
    out: list[LevelState] = []
    before_won = True
    for level in LEVELS:
        scenario = scenarios[level.key]
        rule = scenario.score
        par = best = "-"
        won = False
        if rule is not None:
            shown = ScoreResult(rule.by, None, rule.par)
            par = f"{shown.crit.title} {shown.show(rule.par)}"
            value = book.best_for(level.key, rule.by)
            won = value is not None
            if value is not None:
                best = shown.show(value)
        if level.own_code and not run_code:
            out.append(LevelState(level, scenario.name, False, won, par, best, skipped=True))
            continue
        out.append(LevelState(level, scenario.name, before_won, won, par, best))
        before_won = won
    return out


def par_and_best(book: ScoreBook, key: str, game: Game) -> str:
    """``game · par kills 3 · best 3`` for the line of preset ``key`` in a list, if it is a
    game (:func:`moomtui.presets.shipped_game`); "" otherwise."""
    rule = game.score
    if not game.goals:
        return ""
    if rule is None:
        return "game"
    shown = ScoreResult(rule.by, None, rule.par)
    value = book.best_for(key, rule.by)
    best = "no best yet" if value is None else f"best {shown.show(value)}"
    return f"game · par {shown.crit.title} {shown.show(rule.par)} · {best}"


def load_levels() -> dict[str, Scenario]:
    """Each level's scenario, checked (the shipped presets only)."""
    from ..presets import load_shipped_preset

    return {level.key: load_shipped_preset(level.key) for level in LEVELS}
