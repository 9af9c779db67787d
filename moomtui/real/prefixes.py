"""What the way a kernel's line was copied put in front of it, stripped (:func:`normalize`).

In any combination: e-mail quoting (``> ``, ``> > ``), a syslog or journal prefix (``Jan  6
01:49:41 host kernel: ``, ``2025-01-06T01:49:41.123+01:00 host kernel: ``), ``dmesg -x``'s
facility and level, a raw printk level (``<4>``), the timestamp (``[ 1234.567890]``, ``dmesg
-T``'s ``[Mon Jan  6 01:49:41 2025]``) and the caller id (``[ T1234]``). Thousands separators
inside numbers (``1,995,298``, ``1'995'298``, ``1 995 298`` with no-break spaces) are removed.
:mod:`.report` reads what is left.
"""

from __future__ import annotations

from ..patterns import anchored, scanning

# Every pattern here reads a stranger's text: each is declared in moomtui.patterns, whose
# test checks that none can backtrack without end. The prefixes are tried where the last
# one ended (``match`` at a position), never by cutting the line.
_QUOTE = anchored(r"[ \t]*(?:>[ \t]?)+")
_MONTH_DAY = r"[A-Z][a-z]{2}[ \t]+\d{1,2}[ \t]+\d{1,2}:\d{2}:\d{2}(?:\.\d+)?"
_ISO = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
_SYSLOG = anchored(
    rf"(?P<time>{_MONTH_DAY}|{_ISO})[ \t]+(?:(?P<host>\S+)[ \t]+)?kernel(?:\[\d+\])?:[ \t]?"
)
"""A syslog or journal prefix; rsyslog in a container writes an empty host name (two
spaces between the time and ``kernel:``)."""
_HOST_KERNEL = anchored(r"(?P<host>[\w.-]+)[ \t]+kernel(?:\[\d+\])?:[ \t]?")
_INDENT = anchored(r" +")
"""A report indented as a whole (Markdown's code block, a mail quoted by spaces)."""
_GUTTER = anchored(r" *\d{1,9} ?[|\u2502] ?")
"""A log viewer's or a pager's gutter of line numbers (``  12 | ``, ``12│``)."""
_ANSI = scanning(r"\x1b\[[0-9;]*m")
"""A terminal's colour (``dmesg --color=always``): removed before anything else. Only
colours: any other control sequence is text, shown escaped (a task may be named so)."""
_FACILITY = anchored(r"[a-z]+[ \t]*:[a-z]+[ \t]*:[ \t]?")
_LEVEL = anchored(r"<\d>")
_STAMP = anchored(r"\[[ \t]*(\d+\.\d+)\][ \t]?")
_BRACKETED = anchored(r"\[[^\]\[]*\][ \t]?")
_CLOCK = scanning(r"\d{1,2}:\d{2}:\d{2}")
"""``dmesg -T``'s stamp: anything in brackets (no bracket inside) with a time of day in it."""
_CALLER = anchored(r"\[[ \t]*[TC]\d+\][ \t]?")
_THOUSANDS = scanning(r"[,'’_\u00a0\u202f\u2009](?<=\d[,'’_\u00a0\u202f\u2009])(?=\d{3}(?!\d))")
"""A separator between a digit and three more: the separator comes first in the pattern, so
a scan looks for one at C speed and tries the digits only where it finds it."""
THOUSANDS = _THOUSANDS
MAX_LINE = 1 << 16
"""A line is read up to its first 64 KiB (a kernel's line is under 1 KiB): the rest is
passed over, so no line costs more than that."""
MAX_PREFIXES = 64
"""Prefixes stripped from one line at most (a line copied through e-mail, syslog and
dmesg has six)."""

# Where each prefix can start. Most lines are a timestamp and a message: trying all seven
# patterns at each place cost more than the rest of the reading, so a pattern is tried only
# where its first character is (or where the character is not ASCII, which is left to the
# pattern: ``\d`` and ``\w`` take other scripts' digits and letters), and only on a line
# holding the words it needs. What is stripped is the same; only failing calls are saved.
# (No prefix matches an empty string, so none is tried at the end of the line.)
_QUOTE_START = frozenset(" >")  # and the tab, replaced by a space before
_SYSLOG_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # _MONTH_DAY, _ISO
_FACILITY_START = frozenset("abcdefghijklmnopqrstuvwxyz")
_HOST_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


_NO_MESSAGE_START = frozenset(" ><")
"""What starts a quote or a level: a message that starts so after a stamp is left to the
general loop (and one that starts with a bracket, unless :data:`_PLAIN_BRACKET` says)."""
_PLAIN_BRACKET = anchored(r"\[[^\]\[:.TC]*\]")
"""A bracket no prefix may start with — the task table's ``[  pid  ]``, ``[   1000]``: no
``.`` (a stamp has one), no ``T`` or ``C`` (a caller id starts with one), no ``:`` (``dmesg
-T``'s time has two) before its first ``]``."""


def normalize(raw: str) -> tuple[str, float | None]:
    """``raw`` without what copying put in front of it; and its dmesg timestamp, if any."""
    text, stamp, _, _ = split_line(raw)
    return text, stamp


def split_line(raw: str) -> tuple[str, float | None, str | None, str | None]:
    """``raw`` without what copying put in front of it, its dmesg timestamp, and the host and
    time a syslog or journal prefix names (``None`` when there is none)."""
    line = raw[:MAX_LINE].rstrip("\r\n").replace("\t", " ")
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    kernel = "kernel" in line  # in _SYSLOG and _HOST_KERNEL
    colon = ":" in line  # in _FACILITY and _CLOCK
    if line[:1] == "[" and (m := _STAMP.match(line)):
        # The usual line: a dmesg stamp, then the message. The loop would try the stamp
        # first here (nothing else starts with "["), then at its end every prefix that
        # may start with the character there: when none may, the stamp is all it strips.
        pos = m.end()
        c = line[pos : pos + 1]
        if c == "[":
            usual = _PLAIN_BRACKET.match(line, pos) is not None
        else:
            usual = (
                c not in _NO_MESSAGE_START
                and not (kernel and (c in _HOST_START or not c.isascii()))
                and not (colon and c in _FACILITY_START and _FACILITY.match(line, pos))
            )
        if usual:
            return ungrouped(line[pos:]), float(m[1]), None, None
    pos, stamp, host, when = _strip(line, kernel, colon)
    return ungrouped(line[pos:]), stamp, host, when


def strip_prefixes(line: str, kernel: bool, colon: bool) -> tuple[int, float | None]:
    """Where the message of ``line`` starts once every prefix is stripped, and the first
    dmesg stamp's time; ``kernel`` and ``colon``: whether the line holds the word and the
    character some prefixes need."""
    pos, stamp, _, _ = _strip(line, kernel, colon)
    return pos, stamp


def _strip(
    line: str, kernel: bool, colon: bool
) -> tuple[int, float | None, str | None, str | None]:
    """:func:`strip_prefixes`, and the host and time of the first syslog prefix."""
    stamp: float | None = None
    host: str | None = None
    when: str | None = None
    pos = 0
    c = line[:1]  # the character at pos ("" at the end)
    if (c == " " or c.isdigit()) and (m := _GUTTER.match(line)):
        pos = m.end()
        c = line[pos : pos + 1]
    for _ in range(MAX_PREFIXES):
        before = pos
        if c == " " and (m := _INDENT.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
        if c in _QUOTE_START and (m := _QUOTE.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
        if kernel and (c in _SYSLOG_START or not c.isascii()) and (m := _SYSLOG.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
            if when is None:
                host, when = m["host"] or "", m["time"]
        if colon and c in _FACILITY_START and (m := _FACILITY.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
        if c == "<" and (m := _LEVEL.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
        if c == "[" and (m := _STAMP.match(line, pos)):
            if stamp is None:
                stamp = float(m[1])
            pos = m.end()
            c = line[pos : pos + 1]
            if (
                kernel
                and (c in _HOST_START or not c.isascii())
                and (m := _HOST_KERNEL.match(line, pos))
            ):
                pos = m.end()
                c = line[pos : pos + 1]
                if host is None:
                    host = m["host"]
        if (
            colon
            and c == "["
            and (m := _BRACKETED.match(line, pos))
            and _CLOCK.search(line, pos, m.end()) is not None
        ):
            pos = m.end()
            c = line[pos : pos + 1]
        if c == "[" and (m := _CALLER.match(line, pos)):
            pos = m.end()
            c = line[pos : pos + 1]
        if pos == before:
            break
    return pos, stamp, host, when


def ungrouped(line: str) -> str:
    """``line`` without thousands separators inside its numbers, stripped."""
    # Most lines hold no separator at all (an ASCII line can only hold the first three).
    while not line.isascii() or "," in line or "_" in line or "'" in line:
        collapsed = _THOUSANDS.sub("", line)
        if collapsed == line:
            break
        line = collapsed
    return line.strip()
