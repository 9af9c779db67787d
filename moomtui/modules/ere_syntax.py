"""The grammar of earlyoom's patterns: POSIX extended regular expressions read as glibc's
``regcomp`` reads them in the C locale, into a tree (:class:`Node`) that
:mod:`moomtui.modules.ere` builds its automaton from; and :func:`bre_to_ere`, which writes
the console ``grep``'s basic patterns as extended ones. The grammar itself is described in
:mod:`moomtui.modules.ere`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_COUNT = 0x7FFF
"""``RE_DUP_MAX``: the largest count in an interval."""

ALL = (1 << 256) - 1


def _bits(test: object) -> int:
    assert callable(test)
    return sum(1 << c for c in range(256) if test(c))


def _ascii(c: int, method: str) -> bool:
    return c < 128 and bool(getattr(chr(c), method)())


CLASSES = {
    "alpha": _bits(lambda c: _ascii(c, "isalpha")),
    "digit": _bits(lambda c: 0x30 <= c <= 0x39),
    "alnum": _bits(lambda c: _ascii(c, "isalnum")),
    "upper": _bits(lambda c: 0x41 <= c <= 0x5A),
    "lower": _bits(lambda c: 0x61 <= c <= 0x7A),
    "space": _bits(lambda c: c in b" \t\n\v\f\r"),
    "blank": _bits(lambda c: c in b" \t"),
    "punct": _bits(lambda c: 0x21 <= c <= 0x7E and not _ascii(c, "isalnum")),
    "print": _bits(lambda c: 0x20 <= c <= 0x7E),
    "graph": _bits(lambda c: 0x21 <= c <= 0x7E),
    "cntrl": _bits(lambda c: c < 0x20 or c == 0x7F),
    "xdigit": _bits(lambda c: c in b"0123456789abcdefABCDEF"),
}
"""The C locale's classes, as byte sets."""
WORD = CLASSES["alnum"] | 1 << ord("_")
ESCAPED_SETS = {
    ord("w"): WORD,
    ord("W"): ALL & ~WORD,
    ord("s"): CLASSES["space"],
    ord("S"): ALL & ~CLASSES["space"],
}
ASSERTIONS = {ord(c): c for c in "bB<>`'"}


class EreError(ValueError):
    """A pattern that does not compile; ``str()`` says why, in glibc's words where it has
    them (``Unmatched ( or \\(``) or in moomtui's for what it refuses."""


# --------------------------------------------------------------------------- the tree
@dataclass(slots=True)
class Node:
    """``kind``: ``set`` (one byte of ``bits``), ``cat`` and ``alt`` (of ``items``),
    ``rep`` (``items[0]`` from ``low`` to ``high`` times, None: no end), ``assert``
    (``what``: ^ $ b B < > ` ')."""

    kind: str
    items: list[Node] = field(default_factory=list)
    bits: int = 0
    low: int = 0
    high: int | None = None
    what: str = ""


_UPPER = CLASSES["upper"]
_LOWER = CLASSES["lower"]


def _fold(bits: int) -> int:
    """``bits`` with the other case of each ASCII letter in it (``REG_ICASE``)."""
    return bits | (bits & _UPPER) << 32 | (bits & _LOWER) >> 32


class Parser:
    def __init__(self, pattern: bytes, icase: bool = False) -> None:
        self.p = pattern
        self.i = 0
        self.icase = icase

    def set(self, bits: int) -> Node:
        """One byte of ``bits`` (either case of a letter under ``icase``)."""
        return Node("set", bits=_fold(bits) if self.icase else bits)

    def peek(self, ahead: int = 0) -> int | None:
        j = self.i + ahead
        return self.p[j] if j < len(self.p) else None

    def parse(self) -> Node:
        node = self.alternation(0)
        assert self.i == len(self.p)
        return node

    def alternation(self, depth: int) -> Node:
        branches = [self.branch(depth)]
        while self.peek() == ord("|"):
            self.i += 1
            branches.append(self.branch(depth))
        return branches[0] if len(branches) == 1 else Node("alt", branches)

    def branch(self, depth: int) -> Node:
        items: list[Node] = []
        while True:
            c = self.peek()
            if c is None or c == ord("|") or (c == ord(")") and depth > 0):
                return Node("cat", items)
            atom = self.atom(depth)
            while self.peek() in (ord("*"), ord("+"), ord("?"), ord("{")):
                if atom.kind == "assert":
                    raise EreError("Invalid preceding regular expression")
                atom = self.repeat(atom)
            items.append(atom)

    def atom(self, depth: int) -> Node:
        c = self.peek()
        assert c is not None
        self.i += 1
        if c in b"*+?{":
            raise EreError("Invalid preceding regular expression")
        if c == ord("("):
            inner = self.alternation(depth + 1)
            if self.peek() != ord(")"):
                raise EreError("Unmatched ( or \\(")
            self.i += 1
            return Node("cat", [inner])  # a group: repeated whole, never an assertion
        if c == ord("."):
            return Node("set", bits=ALL)
        if c == ord("^"):
            return Node("assert", what="^")
        if c == ord("$"):
            return Node("assert", what="$")
        if c == ord("["):
            return Node("set", bits=self.bracket())
        if c == ord("\\"):
            return self.escape()
        return self.set(1 << c)

    def escape(self) -> Node:
        c = self.peek()
        if c is None:
            raise EreError("Trailing backslash")
        self.i += 1
        if ord("1") <= c <= ord("9"):
            raise EreError("back-references (\\1 to \\9) are not supported")
        if c in ESCAPED_SETS:
            return Node("set", bits=ESCAPED_SETS[c])
        if c in ASSERTIONS:
            return Node("assert", what=ASSERTIONS[c])
        return self.set(1 << c)

    def repeat(self, atom: Node) -> Node:
        c = self.peek()
        self.i += 1
        if c == ord("*"):
            return Node("rep", [atom], low=0, high=None)
        if c == ord("+"):
            return Node("rep", [atom], low=1, high=None)
        if c == ord("?"):
            return Node("rep", [atom], low=0, high=1)
        low = self.number()
        high: int | None = low
        if self.peek() == ord(","):
            self.i += 1
            high = self.number()
            low = low or 0
        elif low is None:
            raise EreError(self._interval_problem())
        if self.peek() != ord("}"):
            raise EreError(self._interval_problem())
        self.i += 1
        assert low is not None
        if (high is not None and high < low) or max(low, high or 0) > MAX_COUNT:
            raise EreError("Invalid content of \\{\\}")
        return Node("rep", [atom], low=low, high=high)

    def _interval_problem(self) -> str:
        rest = self.p[self.i :]
        return "Unmatched \\{" if b"}" not in rest else "Invalid content of \\{\\}"

    def number(self) -> int | None:
        start = self.i
        while (c := self.peek()) is not None and ord("0") <= c <= ord("9"):
            self.i += 1
        digits = self.p[start : self.i]
        if not digits:
            return None
        return min(int(digits), MAX_COUNT + 1)

    # ----------------------------------------------------------------- brackets
    def bracket(self) -> int:
        unmatched = EreError("Unmatched [, [^, [:, [., or [=")
        negate = self.peek() == ord("^")
        if negate:
            self.i += 1
        bits = 0
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise unmatched
            if c == ord("]") and not first:
                self.i += 1
                break
            first = False
            start, start_bits = self.bracket_element(unmatched)
            if self.peek() == ord("-") and self.peek(1) not in (ord("]"), None):
                self.i += 1
                end, _ = self.bracket_element(unmatched)
                if start is None or end is None or end < start:
                    raise EreError("Invalid range end")
                bits |= ((1 << (end + 1)) - 1) & ~((1 << start) - 1)
                if self.peek() == ord("-") and self.peek(1) not in (ord("]"), None):
                    raise EreError("Invalid range end")
            else:
                bits |= start_bits
        if self.icase:  # the members fold, then the set is negated: [^a] takes no A
            bits = _fold(bits)
        return ALL & ~bits if negate else bits

    def bracket_element(self, unmatched: EreError) -> tuple[int | None, int]:
        """One member: its byte (None for a class, which cannot end a range) and its set."""
        c = self.peek()
        assert c is not None
        if c == ord("[") and self.peek(1) in (ord(":"), ord("="), ord(".")):
            kind = self.p[self.i + 1]
            close = self.p.find(bytes([kind, ord("]")]), self.i + 2)
            if close < 0:
                raise unmatched
            name = self.p[self.i + 2 : close]
            self.i = close + 2
            if kind == ord(":"):
                if name.decode("latin-1") not in CLASSES:
                    raise EreError("Invalid character class name")
                return None, CLASSES[name.decode("latin-1")]
            if len(name) != 1:
                raise EreError("Invalid collation character")
            if kind == ord("="):
                return None, 1 << name[0]  # an equivalence class: never a range's end
            return name[0], 1 << name[0]
        self.i += 1
        return c, 1 << c


def bre_to_ere(pattern: str) -> str:
    """POSIX basic regular expression ``pattern`` (grep's default syntax, with GNU's
    ``\\|``, ``\\+`` and ``\\?``) written as the extended one that means the same.

    ``\\( \\) \\{ \\} \\| \\+ \\?`` become the operators, and ``( ) { } | + ?`` plain
    characters; ``*`` at the start of the pattern, of a group or of an alternative is a
    plain ``*``; ``^`` is an anchor only at such a start and ``$`` only at such an end;
    bracket expressions are the same in both. A back-reference stays one (and is refused).
    """
    out: list[str] = []
    n = len(pattern)
    i = 0
    start = True  # at the start of the pattern, a group or an alternative
    while i < n:
        c = pattern[i]
        at_start, start = start, False
        if c == "\\" and i + 1 < n:
            d = pattern[i + 1]
            i += 2
            if d in "(|":
                out.append(d)
                start = True
            elif d in "){}+?":
                out.append(d)
            else:
                out.append("\\" + d)
            continue
        if c == "[":
            end = _bracket_end(pattern, i)
            out.append(pattern[i:end])
            i = end
            continue
        if c == "*" and at_start:
            out.append("\\*")
        elif c == "^":
            out.append("^" if at_start else "\\^")
            start = at_start
        elif c == "$":
            rest = pattern[i + 1 :]
            out.append("$" if not rest or rest.startswith(("\\)", "\\|")) else "\\$")
        elif c in "(){}|+?":
            out.append("\\" + c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def _bracket_end(pattern: str, i: int) -> int:
    """The index after the bracket expression opening at ``pattern[i]`` (the end of the
    pattern if it does not close: the ERE parser then says it is unmatched)."""
    n = len(pattern)
    j = i + 1
    if j < n and pattern[j] == "^":
        j += 1
    if j < n and pattern[j] == "]":
        j += 1
    while j < n:
        if pattern[j] == "[" and j + 1 < n and pattern[j + 1] in ":=.":
            close = pattern.find(pattern[j + 1] + "]", j + 2)
            if close < 0:
                return n
            j = close + 2
        elif pattern[j] == "]":
            return j + 1
        else:
            j += 1
    return n
