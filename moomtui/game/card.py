"""The score card: a run rated on the seed's five goals of a good kill, as plain data.

The 2003 patch's ``badness()`` comment names what a good OOM kill is::

    1) we lose the minimum amount of work done
    2) we recover a large amount of memory
    3) we don't kill anything innocent of eating tons of memory
    4) we want to kill the minimum amount of processes (one)
    5) we try to kill the process the user expects us to kill, this
       algorithm has been meticulously tuned to meet the principle
       of least surprise ... (be careful when you change it)

A :class:`ScoreCard` holds those five, plus the time the machine spent livelocked,
thrashing or down (panicked), its panics and reboots; :mod:`.scorer` measures them.
:data:`CRITERIA` are the columns ``moomtui compare`` ranks configurations on. The card
renders itself as text for ``moomtui run``; the screen draws it with Rich
(:func:`moomtui.tui.components.report.score_card_table`). The exact definitions are in
docs/game.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..kernel.units import format_size


@dataclass(frozen=True, slots=True)
class Criterion:
    """One column of the score card as ``moomtui compare`` shows it."""

    key: str
    title: str
    better: str  # "low" or "high"
    fmt: Callable[[float], str]


def _fmt_secs(v: float) -> str:
    return f"{v:.1f}s"


def _fmt_count(v: float) -> str:
    return f"{v:g}"


def _fmt_pages(v: float) -> str:
    return format_size(round(v))


def _fmt_share(v: float) -> str:
    return f"{v * 100:.0f}%"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("work_lost", "work lost", "low", _fmt_secs),
    Criterion("mem_per_kill", "mem/kill", "high", _fmt_pages),
    Criterion("innocent_killed", "innocents", "low", _fmt_count),
    Criterion("protected_killed", "protected", "low", _fmt_count),
    Criterion("kills", "kills", "low", _fmt_count),
    Criterion("least_surprise", "expected", "high", _fmt_share),
    Criterion("livelock", "livelock", "low", _fmt_secs),
    Criterion("thrashing", "thrashing", "low", _fmt_secs),
    Criterion("down", "down", "low", _fmt_secs),
    Criterion("panics", "panics", "low", _fmt_count),
    Criterion("reboots", "reboots", "low", _fmt_count),
)
"""The criteria ``moomtui compare`` ranks configurations on, in the order of the seed's goals."""


@dataclass(frozen=True, slots=True)
class ScoreCard:
    """A run rated on the seed's five criteria; times in seconds, memory in pages.

    ``mem_per_kill`` and ``least_surprise`` are None when nothing was killed (or judged);
    ``longest_episode`` is None when out_of_memory() was never called.
    """

    duration: float
    kills: int
    work_lost: float
    mem_recovered: int
    mem_per_kill: float | None
    innocent_killed: int
    protected_killed: int
    culprits_killed: int
    judged_kills: int
    expected_kills: int
    least_surprise: float | None
    livelock: float
    thrashing: float
    down: float
    oom_calls: int
    episodes: int
    longest_episode: float | None
    panics: int
    reboots: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data, the same for the same run."""
        return asdict(self)

    def rows(self) -> list[tuple[str, str, str]]:
        """(criterion, value, how it is measured) for each line of the card."""
        kills = self.kills
        per_kill = "-" if self.mem_per_kill is None else format_size(round(self.mem_per_kill))
        surprise = (
            "-"
            if self.least_surprise is None
            else f"{self.expected_kills} of {self.judged_kills} ({self.least_surprise * 100:.0f}%)"
        )
        longest = "-" if self.longest_episode is None else f"{self.longest_episode:.1f}s"
        return [
            ("1 work lost", f"{self.work_lost:.1f} CPU s", "total CPU time of the killed tasks"),
            (
                "2 memory recovered",
                f"{format_size(self.mem_recovered)}, {per_kill}/kill",
                "rss+swap freed when killed tasks exited",
            ),
            (
                "3 innocents killed",
                f"{self.innocent_killed} innocent, {self.protected_killed} protected",
                f"{self.culprits_killed} culprit{'s' * (self.culprits_killed != 1)} killed",
            ),
            ("4 kills", str(kills), "tasks an OOM policy signalled"),
            ("5 least surprise", surprise, "kills that hit the biggest grower"),
            (
                "livelocked",
                f"{self.livelock:.1f}s",
                f"thrashing {self.thrashing:.1f}s (tasks waiting for swap-in)",
            ),
            (
                "out_of_memory()",
                f"{self.oom_calls} call{'s' * (self.oom_calls != 1)}",
                f"{self.episodes} episode{'s' * (self.episodes != 1)}, longest {longest}",
            ),
            (
                "panics",
                str(self.panics),
                f"reboots {self.reboots}, down {self.down:.1f}s (panicked)",
            ),
        ]

    def render_text(self) -> str:
        """A plain table for ``moomtui run``'s summary."""
        rows = self.rows()
        w1 = max(len(r[0]) for r in rows)
        w2 = max(len(r[1]) for r in rows)
        lines = [f"score card ({self.duration:.1f} s; the seed's five goals of a good kill)"]
        lines += [f"  {a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
        return "\n".join(lines) + "\n"
