"""A log of many OOMs at a glance: one line per report, in the log's order, before the detail.

Each line says when (the wall clock its log wrote — syslog's or the journal's — else its
dmesg time, else its line in the file), on which host when the log holds several, where (the memory
cgroup whose limit was hit, or the kind of OOM and the cgroup the victim was in), who died
(the task killed, and how many times a task of that name has died so far in the log,
``#2``), and which era's rule the report's kernel follows. Below, the names killed more
than once.

The timeline is read from what the reports printed, before any machine is rebuilt: a row
per report (a few dozen bytes), so the detail that follows is still written one machine at
a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .eras import ERAS
from .rebuild import constraint_of, era_of, memcg_path
from .report import Log, RawReport


class Row(NamedTuple):
    number: int
    line: int | None
    uptime: float | None
    time: str | None
    """The wall clock the log wrote for the report's first line (syslog, the journal)."""
    host: str | None
    where: str
    """The memory cgroup whose limit was hit, or ``global``, ``cpuset``, ``mempolicy``."""
    cgroup: str | None
    """The cgroup the victim was in (``task_memcg=``), when not the root."""
    pid: int | None
    comm: str | None
    nth: int
    """How many times a task of this name has been killed in the log, this one included."""
    rule: str | None
    """The label of the era whose rule the report's kernel follows (``None``: not modelled)."""


WHERE = 30
"""The width of the timeline's ``where``: a longer path keeps its end."""


HOST = 20
"""The width of the timeline's ``host`` (a log of several hosts): a longer name keeps its end."""
MAX_WHEN = 32
"""The longest ``when`` shown (an ISO 8601 time with its fraction and zone is 32)."""


def _when(r: Row, name: Callable[[str], str]) -> str:
    if r.time is not None:
        return _tail(name(r.time), MAX_WHEN)
    return f"[{r.uptime:.3f}]" if r.uptime is not None else f"line {r.line}"


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


@dataclass(slots=True)
class Timeline:
    rows: list[Row] = field(default_factory=list)
    deaths: dict[str, int] = field(default_factory=dict)
    rules: dict[tuple[str | None, tuple[str, ...] | None, bool, bool], str | None] = field(
        default_factory=dict
    )
    """The era's label by what decides it (most reports of a log share them)."""

    @classmethod
    def of(cls, log: Log) -> Timeline:
        """The timeline of ``log``'s reports, read from what they printed (no machine is
        rebuilt or judged for it)."""
        t = cls()
        for raw in log.reports:
            t.add(raw)
        return t

    def add(self, raw: RawReport) -> None:
        d = raw.decision
        pid: int | None = None
        comm: str | None = None
        if d is not None:
            if d.killed_pid is not None:
                pid, comm = d.killed_pid, d.killed_comm
            elif d.pid is not None:
                pid, comm = d.pid, d.comm
            elif raw.summary.get("pid", "").isdigit():
                pid, comm = int(raw.summary["pid"]), raw.summary.get("task")
        nth = 0
        if comm is not None:
            nth = self.deaths[comm] = self.deaths.get(comm, 0) + 1
        where = constraint_of(raw)
        if where == "memcg":
            where = memcg_path(raw) or "a memory cgroup"
        cgroup = raw.summary.get("task_memcg")
        if cgroup == "/" or cgroup == where:
            cgroup = None
        columns = tuple(raw.columns) if raw.columns is not None else None  # era_of() reads
        key = (raw.kernel, columns, raw.tasks_state, d is not None and d.score is not None)
        if key in self.rules:
            rule = self.rules[key]
        else:
            era = era_of(raw)[0]
            rule = self.rules[key] = ERAS[era].label if era in ERAS else None
        self.rows.append(
            Row(
                len(self.rows) + 1,
                raw.line,
                raw.uptime,
                raw.time,
                raw.host,
                where,
                cgroup,
                pid,
                comm,
                nth,
                rule,
            )
        )

    def repeats(self) -> list[tuple[str, int]]:
        """The names killed more than once, the most often first."""
        return sorted(
            ((comm, n) for comm, n in self.deaths.items() if n > 1), key=lambda x: (-x[1], x[0])
        )

    def lines(self, name: Callable[[str], str]) -> list[str]:
        """The timeline as text; ``name`` makes a name or a path safe to print."""
        hosts = {r.host for r in self.rows}
        several = len(hosts) > 1
        whens = [_when(r, name) for r in self.rows]
        width = max([14, *map(len, whens)])
        shown = [_tail(name(r.host or "-"), HOST) for r in self.rows] if several else []
        host = max([4, *map(len, shown)]) if several else 0
        digits = max([4, *(len(str(r.number)) for r in self.rows)])  # report 10,000 and on
        head = f"  {'#':>{digits}} {'when':>{width}}  " + (f"{'host':<{host}} " if several else "")
        out = [
            f"timeline: {len(self.rows)} OOM reports"
            + (f" from {len(hosts)} hosts" if several else ""),
            f"{head}{'where':<30} {'killed':<28} rule",
        ]
        names: dict[str, str] = {}  # a log's names and places are few: each shown once
        for i, (r, when) in enumerate(zip(self.rows, whens, strict=True)):
            # (rjust and ljust pad as the format's > and < would, without parsing one)
            when = when.rjust(width)
            if several:
                when = f"{when}  {shown[i].ljust(host)}"
            comm = r.comm or "?"
            if r.pid is None:
                who = "nobody"
            else:
                shown_comm = names.get(comm)
                if shown_comm is None:
                    shown_comm = names[comm] = name(comm)
                who = f"{r.pid} ({shown_comm})"
            if r.nth > 1:
                who = f"{who} #{r.nth}"
            where = _tail(name(r.where), WHERE)
            if r.cgroup is not None and len(where) < WHERE - 2:
                where += " " + _tail(name(r.cgroup), WHERE - len(where) - 1)
            rule = r.rule or "not modelled"
            out.append(
                f"  {str(r.number).rjust(digits)} {when}  {where.ljust(30)} {who[:28].ljust(28)} "
                f"{rule}".rstrip()
            )
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
                    "time": r.time,
                    "host": r.host,
                    "where": r.where,
                    "task_memcg": r.cgroup,
                    "killed": (
                        {"pid": r.pid, "comm": r.comm, "nth": r.nth} if r.pid is not None else None
                    ),
                    "rule": r.rule,
                }
                for r in self.rows
            ],
            "repeat_victims": [{"comm": c, "killed": n} for c, n in self.repeats()],
        }
