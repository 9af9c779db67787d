"""``sort`` and ``uniq`` for pipelines, in the words of coreutils 5.0: each reads what the
command before it printed, or ``/proc`` files as ``cat`` takes them (see :mod:`.cmd_text`),
and costs a sort of its lines at most. ``sort`` compares in the C locale's byte order and is
stable (as ``sort -s``); ``-k`` takes blank-separated fields as coreutils does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .base import ArgParser, CommandError, Output, Result, clip, command, parse
from .cmd_text import complete_files, coreutils_parser
from .inputs import inputs, lines_of

if TYPE_CHECKING:
    from .shell import Shell


# ====================================================================== sort
def _sort_parser() -> ArgParser:
    p = coreutils_parser(
        "sort",
        "Print the lines of the inputs sorted, in the C locale's byte order. The sort is "
        "stable: lines with equal keys keep their order (as sort -s).",
        "sort [OPTION]... [FILE]...",
        status=2,
    )
    p.add_argument("-n", "--numeric-sort", action="store_true", help="compare numbers")
    p.add_argument("-r", "--reverse", action="store_true", help="reverse the order")
    p.add_argument(
        "-k",
        "--key",
        dest="keys",
        action="append",
        metavar="N[,M]",
        help="sort on fields N to M (to the end of the line without M); fields are "
        "separated by blanks, and the blanks before a field are not part of it",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    return p


def _field_spec(text: str) -> tuple[int, int | None]:
    start, comma, end = text.partition(",")
    numbers = [start, *([end] if comma else [])]
    if any(not n.isascii() or not n.isdigit() or len(n) > 9 for n in numbers):
        raise CommandError(f"sort: invalid field specification `{clip(text)}'", 2)
    if int(start) == 0 or (comma and int(end) == 0):
        raise CommandError(
            f"sort: field number is zero: invalid field specification `{clip(text)}'", 2
        )
    return int(start), (int(end) if comma else None)


def field_spans(line: str) -> list[tuple[int, int]]:
    """Where each blank-separated field of ``line`` starts and ends (blanks: space, tab)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i == n:
            break
        start = i
        while i < n and line[i] not in " \t":
            i += 1
        spans.append((start, i))
    return spans


def sort_key_text(line: str, first: int, last: int | None) -> str:
    """Fields ``first`` to ``last`` of ``line`` (1-based; None: to the end), as the line has
    them (the blanks between kept)."""
    spans = field_spans(line)
    if first > len(spans):
        return ""
    begin = spans[first - 1][0]
    end = len(line) if last is None or last >= len(spans) else spans[last - 1][1]
    return line[begin:end] if end > begin else ""


def numeric_value(text: str) -> Decimal:
    """``sort -n``: the number at the start of ``text`` (blanks skipped; ``-``, digits, a
    ``.`` and digits), 0 where there is none."""
    i, n = 0, len(text)
    while i < n and text[i] in " \t":
        i += 1
    start = i
    if i < n and text[i] == "-":
        i += 1
    digits = i
    while i < n and "0" <= text[i] <= "9":
        i += 1
    if i < n and text[i] == ".":
        i += 1
        while i < n and "0" <= text[i] <= "9":
            i += 1
    number = text[start:i]
    if i == digits or number in ("-", ".", "-."):
        return Decimal(0)
    return Decimal(number.rstrip(".") or "0")


@command(
    "sort",
    "sort lines (ps aux | sort -n -r -k 6)",
    parser=_sort_parser,
    complete=complete_files(("-n", "-r", "-k", "--help")),
)
def sort(sh: Shell, argv: list[str]) -> Result:
    args = parse(_sort_parser(), argv, intermixed=True)
    keys = [_field_spec(spec) for spec in args.keys or []]
    out = Output()
    lines: list[str] = []
    for _, text in inputs(sh, "sort", args.files, out, status=2):
        lines.extend(lines_of(text))
    value: Callable[[str], Any] = numeric_value if args.numeric_sort else str

    def key(line: str) -> Any:
        if not keys:
            return value(line)
        return tuple(value(sort_key_text(line, a, b)) for a, b in keys)

    lines.sort(key=key, reverse=args.reverse)
    out.write("".join(line + "\n" for line in lines))
    return out.result(2 if out.failed else 0)


# ====================================================================== uniq
def _uniq_parser() -> ArgParser:
    p = coreutils_parser(
        "uniq",
        "Print the input with each run of equal lines as one line.",
        "uniq [OPTION]... [INPUT]",
    )
    p.add_argument("-c", "--count", action="store_true", help="prefix lines with their count")
    p.add_argument("-d", "--repeated", action="store_true", help="only the repeated lines")
    p.add_argument("-u", "--unique", action="store_true", help="only the lines not repeated")
    p.add_argument("files", nargs="*", metavar="INPUT")
    return p


@command(
    "uniq",
    "merge runs of equal lines (sort | uniq -c)",
    parser=_uniq_parser,
    complete=complete_files(("-c", "-d", "-u", "--help")),
)
def uniq(sh: Shell, argv: list[str]) -> Result:
    args = parse(_uniq_parser(), argv, intermixed=True)
    if len(args.files) > 1:
        raise CommandError(
            f"uniq: {clip(args.files[1])}: no OUTPUT file here: uniq prints (or pipe it on)"
        )
    out = Output()
    for _, text in inputs(sh, "uniq", args.files, out):
        for line, count in _runs(lines_of(text)):
            if (args.repeated and count == 1) or (args.unique and count > 1):
                continue
            out.write(f"{count:7d} {line}\n" if args.count else f"{line}\n")
    return out.result(1 if out.failed else 0)


def _runs(lines: list[str]) -> Iterator[tuple[str, int]]:
    run: str | None = None
    count = 0
    for line in lines:
        if line == run:
            count += 1
            continue
        if run is not None:
            yield run, count
        run, count = line, 1
    if run is not None:
        yield run, count
