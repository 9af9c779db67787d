"""A score worked out line by line: what each policy's scoring code does to one task.

``classic.badness_steps`` and ``oom_score_adj.oom_badness_steps`` sit beside the functions
they explain and repeat their arithmetic one C statement at a time; property tests hold the
last step's points equal to the fast function's result for every task state. ``explain``
(the console command and the screen's "why this victim?") prints them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Step:
    """One statement of a scoring function, applied to one task.

    ``code`` is the C as the kernel has it; ``text`` says what it did with this task's
    numbers; ``points`` are the points after it, or None for a test the task passed (it
    changes nothing). A step whose ``final`` is True returned: the score is its points.
    """

    code: str
    text: str
    points: int | None = None
    final: bool = False


def score_of(steps: list[Step]) -> int:
    """The score the steps arrive at: the last step with points."""
    for step in reversed(steps):
        if step.points is not None:
            return step.points
    raise ValueError("no step sets the points")
