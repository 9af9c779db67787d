"""A log's lines, read in bounded memory; outside a report, only the lines a report may start
at are read at all.

A kern.log of a gigabyte is mostly other messages. Outside a report a line matters only if it
holds one of :data:`KEYWORDS` (a report's first line, in any of the places a paste may start
it; a kill or panic printed without a report; a stack trace's header): the log is read a
block at a time (:data:`BLOCK`), each keyword's next place found by a substring search (the
C speed of ``bytes.find``), and the lines between passed over by counting their line breaks.
While any report is open (``busy()``), every line is handed over. A line is handed over up
to its first :data:`MAX_LINE_BYTES` bytes; the rest of a longer one is passed over, so a file
without line breaks costs no more memory than a block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .prefixes import MAX_LINE

BLOCK = 1 << 20
"""Bytes read at a time."""
MAX_LINE_BYTES = MAX_LINE * 4
"""The bytes of a line kept: the 64 Ki characters :func:`~.prefixes.normalize` reads, in
UTF-8 at most four bytes each."""
KEYWORDS = (
    "invoked oom-killer",  # the first line
    " pid ",  # the task table's header, "[ pid ]" or "[  pid  ]"
    "Tasks state",
    "Mem-Info",
    "Task in ",  # a memory cgroup's report pasted from there
    "memory: usage",
    "omm: ",  # "CPU: 3 PID: 1 Comm: " and 2.6's "Pid: 1, comm: "
    "ill process",  # "Kill process", "kill process"
    "illed process",  # "Killed process"
    "of memory",  # "Kernel panic - not syncing: Out of memory", "… and no killable …"
    "deadlocked",  # "System is deadlocked on memory"
    "oom_reaper",  # "oom_reaper: reaped process N (comm)", after the decision
    "Linux version",  # a new boot: the kills before it are of other processes
)
"""One of these is in every line read outside a report (:meth:`.report._Reader.line`)."""
_KEYS = tuple(k.encode() for k in KEYWORDS)


class Busy(Protocol):
    open: int
    """How many reports are open: while any is, every line is read."""


class Run(Protocol):
    """``run(lines, i, stop, n)`` reads ``lines[i]`` (line ``n + 1`` of the file), and the
    lines after it up to ``lines[stop - 1]`` while any report is open or the next line holds
    one of :data:`KEYWORDS` (as the scan would hand it over), each as ``handle`` would;
    returns the index after the last line read."""

    def __call__(self, lines: list[str], i: int, stop: int, n: int) -> int: ...


class Lines:
    """The lines of ``blocks`` (bytes) worth reading, handed to ``handle(number, text)``
    (numbered from 1) by :meth:`read`, which returns how many lines the file has (as an
    editor counts them). While ``state.open``, every line is handed over."""

    def __init__(self, blocks: Iterable[bytes], state: Busy) -> None:
        self.blocks = blocks
        self.state = state
        self.run: Run | None = None

    def read(self, handle: Callable[[int, str], object], run: Run | None = None) -> int:
        """Hand over the lines worth reading to ``handle``; with ``run``, the lines of an
        ASCII block go to it instead, a run of lines at a time (:class:`Run`)."""
        self.run = run
        n = 0  # lines before the block's first
        carry = b""
        long = False  # passing over the rest of a line longer than MAX_LINE_BYTES
        for block in self.blocks:
            if long:
                nl = block.find(b"\n")
                if nl < 0:
                    continue
                block, long = block[nl + 1 :], False
                n += 1
                handle(n, carry.decode("utf-8", "replace"))
                carry = b""
            buf = carry + block if carry else block
            end = buf.rfind(b"\n") + 1  # the block's whole lines
            if end == 0:
                carry = buf
                if len(carry) > MAX_LINE_BYTES:
                    carry, long = carry[:MAX_LINE_BYTES], True
                continue
            carry = buf[end:]
            if len(carry) > MAX_LINE_BYTES:
                carry, long = carry[:MAX_LINE_BYTES], True
            whole = buf[:end]
            if whole.isascii():  # the usual log: read as text at once, the same offsets
                n = self.walk(whole.decode("ascii"), n, KEYWORDS, "\n", handle)
            else:
                n = self.walk(whole, n, _KEYS, b"\n", handle)
        if carry or long:
            n += 1
            handle(n, carry.decode("utf-8", "replace"))
        return n

    def walk(
        self,
        buf: Any,
        n: int,
        keys: tuple[Any, ...],
        nl_: Any,
        handle: Callable[[int, str], object],
    ) -> int:
        """Hand over the lines of ``buf`` (whole lines: bytes, or the text of an ASCII block,
        ``keys`` and ``nl_`` of the same type) worth reading; ``n``: the lines before it.
        Returns the lines before the next block."""
        end = len(buf)
        pos = 0
        found = [buf.find(k) for k in keys]
        state = self.state
        text = isinstance(buf, str)
        lines: list[Any] | None = None  # the block's lines, split once it is busy
        first = n  # the line before lines[0]
        while pos < end:
            if not state.open:
                hit = end
                for i, at in enumerate(found):
                    if 0 <= at < pos:
                        found[i] = at = buf.find(keys[i], pos, end)
                    if 0 <= at < hit:
                        hit = at
                if hit == end:
                    return n + buf.count(nl_, pos, end)
                start = buf.rfind(nl_, pos, hit) + 1 or pos
                n += buf.count(nl_, pos, start)
                pos = start
            if lines is None:
                lines = buf[pos:].split(nl_)
                first = n
            if text and self.run is not None:
                i = n - first
                j = self.run(lines, i, len(lines) - 1, n)  # the last is after the last \n
                n += j - i
                pos += sum(map(len, lines[i:j])) + j - i
                continue
            line = lines[n - first]
            n += 1
            pos += len(line) + 1
            if len(line) > MAX_LINE_BYTES:
                line = line[:MAX_LINE_BYTES]
            handle(n, line if text else line.decode("utf-8", "replace"))
        return n
