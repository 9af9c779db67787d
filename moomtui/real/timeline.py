"""A log of many OOMs at a glance: one line per report, in the log's order, before the detail.

Each line says when (the report's dmesg time, else its line in the file), where (the memory
cgroup whose limit was hit, or the kind of OOM), who died (the task killed, and how many
times a task of that name has died so far in the log), and which era's rule the report's
kernel follows and whether it picks the same task. Below, the names killed more than once.

The timeline is built as the reports are judged, one at a time: a row per report (a few
dozen bytes), never the machines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .verdict import Judgement


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    line: int | None
    uptime: float | None
    where: str
    pid: int | None
    comm: str | None
    nth: int
    """How many times a task of this name has been killed in the log, this one included."""
    rule: str | None
    matches: bool | None


@dataclass(slots=True)
class Timeline:
    rows: list[Row] = field(default_factory=list)
    deaths: dict[str, int] = field(default_factory=dict)

    def add(self, j: Judgement) -> None:
        m = j.machine
        d = m.decision
        pid = comm = None
        if d is not None:
            pid = d.killed_pid if d.killed_pid is not None else d.pid
            comm = d.killed_comm if d.killed_pid is not None else d.comm
        nth = 0
        if comm is not None:
            nth = self.deaths[comm] = self.deaths.get(comm, 0) + 1
        if m.constraint == "memcg":
            where = (m.memcg.path if m.memcg is not None else None) or "a memory cgroup"
        else:
            where = m.constraint
        rule = j.verdicts[j.model].label if j.model is not None else None
        self.rows.append(
            Row(len(self.rows) + 1, m.line, m.uptime, where, pid, comm, nth, rule, j.matches)
        )

    def repeats(self) -> list[tuple[str, int]]:
        """The names killed more than once, the most often first."""
        return sorted(
            ((comm, n) for comm, n in self.deaths.items() if n > 1), key=lambda x: (-x[1], x[0])
        )

    def lines(self, name: Callable[[str], str]) -> list[str]:
        """The timeline as text; ``name`` makes a name or a path safe to print."""
        out = [
            f"timeline: {len(self.rows)} OOM reports",
            f"  {'#':>4} {'when':>14}  {'where':<24} {'killed':<28} rule",
        ]
        for r in self.rows:
            when = f"[{r.uptime:.3f}]" if r.uptime is not None else f"line {r.line}"
            who = "nobody" if r.pid is None else f"{r.pid} ({name(r.comm or '?')})"
            if r.nth > 1:
                who += f" #{r.nth}"
            if r.rule is None:
                rule = "not modelled"
            else:
                rule = f"{r.rule}: {'agrees' if r.matches else 'differs'}"
                if r.matches is None:
                    rule = r.rule
            where = name(r.where)
            if len(where) > 24:
                where = "…" + where[-23:]
            out.append(f"  {r.number:>4} {when:>14}  {where:<24} {who[:28]:<28} {rule}".rstrip())
        repeats = self.repeats()
        if repeats:
            listed = ", ".join(f"{name(c)} ×{n}" for c, n in repeats[:10])
            more = f" and {len(repeats) - 10} more" if len(repeats) > 10 else ""
            out.append(f"  killed more than once: {listed}{more}")
        return out

    def json(self) -> dict[str, Any]:
        return {
            "reports": [
                {
                    "report": r.number,
                    "line": r.line,
                    "uptime": r.uptime,
                    "where": r.where,
                    "killed": {"pid": r.pid, "comm": r.comm, "nth": r.nth}
                    if r.pid is not None
                    else None,
                    "rule": r.rule,
                    "matches": r.matches,
                }
                for r in self.rows
            ],
            "repeat_victims": [{"comm": c, "killed": n} for c, n in self.repeats()],
        }
