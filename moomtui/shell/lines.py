"""Splitting a command line: what :func:`split_pipeline` refuses and how it cuts the line
into commands and words.

The one splitter of the console, ``--script`` files, presets' ``[[events]]`` and
``kernel.modules`` (:mod:`.shell` explains the language). A line is a pipeline: commands
separated by ``|`` outside quotes (``grep 'a|b'`` is one command), the last of which may end
with the one ``>`` redirection. Each command's words are cut as ``sh`` cuts them (``shlex``:
quotes, backslashes, ``#`` comments). ``||``, ``;``, ``&`` and ``<`` are refused, and so is
an empty command in a pipeline (``a | | b``, a ``|`` at the end). :func:`split_line` is the
same splitter for a place that takes one command only (a preset's ``kernel.modules``). This
module stands on its own so that a preset can be checked without importing the commands.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Iterator

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


MAX_STAGES = 32
"""The most commands in one pipeline: each stage reads what the one before printed."""


def split_pipeline(line: str) -> tuple[list[list[str]], str | None]:
    """The commands of pipeline ``line`` (each a list of words) and the target of its ``>``
    redirection (None without one).

    ``|`` outside quotes separates the commands; one ``>`` (or ``>>``) may end the last
    one, and words after its target are arguments too, as in ``sh``. A line without a ``|``
    is one command, whose words may be empty (a blank line, a comment, ``> FILE`` alone);
    in a pipeline every command has words. ``||``, ``;``, ``&`` and ``<``, a line break or
    another control character (the tab aside), an invisible format character (a
    bidirectional override…: :func:`moomtui.text.unsafe`), a line longer than
    :data:`MAX_LINE` or a pipeline of more than :data:`MAX_STAGES` commands is a LineError.
    """
    _check_characters(line)
    cut = len(line)
    redirects: list[tuple[int, int]] = []
    pipes: list[int] = []
    word_start = True
    for i, c in _syntax(line):
        start = False
        if not c:
            pass
        elif c == "#" and word_start:
            cut = i
            break
        elif c == ">":
            if redirects and redirects[-1][1] == i and i - redirects[-1][0] == 1:
                redirects[-1] = (redirects[-1][0], i + 1)
            else:
                redirects.append((i, i + 1))
            start = True
        elif c == "|":
            if i + 1 < len(line) and line[i + 1] == "|":
                raise LineError("syntax error: '||' is not supported")
            pipes.append(i)
            start = True
        elif c in ";&<":
            raise LineError(f"syntax error: '{c}' is not supported")
        else:
            start = c.isspace()
        word_start = start
    if len(redirects) > 1:
        raise LineError("syntax error: only one redirection is supported")
    if len(pipes) >= MAX_STAGES:
        raise LineError(f"syntax error: a pipeline of at most {MAX_STAGES} commands")
    bounds = [-1, *pipes, cut]
    if redirects and redirects[0][0] < bounds[-2]:
        raise LineError("syntax error: only the last command of a pipeline may redirect")
    stages: list[list[str]] = []
    try:
        for begin, end in itertools.pairwise(bounds[:-1]):
            words = shlex.split(line[begin + 1 : end])
            if not words:
                raise LineError("syntax error near unexpected token `|'")
            stages.append(words)
        last = line[bounds[-2] + 1 : cut]
        target: str | None = None
        if redirects:
            begin, end = redirects[0]
            words = shlex.split(line[bounds[-2] + 1 : begin])
            after = shlex.split(line[end:cut])
            if not after:
                raise LineError("syntax error near unexpected token `newline'")
            words, target = words + after[1:], after[0]
        else:
            words = shlex.split(last)
    except ValueError as err:
        if isinstance(err, LineError):
            raise
        raise LineError(f"syntax error: {err}") from None
    if pipes and not words:
        raise LineError("syntax error: no command after '|'")
    stages.append(words)
    return stages, target


def split_line(line: str) -> tuple[list[str], str | None]:
    """The words of the one command ``line`` and the target of its ``>`` redirection (None
    without one), as :func:`split_pipeline` splits it; a pipeline is a LineError here (a
    preset's ``kernel.modules`` line is one module and its parameters)."""
    stages, target = split_pipeline(line)
    if len(stages) > 1:
        raise LineError("syntax error: '|': one command is expected here, not a pipeline")
    return stages[0], target


def last_command(line: str) -> str:
    """The text of the last command of ``line`` — what follows its last ``|`` outside
    quotes — as far as it is typed (for completion: unclosed quotes are no error here)."""
    start = 0
    for i, c in _syntax(line):
        if c == "|":
            start = i + 1
    return line[start:]


def _syntax(line: str) -> Iterator[tuple[int, str]]:
    """Each position of ``line`` with its character where the shell reads it as syntax, or
    with ``""`` where it does not: inside quotes, a quote itself, a backslash and the
    character it escapes (in double quotes, a backslash escapes the next one too)."""
    quote = ""
    escaped = False
    for i, c in enumerate(line):
        if escaped:
            escaped = False
            yield i, ""
        elif quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                escaped = True
            yield i, ""
        elif c == "\\":
            escaped = True
            yield i, ""
        elif c in "'\"":
            quote = c
            yield i, ""
        else:
            yield i, c
