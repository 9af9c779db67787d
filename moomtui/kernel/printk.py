"""The kernel log, as in 2.4 ``kernel/printk.c``: ``log_buf``, log levels, console level.

``printk`` formats into ``printk_buf[1024]`` and copies it into the ring ``log_buf`` of
``LOG_BUF_LEN`` bytes, putting a ``<N>`` level tag in front of every line that does not start
with one (``N`` = ``default_message_loglevel``). The console shows a line when its level is
below ``console_loglevel``. ``dmesg`` reads ``log_buf``; ``dmesg -c`` also clears it.

The simulator keeps whole lines (:class:`LogRecord`) instead of bytes. Size rule: a record
takes ``len(text) + 4`` bytes of ``LOG_BUF_LEN`` — its three-character ``<N>`` tag, its text
and its newline, one byte per character — and the oldest records are dropped while the
total exceeds the capacity. 2.4 overwrites byte by byte and can leave half a line at the
start of the buffer; here a line is always kept or dropped whole. Memory stays bounded: text
is cut to ``PRINTK_BUF_LEN - 1`` characters per call, as ``vsnprintf`` into ``printk_buf``
cuts it, and a single line longer than the whole buffer keeps only its head.

Copied quirk: the level given to :meth:`LogBuffer.append` applies to the first line only;
each later line of the same call gets its own ``<N>`` tag if it starts with one, else
``default_message_loglevel``, exactly as ``printk`` tags each line after a ``\\n``.

Left out: a message without a trailing newline is not joined to the next ``printk`` (2.4
continues the line; here every call starts a new line), console drivers, ``klogd`` and the
``syslog(2)`` read pointer. Timestamps in :func:`format_record` are the 2.6.11
``CONFIG_PRINTK_TIME`` style; 2.4 logged none, but the simulator knows each line's jiffies.
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import NamedTuple

from .constants import HZ

KERN_EMERG = 0
KERN_ALERT = 1
KERN_CRIT = 2
KERN_ERR = 3
KERN_WARNING = 4
KERN_NOTICE = 5
KERN_INFO = 6
KERN_DEBUG = 7

LEVEL_NAMES: tuple[str, ...] = (
    "emerg",
    "alert",
    "crit",
    "err",
    "warn",
    "notice",
    "info",
    "debug",
)
"""Level names indexed by level, as ``dmesg --level`` spells them."""

LOG_BUF_LEN = 16384
PRINTK_BUF_LEN = 1024

DEFAULT_MESSAGE_LOGLEVEL = 4
DEFAULT_CONSOLE_LOGLEVEL = 7
MINIMUM_CONSOLE_LOGLEVEL = 1

RECORD_OVERHEAD = 4
"""Bytes a record takes beyond its text: the ``<N>`` tag and the newline."""


class LogRecord(NamedTuple):
    """One line of ``log_buf``. ``seq`` counts lines from 1 since boot and never repeats."""

    seq: int
    jiffies: int
    level: int
    text: str


def record_size(rec: LogRecord) -> int:
    """Bytes ``rec`` takes in ``log_buf``: ``<N>`` + text + newline."""
    return len(rec.text) + RECORD_OVERHEAD


def parse_level(text: str, default: int = DEFAULT_MESSAGE_LOGLEVEL) -> tuple[int, str]:
    """Split a leading ``<0>``..``<7>`` tag off ``text``; without one the level is ``default``."""
    if len(text) >= 3 and text[0] == "<" and "0" <= text[1] <= "7" and text[2] == ">":
        return int(text[1]), text[3:]
    return default, text


def format_record(rec: LogRecord, *, raw: bool = False, hz: int = HZ) -> str:
    """``"[%8.3f] text"`` with seconds = jiffies / hz; ``raw`` puts ``<N>`` in front."""
    seconds, ticks = divmod(rec.jiffies, hz)
    stamp = f"[{seconds:4d}.{ticks * 1000 // hz:03d}] {rec.text}"
    return f"<{rec.level}>{stamp}" if raw else stamp


class LogBuffer:
    """``log_buf``: a bounded ring of lines, with the console and default message levels."""

    __slots__ = (
        "_next_seq",
        "_records",
        "_size",
        "capacity",
        "console_loglevel",
        "default_message_loglevel",
    )

    def __init__(self, capacity: int = LOG_BUF_LEN) -> None:
        if capacity < RECORD_OVERHEAD:
            raise ValueError(f"log buffer capacity {capacity} is below {RECORD_OVERHEAD}")
        self.capacity = capacity
        self.console_loglevel = DEFAULT_CONSOLE_LOGLEVEL
        self.default_message_loglevel = DEFAULT_MESSAGE_LOGLEVEL
        self._records: deque[tuple[int, int, int, str]] = deque()
        self._size = 0
        self._next_seq = 1

    @property
    def size(self) -> int:
        """Bytes used by the stored records (see :func:`record_size`)."""
        return self._size

    def append(self, jiffies: int, level: int, text: str) -> LogRecord:
        """Log ``text`` at ``level``, one record per line; return the last record."""
        return self.printk(jiffies, level, text)[-1]

    def printk(self, jiffies: int, level: int, text: str) -> list[LogRecord]:
        """Log ``text`` as one ``printk`` call does; return its records.

        A trailing newline ends the last line and adds no empty record, so ``"a\\n\\n"`` logs
        ``a`` and an empty line, as 2.4 does for ``panic("...\\n")``; ``""`` logs one empty
        line. ``level`` applies to the first line; each later one takes its own ``<N>`` tag
        or else ``default_message_loglevel``.
        """
        if "\n" not in text:  # one line, as nearly every call
            return [self._emit(jiffies, level, text)]
        lines = text[: PRINTK_BUF_LEN - 1].split("\n")
        if len(lines) > 1 and not lines[-1]:
            lines.pop()
        records = [self._emit(jiffies, level, lines[0])]
        for line in lines[1:]:
            line_level, body = parse_level(line, self.default_message_loglevel)
            records.append(self._emit(jiffies, line_level, body))
        return records

    def _emit(self, jiffies: int, level: int, text: str) -> LogRecord:
        self.emit_line(jiffies, level, text)
        return LogRecord._make(self._records[-1])

    def emit_line(self, jiffies: int, level: int, text: str) -> str:
        """Log one line (``text`` has no newline) at ``level``; return the text as stored,
        cut as :meth:`printk` cuts it. The one-line path of every ``printk`` call."""
        if len(text) >= PRINTK_BUF_LEN:
            text = text[: PRINTK_BUF_LEN - 1]
        capacity = self.capacity
        if len(text) > capacity - RECORD_OVERHEAD:
            text = text[: capacity - RECORD_OVERHEAD]
        seq = self._next_seq
        self._next_seq = seq + 1
        records = self._records
        records.append((seq, jiffies, level, text))  # a LogRecord's fields, made one on reading
        size = self._size + len(text) + RECORD_OVERHEAD  # record_size, inlined
        while size > capacity:
            size -= len(records.popleft()[3]) + RECORD_OVERHEAD
        self._size = size
        return text

    def records(self) -> list[LogRecord]:
        """Every stored record, oldest first."""
        make = LogRecord._make
        return [make(rec) for rec in self._records]

    def since(self, seq: int) -> list[LogRecord]:
        """The stored records newer than ``seq``, oldest first."""
        if not self._records:
            return []
        start = max(0, seq - self._records[0][0] + 1)
        make = LogRecord._make
        return [make(rec) for rec in islice(self._records, start, None)]

    def clear(self) -> None:
        """``dmesg -c``: forget every stored record; ``seq`` keeps counting."""
        self._records.clear()
        self._size = 0

    def reaches_console(self, rec: LogRecord) -> bool:
        """Whether the console prints ``rec``: its level is below ``console_loglevel``."""
        return rec.level < self.console_loglevel
