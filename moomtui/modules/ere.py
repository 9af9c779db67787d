"""POSIX extended regular expressions as earlyoom compiles them, matched in linear time.

earlyoom's ``--prefer`` and ``--avoid`` are ``regcomp(…, REG_EXTENDED | REG_NOSUB)`` and
``regexec`` on a process's name, in the C locale (earlyoom sets none): bytes, ASCII
classes. A pattern comes from whoever wrote the preset or typed the ``insmod``, and Python's
``re`` backtracks — ``((((a+)+)+)+)+$`` against ``aaaaaaaaaaaaaa!`` never returns — and
speaks another dialect besides (``\\d``, ``[\\w]``, ``a{,3}``, ``a+?`` all mean other things).

So the pattern is read here as glibc's ``regcomp`` reads it, into a Thompson automaton, and
matched by walking every state at once: the cost is at most the name's length times the
automaton's size, whatever the pattern. The grammar is glibc's ERE in the C locale:

* ``|``, ``( )`` (an empty group or alternative matches the empty string; a ``)`` without
  its ``(`` is an ordinary character), ``.`` (any byte), ``^`` and ``$`` (anchors wherever
  they stand);
* ``*``, ``+``, ``?``, ``{m}``, ``{m,}``, ``{m,n}``, ``{,n}``, any number of them in a row
  (``a+?`` is ``(a+)?``: there is no laziness); one with nothing before it — at the start,
  after ``(`` or ``|``, after an anchor — is an error, and ``{`` always opens an interval;
* bracket expressions: ``]`` first is a member, ``-`` first or last is a member, ranges in
  byte order, ``[:alpha:]`` and the eleven other classes, ``[=c=]`` and ``[.c.]`` of one
  character, and a backslash inside is a backslash;
* GNU's escapes: ``\\w \\W \\s \\S``, ``\\b \\B \\< \\>``, ``\\``` and ``\\'``; any other
  escaped character is itself.

Refused, with the reason (where earlyoom would only say it could not compile): a
back-reference (``\\1``…``\\9``: glibc accepts one, and no automaton can match it), and a
pattern whose automaton would pass :data:`MAX_STATES` states (``(a{100}){100}``).

The console's ``grep`` runs its patterns here too: ``icase`` is ``REG_ICASE`` (``-i``), and
:func:`bre_to_ere` reads its default, basic, patterns. A text of any length is walked once,
a byte at a time, at most a walk of the automaton for each byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_STATES = 1000
"""The largest automaton built (``^(chrome|firefox|java)$`` has 60 states): a name of 15
bytes is matched in at most 16 walks of it."""
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


class _Parser:
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


# --------------------------------------------------------------------------- the automaton
class _Nfa:
    """States 0…n: ``on[s]`` (a byte set and the next state, or None), ``eps[s]`` (states
    reached for free), ``cond[s]`` (an assertion that must hold to leave ``s``)."""

    def __init__(self) -> None:
        self.on: list[tuple[int, int] | None] = []
        self.eps: list[list[int]] = []
        self.cond: list[str] = []

    def state(self, cond: str = "") -> int:
        if len(self.on) >= MAX_STATES:
            raise EreError(f"too big (an automaton of more than {MAX_STATES} states)")
        self.on.append(None)
        self.eps.append([])
        self.cond.append(cond)
        return len(self.on) - 1

    def build(self, node: Node) -> tuple[int, int]:
        """A fragment for ``node``: its entry and exit states."""
        if node.kind == "set":
            a, b = self.state(), self.state()
            self.on[a] = (node.bits, b)
            return a, b
        if node.kind == "assert":
            a, b = self.state(node.what), self.state()
            self.eps[a].append(b)
            return a, b
        if node.kind == "cat":
            a = b = self.state()
            for item in node.items:
                x, y = self.build(item)
                self.eps[b].append(x)
                b = y
            return a, b
        if node.kind == "alt":
            a, b = self.state(), self.state()
            for item in node.items:
                x, y = self.build(item)
                self.eps[a].append(x)
                self.eps[y].append(b)
            return a, b
        return self.repetition(node)

    def repetition(self, node: Node) -> tuple[int, int]:
        body = node.items[0]
        a = b = self.state()
        for _ in range(node.low):
            x, y = self.build(body)
            self.eps[b].append(x)
            b = y
        if node.high is None:
            x, y = self.build(body)
            loop = self.state()
            self.eps[b].append(loop)
            self.eps[loop].append(x)
            self.eps[y].append(loop)
            return a, loop
        end = self.state()
        for _ in range(node.high - node.low):
            x, y = self.build(body)
            self.eps[b].append(x)
            self.eps[b].append(end)
            b = y
        self.eps[b].append(end)
        return a, end


class Ere:
    """A compiled pattern: :meth:`search` says whether it matches anywhere in a text.

    The automaton is walked as a set of states (a bit mask), byte by byte: a byte moves
    every state that takes it to the next one (a set state's exit is the state after it) in
    one shift, and the closure is the union of each state's own, remembered. The sets met
    are numbered and the moves between them remembered too — a lazily built DFA, forgotten
    when it grows past :data:`MAX_CACHED` sets or :data:`MAX_MOVES` moves —, so a byte costs
    a lookup once the DFA has made its move, and at most a walk of the automaton otherwise;
    the answer for each text is remembered, since a machine's names repeat."""

    __slots__ = (
        "_accepting",
        "_accepts",
        "_answers",
        "_closures",
        "_edges",
        "_ids",
        "_moves",
        "_reach",
        "_sets",
        "_starts",
        "_words",
        "accept",
        "nfa",
        "pattern",
        "start",
    )

    def __init__(self, pattern: str, nfa: _Nfa, start: int, accept: int) -> None:
        self.pattern = pattern
        self.nfa = nfa
        self.start = start
        self.accept = accept
        self._closures: dict[tuple[int, tuple[bool, ...]], int] = {}
        self._reach: dict[tuple[int, tuple[bool, ...]], int] = {}
        self._accepts: dict[int, int] = {}
        self._answers: dict[str, bool] = {}
        self._words = any(cond in "bB<>" for cond in nfa.cond if cond)
        """Whether an assertion looks at word bytes: only then does the byte after a
        position tell its closure apart."""
        self._forget()

    def _forget(self) -> None:
        """Start the DFA afresh (its sets, their numbers, their moves)."""
        self._ids: dict[int, int] = {}
        self._sets: list[int] = []
        self._accepting: list[bool] = []
        self._moves: list[dict[int, int]] = []
        self._starts: dict[int, int] = {}
        self._edges = 0

    def _number(self, states: int) -> int:
        found = self._ids.get(states)
        if found is None:
            if len(self._sets) >= MAX_CACHED or self._edges >= MAX_MOVES:
                self._forget()
            found = len(self._sets)
            self._ids[states] = found
            self._sets.append(states)
            self._accepting.append(bool(states >> self.accept & 1))
            self._moves.append({})
        return found

    def search(self, text: str) -> bool:
        """``regexec(pattern, text, 0, NULL, 0) == 0``: the text is matched as its UTF-8
        bytes (up to a NUL, as C reads it)."""
        answer = self._answers.get(text)
        if answer is None:
            answer = self._run(text.encode("utf-8", "surrogatepass").split(b"\0", 1)[0])
            _remember(self._answers, text, answer)
        return answer

    def _run(self, data: bytes) -> bool:
        n = len(data)
        words = self._words
        # what a position's closure needs besides the byte before it: 2 at the end, else
        # 1 before a word byte where an assertion asks about words, else 0
        where = 2 if n == 0 else 1 if words and _is_word(data[0]) else 0
        current = self._starts.get(where)
        if current is None:
            context = (True, n == 0, False, where == 1)
            current = self._number(self._closure(0, context))
            self._starts[where] = current
        accepting = self._accepting
        if accepting[current]:
            return True
        last = n - 1
        for i, byte in enumerate(data):
            if i == last:
                where = 2
            elif words:
                where = 1 if WORD >> data[i + 1] & 1 else 0
            else:
                where = 0
            key = byte | where << 8
            moves = self._moves[current]
            nxt = moves.get(key)
            if nxt is None:
                context = (False, where == 2, _is_word(byte), where == 1)
                stepped = self._step(self._sets[current], byte)
                nxt = self._number(self._closure(stepped, context))
                moves[key] = nxt
                self._edges += 1
                accepting = self._accepting  # a new DFA if the old one was forgotten
            current = nxt
            if accepting[current]:
                return True
        return False

    def _step(self, states: int, byte: int) -> int:
        """The states ``byte`` moves ``states`` to: each set state that takes it, to the
        state after it."""
        takes = self._accepts.get(byte)
        if takes is None:
            takes = 0
            for s, edge in enumerate(self.nfa.on):
                if edge is not None and edge[0] >> byte & 1:
                    assert edge[1] == s + 1
                    takes |= 1 << s
            self._accepts[byte] = takes
        return (states & takes) << 1

    def _closure(self, states: int, context: tuple[bool, ...]) -> int:
        """``states`` and the start (the search may begin anywhere), and every state they
        reach for free where ``context`` lets the assertions on the way hold."""
        key = (states, context)
        found = self._closures.get(key)
        if found is None:
            found = 0
            todo = states | 1 << self.start
            while todo:
                low = todo & -todo
                todo ^= low
                found |= self._reached(low.bit_length() - 1, context)
            _remember(self._closures, key, found)
        return found

    def _reached(self, state: int, context: tuple[bool, ...]) -> int:
        """``state`` and every state it reaches for free under ``context``."""
        key = (state, context)
        found = self._reach.get(key)
        if found is None:
            nfa = self.nfa
            found = 0
            stack = [state]
            while stack:
                s = stack.pop()
                if found >> s & 1:
                    continue
                found |= 1 << s
                cond = nfa.cond[s]
                if cond and not _holds(cond, context):
                    continue
                stack.extend(nfa.eps[s])
            self._reach[key] = found  # at most the states times the 16 contexts
        return found


MAX_CACHED = 4096
"""Sets of states (and names) remembered per pattern before the memory is cleared."""
MAX_MOVES = 1 << 16
"""Moves between sets remembered per pattern before the DFA is forgotten."""


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= MAX_CACHED:
        cache.clear()
    cache[key] = value


def _is_word(c: int | None) -> bool:
    return c is not None and bool(WORD >> c & 1)


def _holds(cond: str, context: tuple[bool, ...]) -> bool:
    """An assertion at a position: ``context`` is (at the start, at the end, a word byte
    before, a word byte after)."""
    start, end, before, after = context
    if cond in "^`":
        return start
    if cond in "$'":
        return end
    if cond == "b":
        return before != after
    if cond == "B":
        return before == after
    if cond == "<":
        return after and not before
    return before and not after  # ">"


def compile_ere(pattern: str, *, icase: bool = False) -> Ere:
    """``regcomp(pattern, REG_EXTENDED | REG_NOSUB)`` in the C locale (with ``icase``,
    ``| REG_ICASE``: an ASCII letter matches either case); EreError if it does not compile
    or is refused."""
    data = pattern.encode("utf-8", "surrogatepass").split(b"\0", 1)[0]
    tree = _Parser(data, icase).parse()
    nfa = _Nfa()
    start, accept = nfa.build(tree)
    return Ere(pattern, nfa, start, accept)


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
