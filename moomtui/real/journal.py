"""The systemd journal as ``journalctl`` exports it: ``-o json``, ``-o json-pretty`` and
``-o export``, read entry by entry into :class:`Entry`.

From each entry: ``MESSAGE`` (a string; an array of bytes when it is not UTF-8, as
``journalctl`` writes it; ``null`` when it was too long to show, which is said), the host
(``_HOSTNAME``), the boot (``_BOOT_ID``), the kernel's own time stamp
(``_SOURCE_MONOTONIC_TIMESTAMP``, in microseconds since boot) and the wall clock
(``__REALTIME_TIMESTAMP``). An entry of another transport than the kernel's (``_TRANSPORT``)
is passed over.

A stranger's file: every JSON document is bounded before it is decoded — at most
:data:`MAX_DOCUMENT` characters and :data:`MAX_DEPTH` levels of nesting, counted in one pass
as it is read (Python's parser recurses) — and an export field at most :data:`MAX_FIELD`
bytes (a larger one, whatever length it claims, is passed over as it is read, never held).
A document or entry that cannot be read is a warning naming its line; the others are read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..patterns import scanning

MAX_DOCUMENT = 1 << 20
"""The largest JSON document read, in characters (an entry is a few kilobytes; a message of
journald's 64 KiB written as an array of bytes is under 300 KiB)."""
MAX_DEPTH = 4
"""How deeply a document may nest (an entry with a ``MESSAGE`` array is 2)."""
MAX_FIELD = 1 << 20
"""The largest field of an export read, in bytes."""
_FIELDS = frozenset(
    {
        "MESSAGE",
        "_HOSTNAME",
        "_BOOT_ID",
        "_TRANSPORT",
        "_SOURCE_MONOTONIC_TIMESTAMP",
        "__REALTIME_TIMESTAMP",
    }
)
_TOKENS = scanning(r'[\\"\[\]{}]')


@dataclass(slots=True)
class Entry:
    """One kernel message of the journal."""

    line: int
    message: str
    host: str | None = None
    boot: str | None = None
    stamp: float | None = None
    """Seconds since boot, as dmesg prints them."""
    time: str | None = None
    """When it was logged, in UTC (ISO 8601)."""


def journal_kind(head: bytes) -> str | None:
    """``json``, ``export`` or ``None`` (a text log) from the file's first bytes."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.lstrip()[:1] == b"{":
        return "json"
    if head.startswith((b"__CURSOR=", b"__REALTIME_TIMESTAMP=")):
        return "export"
    return None


class Entries:
    """The entries of a journal whose bytes are ``blocks``; ``lines`` after the walk."""

    def __init__(self, blocks: Iterable[bytes], kind: str, warnings: list[tuple[int, str]]):
        self.blocks = blocks
        self.kind = kind
        self.warnings = warnings
        self.lines = 0

    def __iter__(self) -> Iterator[Entry]:
        walk = self.json() if self.kind == "json" else self.export()
        for fields, line in walk:
            entry = self.entry(fields, line)
            if entry is not None:
                yield entry

    # ------------------------------------------------------------------ JSON
    def json(self) -> Iterator[tuple[dict[str, object], int]]:
        """``-o json`` (a document a line, seen from the first) or ``-o json-pretty`` (a
        document from a ``{`` line to its ``}``): a document that does not end where it
        should is a warning, and reading starts again at the next."""
        depth, in_string, escaped = 0, False, False
        doc: list[str] = []
        size, deepest, start = 0, 0, 0
        one_line: bool | None = None  # -o json
        stream = _Bytes(self.blocks)
        while (raw := stream.line()) is not None:
            n = stream.lines
            text = raw.decode("utf-8", "replace")
            if depth and (stream.cut or text == "{"):  # a document cut short
                depth, in_string, escaped = 0, False, False
                self.warnings.append((start, "not a journal entry (a JSON document cut short)"))
            if stream.cut:
                why = f"a JSON document larger than {MAX_DOCUMENT >> 20} MiB: passed over"
                self.warnings.append((n, why))
                continue
            if depth == 0:
                if not text.strip():
                    continue
                doc, size, deepest, start = [], 0, 0, n
            for m in _TOKENS.finditer(text):
                c = m.group()
                if escaped:
                    escaped = False
                elif in_string:
                    if c == "\\":
                        escaped = m.end() < len(text) and text[m.end()] in '\\"[]{}'
                    elif c == '"':
                        in_string = False
                elif c == '"':
                    in_string = True
                elif c in "[{":
                    depth += 1
                    deepest = max(deepest, depth)
                elif depth > 0:
                    depth -= 1
            size += len(text) + 1
            if size <= MAX_DOCUMENT:
                doc.append(text)
            if depth == 0 and not in_string:
                if one_line is None:
                    one_line = n == start
                fields = self.decode("\n".join(doc), size, deepest, start)
                if fields is not None:
                    yield fields, start
            elif one_line:
                depth, in_string, escaped = 0, False, False
                self.warnings.append((n, "not a journal entry (a JSON document cut short)"))
        if depth:
            self.warnings.append((start, "a JSON document the file ends in the middle of"))
        self.lines = stream.lines

    def decode(self, doc: str, size: int, deepest: int, line: int) -> dict[str, object] | None:
        if size > MAX_DOCUMENT:
            why = f"a JSON document larger than {MAX_DOCUMENT >> 20} MiB: passed over"
        elif deepest > MAX_DEPTH:
            why = f"a JSON document nested more than {MAX_DEPTH} levels deep: passed over"
        else:
            try:
                value = json.loads(doc)
            except (ValueError, RecursionError) as err:
                why = f"not a journal entry (JSON: {str(err).partition(':')[0]})"
            else:
                if isinstance(value, dict):
                    return value
                why = "not a journal entry (a JSON document that is not an object)"
        self.warnings.append((line, why))
        return None

    # ------------------------------------------------------------------ export
    def export(self) -> Iterator[tuple[dict[str, object], int]]:
        stream = _Bytes(self.blocks)
        fields: dict[str, object] = {}
        start = 0
        while (raw := stream.line()) is not None:
            n = stream.lines
            if not raw:
                if fields or start:
                    yield fields, start
                fields, start = {}, 0
                continue
            start = start or n
            key, eq, value = raw.partition(b"=")
            if not eq:  # KEY, then a little-endian 64-bit size, the data and a newline
                size = stream.read(8)
                if size is None or len(size) < 8:
                    self.warnings.append((n, "an export field the file ends in"))
                    break
                data = stream.read(int.from_bytes(size, "little"), keep=MAX_FIELD)
                stream.line()  # the newline after the data
                if data is None:
                    self.warnings.append((n, f"an export field larger than {MAX_FIELD} bytes"))
                    continue
                value = data
            name = key.decode("ascii", "replace")
            if name in _FIELDS:
                fields[name] = value.decode("utf-8", "replace")
        if fields:
            yield fields, start
        self.lines = stream.lines

    # ------------------------------------------------------------------ an entry
    def entry(self, fields: dict[str, object], line: int) -> Entry | None:
        transport = fields.get("_TRANSPORT")
        if transport is not None and transport != "kernel":
            return None
        message = fields.get("MESSAGE")
        if isinstance(message, list) and all(isinstance(b, int) and 0 <= b < 256 for b in message):
            message = bytes(message).decode("utf-8", "replace")
        if message is None and "MESSAGE" in fields:
            why = "MESSAGE is null (longer than journalctl shows: add --all)"
            self.warnings.append((line, why))
            return None
        if not isinstance(message, str):
            if "MESSAGE" in fields:
                self.warnings.append((line, "a journal entry whose MESSAGE is not text"))
            return None
        host, boot = fields.get("_HOSTNAME"), fields.get("_BOOT_ID")
        return Entry(
            line,
            message,
            host if isinstance(host, str) else None,
            boot if isinstance(boot, str) else None,
            _micro(fields.get("_SOURCE_MONOTONIC_TIMESTAMP"), 1e6),
            _utc(fields.get("__REALTIME_TIMESTAMP")),
        )


def _number(value: object) -> int | None:
    text = value if isinstance(value, str) else None
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    return int(text)


def _micro(value: object, scale: float) -> float | None:
    number = _number(value)
    return None if number is None else number / scale


def _utc(value: object) -> str | None:
    number = _number(value)
    if number is None:
        return None
    from datetime import UTC, datetime  # a journal's time stamps only: not on every start

    try:
        when = datetime.fromtimestamp(number // 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when.isoformat().replace("+00:00", "Z")


class _Bytes:
    """A file's bytes from its blocks: lines (up to :data:`MAX_FIELD` bytes each, the rest
    passed over) and counted runs, with the line breaks read so far counted."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self.blocks = iter(blocks)
        self.buf = b""
        self.pos = 0
        self.lines = 0
        self.eof = False
        self.cut = False
        """Whether the last line was longer than :data:`MAX_FIELD` (only its start given)."""

    def more(self) -> bool:
        if self.eof:
            return False
        block = next(self.blocks, None)
        if block is None:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + block
        self.pos = 0
        return True

    def line(self) -> bytes | None:
        """The next line without its newline; ``None`` at the end."""
        kept: bytes | None = None
        self.cut = False
        while True:
            nl = self.buf.find(b"\n", self.pos)
            if nl >= 0:
                line = self.buf[self.pos : nl]
                self.pos = nl + 1
                self.lines += 1
                self.cut = self.cut or len(line) > MAX_FIELD
                return kept if kept is not None else line[:MAX_FIELD]
            if len(self.buf) - self.pos > MAX_FIELD:  # a long line: keep its start only
                if kept is None:
                    kept = self.buf[self.pos : self.pos + MAX_FIELD]
                self.buf, self.pos, self.cut = b"", 0, True
            if not self.more():
                rest = self.buf[self.pos :]
                self.buf, self.pos = b"", 0
                if kept is None and not rest:
                    return None
                self.lines += 1
                self.cut = self.cut or len(rest) > MAX_FIELD
                return kept if kept is not None else rest[:MAX_FIELD]

    def read(self, count: int, keep: int = 8) -> bytes | None:
        """The next ``count`` bytes (fewer at the end); ``None`` past ``keep`` of them, which
        are then read and passed over, not held."""
        if count > keep:
            while count > 0:
                have = len(self.buf) - self.pos
                take = min(have, count)
                self.lines += self.buf.count(b"\n", self.pos, self.pos + take)
                self.pos += take
                count -= take
                if count and not self.more():
                    break
            return None
        while len(self.buf) - self.pos < count and self.more():
            pass
        data = self.buf[self.pos : self.pos + count]
        self.pos += len(data)
        self.lines += data.count(b"\n")
        return data
