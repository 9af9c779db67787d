"""A whole log read into its reports: by host, by boot, a block at a time.

Each line goes to the reader (:class:`.report._Reader`) of the host its syslog or journal
prefix names; a line that names none (a dmesg paste, the second part of an rsyslog line
split at ``#012``, a continuation) goes with the line before it. Two hosts interleaved in a
central server's log are two logs that never mix. A report is cut, and skipped with the line
that cut it, when its host boots again: a ``Linux version`` or ``Command line:`` line, a dmesg
time stamp going back, journalctl's ``-- Boot … --`` line or a journal entry of another
``_BOOT_ID``.

The file is read in blocks (:mod:`.scan`): a text log never whole in memory, and its lines
outside any report passed over unread. A journal exported as JSON (``journalctl -o json``,
``-o json-pretty``) or in the export format (``-o export``) is recognised by its first bytes
and read entry by entry (:mod:`.journal`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .journal import Entries, Entry, journal_kind
from .prefixes import MAX_LINE, THOUSANDS, split_line, ungrouped
from .records import Decision, Invoker
from .report import BACKWARDS, Log, RawReport, ReportError, _Reader
from .report_lines import INVOKED_AT
from .scan import BLOCK, MAX_LINE_BYTES, Lines
from .usual import ANY_KEYWORD, KIND, MESSAGE, USUAL

ROW, INVOKED, CPU, HEADER, KILL = (KIND[k] for k in ("row", "invoked", "cpu", "header", "kill"))
_NAMES = "inv_comm gfp order inv_adj cpu_pid version header_text cols kill_comm"
INV_COMM, GFP, ORDER, INV_ADJ, CPU_PID, VERSION, HEADER_TEXT, COLS, KILL_COMM = (
    USUAL.groupindex[name] for name in _NAMES.split()
)
_KILL_GROUPS = tuple(
    USUAL.groupindex[name]
    for name in ("message", "verb", "kill_pid", "kill_comm", "score", "total_vm", "kill_adj")
)
"""The groups of a usual kill (:data:`.usual.USUAL`), as :meth:`LogReader.kill` reads them."""

_BOOT_MARKS = ("-- Boot ", "-- Reboot --")
"""journalctl's lines between boots (``-- Boot 3f2a… --``), which name no host."""


class Shared:
    """What the readers of every host of a log add to: its reports, kills and notes."""

    def __init__(self) -> None:
        self.reports: list[RawReport] = []
        self.bare: list[Decision] = []
        self.skipped: list[tuple[int, str]] = []
        self.warnings: list[tuple[int, str]] = []
        self.first_kills: dict[int, int] = {}
        self.reaped: dict[int, int] = {}
        """Every pid the OOM reaper names → the line of the first (the whole log's)."""
        self.open = 0
        """How many readers have a report open (each of their lines must be read)."""
        self.readers = 0


class LogReader:
    """Hands each line to the reader of its host; :meth:`log` when the file is read."""

    def __init__(self) -> None:
        self.shared = Shared()
        self.readers: dict[str | None, _Reader] = {}
        self.reader = self.reader_of(None)

    def reader_of(self, host: str | None) -> _Reader:
        reader = self.readers.get(host)
        if reader is None:
            reader = self.readers[host] = _Reader(self.shared, host)
        return reader

    def text_line(self, n: int, raw: str) -> None:
        """Line ``n`` of a text log, as the file holds it."""
        if "#012" not in raw:  # the usual line: one message
            text, stamp, host, when = split_line(raw)
            reader = self.reader
            if host is not None and host != reader.host:
                reader = self.reader = self.reader_of(host)
            reader.time = when
            if text and not text.startswith(_BOOT_MARKS):
                reader.line(n, text, stamp)
                return
        # rsyslog writes a message's own newlines as #012.
        for part in raw.split("#012"):
            text, stamp, host, when = split_line(part)
            if host is not None and host != self.reader.host:
                self.reader = self.reader_of(host)
            self.reader.time = when
            if not text:
                continue
            if text.startswith(_BOOT_MARKS):
                for reader in self.readers.values():
                    reader.reboot(n, f"a new boot (line {n}: {text[:40]})")
                continue
            self.reader.line(n, text, stamp)

    def run(self, lines: list[str], i: int, stop: int, n: int) -> int:
        """The lines of an ASCII block from ``lines[i]`` (line ``n + 1``), as
        :meth:`text_line` reads them, while a report is open or the next line holds a
        keyword (:class:`.scan.Run`). The usual line (:mod:`.usual`) goes straight to the
        reader: a row to its table, a report's usual message to what
        :meth:`_Reader.line` would do with it, another message to :meth:`_Reader.line`."""
        shared = self.shared
        usual = USUAL.match
        keyword = ANY_KEYWORD.search
        while i < stop:
            line = lines[i]
            i += 1
            n += 1
            m = usual(line) if len(line) <= MAX_LINE else None
            if m is None:
                self.text_line(n, line[:MAX_LINE_BYTES])
                if not shared.open and (
                    i >= stop or (INVOKED_AT not in lines[i] and keyword(lines[i]) is None)
                ):
                    break
                continue
            kind = m.lastindex
            reader = self.reader
            stamp = float(m[1])
            if kind == MESSAGE:
                if (  # what split_line() would change first: a tab, a colour, a CR
                    "\t" not in line
                    and "\x1b" not in line
                    and line[-1] != "\r"
                    and "kernel" not in line
                    and "#012" not in line
                ):
                    text = line[m.end() :]
                    if "," in text or "_" in text or "'" in text:
                        text = ungrouped(text)
                    else:
                        text = text.strip()
                    reader.time = None
                    reader.line(n, text, stamp)
                else:
                    self.text_line(n, line)
            elif (last := reader.last_stamp) is not None and stamp < last - BACKWARDS:
                self.text_line(n, line)  # a new boot
            elif kind == ROW and reader.in_table:
                reader.last_stamp = stamp
                reader.time = None
                # _Reader.row()'s usual row: its numbers whole (-?[0-9]+: int() takes no
                # other in an ASCII row without "_", the "+" ruled out), its pid new to the
                # table; any other goes to _Reader.row()
                width = reader.width
                fields = (rest := m[3]).split(None, width)
                values = None
                if (
                    len(fields) > width
                    and "+" not in rest
                    and (pid := int(m[2])) not in (first := reader.row_lines)
                ):
                    try:
                        values = [*map(int, fields[:width]), None, 0]
                    except ValueError:  # not a whole number: _Reader.row() says why
                        values = None
                if values is None:
                    reader.row(n, m[2], rest)
                else:
                    first[pid] = n
                    reader.rows.append(reader.record(pid, fields[width], values, n))
                    reader.last_row_line = n
            elif kind == CPU and "#012" not in line and ("_" not in line or _plain(line)):
                reader.last_stamp = stamp
                reader.time = None
                cur = reader.cur
                if cur is None:  # a stack trace before a report
                    reader.lead = (n, m[VERSION], stamp)
                else:
                    if cur.kernel is None:
                        cur.kernel = m[VERSION]
                    invoker = cur.invoker
                    if invoker is not None and invoker.pid is None:
                        invoker.pid = int(m[CPU_PID])
            elif kind == INVOKED and ("_" not in (comm := m[INV_COMM]) or _plain(comm)):
                reader.last_stamp = stamp
                reader.time = None
                gfp, order, adj = m.group(GFP, ORDER, INV_ADJ)
                reader.start(n, stamp).invoker = Invoker(  # comm, pid, gfp, order, adj
                    comm, None, gfp, int(order), None if adj is None else int(adj)
                )
            elif kind == HEADER:
                reader.last_stamp = stamp
                reader.time = None
                text, cols = m.group(HEADER_TEXT, COLS)
                reader.header(n, text, cols, stamp)
            elif kind == KILL and reader.cur is not None and _plain(m[KILL_COMM]):
                reader.last_stamp = stamp
                reader.time = None
                self.kill(reader, m, n)
            else:  # a row outside a table, a kill without a report, a separator
                self.text_line(n, line)
            if not shared.open and (
                i >= stop or (INVOKED_AT not in lines[i] and keyword(lines[i]) is None)
            ):  # the next report's first line holds a keyword: the usual one, found at once
                break
        return i

    @staticmethod
    def kill(reader: _Reader, m: re.Match[str], n: int) -> None:
        """A usual kill (:mod:`.usual`) in ``reader``'s open report, as
        :meth:`_Reader.decision` and :meth:`_Reader.decide` read it."""
        cur = reader.cur
        assert cur is not None
        message, verb, pid, comm, score, total_vm, adj = m.group(*_KILL_GROUPS)
        message = message or ""
        pid = int(pid)
        # Decision's fields by position: pid, comm, score, killed_pid, killed_comm,
        # message, panic, line, oom_score_adj.
        if verb == "Kill":
            decision = Decision(
                pid,
                comm,
                None if score is None else int(score),
                None,
                None,
                message,
                None,
                n,
                None,
            )
        else:
            decision = Decision(
                None,
                None,
                None,
                pid,
                comm,
                message,
                None,
                n,
                None if adj is None else int(adj),
            )
        if total_vm is not None:
            cur.killed_total_vm_kb = int(total_vm)
        reader.decide(cur, decision, n)

    def entry(self, entry: Entry) -> None:
        """A journal's entry: its message's lines, its host, its boot."""
        reader = self.reader = self.reader_of(entry.host)
        if entry.boot != reader.boot:
            if reader.boot is not None:
                reader.reboot(entry.line, f"a new boot (line {entry.line}: _BOOT_ID)")
            reader.boot = entry.boot
        reader.time = entry.time
        for part in entry.message.split("\n"):
            text, stamp, _, _ = split_line(part)
            if text:
                reader.line(entry.line, text, entry.stamp if entry.stamp is not None else stamp)

    def log(self, lines: int) -> Log:
        """The log once its ``lines`` lines are read; :class:`ReportError` without a report
        to rebuild."""
        for reader in self.readers.values():
            reader.finish(lines, eof=True)
        shared = self.shared
        if len(self.readers) > 1:  # hosts' reports end in another order than they start
            shared.reports.sort(key=lambda r: r.line)
        shared.skipped.sort(key=lambda s: s[0])
        if not shared.reports:
            if shared.skipped or shared.warnings:
                line, why = min(shared.skipped or shared.warnings)
                raise ReportError(line, why)
            raise ReportError(
                max(lines, 1),
                "no kernel OOM report found (looked for 'invoked oom-killer' and a "
                "'[ pid ]' task table)",
            )
        shared.warnings.sort(key=lambda w: w[0])
        return Log(
            shared.reports,
            shared.bare,
            shared.skipped,
            shared.first_kills,
            shared.reaped,
            shared.warnings,
        )


def _plain(text: str) -> bool:
    """Whether ``text`` holds no thousands separator (an ``_`` in a name, a version)."""
    return "_" not in text or THOUSANDS.search(text) is None


def read_text(text: str) -> Log:
    """Every report in ``text`` (:func:`.report.read_log`)."""
    data = text.encode("utf-8", "surrogatepass")
    return read_blocks(data[i : i + BLOCK] for i in range(0, len(data), BLOCK))


def read_blocks(blocks: Iterable[bytes]) -> Log:
    """Every report in the file whose bytes ``blocks`` are, in whichever format it is."""
    it = iter(blocks)
    first = b""
    for block in it:  # enough of the file to tell its format
        first += block
        if len(first) >= 4096:
            break
    rest = _chain(first, it)
    reader = LogReader()
    kind = journal_kind(first)
    if kind is None:
        return reader.log(Lines(rest, reader.shared).read(reader.text_line, reader.run))
    walk = Entries(rest, kind, reader.shared.warnings)
    for entry in walk:
        reader.entry(entry)
    return reader.log(walk.lines)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
