"""``explain PID``: why this victim? The loaded policies' scores for one task, step by step.

Not a 2003 tool: moomtui's own window into the OOM killer (:mod:`moomtui.modules.explain`).
For each policy, in the order the OOM chain calls them: the scoring function's C statements
with this task's numbers, the task's rank, the top candidates, who is next and why, and
when the policy acts. Without a PID it explains the next victim. The screen's explain panel
(key ``e``) shows the same lines, coloured by :func:`explain_lines`' kinds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..modules.explain import TOP, Explanation, Verdict, explain
from .base import ArgParser, CommandError, command, int_arg, parse
from .completion import complete_pids

if TYPE_CHECKING:
    from .shell import Shell

Line = tuple[str, str]
"""``(text, kind)``: kind is ``title``, ``code``, ``text``, ``result``, ``label``,
``candidate``, ``next`` (the next victim's row), ``this`` (the explained task's row) or
``note``."""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def verdict_lines(verdict: Verdict, pid: int, comm: str) -> list[Line]:
    """One policy's verdict on task ``pid`` as ``(text, kind)`` lines."""
    lines: list[Line] = [(verdict.title, "title")]
    if verdict.steps is not None:
        for step in verdict.steps:
            lines.append((f"  {step.code}", "code"))
            text = f"      {step.text}"
            if step.points is not None and not step.final:
                text += f"  → {step.points}"
            lines.append((text, "result" if step.final else "text"))
    points = verdict.points
    if verdict.rank is not None:
        place = (
            "the next victim"
            if verdict.rank == 1
            else f"{_ordinal(verdict.rank)} of {verdict.count}"
        )
        lines.append((f"  {pid} ({comm}): {points} points, {place}", "result"))
    elif verdict.why_not:
        lines.append((f"  {pid} ({comm}): not a candidate — {verdict.why_not}", "result"))
    if verdict.candidates:
        shown = len(verdict.candidates)
        more = f" (of {verdict.count})" if verdict.count > shown else ""
        lines.append((f"  the top {shown}{more}:" if shown > 1 else "  the top one:", "label"))
        lines.append(("        PID COMM             POINTS", "label"))
        for i, c in enumerate(verdict.candidates):
            mark = "next ►" if i == 0 else "      "
            kind = "next" if i == 0 else ("this" if c.pid == pid else "candidate")
            this = "  ← this task" if c.pid == pid and i else ""
            lines.append((f"  {mark}{c.pid:>5} {c.comm:<16} {c.points:>6}{this}", kind))
    for text in verdict.next_why:
        lines.append((f"  {text}", "note"))
    for text in verdict.when:
        lines.append((f"  {text}", "note"))
    return lines


def explain_lines(explanation: Explanation) -> list[Line]:
    """Every verdict of ``explanation``, a blank line between two."""
    lines: list[Line] = []
    for verdict in explanation.verdicts:
        if lines:
            lines.append(("", "text"))
        lines += verdict_lines(verdict, explanation.pid, explanation.comm)
    return lines


def _explain_parser() -> ArgParser:
    p = ArgParser(
        "explain",
        "Why this victim? Each loaded OOM policy's score for a task, step by step, its rank "
        "and who is next. Without PID: the next victim.",
    )
    p.add_argument("-n", dest="top", type=int_arg, default=TOP, help=f"candidates (default {TOP})")
    p.add_argument("pid", nargs="?", type=int_arg, help="the task")
    return p


def _complete_explain(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return [] if before and before[-1] == "-n" else complete_pids(sh, prefix)


@command(
    "explain",
    "why this victim? a task's OOM score step by step (explain PID)",
    parser=_explain_parser,
    complete=_complete_explain,
)
def explain_(sh: Shell, argv: list[str]) -> str:
    args = parse(_explain_parser(), argv)
    k = sh.kernel
    if not 1 <= args.top <= 100:
        raise CommandError(f"explain: -n {args.top}: expected 1 to 100")
    if args.pid is None:
        init = k.tasks.get(1)
        if init is None:
            raise CommandError("explain: no task to explain")
        nxt = next((v.next for v in explain(k, init, 1).verdicts if v.next), None)
        if nxt is None:
            raise CommandError("explain: no candidate: give a PID")
        pid = nxt.pid
    else:
        pid = args.pid
    task = k.tasks.get(pid)
    if task is None:
        raise CommandError(f"explain: {pid}: No such process")
    return "\n".join(text for text, _ in explain_lines(explain(k, task, args.top)))
