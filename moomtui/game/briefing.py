"""The briefing: what a game asks, in words a newcomer reads before the clock starts.

:func:`briefing` turns a preset's goals, rules, score and hint into a :class:`Briefing` of
plain lines; the screen (:mod:`moomtui.tui.components.briefing`) draws it, with the keys
that matter. No Textual and no Rich.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..kernel.units import format_duration
from .campaign import killers_line
from .scores import ScoreResult, hint_cost

if TYPE_CHECKING:
    from ..presets import Scenario


@dataclass(frozen=True, slots=True)
class Briefing:
    title: str
    description: str
    goals: tuple[str, ...]
    rules: tuple[str, ...]
    score: str
    hint: str
    hands_off: bool


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def goal_text(goal: str, target: Any) -> str | None:
    """One goal as a sentence (None for a goal that asks nothing, and for the rule)."""
    if goal == "survive":
        return f"Keep the machine up, and not livelocked, for {format_duration(target)}."
    if goal == "no_panic" and target:
        return "The kernel must not panic."
    if goal == "no_reboot" and target:
        return "The machine must not reboot, by hand (into any kernel) or after a panic."
    if goal == "protect":
        who = _and(list(target))
        verb = "is" if len(target) == 1 else "are"
        return f"{who} {verb} not to be killed, by the OOM killer or anyone."
    if goal == "max_kills":
        return f"The OOM policies may kill at most {target} task{'s' * (target != 1)}."
    if goal == "recover_within":
        return f"Each out-of-memory episode must end within {format_duration(target)}."
    return None


def briefing(
    scenario: Scenario, time_limit: int, best: float | None, *, seed: int | None = None
) -> Briefing:
    """The briefing of ``scenario``'s game; ``best``: the player's best score so far;
    ``seed``: a campaign level's seed, drawn for this attempt."""
    goals = scenario.goals
    lines = tuple(
        text for goal, target in goals.items() if (text := goal_text(goal, target)) is not None
    )
    rules = [
        killers_line(scenario.spec),
        f"It ends when a goal is lost, or at {format_duration(time_limit)}: a win if none is.",
    ]
    if seed is not None:
        rules.append(
            f"Seed {seed}, which the workload varies with: r on the report replays it, "
            "the campaign draws a new one."
        )
    hands_off = bool(goals.get("hands_off"))
    if hands_off and goals.get("no_reboot"):  # no reboot at all, said in the goals
        rules.append(
            "Hands off: a kill or killall (the k key) of yours loses. Let the OOM policy "
            "kill: insmod, rmmod, sysctl and renice are yours."
        )
    elif hands_off:
        rules.append(
            "Hands off: a kill, killall (the k key) or reboot of yours loses — but a "
            "reboot into another kernel (kconfig first) is yours, as are insmod, rmmod, "
            "sysctl and renice. Let the OOM policy kill."
        )
    score = ""
    rule = scenario.score
    if rule is not None:
        result = ScoreResult(rule.by, None, rule.par)
        mine = "no best yet" if best is None else f"your best {result.show(best)}"
        score = (
            f"{result.crit.title}, {result.direction}. Par {result.show(rule.par)}; "
            f"{mine}. Only a won game counts."
        )
    hint = scenario.hint
    if scenario.hint_command and rule is not None:
        shown = ScoreResult(rule.by, None, rule.par)
        cost = shown.show(hint_cost(rule.par))
        way = f"adds {cost} to" if shown.lower_is_better else f"takes {cost} off"
        hint = (
            f"Type hint at the console for the idea, and hint again for the command: "
            f"each {way} your {shown.crit.title}."
        )
    return Briefing(
        scenario.name,
        scenario.description,
        lines,
        tuple(rules),
        score,
        hint,
        hands_off,
    )
