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

from typing import Any

from .ere_syntax import WORD, EreError, Node, Parser, bre_to_ere

__all__ = ["MAX_STATES", "Ere", "EreError", "bre_to_ere", "compile_ere"]

MAX_STATES = 1000
"""The largest automaton built (``^(chrome|firefox|java)$`` has 60 states): a name of 15
bytes is matched in at most 16 walks of it."""


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
    tree = Parser(data, icase).parse()
    nfa = _Nfa()
    start, accept = nfa.build(tree)
    return Ere(pattern, nfa, start, accept)
