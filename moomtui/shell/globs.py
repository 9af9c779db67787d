"""Wildcards in paths: ``cat /proc/sys/vm/oom/*``, ``ls /proc/*/oom_score``.

The commands that take ``/proc`` paths (``cat``, ``ls`` and the text tools) expand ``*``,
``?`` and ``[...]`` in them against the simulated ``/proc``, as ``sh`` would before running
them: each component with a wildcard is matched against the names of its directory (a
leading ``.`` is not special: ``/proc`` has no hidden names), the matches are sorted in the C
locale's byte order, and a pattern that matches nothing stays as it was typed, so the
command answers ``No such file or directory`` for it. ``[...]`` takes ranges (``[0-9]``),
``!`` or ``^`` first to negate, ``]`` first as a member and the classes ``[:digit:]``… of
the C locale; a ``[`` without its ``]`` is itself.

The work is bounded: a name is matched in time proportional to its length times the number
of wildcards it can use (a pattern with more literal characters than the name has is passed
over without a look), each directory is listed once, and an expansion stops with
:class:`GlobError` past :data:`ARG_MAX` bytes of names (``Argument list too long``, as a 2.4
``execve`` says of 30,000 of them).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..kernel.procfs import ProcError, list_proc
from .base import CWD

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel

ARG_MAX = 32 * 4096
"""2.4's ``MAX_ARG_PAGES`` pages: the most bytes of arguments (each with its NUL) the
patterns of one command expand to (``/proc/*/oom_score`` of 6,000 tasks; not of 30,000)."""
MAX_PATHS = ARG_MAX // 2
"""The most partial paths a pattern is followed along (each is at least one character and
its ``/``): ``/proc/*/../*`` stops here rather than list ``/proc`` once for each task."""

WILDCARDS = "*?["

_CLASSES: dict[str, Callable[[str], bool]] = {
    "alpha": lambda c: c.isascii() and c.isalpha(),
    "digit": lambda c: "0" <= c <= "9",
    "alnum": lambda c: c.isascii() and c.isalnum(),
    "upper": lambda c: "A" <= c <= "Z",
    "lower": lambda c: "a" <= c <= "z",
    "space": lambda c: c in " \t\n\v\f\r",
    "blank": lambda c: c in " \t",
    "punct": lambda c: "!" <= c <= "~" and not c.isalnum(),
    "print": lambda c: " " <= c <= "~",
    "graph": lambda c: "!" <= c <= "~",
    "cntrl": lambda c: c < " " or c == "\x7f",
    "xdigit": lambda c: c in "0123456789abcdefABCDEF",
}


class GlobError(ValueError):
    """An expansion that was stopped: ``str()`` is the pattern and why."""


def has_wildcards(word: str) -> bool:
    """Whether ``word`` has a ``*``, a ``?`` or a ``[`` that closes."""
    return any(_units(part) is not None for part in word.split("/") if _magic(part))


def _magic(part: str) -> bool:
    return any(c in part for c in WILDCARDS)


# ------------------------------------------------------------------ one component
@dataclass(slots=True)
class _Set:
    """A ``?`` (``chars`` empty, ``negate``) or a bracket expression; what it said of each
    character met is remembered."""

    chars: str = ""
    ranges: tuple[tuple[str, str], ...] = ()
    classes: tuple[Callable[[str], bool], ...] = ()
    negate: bool = False
    seen: dict[str, bool] = field(default_factory=dict)

    def __call__(self, c: str) -> bool:
        found = self.seen.get(c)
        if found is None:
            inside = (
                c in self.chars
                or any(a <= c <= b for a, b in self.ranges)
                or any(test(c) for test in self.classes)
            )
            found = inside != self.negate
            if len(self.seen) < 256:
                self.seen[c] = found
        return found


_STAR = "*"
Unit = str | _Set
"""A literal character, the star (:data:`_STAR` as its own object), or a set."""


def _bracket(part: str, i: int) -> tuple[_Set, int] | None:
    """The set of the bracket expression opening at ``part[i]`` and the index after it, or
    None if it does not close (the ``[`` is then itself)."""
    j = i + 1
    negate = j < len(part) and part[j] in "!^"
    if negate:
        j += 1
    chars: list[str] = []
    ranges: list[tuple[str, str]] = []
    classes: list[Callable[[str], bool]] = []
    first = True
    while j < len(part):
        c = part[j]
        if c == "]" and not first:
            return _Set("".join(chars), tuple(ranges), tuple(classes), negate), j + 1
        first = False
        if c == "[" and part.startswith("[:", j):
            close = part.find(":]", j + 2)
            test = _CLASSES.get(part[j + 2 : close]) if close > 0 else None
            if test is not None:
                classes.append(test)
                j = close + 2
                continue
        if j + 2 < len(part) and part[j + 1] == "-" and part[j + 2] != "]":
            ranges.append((c, part[j + 2]))
            j += 3
            continue
        chars.append(c)
        j += 1
    return None


def _units(part: str) -> list[Unit] | None:
    """The pattern ``part`` (one path component) as units, stars run together; None if it
    has no wildcard after all (a lone ``[``)."""
    units: list[Unit] = []
    magic = False
    i = 0
    while i < len(part):
        c = part[i]
        if c == "*":
            magic = True
            if not units or units[-1] is not _STAR:
                units.append(_STAR)
            i += 1
        elif c == "?":
            magic = True
            units.append(_Set(negate=True))
            i += 1
        elif c == "[" and (found := _bracket(part, i)) is not None:
            magic = True
            units.append(found[0])
            i = found[1]
        else:
            units.append(c)
            i += 1
    return units if magic else None


def _one(unit: Unit, c: str) -> bool:
    return unit == c if isinstance(unit, str) else unit(c)


class Component:
    """A path component with wildcards, compiled once and matched against many names."""

    def __init__(self, units: list[Unit]) -> None:
        self.segments: list[list[Unit]] = [[]]
        for unit in units:
            if unit is _STAR:
                self.segments.append([])
            else:
                self.segments[-1].append(unit)
        self.needed = sum(len(s) for s in self.segments)
        """The characters a name needs at least: one for each unit but the stars."""

    def match(self, name: str) -> bool:
        segments = self.segments
        if len(name) < self.needed:
            return False
        if len(segments) == 1:
            return len(name) == self.needed and _at(segments[0], name, 0)
        head, *middle, tail = segments
        if not _at(head, name, 0):
            return False
        end = len(name) - len(tail)
        if end < len(head) or not _at(tail, name, end):
            return False
        i = len(head)
        for segment in middle:  # each as early as it fits: leaves the most for the rest
            while i + len(segment) <= end and not _at(segment, name, i):
                i += 1
            if i + len(segment) > end:
                return False
            i += len(segment)
        return True


def _at(segment: Sequence[Unit], name: str, i: int) -> bool:
    return all(_one(unit, name[i + k]) for k, unit in enumerate(segment))


# ------------------------------------------------------------------ whole paths
def expand(k: Kernel, words: Sequence[str]) -> list[str]:
    """``words`` with each path pattern replaced by the names it matches, sorted; a pattern
    that matches nothing stays. GlobError once the words would pass :data:`ARG_MAX` bytes,
    or a pattern's partial paths :data:`MAX_PATHS`."""
    out: list[str] = []
    room = ARG_MAX
    listings = _Listings(k)
    for word in words:
        found = _expand(word, listings) if _magic(word) else []
        for name in found or [word]:
            room -= len(name.encode("utf-8", "surrogatepass")) + 1
            if room < 0:
                raise GlobError(f"{word}: Argument list too long")
            out.append(name)
    return out


class _Listings:
    """The directories an expansion looked at, each listed once: their names, in order and
    as a set (None: not a directory)."""

    def __init__(self, k: Kernel) -> None:
        self.k = k
        self._names: dict[str, tuple[list[str], frozenset[str]] | None] = {}

    def _get(self, path: str) -> tuple[list[str], frozenset[str]] | None:
        if path not in self._names:
            try:
                names = ["proc"] if path == "/" else list_proc(self.k, path)
            except ProcError:
                self._names[path] = None
            else:
                self._names[path] = (names, frozenset(names))
        return self._names[path]

    def names(self, path: str) -> list[str]:
        found = self._get(path)
        return [] if found is None else found[0]

    def has(self, path: str, name: str) -> bool:
        """Whether ``path/name`` exists (a ``name`` of ``""``: whether ``path`` is a
        directory, as ``*/`` asks)."""
        found = self._get(path)
        return found is not None and (name in ("", ".", "..") or name in found[1])


def _expand(word: str, listings: _Listings) -> list[str]:
    """The sorted names ``word`` matches (none: it stays as typed)."""
    absolute = word.startswith("/")
    parts = word.split("/")
    if absolute:
        parts = parts[1:]
    # the word as typed so far and the directory it names (normalized)
    found: list[tuple[str, str]] = [("/" if absolute else "", "/" if absolute else CWD)]
    started = False  # past the first wildcard: each literal component must exist
    for index, part in enumerate(parts):
        sep = "" if index == 0 else "/"
        units = _units(part) if _magic(part) else None
        matched: dict[str, list[str]] = {}
        component = None if units is None else Component(units)
        nxt: list[tuple[str, str]] = []
        for typed, full in found:
            if component is None:
                if started and not listings.has(full, part):
                    continue
                joined = posixpath.normpath(full.rstrip("/") + "/" + part)
                nxt.append((f"{typed}{sep}{part}", joined))
            else:
                names = matched.get(full)
                if names is None:
                    names = [n for n in listings.names(full) if component.match(n)]
                    matched[full] = names
                prefix = full.rstrip("/") + "/"
                nxt.extend((f"{typed}{sep}{name}", prefix + name) for name in names)
            if len(nxt) > MAX_PATHS:
                raise GlobError(f"{word}: Argument list too long")
        started = started or component is not None
        found = nxt
        if not found:
            return []
    return sorted(typed for typed, _ in found)
