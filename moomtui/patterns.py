"""Every regular expression moomtui runs, declared in one place: none may backtrack without end.

A pasted report, a preset, a command line, a process name: almost every text moomtui
matches came from someone else, and Python's ``re`` backtracks. A pattern with two
unbounded repeats that can match the same characters — nested (``(a+)+``), side by side
(``\\s*[:=]?\\s*``), or one after the implicit scan of :meth:`re.Pattern.search` (``(\\w+):``
tried at every position) — costs the square of a line's length, or more, when the rest of
the pattern fails: 40 KB of ``memory.max`` and spaces took 66 seconds.

So a module never calls :func:`re.compile` (nor ``re.search`` and the like) itself: it
declares each pattern here, with how it is used —

* :func:`anchored` for a pattern only ever tried at one place (``match``, ``fullmatch``);
* :func:`scanning` for one tried at every position (``search``, ``findall``, ``finditer``,
  ``sub``, ``split``) —

and ``tests/test_patterns.py`` reads the structure of every declared pattern: no unbounded
repeat inside another, and no two unbounded repeats (the scan's counting as one) that can
both match a character with nothing between them that only one of them can match. The
same test checks that no other module compiles a pattern, and that no pattern declared
anchored is used to scan.

A leaf module: it imports nothing of moomtui, so every layer, the kernel included, uses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Declared:
    """A declared pattern: its text, its flags, and whether it is tried at every position."""

    pattern: re.Pattern[str]
    scans: bool


DECLARED: list[Declared] = []
"""Every pattern declared so far, in the order the modules were imported."""


def anchored(regex: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern tried only where its caller says (``match``, ``fullmatch``)."""
    compiled = re.compile(regex, flags)
    DECLARED.append(Declared(compiled, scans=False))
    return compiled


def scanning(regex: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern tried at every position of a text (``search``, ``findall``, ``sub``…)."""
    compiled = re.compile(regex, flags)
    DECLARED.append(Declared(compiled, scans=True))
    return compiled
