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
from operator import itemgetter
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


def _place(where: str, cgroup: str | None, name: Callable[[str], str]) -> str:
    """The ``where`` cell: the place, and the victim's cgroup where it fits, padded."""
    shown = _tail(name(where), WHERE)
    if cgroup is not None and len(shown) < WHERE - 2:
        shown += " " + _tail(name(cgroup), WHERE - len(shown) - 1)
    return shown.ljust(WHERE)


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


_row = tuple.__new__
_NO_RULE = "\0"  # no era's label
_HOST = itemgetter(4)
_NUMBER = itemgetter(0)


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
        summary = raw.summary
        if d is not None:
            if d.killed_pid is not None:
                pid, comm = d.killed_pid, d.killed_comm
            elif d.pid is not None:
                pid, comm = d.pid, d.comm
            elif summary.get("pid", "").isdigit():
                pid, comm = int(summary["pid"]), summary.get("task")
        nth = 0
        if comm is not None:
            deaths = self.deaths
            nth = deaths[comm] = deaths.get(comm, 0) + 1
        where = constraint_of(raw)
        if where == "memcg":
            where = memcg_path(raw) or "a memory cgroup"
        cgroup = summary.get("task_memcg")
        if cgroup == "/" or cgroup == where:
            cgroup = None
        columns = raw.columns  # era_of() reads the columns
        key = (
            raw.kernel,
            tuple(columns) if columns is not None else None,
            raw.tasks_state,
            d is not None and d.score is not None,
        )
        rules = self.rules
        rule = rules.get(key, _NO_RULE)
        if rule is _NO_RULE:
            era = era_of(raw)[0]
            rule = rules[key] = ERAS[era].label if era in ERAS else None
        rows = self.rows
        # (a Row built as the tuple it is, without its __new__'s call)
        rows.append(
            _row(
                Row,
                (
                    len(rows) + 1,
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
                ),
            )
        )

    def repeats(self) -> list[tuple[str, int]]:
        """The names killed more than once, the most often first."""
        return sorted(
            ((comm, n) for comm, n in self.deaths.items() if n > 1), key=lambda x: (-x[1], x[0])
        )

    def lines(self, name: Callable[[str], str]) -> list[str]:
        """The timeline as text; ``name`` makes a name or a path safe to print."""
        rows = self.rows
        hosts = set(map(_HOST, rows))
        several = len(hosts) > 1
        whens = [
            f"[{r.uptime:.3f}]" if r.time is None and r.uptime is not None else _when(r, name)
            for r in rows
        ]
        width = max([14, *map(len, whens)])
        shown = [_tail(name(r.host or "-"), HOST) for r in rows] if several else []
        host = max([4, *map(len, shown)]) if several else 0
        # report 10,000 and on: the widest number is the largest or, below 0, the smallest
        numbers = list(map(_NUMBER, rows))
        digits = max(4, len(str(max(numbers, default=0))), len(str(min(numbers, default=0))))
        head = f"  {'#':>{digits}} {'when':>{width}}  " + (f"{'host':<{host}} " if several else "")
        out = [
            f"timeline: {len(rows)} OOM reports" + (f" from {len(hosts)} hosts" if several else ""),
            f"{head}{'where':<30} {'killed':<28} rule",
        ]
        if several:  # the host after the time
            whens = [
                f"{w.rjust(width)}  {h.ljust(host)}" for w, h in zip(whens, shown, strict=True)
            ]
        # One format a row, the names, places and rules of a log being few: each is shown
        # once. (rjust and ljust pad as the format's > and < would, without parsing one.)
        names: dict[str | None, str] = {}
        places: dict[object, str] = {}
        for r, when in zip(rows, whens, strict=True):
            number, _, _, _, _, where, cgroup, pid, comm, nth, rule = r
            if pid is None:
                who = f"nobody #{nth}" if nth > 1 else "nobody"
            else:
                shown_comm = names.get(comm)
                if shown_comm is None:
                    shown_comm = names[comm] = name(comm or "?")
                who = f"{pid} ({shown_comm}) #{nth}" if nth > 1 else f"{pid} ({shown_comm})"
            key = where if cgroup is None else (where, cgroup)
            place = places.get(key)
            if place is None:
                place = places[key] = _place(where, cgroup, name)
            out.append(
                f"  {str(number).rjust(digits)} {when.rjust(width)}  {place} "
                f"{who[:28].ljust(28)} {rule or 'not modelled'}".rstrip()
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
