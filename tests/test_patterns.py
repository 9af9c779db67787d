"""No regular expression moomtui runs can backtrack without end (moomtui/patterns.py).

Every pattern is declared in :mod:`moomtui.patterns`, anchored or scanning. This test reads
each one's structure as Python's own parser gives it (``re._parser``: CPython's, used here in
a test only, never by moomtui) and refuses

* an unbounded repeat inside a repeat (``(a+)+``, ``(?:\\s*x)*``), or over something that
  can match nothing, or over alternatives that can start alike (``(a|ab)*``);
* two unbounded repeats that can share a character with nothing between them that only one
  of them can match — side by side (``\\s*[:=]?\\s*``), apart (``.*,.*``), or one with the
  scan of a scanning pattern, which tries it at every position (``(\\w+):``).

Two such repeats are safe when something between them cannot be matched by both (``\\s*:\\s*``),
when one's body needs a character the other cannot match (``[ \\t]*(?:>[ \\t]?)+``), or when a
negative look-around between them refuses exactly their shared characters
(``(?<!\\w)(\\w+):``). Character classes are compared on the first 12,288 code points and
every character a pattern names.

The test also reads the source: no module but :mod:`moomtui.patterns` compiles a pattern,
and no pattern declared anchored is used to scan.
"""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]  # CPython's, in a test only
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

import pytest

import moomtui
from moomtui import patterns

PACKAGE = Path(moomtui.__file__).resolve().parent
UNBOUNDED = P.MAXREPEAT
REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
BASE = 0x3000


# ------------------------------------------------------------------ character sets
class Alphabet:
    """The characters sets are compared on: the first 12,288 code points, and those the
    pattern names itself; a set is a bit mask over them."""

    def __init__(self, tree: Any) -> None:
        named: set[int] = set()
        _collect_literals(tree, named)
        self.extra = "".join(chr(c) for c in sorted(named) if c >= BASE)
        self.chars = _BASE_CHARS + self.extra
        self.all = (1 << len(self.chars)) - 1

    def mask(self, test: re.Pattern[str]) -> int:
        return _mask(test.pattern, test.flags, self.extra)


_BASE_CHARS = "".join(chr(i) for i in range(BASE))


@functools.cache
def _mask(regex: str, flags: int, extra: str) -> int:
    """The characters of ``_BASE_CHARS + extra`` a one-character pattern matches."""
    chars = _BASE_CHARS + extra
    bits = ["0"] * len(chars)
    for m in re.finditer(regex, chars, flags | re.DOTALL if regex != "." else flags):
        bits[m.start()] = "1"
    return int("".join(reversed(bits)), 2)


def _collect_literals(tree: Any, out: set[int]) -> None:
    for op, av in tree:
        if op in (C.LITERAL, C.NOT_LITERAL):
            out.add(av)
        elif op == C.IN:
            for iop, iav in av:
                if iop == C.LITERAL:
                    out.add(iav)
                elif iop == C.RANGE:
                    out.update(iav)
        for child in _children(op, av):
            _collect_literals(child, out)


def _children(op: Any, av: Any) -> list[Any]:
    if op in REPEATS:
        return [av[2]]
    if op == C.SUBPATTERN:
        return [av[3]]
    if op == C.BRANCH:
        return list(av[1])
    if op in (C.ASSERT, C.ASSERT_NOT):
        return [av[1]]
    if op == getattr(C, "ATOMIC_GROUP", None):
        return [av]
    if op == C.GROUPREF_EXISTS:
        return [b for b in av[1:] if b is not None]
    return []


def _leaf_regex(op: Any, av: Any) -> str | None:
    """A one-character pattern equal to a leaf of the tree."""
    if op == C.LITERAL:
        return re.escape(chr(av))
    if op == C.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op == C.ANY:
        return "."
    if op == C.IN:
        parts, negate = [], False
        categories = {
            C.CATEGORY_DIGIT: r"\d",
            C.CATEGORY_NOT_DIGIT: r"\D",
            C.CATEGORY_SPACE: r"\s",
            C.CATEGORY_NOT_SPACE: r"\S",
            C.CATEGORY_WORD: r"\w",
            C.CATEGORY_NOT_WORD: r"\W",
        }
        for iop, iav in av:
            if iop == C.NEGATE:
                negate = True
            elif iop == C.LITERAL:
                parts.append(re.escape(chr(iav)))
            elif iop == C.RANGE:
                parts.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
            elif iop == C.CATEGORY:
                parts.append(categories[iav])
            else:
                raise AssertionError(f"unknown set item {iop}")
        return "[" + ("^" if negate else "") + "".join(parts) + "]"
    return None


# ------------------------------------------------------------------ the walk
@dataclass
class Open:
    """An unbounded repeat the walk has passed, that a later one may overlap."""

    name: str
    chars: int
    needs: list[int]
    between: list[int] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)


class Checker:
    def __init__(self, regex: str, flags: int, scans: bool) -> None:
        self.regex, self.flags = regex, flags
        self.tree = P.parse(regex, flags)
        self.alphabet = Alphabet(self.tree)
        self.flags = self.tree.state.flags
        self.problems: list[str] = []
        self.count = 0
        start = [Open("the scan", self.alphabet.all, [])] if scans else []
        self.walk(self.tree, start, self.flags)

    # sets
    def leaf(self, op: Any, av: Any, flags: int) -> int | None:
        text = _leaf_regex(op, av)
        if text is None:
            return None
        keep = flags & (re.IGNORECASE | re.ASCII | re.DOTALL | re.UNICODE)
        return self.alphabet.mask(re.compile(text, keep))

    def chars(self, tree: Any, flags: int) -> int:
        """Every character ``tree`` may match."""
        bits = 0
        for op, av in tree:
            single = self.leaf(op, av, flags)
            if single is not None:
                bits |= single
            elif op == C.GROUPREF:
                bits |= self.alphabet.all
            for child in _children(op, av):
                if op not in (C.ASSERT, C.ASSERT_NOT):
                    bits |= self.chars(child, self._flags(op, av, flags))
        return bits

    def needs(self, tree: Any, flags: int) -> list[int]:
        """Sets each match of ``tree`` must take a character from."""
        out: list[int] = []
        for op, av in tree:
            single = self.leaf(op, av, flags)
            if single is not None:
                out.append(single)
            elif op in REPEATS and av[0] >= 1:
                out += self.needs(av[2], flags)
            elif op == C.SUBPATTERN:
                out += self.needs(av[3], self._flags(op, av, flags))
        return out

    def nullable(self, tree: Any, flags: int) -> bool:
        for op, av in tree:
            if self.leaf(op, av, flags) is not None or op == C.GROUPREF:
                return False
            if op in REPEATS and av[0] >= 1 and not self.nullable(av[2], flags):
                return False
            if op == C.SUBPATTERN and not self.nullable(av[3], flags):
                return False
            if op == C.BRANCH and not any(self.nullable(b, flags) for b in av[1]):
                return False
        return True

    def first(self, tree: Any, flags: int) -> int:
        """Characters a match of ``tree`` may start with."""
        bits = 0
        for op, av in tree:
            single = self.leaf(op, av, flags)
            if single is not None:
                return bits | single
            if op in REPEATS:
                bits |= self.first(av[2], flags)
                if av[0] >= 1 and not self.nullable(av[2], flags):
                    return bits
            elif op == C.SUBPATTERN:
                bits |= self.first(av[3], self._flags(op, av, flags))
                if not self.nullable(av[3], flags):
                    return bits
            elif op == C.BRANCH:
                for b in av[1]:
                    bits |= self.first(b, flags)
                if not any(self.nullable(b, flags) for b in av[1]):
                    return bits
            elif op == C.GROUPREF:
                return self.alphabet.all
        return bits

    @staticmethod
    def _flags(op: Any, av: Any, flags: int) -> int:
        if op == C.SUBPATTERN:
            return (flags | av[1]) & ~av[2]
        return flags

    def has_unbounded(self, tree: Any) -> bool:
        for op, av in tree:
            if op in REPEATS and av[1] == UNBOUNDED:
                return True
            if any(self.has_unbounded(c) for c in _children(op, av)):
                return True
        return False

    # the rules
    def problem(self, text: str) -> None:
        self.problems.append(text)

    def walk(self, tree: Any, opened: list[Open], flags: int) -> list[Open]:
        for op, av in tree:
            opened = self.item(op, av, opened, flags)
        return opened

    def consume(self, opened: list[Open], bits: int) -> list[Open]:
        """A character from ``bits`` must be matched: repeats that cannot match any of it are
        closed, the others remember it."""
        kept = []
        for o in opened:
            if o.chars & bits:
                kept.append(Open(o.name, o.chars, o.needs, [*o.between, bits], o.refusals))
        return kept

    def item(self, op: Any, av: Any, opened: list[Open], flags: int) -> list[Open]:
        single = self.leaf(op, av, flags)
        if single is not None:
            return self.consume(opened, single)
        if op == C.SUBPATTERN:
            return self.walk(av[3], opened, self._flags(op, av, flags))
        if op == getattr(C, "ATOMIC_GROUP", None):
            return self.walk(av, opened, flags)
        if op == C.BRANCH:
            out: list[Open] = []
            for branch in av[1]:
                out += self.walk(branch, list(opened), flags)
            return out
        if op == C.AT:
            if av in (C.AT_BEGINNING_STRING,) or (
                av == C.AT_BEGINNING and not flags & re.MULTILINE
            ):
                return []  # only one place: nothing before it is tried again
            if av == C.AT_BOUNDARY:
                words = self.alphabet.mask(re.compile(r"\w", flags & re.ASCII))
                return [
                    Open(o.name, o.chars, o.needs, o.between, [*o.refusals, words, ~words])
                    for o in opened
                ]
            return opened
        if op == C.ASSERT_NOT:
            body = av[1]
            if len(body) == 1 and self.leaf(*body[0], flags) is not None:
                refused = self.leaf(*body[0], flags)
                assert refused is not None
                return [
                    Open(o.name, o.chars, o.needs, o.between, [*o.refusals, refused])
                    for o in opened
                ]
            return opened
        if op == C.ASSERT:
            return opened  # looks, takes nothing: assumed to refuse nothing
        if op == C.GROUPREF:
            return self.consume(opened, self.alphabet.all)
        if op in REPEATS:
            return self.repeat(av, opened, flags)
        if op == C.GROUPREF_EXISTS:
            out = []
            for branch in av[1:]:
                out += self.walk(branch or [], list(opened), flags)
            return out
        raise AssertionError(f"unknown node {op}")

    def repeat(self, av: Any, opened: list[Open], flags: int) -> list[Open]:
        low, high, body = av
        if high != UNBOUNDED:
            if high == 0:
                return opened
            if high > 1 and self.has_unbounded(body):
                self.problem("an unbounded repeat inside a repeat")
            after = self.walk(body, list(opened), flags)
            return after if low >= 1 else opened + after
        self.count += 1
        name = f"unbounded repeat #{self.count}"
        if self.has_unbounded(body):
            self.problem(f"{name} holds another unbounded repeat")
        if self.nullable(body, flags):
            self.problem(f"{name} repeats what can match nothing")
        self.check_branches(body, flags, name)
        chars = self.chars(body, flags)
        needs = self.needs(body, flags)
        for o in opened:
            shared = o.chars & chars
            if not shared:
                continue
            if any(not n & shared for n in (*o.between, *o.needs, *needs)):
                continue  # something between them (or in one of them) only one can match
            if any(shared & ~r == 0 for r in o.refusals):
                continue  # a look-around between them refuses what both could match
            sample = next(
                self.alphabet.chars[i] for i in range(len(self.alphabet.chars)) if shared >> i & 1
            )
            self.problem(f"{o.name} and {name} can both match {sample!r} in a row")
        self.walk(body, [], flags)  # for the checks of what is inside
        kept = opened if low == 0 else self.consume(opened, chars)
        return [*kept, Open(name, chars, needs)]

    def check_branches(self, tree: Any, flags: int, name: str) -> None:
        """Inside an unbounded repeat, alternatives must start differently."""
        for op, av in tree:
            if op == C.BRANCH:
                seen = 0
                for branch in av[1]:
                    start = self.first(branch, flags)
                    if start & seen:
                        self.problem(f"{name} holds alternatives that start alike")
                    seen |= start
            for child in _children(op, av):
                if op not in (C.ASSERT, C.ASSERT_NOT):
                    check_flags = self._flags(op, av, flags)
                    self.check_branches(child, check_flags, name)


def problems(regex: str, flags: int = 0, *, scans: bool = False) -> list[str]:
    return Checker(regex, flags, scans).problems


# ------------------------------------------------------------------ the checker, checked
@pytest.mark.parametrize(
    ("regex", "scans"),
    [
        (r"((((a+)+)+)+)+$", False),  # the earlyoom reproduction
        (r"(\w|\d\d)*!", False),  # alternatives that start alike
        (r"(?:x|y\s*)+z", False),
        (r"(?:a?)*b", False),
        (r"^(memory\.max)\s*[:=]?\s*(\S+)$", False),  # 40 KB: 66 s
        (r"^\[[^\]\[]*\d{1,2}:\d{2}:\d{2}[^\]\[]*\]", False),  # the human time stamp
        (r"^(?P<comm>.*?) invoked oom-killer: gfp_mask=.*?,(?:\s*nodemask=.*?,)?", False),
        (r"0x[0-9a-f]+\S*?,", False),
        (r"Comm: (?P<comm>.+?)\s+Not tainted", False),
        (r"Tainted: [A-Z ]*?\s*(\d+)", False),
        (r"(Kernel panic - not syncing: .*[Oo]ut of [Mm]emory.*)", True),
        (r"(\w+):(\d+)", True),
        (r"\s+x", True),
        (r".*:.*", False),
        (r"(a+){2}", False),
    ],
)
def test_the_checker_finds_each_kind_of_backtracking(regex: str, scans: bool) -> None:
    assert problems(regex, scans=scans), regex


@pytest.mark.parametrize(
    ("regex", "scans"),
    [
        (r"\s*:\s*", False),
        (r"[ \t]*(?:>[ \t]?)+", False),
        (r"(?<!\w)(\w+):(\d+)(?=\s|$)", True),
        (r"score (\d+)", True),
        (r"^\s+x", True),
        (r"\d+\.\d+(?!\d)\S*", False),
        (r"(\S+) (\S+)", False),
        (r"[a-z]+[ \t]*:[a-z]+[ \t]*:[ \t]?", False),
        (r"\[\s*pid\s*\]\s+(?P<cols>\S(?:.*\S)?)\s*$", False),
        (r"\bfoo\w+", True),
    ],
)
def test_the_checker_passes_what_cannot_backtrack_long(regex: str, scans: bool) -> None:
    assert problems(regex, scans=scans) == [], regex


# ------------------------------------------------------------------ moomtui's patterns
def _import_all() -> None:
    for info in pkgutil.walk_packages([str(PACKAGE)], "moomtui."):
        if info.name.startswith(("moomtui._presets", "moomtui._themes", "moomtui.__main__")):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError as err:  # an optional extra (moomtui.web without textual-serve)
            if "textual_serve" not in str(err) and "aiohttp" not in str(err):
                raise


def _declared() -> list[patterns.Declared]:
    _import_all()
    return list(patterns.DECLARED)


@pytest.mark.slow
def test_every_pattern_moomtui_runs_is_free_of_long_backtracking() -> None:
    declared = _declared()
    assert len(declared) >= 40
    found = {}
    for d in declared:
        issues = problems(d.pattern.pattern, d.pattern.flags, scans=d.scans)
        if issues:
            found[d.pattern.pattern] = issues
    assert found == {}


SCANS = {"search", "findall", "finditer", "sub", "subn", "split"}
COMPILES = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn"}
COMPILES |= {"split"}


def _sources() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "patterns.py"
    ]


def test_no_module_compiles_a_pattern_of_its_own() -> None:
    """``re.compile``, ``re.search`` and the like only in moomtui.patterns: a pattern
    elsewhere would escape the check above."""
    calls = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in COMPILES
            ):
                calls.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: re.{node.func.attr}")
    assert calls == []


def test_no_anchored_pattern_is_used_to_scan() -> None:
    """A pattern declared anchored is checked without the scan: using it to search would
    try it at every position, which the check did not allow for."""
    anchored: set[str] = set()
    trees = _sources()
    for _, tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign | ast.AnnAssign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name | ast.Attribute)
                and (
                    node.value.func.id
                    if isinstance(node.value.func, ast.Name)
                    else node.value.func.attr
                )
                == "anchored"
            ):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                anchored.update(t.id for t in targets if isinstance(t, ast.Name))
    assert len(anchored) >= 20
    misused = []
    for path, tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SCANS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in anchored
            ):
                misused.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.func.value.id}")
    assert misused == []
