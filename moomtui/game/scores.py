"""A game's one score to beat, and the player's best scores, kept per user.

A game preset names one score-card criterion as its score and a par for it (``[score]``,
a :class:`~moomtui.presets.ScoreRule`): fork-bomb is scored on the work lost, ha-failover on
the memory each kill gave back. :func:`score_of` reads that figure off a run's
:class:`~.card.ScoreCard` and says whether it is at par or better.

:class:`ScoreBook` keeps the best score of each won game in a small JSON file,
``$XDG_DATA_HOME/moomtui/scores.json`` (:func:`default_scores_path`). The file is read as a
stranger's would be (:mod:`moomtui.userfiles`: a regular file, at most
:data:`MAX_SCORES_FILE` bytes), and written only if moomtui wrote it: it carries
``"moomtui": "scores"``, and a file at that path without the mark — or one that cannot be
read, or is not JSON (a thousand ``[``, a number of ten thousand digits) — is never
overwritten nor moved: it is left as it is, and the book lives in memory, with a one-line
warning (move the file aside to keep scores again). A new file is created without replacing
anything that appeared meanwhile (a hard link of a complete temporary file), an existing one
replaced atomically (a temporary file renamed over it). Two screens may record at once: each
reads the file again under its lock and merges before writing (:meth:`ScoreBook.record`). A
served browser session keeps no file at all (``ScoreBook(None)``).

Only a won game's score counts: a game lost at 8 s may have lost little work.
"""

from __future__ import annotations

import errno
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..dirs import data_dir
from ..userfiles import (
    UserFileError,
    create_user_text,
    locked,
    read_user_text,
    replace_user_text,
)
from .card import CRITERIA, Criterion

if TYPE_CHECKING:
    from ..presets import ScoreRule
    from .card import ScoreCard

MARK = "scores"
"""The value of the ``"moomtui"`` key that says moomtui wrote the file."""
VERSION = 1
MAX_SCORES_FILE = 64 << 10
"""The scores file is read only up to 64 KiB (a few hundred presets)."""
MAX_ENTRIES = 500
"""At most this many presets' bests are kept (the file stays small)."""


def criterion(key: str) -> Criterion:
    return next(c for c in CRITERIA if c.key == key)


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A run's figure for the game's score, against the par (``value`` None: no figure,
    e.g. memory per kill without a kill)."""

    by: str
    value: float | None
    par: float
    hints: int = 0  # hints taken: each costs :func:`hint_cost` (in ``value`` already)

    @property
    def crit(self) -> Criterion:
        return criterion(self.by)

    @property
    def lower_is_better(self) -> bool:
        return self.crit.better == "low"

    @property
    def at_par(self) -> bool:
        """At par or better."""
        return self.value is not None and self.better_or_equal(self.value, self.par)

    def better_or_equal(self, a: float, b: float) -> bool:
        return a <= b if self.lower_is_better else a >= b

    def show(self, value: float | None) -> str:
        return "-" if value is None else self.crit.fmt(value)

    @property
    def direction(self) -> str:
        return "lower is better" if self.lower_is_better else "higher is better"

    def line(self, *, judged: bool = True) -> str:
        """``work lost 4.2s (lower is better) — par 10.0s: at par or better``; without the
        verdict when the score is not ``judged`` (a lost game's does not count)."""
        verdict = ""
        if judged:
            verdict = ": at par or better" if self.at_par else ": short of par"
        hints = ""
        if self.hints:
            cost = self.show(hint_cost(self.par) * self.hints)
            sign = "+" if self.lower_is_better else "−"
            hints = f", {self.hints} hint{'s' * (self.hints != 1)} included: {sign}{cost}"
        return (
            f"{self.crit.title} {self.show(self.value)} ({self.direction}{hints}) — "
            f"par {self.show(self.par)}{verdict}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "value": self.value, "par": self.par, "at_par": self.at_par}


HINT_SHARE = 4
"""A hint costs a quarter of the par (at least 1 of the unit): the second tier again."""


def hint_cost(par: float) -> float:
    """What one hint adds to a score (or takes off one where higher is better), rounded up
    to a tenth, the step a score is shown in: a par of 5.0s costs 1.3s a hint, and two are
    2.6s, as shown (not 1.25s shown as 1.2s, and two as 2.5s)."""
    return max(math.ceil(round(abs(par) / HINT_SHARE * 10, 6)) / 10, 1.0)


def score_of(rule: ScoreRule | None, card: ScoreCard, hints: int = 0) -> ScoreResult | None:
    """The game's score on ``card``, with the cost of the ``hints`` taken; None for a
    preset without a ``[score]``."""
    if rule is None:
        return None
    value = getattr(card, rule.by)
    if value is None:
        return ScoreResult(rule.by, None, rule.par, hints)
    cost = hint_cost(rule.par) * hints
    worse = -cost if criterion(rule.by).better == "high" else cost
    return ScoreResult(rule.by, round(float(value) + worse, 2), rule.par, hints)


def default_scores_path() -> Path:
    """``$XDG_DATA_HOME/moomtui/scores.json``, or ``~/.local/share/moomtui/scores.json``
    (:func:`moomtui.dirs.data_dir`: a relative XDG_DATA_HOME is ignored)."""
    return data_dir() / "scores.json"


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording a won game's score did: the best before it, and whether it is new."""

    previous: float | None
    new_best: bool


class NotOurs(Exception):
    """A scores file moomtui may not write over: its one-line reason."""


class ScoreBook:
    """The player's best score per preset; ``path`` None keeps them in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.best: dict[str, dict[str, Any]] = {}
        """``{preset key: {"by": criterion, "best": value}}``."""
        self.warning: str | None = None
        self._writable = path is not None
        if path is not None:
            try:
                self.best = read_book(path) or {}
            except NotOurs as err:
                self._refuse(str(err))

    def _refuse(self, why: str) -> None:
        self._writable = False
        self.warning = f"{why}: best scores are kept for this session only"

    def take_warning(self) -> str | None:
        """The last problem with the file, once."""
        warning, self.warning = self.warning, None
        return warning

    def best_for(self, preset: str, by: str) -> float | None:
        """The best won score of ``preset`` by criterion ``by``, if any."""
        entry = self.best.get(preset)
        if entry is None or entry["by"] != by:
            return None
        return float(entry["best"])

    def record(self, preset: str, result: ScoreResult) -> Recorded:
        """A won game's score: kept if it beats the best so far (and written out).

        Another screen may have written the file since this book read it: under the file's
        lock (:func:`moomtui.userfiles.locked`) the file is read again and merged — the
        better of two bests of the same game wins — before this score is compared and the
        whole book written back, so neither screen loses the other's bests.
        """
        path = self.path
        if path is None or not self._writable or result.value is None:
            return self._record(preset, result)
        recorded: Recorded | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with locked(path):
                on_disk = read_book(path)
                self._merge(on_disk or {})
                recorded = self._record(preset, result)
                if recorded.new_best:
                    doc = {"moomtui": MARK, "version": VERSION, "best": self.best}
                    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
                    if on_disk is None:
                        create_user_text(path, text)
                    else:
                        replace_user_text(path, text)
        except (OSError, UserFileError, NotOurs) as err:
            self._refuse(str(err))
        return recorded if recorded is not None else self._record(preset, result)

    def _merge(self, on_disk: dict[str, dict[str, Any]]) -> None:
        """Take the file's bests into this book: a game this book has not, or has by another
        criterion (the file is newer), or a better score of the same game."""
        for key, theirs in on_disk.items():
            mine = self.best.get(key)
            if mine is None and len(self.best) >= MAX_ENTRIES:
                continue
            if mine is None or mine["by"] != theirs["by"] or _better(theirs, mine):
                self.best[key] = theirs

    def _record(self, preset: str, result: ScoreResult) -> Recorded:
        previous = self.best_for(preset, result.by)
        value = result.value
        if value is None:
            return Recorded(previous, False)
        if previous is not None and (
            value == previous or not result.better_or_equal(value, previous)
        ):
            return Recorded(previous, False)
        if preset not in self.best and len(self.best) >= MAX_ENTRIES:
            return Recorded(previous, False)
        self.best[preset] = {"by": result.by, "best": value}
        return Recorded(previous, True)


def _better(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether best ``a`` beats best ``b`` (of the same criterion)."""
    if criterion(a["by"]).better == "low":
        return bool(a["best"] < b["best"])
    return bool(a["best"] > b["best"])


def read_book(path: Path) -> dict[str, dict[str, Any]] | None:
    """The bests kept in the scores file at ``path``; None when there is no file.

    A file moomtui may not write over — unreadable, not JSON, JSON of any other shape (a
    thousand ``[``, a number of ten thousand digits), or JSON without moomtui's mark — is
    :class:`NotOurs`, one line; the file is left as it is. Entries of our own file that make
    no sense (an unknown criterion, a value that is not a finite number) are skipped.
    """
    try:
        text = read_user_text(path, limit=MAX_SCORES_FILE)
    except UserFileError as err:
        if err.errno == errno.ENOENT:  # a first game
            return None
        raise NotOurs(str(err)) from None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the stack
        raise NotOurs(f"{path}: not a scores file moomtui wrote (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("moomtui") != MARK:
        raise NotOurs(f"{path}: not a scores file moomtui wrote")
    entries = doc.get("best")
    best: dict[str, dict[str, Any]] = {}
    if not isinstance(entries, dict):
        return best
    for key, entry in list(entries.items())[:MAX_ENTRIES]:
        if not (isinstance(key, str) and isinstance(entry, dict)):
            continue
        by, value = entry.get("by"), entry.get("best")
        if not isinstance(by, str) or not any(c.key == by for c in CRITERIA):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        try:
            number = float(value)  # an int too large for a float: OverflowError
        except OverflowError:
            continue
        if math.isfinite(number):
            best[key] = {"by": by, "best": number}
    return best
