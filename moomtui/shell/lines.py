"""Splitting a command line: what :func:`split_line` refuses and how it cuts the words.

The one splitter of the console, ``--script`` files, presets' ``[[events]]`` and
``kernel.modules`` (:mod:`.shell` explains the language). It stands on its own so that a
preset's ``kernel.modules`` can be checked without importing the commands.
"""

from __future__ import annotations

import re
import shlex

from ..patterns import scanning
from ..text import unsafe

MAX_LINE = 4096
"""The longest command line, in characters (a 2.4 tty's line discipline took 4095)."""

LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character ``str.splitlines()`` ends a line at."""

FORBIDDEN = (
    "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x09) + "\u2028\u2029"
)
"""What a command line may not contain: the control characters (C0, DEL, C1) but the tab,
and the line and paragraph separators — so every character in :data:`LINE_BREAKS`."""
_CONTROL = scanning(f"[{re.escape(FORBIDDEN)}]")


class LineError(ValueError):
    """A line the shell cannot split (bad quoting, an unsupported operator)."""


def _check_characters(line: str) -> None:
    if len(line) > MAX_LINE:
        raise LineError(f"line too long ({len(line)} characters; at most {MAX_LINE})")
    found = _CONTROL.search(line)
    if found is not None:
        c = found.group()
        if c in LINE_BREAKS:
            raise LineError(
                f"syntax error: line break (U+{ord(c):04X}) in the command: a command is one line"
            )
        raise LineError(f"syntax error: control character U+{ord(c):04X} in the command")
    if not line.isprintable():
        for c in line:
            if c != "\t" and unsafe(c):
                raise LineError(
                    f"syntax error: invisible character U+{ord(c):04X} in the command "
                    "(a bidirectional override or another format character)"
                )


def split_line(line: str) -> tuple[list[str], str | None]:
    """The words of ``line`` and the target of its ``>`` redirection (None without one).

    Words after the target are arguments too, as in ``sh``. A line break or another control
    character (the tab aside), an invisible format character (a bidirectional override…:
    :func:`moomtui.text.unsafe`), or a line longer than :data:`MAX_LINE`, is a LineError.
    """
    _check_characters(line)
    cut = len(line)
    redirects: list[tuple[int, int]] = []
    quote = ""
    word_start = True
    i = 0
    while i < len(line):
        c = line[i]
        start = False
        if quote == "'":
            quote = "" if c == "'" else quote
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = ""
        elif c == "\\":
            i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and word_start:
            cut = i
            break
        elif c == ">":
            if redirects and redirects[-1][1] == i and i - redirects[-1][0] == 1:
                redirects[-1] = (redirects[-1][0], i + 1)
            else:
                redirects.append((i, i + 1))
            start = True
        elif c in "|;&<":
            raise LineError(f"syntax error: '{c}' is not supported")
        else:
            start = c.isspace()
        word_start = start
        i += 1
    if len(redirects) > 1:
        raise LineError("syntax error: only one redirection is supported")
    try:
        if not redirects:
            return shlex.split(line[:cut]), None
        begin, end = redirects[0]
        words = shlex.split(line[:begin])
        target = shlex.split(line[end:cut])
    except ValueError as err:
        raise LineError(f"syntax error: {err}") from None
    if not target:
        raise LineError("syntax error near unexpected token `newline'")
    return words + target[1:], target[0]
