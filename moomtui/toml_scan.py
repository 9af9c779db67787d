"""TOML from strangers, bounded before it is built: :func:`loads_toml`.

Presets, themes, sweep files and the configuration file are TOML that may come from a
stranger. A pre-scan as long as the text bounds its shape (dotted keys, nesting, arrays,
strings, keys and tables: :func:`scan_toml`), so that neither ``tomllib``'s recursion nor
its cost, which grows with the square of a dotted key's parts, depends on a stranger; an
integer of thousands of digits is a :class:`TomlError` too, not a crash.

A leaf module: it imports nothing of moomtui but the declared patterns
(:mod:`moomtui.patterns`).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from .patterns import anchored

MAX_TOML_DEPTH = 16
"""Tables and arrays nested deeper than this are refused (presets need 4, themes 2)."""


class TomlError(ValueError):
    """A TOML text that cannot be read: its one-line reason."""


def loads_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, bounded: TomlError for bad TOML and for absurd documents.

    The shape of the text is bounded first (:func:`scan_toml`, in time linear in its
    length), so ``tomllib`` never sees a document whose parse would cost more than its size.
    Then a document nested deeper than :data:`MAX_TOML_DEPTH` altogether (a table's header,
    its keys and its values' brackets together), or an integer too long to convert, is
    refused.
    """
    scan_toml(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TomlError(str(err)) from None
    except RecursionError:  # the scan bounds brackets first: the last line of defence
        raise TomlError(f"nested more than {MAX_TOML_DEPTH} levels deep") from None
    except ValueError:  # int("9" * 5000): Python's limit on the digits of an integer
        raise TomlError("an integer with too many digits") from None
    if toml_depth(data) > MAX_TOML_DEPTH:
        raise TomlError(f"nested more than {MAX_TOML_DEPTH} levels deep")
    return data


def toml_head(text: str) -> str:
    """The part of a TOML ``text`` before its first table header (``[table]``,
    ``[[array]]``), where its top-level keys are: a listing reads a preset's name and
    description from it without reading the rest. Bounded as :func:`scan_toml` bounds."""
    return text[: _TomlScan(text, stop_at_table=True).run()]


def toml_depth(value: object) -> int:
    """How deeply tables and arrays nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > MAX_TOML_DEPTH:
            return depth
        stack.extend((child, depth) for child in children)
    return deepest


# --------------------------------------------------------------------------- the pre-scan
MAX_TOML_PARTS = 16
"""Parts a dotted key or a table header may have (presets use 3: ``tasks.args.rate``)."""
MAX_TOML_KEYS = 200_000
"""Keys in a whole document (a preset may start 32,760 tasks, each its own ``[[tasks]]`` of
six keys)."""
MAX_TOML_TABLES = 40_000
"""Tables in a whole document, headers and inline tables (a preset may start 32,760 tasks,
each its own ``[[tasks]]``)."""
MAX_TOML_ARRAY = 10_000
"""Elements of one array (the tables of an array of tables count as tables)."""
MAX_TOML_STRING = 16_384
"""Characters of one string or key as written (a preset's longest, its description, has
at most 2,000)."""


def scan_toml(text: str) -> None:
    """Bound the shape of a TOML ``text`` before anything is built from it.

    One pass over the text, its cost linear in the length, reads it as ``tomllib`` will —
    strings of the four kinds (so a ``.``, ``[`` or ``#`` inside one is text), comments,
    table headers, keys, inline tables and arrays — and counts without building anything:
    the parts of each dotted key and header (:data:`MAX_TOML_PARTS`), how deeply arrays and
    inline tables nest (:data:`MAX_TOML_DEPTH`), each array's elements
    (:data:`MAX_TOML_ARRAY`), each string's and key's length (:data:`MAX_TOML_STRING`), and
    the keys and tables of the whole document (:data:`MAX_TOML_KEYS`,
    :data:`MAX_TOML_TABLES`). The first bound passed is a :class:`TomlError` naming its line
    and column as ``tomllib`` names a syntax error's. (``tomllib``'s own cost grows with the
    square of a dotted key's parts: 80 KB of ``a.a.a…`` took 6 GB before this scan.)

    The scan checks bounds, not syntax: what it does not expect it passes over, for
    ``tomllib`` to refuse at the same place afterwards. It reads every valid document as
    ``tomllib`` does, so whatever ``tomllib`` parses before an error has been bounded too.
    """
    _TomlScan(text, stop_at_table=False).run()


_TOML_TOKEN = anchored(
    r"(?P<space>[ \t\r]+)|(?P<newline>\n)|(?P<comment>#[^\n]*)"
    r'|(?P<mlbasic>""")|(?P<mlliteral>' + "'''" + r')|(?P<basic>")|(?P<literal>' + "')"
    r"|(?P<bare>[A-Za-z0-9_+:.-]+)|(?P<other>[\[\]{},=])"
    r"""|(?P<junk>[^\[\]{},= \t\r\n#"'A-Za-z0-9_+:.-]+)"""
)
"""One token of TOML at a position. Each alternative starts with characters of its own
(but three quotes are tried before one) and none backtracks; ``junk`` is what TOML has no
place for outside strings and comments, passed over whole."""
_SIMPLE_LINE = anchored(
    r"[ \t]*[A-Za-z0-9_-]+[ \t]*=[ \t]*"
    r"""(?:[A-Za-z0-9_+:.-]+|"[^"\\\n]*"|'[^'\n]*')[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)"""
)
"""The common line, ``key = value`` with a one-part key and a plain value: taken whole."""
_BARE_KEY_PART = anchored(r"[A-Za-z0-9_-]+")
_BASIC_RUN = anchored(r'[^"\\\n]*')
_ML_BASIC_RUN = anchored(r'[^"\\]*')
_LITERAL_RUN = anchored(r"[^'\n]*")
_QUOTES = anchored(r'"*')
_APOSTROPHES = anchored(r"'*")
_STRINGS = ("basic", "literal", "mlbasic", "mlliteral")


class _TomlScan:
    """The pre-scan's state: where it is, what is open (arrays, inline tables), what it
    expects next — a key, a value, or what comes after one — and the counts so far."""

    __slots__ = ("frames", "keys", "pos", "stop", "tables", "text", "want")

    def __init__(self, text: str, *, stop_at_table: bool) -> None:
        self.text = text
        self.pos = 0
        self.stop = stop_at_table
        # Each open array or inline table: [kind, elements so far, an element may start].
        self.frames: list[list[Any]] = []
        self.want = "key"  # "key", "value", "after_key" (a "=") or "after" (a value's end)
        self.keys = 0
        self.tables = 0

    def fail(self, at: int, problem: str) -> TomlError:
        line = self.text.count("\n", 0, at) + 1
        column = at - self.text.rfind("\n", 0, at)
        return TomlError(f"{problem} (at line {line}, column {column})")

    def run(self) -> int:
        """Scan to the end, or to the first table header if asked: where it stopped."""
        text = self.text
        end = len(text)
        token = _TOML_TOKEN.match
        simple = _SIMPLE_LINE.match
        while self.pos < end:
            if self.want == "key" and not self.frames:
                line = simple(text, self.pos)
                if line is not None and line.end() - self.pos <= MAX_TOML_STRING:
                    self.key_counted(self.pos)
                    self.pos = line.end()
                    continue
            m = token(text, self.pos)
            assert m is not None  # every character starts one of the tokens
            kind = m.lastgroup or ""
            start = self.pos
            self.pos = m.end()
            if kind in ("space", "comment", "junk"):  # junk: tomllib refuses it
                continue
            if kind == "newline":
                if not self.frames:
                    self.want = "key"  # a statement ends with its line
                continue
            if kind == "other":
                if self.punctuation(text[start], start) and self.stop:
                    return start
            elif self.want == "key":
                self.key(start)
            elif self.want == "value":
                self.element(start)
                self.value(kind, start)
            elif kind in _STRINGS:  # out of place: passed over as tomllib would read it
                self.string(kind, start)
        return end

    # ----------------------------------------------------------------- structure
    def punctuation(self, char: str, at: int) -> bool:
        """``[ ] { } , =``; True when it opens a table header (at the top level)."""
        frames = self.frames
        if char == "[":
            if self.want == "key" and not frames:
                self.header(at)
                return True
            if self.want == "value":
                self.element(at)
                self.open("array", at)
        elif char == "{":
            if self.want == "value":
                self.element(at)
                self.open("table", at)
                self.count_table(at)
        elif char in "]}":
            if frames:
                frames.pop()
                self.want = "after"
        elif char == ",":
            if frames:
                frame = frames[-1]
                frame[2] = True
                self.want = "value" if frame[0] == "array" else "key"
        elif char == "=" and self.want == "after_key":
            self.want = "value"
        return False

    def open(self, kind: str, at: int) -> None:
        if len(self.frames) >= MAX_TOML_DEPTH:
            raise self.fail(at, f"nested more than {MAX_TOML_DEPTH} levels deep")
        self.frames.append([kind, 0, True])
        self.want = "value" if kind == "array" else "key"

    def element(self, at: int) -> None:
        """A value starts: one more element of the array it is in, if it is in one."""
        if not self.frames:
            return
        frame = self.frames[-1]
        if frame[0] == "array" and frame[2]:
            frame[1] += 1
            frame[2] = False
            if frame[1] > MAX_TOML_ARRAY:
                raise self.fail(at, f"an array of more than {MAX_TOML_ARRAY} elements")

    def value(self, kind: str, start: int) -> None:
        """A string or a bare value (a number, a boolean, a date) where a value may be."""
        if kind in _STRINGS:
            self.string(kind, start)
        else:
            self.length(start, self.pos - start)
        self.want = "after"

    def key(self, start: int) -> None:
        """A key (its parts, with ``.`` and spaces between them), then ``=``."""
        self.key_counted(start)
        self.pos = start
        self.key_parts(start)
        self.want = "after_key"

    def key_counted(self, at: int) -> None:
        self.keys += 1
        if self.keys > MAX_TOML_KEYS:
            raise self.fail(at, f"more than {MAX_TOML_KEYS} keys")

    def header(self, at: int) -> None:
        """``[a.b]`` or ``[[a.b]]``: a table; the scan goes on after its ``]``."""
        self.count_table(at)
        text = self.text
        if text.startswith("[", self.pos):
            self.pos += 1
        self.key_parts(at)
        self.skip_space()
        for _ in range(2):
            if text.startswith("]", self.pos):
                self.pos += 1
        self.want = "after"

    def count_table(self, at: int) -> None:
        self.tables += 1
        if self.tables > MAX_TOML_TABLES:
            raise self.fail(at, f"more than {MAX_TOML_TABLES} tables")

    def key_parts(self, start: int) -> None:
        """The parts of a dotted key from here, counted; it ends at what is neither a part
        nor a dot."""
        text = self.text
        parts = 0
        while True:
            self.skip_space()
            at = self.pos
            m = _BARE_KEY_PART.match(text, at)
            if m is not None:
                self.pos = m.end()
                self.length(at, self.pos - at)
            elif text.startswith('"', at):
                self.string("basic", at)  # a key is a one-line string
            elif text.startswith("'", at):
                self.string("literal", at)
            else:
                return
            parts += 1
            if parts > MAX_TOML_PARTS:
                raise self.fail(start, f"a key with more than {MAX_TOML_PARTS} dotted parts")
            self.skip_space()
            if not text.startswith(".", self.pos):
                return
            self.pos += 1

    def skip_space(self) -> None:
        text = self.text
        while self.pos < len(text) and text[self.pos] in " \t":
            self.pos += 1

    def length(self, at: int, size: int) -> None:
        if size > MAX_TOML_STRING:
            raise self.fail(at, f"a string or key of more than {MAX_TOML_STRING} characters")

    # ----------------------------------------------------------------- strings
    def string(self, kind: str, start: int) -> None:
        """Past the string that starts at ``start`` (at its opening quotes), bounded in
        length. One left open ends at the end of its line, where ``tomllib`` stops."""
        text = self.text
        pos = start + (3 if kind.startswith("ml") else 1)
        if kind == "literal":
            end = _match_end(_LITERAL_RUN, text, pos)
            self.pos = end + 1 if text.startswith("'", end) else end
        elif kind == "mlliteral":
            close = text.find("'''", pos)
            end = len(text) if close < 0 else close
            quotes = _match_end(_APOSTROPHES, text, end) - end
            end += max(0, min(quotes, 5) - 3)  # up to two quotes just inside the delimiter
            self.pos = min(len(text), end + 3)
        else:
            end = self.basic(pos, multiline=kind == "mlbasic")
        self.length(start, end - pos)

    def basic(self, pos: int, *, multiline: bool) -> int:
        """Where a basic string's text that starts at ``pos`` ends; past its closing quotes
        from there. A backslash escapes the character after it; a multi-line string ends at
        the last three quotes of a run of three to five."""
        text = self.text
        run = _ML_BASIC_RUN if multiline else _BASIC_RUN
        limit = pos + MAX_TOML_STRING + 1  # a longer string is refused: look no further
        while True:
            pos = _match_end(run, text, pos)
            if pos >= len(text) or pos > limit:
                self.pos = min(pos, len(text))
                return pos
            char = text[pos]
            if char == "\\":
                pos += 2
            elif char == "\n":  # a one-line string left open
                self.pos = pos
                return pos
            elif not multiline:
                self.pos = pos + 1
                return pos
            else:
                quotes = _match_end(_QUOTES, text, pos) - pos
                if quotes >= 3:
                    end = pos + min(quotes, 5) - 3
                    self.pos = end + 3
                    return end
                pos += quotes


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern`` (one that matches the empty string) ends when matched at ``pos``."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()
