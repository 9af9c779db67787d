"""Text tools for pipelines: ``grep``, ``head``, ``tail``, ``wc``, ``less`` (``sort`` and
``uniq``: :mod:`.cmd_sort`).

Each reads its input — what the command before it in the pipeline printed (``dmesg | tail``),
or ``/proc`` files named as ``cat`` takes them (``grep VmRSS /proc/*/status``; ``-`` is the
pipe) — and answers in the words of the 2003 tools (GNU grep 2.5, coreutils 5.0). Outside
a pipeline and without a file a tool has no input: it says so in one line (a terminal would
wait for the keyboard).

``grep`` runs its patterns on :mod:`moomtui.modules.ere`, the automaton earlyoom's patterns
run on, never on Python's backtracking ``re``: the time is the input's length times the
pattern's size, whatever the pattern. Basic patterns (the default) are read as POSIX BREs
with GNU's ``\\|``, ``\\+`` and ``\\?``; ``-E`` patterns as glibc's EREs; ``-F`` as plain
strings. A back-reference (``\\1``) and a pattern whose automaton passes 1,000 states are
refused with the reason. Every tool costs at most a few passes over its input.

``less`` prints its input; at the console of the screen, at the end of a pipeline (or on a
file), it opens a view to scroll instead.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..modules.ere import EreError, bre_to_ere, compile_ere
from .base import ArgParser, CommandError, Output, Result, clip, command, parse
from .completion import complete_path, options
from .inputs import STDIN_NAME, expand_files, inputs, lines_of

if TYPE_CHECKING:
    from .shell import Shell


def complete_files(flags: tuple[str, ...]) -> Callable[[Shell, list[str], str], list[str]]:
    def complete(sh: Shell, before: list[str], prefix: str) -> list[str]:
        if prefix.startswith("-"):
            return options(prefix, flags)
        return complete_path(sh, prefix)

    return complete


class TextParser(ArgParser):
    """A tool's parser that takes ``--`` (the end of the options) as getopt does, which
    argparse's intermixed parsing does not; for ``grep``, ``-e -v`` too. The arguments are
    rewritten before parsing, so a line is read alike when it is checked and when it runs.
    """

    pattern_option: str | None = None
    """The long option a pattern after ``--`` becomes (grep's ``--regexp``)."""

    def parse_intermixed_args(self, args: Any = None, namespace: Any = None) -> Any:
        return super().parse_intermixed_args(self.rewrite(list(args or [])), namespace)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        return super().parse_args(self.rewrite(list(args or [])), namespace)

    def rewrite(self, argv: list[str]) -> list[str]:
        out: list[str] = []
        option = self.pattern_option
        i = 0
        while i < len(argv):
            word = argv[i]
            if option is not None and word in ("-e", option) and i + 1 < len(argv):
                out.append(f"{option}={argv[i + 1]}")  # -e -v: the pattern -v
                i += 2
                continue
            if word == "--":
                rest = argv[i + 1 :]
                given = any(w.startswith(("-e", f"{option}=")) for w in out)
                if option is not None and rest and not given:
                    out.append(f"{option}={rest.pop(0)}")
                # a file named like an option: the same file, said so that it is not one
                out += [f"./{w}" if w.startswith("-") and w != "-" else w for w in rest]
                break
            out.append(word)
            i += 1
        return out


def coreutils_parser(prog: str, description: str, usage: str, *, status: int = 1) -> ArgParser:
    """A parser that answers a bad option as coreutils 5.0 does (status 1; sort's 2)."""
    p = TextParser(
        prog,
        description,
        usage_line=f"Try `{prog} --help' for more information.",
        usage_status=status,
        add_help=False,
        usage=usage,
    )
    p.add_argument("--help", action="help", help="show this help")
    return p


def _count(text: str, prog: str, what: str) -> int:
    """A count of lines (``-n N``): a decimal number, at least 0."""
    digits = text.removeprefix("+").removeprefix("-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise CommandError(f"{prog}: {clip(text)}: invalid number of {what}")
    return int(digits)


def _short_count(argv: list[str]) -> list[str]:
    """``head -5`` is ``head -n 5`` (the old form both tools still take); the count after
    ``-n`` (``-n -5``) is left alone."""
    out: list[str] = []
    for i, word in enumerate(argv):
        after_n = i > 0 and argv[i - 1] in ("-n", "--lines")
        old = len(word) > 1 and word[0] == "-" and word[1:].isascii() and word[1:].isdigit()
        out.append(f"-n{word[1:]}" if old and not after_n else word)
    return out


# ====================================================================== grep
GREP_USAGE = "Usage: grep [OPTION]... PATTERN [FILE]...\nTry `grep --help' for more information."
_META_ERE = frozenset(".[]()*+?{}|^$\\")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""ASCII letters to lower case: the C locale's ``-i``."""


def _grep_parser() -> ArgParser:
    p = TextParser(
        "grep",
        "Print the lines of the input that match PATTERN. Patterns are POSIX basic regular "
        "expressions (-E: extended; -F: plain strings), matched in the C locale by a "
        "linear-time automaton: no back-references.",
        usage_line=GREP_USAGE,
        usage_status=2,
        add_help=False,
        usage="grep [OPTION]... PATTERN [FILE]...",
    )
    syntax = p.add_mutually_exclusive_group()
    syntax.add_argument(
        "-E",
        "--extended-regexp",
        dest="syntax",
        action="store_const",
        const="E",
        help="PATTERN is an extended regular expression",
    )
    syntax.add_argument(
        "-F",
        "--fixed-strings",
        dest="syntax",
        action="store_const",
        const="F",
        help="PATTERN is a plain string",
    )
    syntax.add_argument(
        "-G",
        "--basic-regexp",
        dest="syntax",
        action="store_const",
        const="G",
        help="PATTERN is a basic regular expression (the default)",
    )
    p.add_argument(
        "-e",
        "--regexp",
        dest="patterns",
        action="append",
        metavar="PATTERN",
        help="use PATTERN (again: any of them)",
    )
    p.add_argument("-i", "--ignore-case", action="store_true", help="ignore case (ASCII)")
    p.add_argument("-v", "--invert-match", action="store_true", help="the lines that do not")
    p.add_argument("-w", "--word-regexp", action="store_true", help="match whole words only")
    p.add_argument("-x", "--line-regexp", action="store_true", help="match whole lines only")
    p.add_argument("-c", "--count", action="store_true", help="print only a count of lines")
    p.add_argument("-n", "--line-number", action="store_true", help="print line numbers")
    p.add_argument("-q", "--quiet", "--silent", action="store_true", help="print nothing")
    p.add_argument(
        "-H",
        "--with-filename",
        dest="names",
        action="store_const",
        const=True,
        help="print the file name for each match",
    )
    p.add_argument(
        "-h",
        "--no-filename",
        dest="names",
        action="store_const",
        const=False,
        help="never print file names",
    )
    p.add_argument("--help", action="help", help="show this help")
    p.add_argument("words", nargs="*", metavar="PATTERN [FILE]", help=argparse.SUPPRESS)
    p.pattern_option = "--regexp"
    return p


def _escape_ere(text: str) -> str:
    return "".join("\\" + c if c in _META_ERE else c for c in text)


def grep_matcher(
    patterns: list[str], syntax: str, *, icase: bool, word: bool, line: bool
) -> Callable[[str], bool]:
    """Whether a line matches any of ``patterns`` (``syntax`` ``G``, ``E`` or ``F``);
    EreError for a pattern that does not compile or is refused."""
    if syntax == "F" and not word:
        wanted = [p.translate(_LOWER) if icase else p for p in patterns]
        fold: Callable[[str], str] = (lambda s: s.translate(_LOWER)) if icase else str
        if line:
            whole = frozenset(wanted)
            return lambda text: fold(text) in whole
        return lambda text: any(p in fold(text) for p in wanted)
    eres = [
        _escape_ere(p) if syntax == "F" else bre_to_ere(p) if syntax == "G" else p for p in patterns
    ]
    for ere in eres:
        compile_ere(ere)  # each alone, so an error is the pattern's own
    if not word and not line and all(not _META_ERE & set(ere) for ere in eres):
        return grep_matcher(eres, "F", icase=icase, word=False, line=False)
    either = "|".join(f"({ere})" for ere in eres)
    if line:
        either = f"^({either})$"
    elif word:
        either = f"(^|[^[:alnum:]_])({either})([^[:alnum:]_]|$)"
    return compile_ere(either, icase=icase).search


@command(
    "grep",
    "print the lines that match a pattern (ps aux | grep httpd)",
    parser=_grep_parser,
    complete=complete_files(
        ("-E", "-F", "-G", "-e", "-i", "-v", "-w", "-x", "-c", "-n", "-q", "-H", "-h", "--help")
    ),
)
def grep(sh: Shell, argv: list[str]) -> Result:
    parser = _grep_parser()
    args = parse(parser, argv, intermixed=True)
    words: list[str] = args.words
    patterns: list[str] | None = args.patterns
    if patterns is None:
        if not words:
            parser.error("the following arguments are required: PATTERN")
        patterns, words = [words[0]], words[1:]
    try:
        matches = grep_matcher(
            patterns,
            args.syntax or "G",
            icase=args.ignore_case,
            word=args.word_regexp,
            line=args.line_regexp,
        )
    except EreError as err:
        raise CommandError(f"grep: {err}", 2) from None
    out = Output()
    if words:
        words = expand_files(sh, "grep", words)
    named = len(words) > 1 if args.names is None else args.names
    selected = 0
    for name, text in inputs(sh, "grep", words, out, status=2, expanded=True):
        prefix = f"{name}:" if named else ""
        count = 0
        for number, line in enumerate(lines_of(text), start=1):
            if matches(line) == args.invert_match:
                continue
            count += 1
            if args.quiet:
                return out.result(0)
            if not args.count:
                out.write(f"{prefix}{number}:{line}\n" if args.line_number else f"{prefix}{line}\n")
        if args.count:
            out.write(f"{prefix}{count}\n")
        selected += count
    return out.result(2 if out.failed and not (args.quiet and selected) else 0 if selected else 1)


# ====================================================================== head, tail
def _head_parser() -> ArgParser:
    p = coreutils_parser(
        "head",
        "Print the first 10 lines of each input (-n N: the first N; -n -N: all but the last "
        "N; -N: as -n N).",
        "head [OPTION]... [FILE]...",
    )
    _add_lines_options(p)
    return p


def _tail_parser() -> ArgParser:
    p = coreutils_parser(
        "tail",
        "Print the last 10 lines of each input (-n N: the last N; -n +N: from line N on; "
        "-N: as -n N).",
        "tail [OPTION]... [FILE]...",
    )
    _add_lines_options(p)
    return p


def _add_lines_options(p: ArgParser) -> None:
    p.add_argument("-n", "--lines", metavar="N", help="the number of lines")
    p.add_argument(
        "-q",
        "--quiet",
        "--silent",
        dest="headers",
        action="store_const",
        const=False,
        help="never print headers giving file names",
    )
    p.add_argument(
        "-v",
        "--verbose",
        dest="headers",
        action="store_const",
        const=True,
        help="always print headers giving file names",
    )
    p.add_argument("files", nargs="*", metavar="FILE")


def _lines_tool(
    sh: Shell, prog: str, args: Any, pick: Callable[[list[str], str], list[str]]
) -> Result:
    spec = "10" if args.lines is None else args.lines
    _count(spec, prog, "lines")  # a bad count fails before any input is read
    out = Output()
    names = expand_files(sh, prog, args.files)
    headers = len(names) > 1 if args.headers is None else args.headers
    first = True
    for name, text in inputs(sh, prog, names, out, expanded=True):
        if headers:
            out.write(("" if first else "\n") + f"==> {name} <==\n")
        first = False
        out.write("".join(line + "\n" for line in pick(lines_of(text), spec)))
    return out.result(1 if out.failed else 0)


def _head_pick(lines: list[str], spec: str) -> list[str]:
    n = _count(spec, "head", "lines")
    if spec.startswith("-"):
        return lines[: max(0, len(lines) - n)]
    return lines[:n]


def _tail_pick(lines: list[str], spec: str) -> list[str]:
    n = _count(spec, "tail", "lines")
    if spec.startswith("+"):
        return lines[max(0, n - 1) :]
    return lines[len(lines) - n :] if n else []


@command(
    "head",
    "print the first lines (dmesg | head -n 5)",
    parser=_head_parser,
    complete=complete_files(("-n", "-q", "-v", "--help")),
)
def head(sh: Shell, argv: list[str]) -> Result:
    args = parse(_head_parser(), _short_count(argv), intermixed=True)
    return _lines_tool(sh, "head", args, _head_pick)


@command(
    "tail",
    "print the last lines (dmesg | tail)",
    parser=_tail_parser,
    complete=complete_files(("-n", "-q", "-v", "--help")),
)
def tail(sh: Shell, argv: list[str]) -> Result:
    args = parse(_tail_parser(), _short_count(argv), intermixed=True)
    return _lines_tool(sh, "tail", args, _tail_pick)


# ====================================================================== wc
def _wc_parser() -> ArgParser:
    p = coreutils_parser(
        "wc",
        "Print the newline, word and byte counts of each input (and a total of several).",
        "wc [OPTION]... [FILE]...",
    )
    p.add_argument("-l", "--lines", action="store_true", help="the newline count")
    p.add_argument("-w", "--words", action="store_true", help="the word count")
    p.add_argument("-c", "--bytes", action="store_true", help="the byte count")
    p.add_argument("files", nargs="*", metavar="FILE")
    return p


def word_count(text: str) -> int:
    """Runs of bytes that are not white space in the C locale."""
    return len(text.encode("utf-8", "surrogatepass").split())


@command(
    "wc",
    "count lines, words and bytes (ps aux | wc -l)",
    parser=_wc_parser,
    complete=complete_files(("-l", "-w", "-c", "--help")),
)
def wc(sh: Shell, argv: list[str]) -> Result:
    args = parse(_wc_parser(), argv, intermixed=True)
    wanted = (args.lines, args.words, args.bytes)
    if not any(wanted):
        wanted = (True, True, True)
    out = Output()
    totals = [0, 0, 0]
    counted = 0
    for name, text in inputs(sh, "wc", args.files, out):
        counts = [text.count("\n"), word_count(text), len(text.encode("utf-8", "surrogatepass"))]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        counted += 1
        out.write(_wc_line(counts, wanted, None if name == STDIN_NAME else name))
    if counted > 1:
        out.write(_wc_line(totals, wanted, "total"))
    return out.result(1 if out.failed else 0)


def _wc_line(counts: list[int], wanted: tuple[bool, ...], name: str | None) -> str:
    """coreutils 5.0's ``write_counts``: each count in 7 columns, a space between."""
    cells = [f"{n:7d}" for n, want in zip(counts, wanted, strict=True) if want]
    return " ".join(cells) + (f" {name}" if name is not None else "") + "\n"


# ====================================================================== less
def _less_parser() -> ArgParser:
    p = TextParser(
        "less",
        "Show the input, or files, a screen at a time. At the screen's console a view to "
        "scroll opens (q or Esc closes it); anywhere else, and into a pipe, the text is "
        "printed.",
    )
    p.add_argument(
        "-N", "--LINE-NUMBERS", dest="numbers", action="store_true", help="number the lines"
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    return p


@command(
    "less",
    "show text a screen at a time (dmesg | less)",
    parser=_less_parser,
    complete=complete_files(("-N", "-h")),
)
def less(sh: Shell, argv: list[str]) -> Result:
    args = parse(_less_parser(), argv, intermixed=True)
    out = Output()
    shown: list[str] = []
    titles: list[str] = []
    for name, text in inputs(sh, "less", args.files, out):
        titles.append(name)
        shown.append(text if not text or text.endswith("\n") else text + "\n")
    text = "".join(shown)
    if args.numbers:
        text = "".join(f"{n:7d} {line}\n" for n, line in enumerate(lines_of(text), start=1))
    status = 1 if out.failed else 0
    pager = sh.session.on_page
    if pager is not None and not sh.piped and sh.profile is sh.session.profile and shown:
        pager(", ".join(titles), text)
        return out.result(status)
    out.write(text)
    return out.result(status)
