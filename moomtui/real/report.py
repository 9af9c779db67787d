"""A tolerant reader for kernel OOM reports as people paste them.

A report is what ``mm/oom_kill.c`` prints when it runs: ``COMM invoked oom-killer:
gfp_mask=…, order=…, oom_score_adj=…``, a stack trace whose header names the kernel
(``CPU: 1 PID: 4312 Comm: python3 Not tainted 5.15.0-107-generic``), ``show_mem()``
(``Mem-Info:``, ``N pages RAM``, ``N pages reserved``, ``Total swap = NkB``) or the memory
cgroup's usage and limits, the task table of ``dump_tasks()`` and the decision
(``Killed process N (comm)``, ``Kill process N (comm) score S or sacrifice child``,
``Memory cgroup out of memory: Killed process N``, ``oom-kill:constraint=…``).

Each line is first stripped of what the way it was copied put in front of it, in any
combination — e-mail quoting, a syslog or journal prefix, ``dmesg``'s facility, level,
timestamp and caller id (:mod:`.prefixes`) — and thousands separators inside numbers are
removed, and rsyslog's ``#012`` is a line break. A file may hold several reports; each is
read on its own, and lines of other messages interleaved with a report are passed over.

The task table is read by its header, so every layout the kernel has printed is understood:
``cpu oom_adj`` (2.6.25–2.6.35), ``cpu oom_adj oom_score_adj`` (2.6.36–3.5), ``nr_ptes
swapents`` (3.6–3.19), ``nr_ptes nr_pmds swapents`` (4.0–4.14), ``pgtables_bytes swapents``
(4.15 on; ``[  pid  ]`` and ``Tasks state (memory values in pages):`` from 4.19) and
``rss_anon rss_file rss_shmem pgtables_bytes swapents`` (6.x). A row that does not fit its
header, a table that ends the file before the kernel's decision, and a file with no report
are errors naming the line (:class:`ReportError`).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from ..patterns import anchored, scanning
from .prefixes import normalize
from .raw import Log, RawReport
from .records import Decision, TaskRecord
from .report_lines import INVOKED_AT, _invoker, _kill, _panic, _summary
from .rows import RecordMaker, record_maker
from .zones import NODE, node_line

if TYPE_CHECKING:
    from .logread import Shared

__all__ = ["Log", "RawReport", "ReportError", "normalize", "read_log"]


class ReportError(ValueError):
    """Input that holds no usable report; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# --------------------------------------------------------------------------- the lines
_INT = anchored(r"-?\d+")
_CPU = scanning(
    r"(?:CPU: \d+ (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: |Pid: (?P<pid2>\d+), comm: )"
    r"(?P<comm>.{1,64}?)\s+(?:Kdump: \S+\s+)?(?:Not tainted\s*|Tainted: [A-Z\s]*)"
    r"(?P<version>\d+\.\d+(?!\d)\S*)"
)
"""The stack trace's header; a task's name is at most 15 characters (``TASK_COMM_LEN``)."""
_PAGES = anchored(r"(\d+) (pages RAM|pages reserved|pages HighMem\S*|total pagecache pages)")
_SWAP = anchored(r"(Free|Total) swap\s*=\s*(\d+)kB")
_BUDDY = anchored(r"Node \d+ \w+: \d+\*(\d+)kB")
_MEMCG = anchored(
    r"(memory|memory\+swap|swap|kmem): usage (\d+)kB, limit (\d+)kB(?:, failcnt \d+)?$"
)
_MEMCG_FILE = anchored(
    r"(memory\.max|memory\.swap\.max|swap\.max|memory\.limit_in_bytes|"
    r"memory\.memsw\.limit_in_bytes)\s*(?:[:=]\s*)?(\S+)$"
)
_TASK_IN = anchored(r"Task in (\S+) killed as a result of limit of (\S+)")
_MEMCG_STATS = anchored(r"Memory cgroup stats for (\S+?):?(?:\s|$)")
_MEMINFO_START = anchored(r"Mem-Info:")
_KEYVALS = scanning(r"(?<!\w)(\w+):(\d+)(?=\s|$)")
_SUMMARY = anchored(r"oom-kill:(?P<body>.*)$")
_SCORE = scanning(r"score (\d+)")
_TOTAL_VM = scanning(r"total-vm:(\d+)kB")
_KILL_ADJ = scanning(r"oom_score_adj:(-?\d+)")
_REAPER = "oom_reaper: "
_REAPED = anchored(r"oom_reaper: reaped process (\d+) \(")
"""The OOM reaper's ``pr_info`` (4.6 on) once it has emptied a victim's memory."""
_HEADER = anchored(r"\[\s*pid\s*\]\s+(?P<cols>\S(?:.*\S)?)\s*$")
_ROW = anchored(r"\[\s*(?P<pid>\d+)\]\s+(?P<rest>(?:\S.*)?)$")
_TASKS_STATE = anchored(r"Tasks state \(memory values in pages\):")
_SIZE = anchored(r"(\d+)([KMGT]?)i?B?", re.I)
_FACT_STARTS = frozenset("0123456789FTNmskMo")
"""The first characters of _PAGES … _SUMMARY (the lines :meth:`_Reader.memory_facts` reads):
a line starting with another is not tried on them."""

KNOWN_COLUMNS = frozenset(
    {
        "uid",
        "tgid",
        "total_vm",
        "rss",
        "rss_anon",
        "rss_file",
        "rss_shmem",
        "nr_ptes",
        "nr_pmds",
        "pgtables_bytes",
        "swapents",
        "cpu",
        "oom_adj",
        "oom_score_adj",
        "name",
    }
)
REQUIRED_COLUMNS = ("uid", "total_vm", "rss", "name")


def read_log(text: str) -> Log:
    """Every report in ``text``; :class:`ReportError` when there is none to rebuild."""
    from .logread import read_text  # which reads with this module's readers

    return read_text(text)


def _parse_size(value: str) -> int | None:
    """A pasted cgroup file's value in bytes: ``536870912``, ``512M``, ``max``."""
    if value == "max":
        return None
    m = _SIZE.fullmatch(value)
    if m is None:
        return None
    scale = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m[2].upper()]
    return int(m[1]) * scale


def _no_record(pid: int, name: str, values: list[int | None], line: int) -> TaskRecord:
    raise AssertionError("a row read outside a task table")


# A log's tables are printed by few kernels: the last few headers read are kept (a header is
# at most a line of the report long).
@functools.lru_cache(maxsize=64)
def _layout(
    cols: str,
) -> tuple[tuple[str, ...], tuple[str, ...], list[str], list[str], RecordMaker | None]:
    """A table header's columns, those of its numbers (all but the name), the required ones
    it lacks, those moomtui does not know, and how its rows become records (``None`` when
    it cannot be read)."""
    columns = tuple(cols.split())
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    usable = not missing and columns[-1] == "name"
    numeric = columns[:-1]
    return columns, numeric, missing, unknown, record_maker(numeric) if usable else None


LEAD_LINES = 300
"""How far (in lines) a stack trace's header (``CPU: 3 PID: … Comm: …``) may come before the
first line of a report pasted without its ``invoked oom-killer`` to be taken as its start."""
_BOOT_WORDS = ("Linux version ", "Command line: ")
BACKWARDS = 1.0
"""A dmesg time stamp this many seconds before the last one of a report is a new boot
(printk's stamps from different CPUs may be out of order by far less)."""


class _Reader:
    """The reader of one host's lines (or a file's, when no line names a host)."""

    def __init__(self, shared: Shared, host: str | None = None) -> None:
        self.shared = shared
        self.reports = shared.reports
        self.bare = shared.bare
        self.skipped = shared.skipped
        first = not shared.readers
        self.first_kills = shared.first_kills if first else {}
        self.reaped = shared.reaped if first else {}
        shared.readers += 1
        self.host = host
        self.boot: str | None = None
        self.cur: RawReport | None = None
        self.in_table = False
        self.last_row_line = 0
        self.numeric: tuple[str, ...] = ()
        self.width = 0
        """How many numbers a row of the open table has (its columns but the name)."""
        self.record: RecordMaker = _no_record
        self.rows: list[TaskRecord] = []
        """The open report's rows."""
        self.row_lines: dict[int, int] = {}
        self.damaged: tuple[int, str] | None = None
        self.last_stamp: float | None = None
        self.lead: tuple[int, str | None, float | None] | None = None
        """The last stack trace header outside a report: its line, version and stamp."""
        self.time: str | None = None
        """The wall-clock time of the line being read (its prefix's, or its entry's)."""

    # ----------------------------------------------------------------- the walk
    def start(self, n: int, stamp: float | None, *, lead: bool = False) -> RawReport:
        if self.cur is not None:
            self.finish(n - 1, eof=False)
        else:
            self.in_table = False
        cur = self.cur = RawReport.opened(
            n, stamp, self.host, self.boot, self.time, self.first_kills, self.reaped
        )
        self.shared.open += 1
        if lead and self.lead is not None and 0 <= n - self.lead[0] <= LEAD_LINES:
            # a report pasted from its stack trace: its header is the first line read
            cur.line, cur.kernel, cur.uptime = self.lead
            if cur.uptime is None:
                cur.uptime = stamp
        self.lead = None
        self.damaged = None
        return cur

    def finish(self, n: int, *, eof: bool, cut: str | None = None) -> None:
        """End the open report at line ``n``: the file's end (``eof``), or what ``cut`` names
        (a new boot) before its decision."""
        cur = self.cur
        self.cur = None
        self.in_table = False
        if cur is None:
            return
        self.shared.open -= 1
        if self.damaged is not None:
            self.skipped.append(self.damaged)
            self.damaged = None
            return
        ends = cut is not None or eof
        if cur.columns is None:
            why = "this report has no task table (vm.oom_dump_tasks = 0?): nothing to rebuild"
            if cur.decision is None and cut is not None:
                why = f"{cut} cuts the report before its task table"
            elif cur.decision is None and eof:
                why = "the report ends the file before its task table (truncated?)"
            self.skipped.append((cur.line, why))
            return
        if not cur.rows:
            self.skipped.append(
                (cur.header_line or cur.line, "the task table has a header but no rows")
            )
            return
        if cur.decision is None and ends:
            why = (
                f"{cut} cuts the task table before the kernel's decision ('Killed process …')"
                if cut is not None
                else "the task table ends the file before the kernel's decision "
                "('Killed process …'): truncated?"
            )
            self.skipped.append((self.last_row_line or n, why))
            return
        self.reports.append(cur)

    def damage(self, n: int, why: str) -> None:
        """The open report cannot be rebuilt: it is read to its decision and skipped."""
        if self.damaged is None:
            self.damaged = (n, why)
        self.in_table = False

    def reboot(self, n: int, why: str) -> None:
        """The host booted again at line ``n``: the open report is cut, and the kills of
        the boot before are of other processes (pids are used again)."""
        self.finish(n - 1, eof=False, cut=why)
        self.lead = None
        if self.first_kills:
            self.first_kills = {}
        if self.reaped:
            self.reaped = {}

    def line(self, n: int, text: str, stamp: float | None) -> None:
        if stamp is not None:  # a dmesg time stamp going back: a new boot
            last = self.last_stamp
            if last is not None and stamp < last - BACKWARDS:
                self.reboot(n, f"a new boot (line {n}: the time stamps go back)")
            self.last_stamp = stamp
        if text[:1] in "LC" and text.startswith(_BOOT_WORDS):
            self.reboot(n, f"a new boot (line {n}: {text[:20]}…)")
        invoker = _invoker(text) if INVOKED_AT in text else None
        if invoker is not None:
            self.start(n, stamp).invoker = invoker
            return
        bracket = text.startswith("[")  # the table's header and rows start so
        header = _HEADER.match(text) if bracket and "pid" in text else None
        if header is not None:
            self.header(n, text, header["cols"], stamp)
            return
        if self.cur is None:
            if _TASKS_STATE.match(text):
                self.start(n, stamp, lead=True).tasks_state = True
                return
            if _MEMINFO_START.match(text):  # a report pasted without its first lines
                self.start(n, stamp, lead=True)
                return
            if _TASK_IN.match(text) or ((m := _MEMCG.match(text)) and m[1] == "memory"):
                self.memory_facts(text, self.start(n, stamp, lead=True))
                return
            if "omm: " in text and (m := _CPU.search(text)) is not None:
                self.lead = (n, m["version"], stamp)
                return
            decision = self.decision(n, text)
            if decision is not None:
                self.bare_kill(decision)
            elif text.startswith(_REAPER):
                self.reap(n, text)
            return
        cur = self.cur
        if self.in_table and bracket:
            row = _ROW.match(text)
            if row is not None:
                self.row(n, row["pid"], row["rest"])
                return
        if self.meminfo(text):
            return
        self.facts(n, text, cur)

    def meminfo(self, text: str) -> bool:
        """``Mem-Info:`` and the lines of ``name:count`` pairs that follow it."""
        cur = self.cur
        assert cur is not None
        if ":" not in text:  # neither the words nor a pair
            return False
        start = text.startswith("Mem-Info:")  # _MEMINFO_START
        colons = text.count(":")
        if not start and colons < 2:
            return False  # a pair holds one colon: too few for a line of pairs, none sought
        words = len(text.split())
        if not start and colons * 2 < words:
            return False
        pairs = _KEYVALS.findall(text)
        if start or (len(pairs) >= 2 and len(pairs) * 2 >= words):
            cur.meminfo.update((k, int(v)) for k, v in pairs)
            return True
        return False

    def facts(self, n: int, text: str, cur: RawReport) -> None:
        m = _CPU.search(text) if "omm: " in text else None  # "Comm: ", ", comm: "
        if m is not None:
            if cur.kernel is None:
                cur.kernel = m["version"]
            if cur.invoker is not None and cur.invoker.pid is None:
                cur.invoker.pid = int(m["pid"] or m["pid2"])
            return
        c = text[:1]  # a fact's pattern may start here (or the character is not ASCII)
        if (c in _FACT_STARTS or not c.isascii()) and self.memory_facts(text, cur):
            return
        decision = self.decision(n, text)
        if decision is not None:
            self.decide(cur, decision, n)
        elif text.startswith(_REAPER):
            self.reap(n, text)

    def reap(self, n: int, text: str) -> None:
        """``oom_reaper: reaped process N (comm), now anon-rss:…``: N's memory is gone."""
        m = _REAPED.match(text)
        if m is not None:
            self.reaped.setdefault(int(m[1]), n)

    def memory_facts(self, text: str, cur: RawReport) -> bool:
        """A line of ``show_mem()`` or of the memory cgroup's state, read into ``cur``."""
        if m := _PAGES.match(text):
            value, what = int(m[1]), m[2]
            if what == "pages RAM":
                cur.pages_ram = value
            elif what == "pages reserved":
                cur.pages_reserved = value
            elif what == "total pagecache pages":
                cur.meminfo["total_pagecache_pages"] = value
            return True
        if m := _SWAP.match(text):
            if m[1] == "Total":
                cur.swap_total_kb = int(m[2])
            else:
                cur.swap_free_kb = int(m[2])
            return True
        if m := _BUDDY.match(text):
            if cur.buddy_page_kb is None:
                cur.buddy_page_kb = int(m[1])
            return True
        if NODE.match(text) and node_line(text, cur.zones_kb):
            return True
        if m := _MEMCG.match(text):
            cur.memcg_kb[m[1]] = (int(m[2]), int(m[3]))
            return True
        if m := _MEMCG_FILE.match(text):
            cur.memcg_files[m[1]] = _parse_size(m[2])
            return True
        if m := _TASK_IN.match(text):
            cur.memcg_task_in = True
            cur.memcg_path = m[2]
            return True
        if m := _MEMCG_STATS.match(text):
            if cur.memcg_path is None:
                cur.memcg_path = m[1]
            return True
        if _TASKS_STATE.match(text):
            cur.tasks_state = True
            return True
        if m := _SUMMARY.match(text):
            cur.summary = _summary(m["body"])
            return True
        return False

    # ----------------------------------------------------------------- the table
    def header(self, n: int, text: str, cols: str, stamp: float | None) -> None:
        cur = self.cur
        if cur is None or cur.columns is not None:
            cur = self.start(n, stamp, lead=True)
        columns, numeric, missing, unknown, record = _layout(cols)
        cur.columns = list(columns)
        cur.header_line = n
        if missing or columns[-1] != "name":
            self.damage(
                n, f"a task table header without {', '.join(missing) or 'name last'}: {text}"
            )
            return
        if unknown:
            self.shared.warnings.append(
                (
                    n,
                    f"the task table has a column moomtui does not know (a patched kernel?): "
                    f"{', '.join(unknown)}; its numbers are passed over",
                )
            )
        assert record is not None  # a usable header
        self.numeric = numeric
        self.width = len(numeric)
        self.record = record
        self.rows = cur.rows
        self.row_lines = {}
        self.in_table = True

    def row(self, n: int, pid: str, rest: str) -> None:
        cur = self.cur
        assert cur is not None and cur.columns is not None
        columns = self.numeric  # the header's, but the name
        numeric = len(columns)
        fields = rest.split(None, numeric)
        numbers = fields[:numeric]
        # A usual row's numbers are all unsigned: one test of them joined says so.
        if len(fields) < numeric + 1 or not (
            "".join(numbers).isdecimal() or all(_INT.fullmatch(f) for f in numbers)
        ):
            self.damage(
                n,
                f"a task table row that does not fit the header of line {cur.header_line} "
                f"({numeric + 2} fields: [pid] {' '.join(cur.columns)}): [{pid}] {rest}",
            )
            return
        number = int(pid)
        first = self.row_lines.setdefault(number, n)
        if first != n:
            self.damage(n, f"pid {number} is in the task table twice (line {first} too)")
            return
        cur.rows.append(self.record(number, fields[numeric], [*map(int, numbers), None, 0], n))
        self.last_row_line = n

    # ----------------------------------------------------------------- the decision
    def bare_kill(self, new: Decision) -> None:
        """A kill printed without a report; ``Kill process`` + ``Killed process`` is one."""
        last = self.bare[-1] if self.bare else None
        if (
            last is not None
            and last.killed_pid is None
            and last.pid is not None
            and new.killed_pid is not None
            and new.pid is None
        ):
            last.killed_pid, last.killed_comm = new.killed_pid, new.killed_comm
        else:
            self.bare.append(new)
        if new.killed_pid is not None:
            self.first_kills.setdefault(new.killed_pid, new.line or 0)

    def decision(self, n: int, text: str) -> Decision | None:
        panic = _panic(text)
        if panic is not None:
            return Decision(panic=panic, line=n, message=panic)
        kill = _kill(text)
        if kill is None:
            return None
        m, comm, rest = kill
        if "sharing same memory" in rest:
            return None
        pid = int(m["pid"])
        message = m["message"] if "message" in m.re.groupindex else None
        decision = Decision(line=n, message=message.strip() if message else "")
        if m["verb"] in ("kill", "Kill"):
            decision.pid, decision.comm = pid, comm
            score = _SCORE.search(rest)
            decision.score = int(score[1]) if score else None
        else:
            decision.killed_pid, decision.killed_comm = pid, comm
            if "oom_score_adj:" in rest:
                adj = _KILL_ADJ.search(rest)
                decision.oom_score_adj = int(adj[1]) if adj else None
        if self.cur is not None and (total_vm := _TOTAL_VM.search(rest)) is not None:
            self.cur.killed_total_vm_kb = int(total_vm[1])
        return decision

    def decide(self, cur: RawReport, new: Decision, n: int) -> None:
        self.in_table = False
        if new.message:
            cur.kill_messages.append(new.message)
        if new.killed_pid is not None:
            self.first_kills.setdefault(new.killed_pid, n)
        old = cur.decision
        if old is None:
            cur.decision = new
        elif new.killed_pid is not None:
            old.killed_pid, old.killed_comm = new.killed_pid, new.killed_comm
            old.oom_score_adj = new.oom_score_adj
            old.message = old.message or new.message
        elif new.panic is not None:
            old.panic = new.panic
        if new.killed_pid is not None or new.panic is not None:
            self.finish(n, eof=False)
