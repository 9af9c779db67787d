"""What many runs say together: per configuration and criterion, the median with a bootstrap
confidence interval, the best configuration where it is best beyond the intervals, and paired
win/loss/tie counts. ``moomtui compare`` and ``moomtui sweep`` both summarise here.

**The best (★).** Per criterion, among the configurations *eligible* for it, the one with
the best median — only if its interval does not overlap any other eligible configuration's
(lower is better: its interval's top is below every other's bottom). Close figures give no
★: a star says the difference is beyond what the seeds' spread explains.

**Eligible.** A configuration whose median run livelocked (``livelock`` above 0) or panicked
(``panics`` or ``down`` above 0) is *failed*, and a failure hides behind most criteria: no
policy loaded kills nothing and so loses no work, an ``oom_panic`` machine is down and kills
nobody either. Such a configuration is ranked only on the criteria that show its failure —
``livelock`` for a livelock; ``down``, ``panics`` and ``reboots`` for a panic — and left out
of the others (their cells say so: †).

**The interval.** The 95 % percentile bootstrap of the median: :data:`RESAMPLES` resamples
(fewer for many seeds, at least :data:`MIN_RESAMPLES`), from a generator seeded with the
configuration's name and the criterion's, so the same results give the same intervals.

**Paired.** Two configurations that ran the same seeds of a preset faced the same machines:
for each criterion, the seeds where the one did better (win), worse (loss) or the same
(tie) than the other.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import fields
from typing import Any

from ..game import CRITERIA, ScoreCard

FIELDS = (
    *(c.key for c in CRITERIA),
    *(f.name for f in fields(ScoreCard) if f.name not in {c.key for c in CRITERIA} | {"duration"}),
)
"""The score card's fields as the lab reports them: the ranked criteria first."""

RESAMPLES = 1000
MIN_RESAMPLES = 200
RESAMPLE_BUDGET = 200_000
"""Values drawn per interval at most: a thousand resamples of 200 seeds, 200 of 1000."""
FAILURES = {"livelock": ("livelock",), "panic": ("down", "panics", "reboots")}
"""Each kind of failure and the criteria that show it."""

Stats = dict[str, Any]
"""``{median, min, max, ci_low, ci_high, n}`` (None each when no run has a figure)."""


def number(value: float | None) -> float | int | None:
    if isinstance(value, float):
        value = round(value, 4)
        return int(value) if value.is_integer() else value
    return value


def bootstrap(values: list[float], name: str) -> tuple[float, float]:
    """The 95 % percentile bootstrap interval of the median of ``values``."""
    if len(values) == 1 or min(values) == max(values):
        return values[0], values[0]
    rng = random.Random(f"moomtui-bootstrap:{name}")
    n = len(values)
    resamples = max(MIN_RESAMPLES, min(RESAMPLES, RESAMPLE_BUDGET // n))
    medians = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    return medians[int(0.025 * (resamples - 1))], medians[int(0.975 * (resamples - 1) + 0.5)]


def stats(values: list[float], name: str) -> Stats:
    if not values:
        return dict.fromkeys(("median", "min", "max", "ci_low", "ci_high"), None) | {"n": 0}
    low, high = bootstrap(values, name)
    return {
        "median": number(statistics.median(values)),
        "min": number(min(values)),
        "max": number(max(values)),
        "ci_low": number(low),
        "ci_high": number(high),
        "n": len(values),
    }


def summarize(groups: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Stats]]:
    """{configuration: {field: stats}} from each configuration's score cards."""
    return {
        config: {
            name: stats([c[name] for c in cards if c[name] is not None], f"{config}/{name}")
            for name in FIELDS
        }
        for config, cards in groups.items()
    }


def failures(figures: dict[str, Stats]) -> list[str]:
    """How a configuration failed in its median run: ``livelock``, ``panic``, or neither."""
    out = []
    if (figures["livelock"]["median"] or 0) > 0:
        out.append("livelock")
    if (figures["panics"]["median"] or 0) > 0 or (figures["down"]["median"] or 0) > 0:
        out.append("panic")
    return out


def eligible(figures: dict[str, Stats], criterion: str) -> bool:
    """Whether a configuration may be ranked on ``criterion``: every failure it had is one
    the criterion shows."""
    return all(criterion in FAILURES[kind] for kind in failures(figures))


def leaders(summary: dict[str, dict[str, Stats]]) -> dict[str, list[str]]:
    """Per criterion, the best configuration (a list of one), or none: see the module."""
    out: dict[str, list[str]] = {}
    for crit in CRITERIA:
        sign = 1 if crit.better == "low" else -1
        ranked = {
            config: figures[crit.key]
            for config, figures in summary.items()
            if figures[crit.key]["median"] is not None and eligible(figures, crit.key)
        }
        if len(ranked) < 2:
            out[crit.key] = []
            continue
        best = min(ranked, key=lambda c: sign * ranked[c]["median"])
        b = ranked[best]
        beyond = all(
            (b["ci_high"] < s["ci_low"]) if sign == 1 else (b["ci_low"] > s["ci_high"])
            for config, s in ranked.items()
            if config != best
        )
        out[crit.key] = [best] if beyond else []
    return out


def winners(best: dict[str, list[str]]) -> dict[str, str | None]:
    """The winner per criterion: the one configuration with the best figures, else None."""
    return {key: top[0] if len(top) == 1 else None for key, top in best.items()}


def paired(
    a: dict[int, dict[str, Any]], b: dict[int, dict[str, Any]]
) -> dict[str, dict[str, int]] | None:
    """``a`` against ``b`` (cards by seed) on the seeds both ran: per criterion, the seeds
    ``a`` did better (win), worse (loss), the same (tie). None if they share no seed."""
    seeds = sorted(set(a) & set(b))
    if not seeds:
        return None
    out: dict[str, dict[str, int]] = {}
    for crit in CRITERIA:
        sign = 1 if crit.better == "low" else -1
        tally = {"win": 0, "loss": 0, "tie": 0}
        for seed in seeds:
            x, y = a[seed][crit.key], b[seed][crit.key]
            if x is None or y is None:
                if x is y:
                    tally["tie"] += 1
                continue
            diff = sign * (x - y)
            tally["win" if diff < 0 else "loss" if diff > 0 else "tie"] += 1
        out[crit.key] = tally
    return out
