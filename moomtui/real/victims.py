"""Who the kernel's victim is in the task table, and which tasks its walk passed over.

**Threads.** ``dump_tasks()`` prints each process once, from ``for_each_process()``, as the
pid of the thread ``find_lock_task_mm()`` finds (the leader, unless it has exited) and its
``tgid``. The walk that chooses went over *threads* in many kernels: ``do_each_thread`` and
then ``for_each_process_thread`` in ``select_bad_process()`` (3.x), and the memory cgroup's
task iterator (``cgroup_iter``/``css_task_iter`` without ``CSS_TASK_ITER_PROCS``, up to
5.2). So a
decision may name a thread's pid — ``Kill process 2345 (java) score 412 or sacrifice
child``, or 4.19's ``oom-kill:…,task=java,pid=2345`` — that no row shows, while ``Killed
process 2200 (java)`` names the process, found by ``find_lock_task_mm()`` (which starts at
the leader since 3.14's ``for_each_thread()``). Threads share their process's ``mm`` and
``oom_score_adj``, so a thread scores exactly as its process: the kernel chose that
process. Rows are matched by pid, then by ``tgid``.

A decision that names a pid no row shows is a thread (every process the walk may choose is
a row); when the kernel may have sacrificed a child instead (2.6.36–5.0, whose decision
prints ``Kill process … score S or sacrifice child``; bbbe48029720 removed the child in
5.1), the thread is taken for one of the killed process's when it has the same name.

**Earlier victims.** A process the log shows killed, or emptied by the OOM reaper, before
this report, matched by its pid or thread group:

* 4.7 on, the walk passes it over: ``oom_scan_process_thread()`` (4.7, 4.8) and
  ``oom_evaluate_task()`` (4.9 on) ``goto next`` for a victim whose mm has
  ``MMF_OOM_REAPED`` (4.7) — renamed ``MMF_OOM_SKIP`` in 4.9 and also set when its mm is
  torn down — and ``goto abort`` for one without: a report that kills anybody shows that
  every earlier victim still listed had it. ``oom_badness()`` returns 0 for such an mm too;
* 4.6, where the reaper was born, set the reaped task's ``oom_score_adj`` to −1000, which
  its row shows;
* before, a victim whose ``TIF_MEMDIE`` thread still lives makes the walk abort (the
  kernel waits for it); one whose marked thread has gone is scored like any other task.
"""

from __future__ import annotations

from dataclasses import dataclass

from .eras import ERAS, parse_version
from .records import Machine, TaskRecord

SKIP_FROM = (4, 7)
"""The first kernel whose walk passes over an OOM victim marked ``MMF_OOM_REAPED``."""
ERA_SKIPS = "4.17"
"""The first era all of whose kernels pass earlier victims over."""


@dataclass(slots=True)
class Chosen:
    """The kernel's choice as a row of the table."""

    row: TaskRecord | None
    """The process the kernel chose (``None``: no row is it)."""
    how: str
    """``pid`` (the row's pid), ``tgid`` (the row's thread group: its leader has exited),
    ``thread`` (a thread of the row's process) or ``absent``."""
    killed: TaskRecord | None
    """The process the kernel killed: ``row``, or a child sacrificed in its place."""


def row_of(m: Machine, pid: int | None) -> tuple[TaskRecord | None, str]:
    """The row of the process ``pid`` is, by pid, then by thread group."""
    if pid is None:
        return None, "absent"
    rec = m.task(pid)
    if rec is not None:
        return rec, "pid"
    for rec in m.tasks:
        if rec.tgid == pid:
            return rec, "tgid"
    return None, "absent"


def chosen(m: Machine) -> Chosen:
    """What the kernel chose, as the table shows it."""
    d = m.decision
    if d is None or d.pid is None:
        return Chosen(None, "absent", None)
    pid = d.pid
    for rec in m.tasks:  # the usual: the row of the pid the kernel chose and killed
        if rec.pid == pid:
            if d.killed_pid is None or d.killed_pid == pid:
                return Chosen(rec, "pid", rec)
            break
    row, how = row_of(m, pid)
    killed, _ = row_of(m, d.killed_pid) if d.killed_pid is not None else (row, how)
    # A pid no row shows is a thread. Without "or sacrifice child" in the decision the
    # process killed is its own; with it, a child may have been killed in its place.
    if row is None and killed is not None and (d.score is None or d.comm == killed.comm):
        return Chosen(killed, "thread", killed)
    return Chosen(row, how, killed)


def version_of(m: Machine) -> tuple[int, int, int] | None:
    return parse_version(m.kernel) if m.kernel else None


def own_era_skips(m: Machine) -> bool | None:
    """Whether the report's own kernel passes earlier victims over: ``None`` when its
    version does not say (an era of 3.14–4.16 placed by the layout)."""
    version = version_of(m)
    if version is not None:
        return version >= SKIP_FROM
    era = ERAS.get(m.era or "")
    if era is None:
        return None
    if era.since >= ERAS[ERA_SKIPS].since:
        return True
    return False if era.since < (3, 14) else None


def earlier(m: Machine, rec: TaskRecord) -> tuple[str, int] | None:
    """``("reaped", line)`` or ``("killed", line)`` when the log shows ``rec``'s process
    emptied by the OOM reaper, or killed, before this report (the reaper first)."""
    if m.line is None:
        return None
    ids = (rec.pid,) if rec.tgid is None or rec.tgid == rec.pid else (rec.pid, rec.tgid)
    for what, seen in (("reaped", m.reaped), ("killed", m.first_kills)):
        if not seen:
            continue
        for pid in ids:
            line = seen.get(pid)
            if line is not None and line < m.line:
                return what, line
    return None


@dataclass(slots=True)
class Earlier:
    """The rows of earlier victims: ``index → (what, line)``; ``reused`` is the kernel's
    own choice when the log shows it a victim already (a pid used again?)."""

    rows: dict[int, tuple[str, int]]
    reused: tuple[str, int] | None = None


NONE = Earlier({})


def earlier_victims(m: Machine, choice: Chosen) -> Earlier:
    """Every row the log shows killed or reaped before this report, but the kernel's own
    choice (a kernel that passes victims over cannot choose one again)."""
    kills, reaped = m.first_kills, m.reaped
    if not (kills or reaped) or m.line is None:
        return NONE
    line = m.line
    rows: dict[int, tuple[str, int]] = {}
    reused = None
    for i, rec in enumerate(m.tasks):
        if (
            kills.get(rec.pid, line) >= line
            and not reaped
            and (rec.tgid is None or rec.tgid == rec.pid)
        ):
            continue  # the usual: not killed before this report
        seen = earlier(m, rec)
        if seen is None:
            continue
        if rec is choice.row:
            reused = seen
            continue
        rows[i] = seen
    return Earlier(rows, reused) if rows or reused else NONE


def passes_over(era_key: str, m: Machine, what: str) -> bool:
    """Whether ``era_key``'s walk passes over an earlier victim of this log: every era from
    4.17; the report's own (3.14–4.16) when its version is 4.7 or later; and a task the
    OOM reaper emptied — which no kernel before 4.6 has — in the report's own era."""
    era = ERAS[era_key]
    if era.since >= ERAS[ERA_SKIPS].since:
        return True
    if era_key != m.era:
        return False
    return bool(own_era_skips(m)) or what == "reaped"


def describe(rec: TaskRecord, seen: tuple[str, int]) -> str:
    what, line = seen
    return f"{rec.pid} ({rec.comm}, {what} at line {line})"
