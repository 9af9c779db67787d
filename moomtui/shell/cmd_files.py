"""Files: ``cat``, ``echo`` and ``ls`` over ``/proc`` — the machine's only file system.

Relative paths are taken under ``/proc`` (the console's working directory), and ``*``,
``?`` and ``[...]`` in them are expanded against it (:mod:`.globs`). ``cat`` shows the NUL
bytes that separate ``/proc/PID/cmdline`` as spaces, since a console cannot show them, and
starts an error on a line of its own; without a file it prints the pipe. ``ls`` lays names
out in columns for 80 characters, like GNU ``ls`` on a terminal (into a pipe, one a line),
but lists pids in numeric order.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..kernel.errno import ENOTDIR
from ..kernel.procfs import ProcError, list_proc
from .base import ArgParser, Output, Result, clip, command, parse, resolve
from .completion import complete_path, options
from .inputs import expand_files, inputs

if TYPE_CHECKING:
    from .shell import Shell

LS_WIDTH = 80


def _cat_parser() -> ArgParser:
    p = ArgParser(
        "cat",
        "Print /proc files (wildcards expand: cat /proc/sys/vm/*); with no FILE, or for -, "
        "what the command before it in a pipeline printed.",
    )
    p.add_argument("files", nargs="*", metavar="FILE")
    return p


def _complete_files(sh: Shell, before: list[str], prefix: str) -> list[str]:
    return complete_path(sh, prefix)


@command("cat", "print /proc files", parser=_cat_parser, complete=_complete_files)
def cat(sh: Shell, argv: list[str]) -> Result:
    args = parse(_cat_parser(), argv)
    out = Output()
    for _, text in inputs(sh, "cat", args.files, out):
        out.write(text)
    return out.result(1 if out.failed else 0)


def _echo_parser() -> ArgParser:
    p = ArgParser(
        "echo",
        "Print the arguments; with '> /proc/sys/FILE' write them to a kernel variable.",
        add_help=False,
    )
    p.add_argument("-n", action="store_true", help="no trailing newline")
    return p


@command(
    "echo", "print arguments (echo 5 > /proc/sys/kernel/panic)", parser=_echo_parser, check=False
)
def echo(sh: Shell, argv: list[str]) -> Result:
    newline = True
    while argv and argv[0] == "-n":
        newline = False
        argv = argv[1:]
    text = " ".join(argv) + ("\n" if newline else "")
    return Result(text, 0, stdout=text)


def _ls_parser() -> ArgParser:
    p = ArgParser("ls", "List /proc directories.")
    p.add_argument("-1", dest="one", action="store_true", help="one name per line")
    p.add_argument("paths", nargs="*", default=[], metavar="PATH")
    return p


def _complete_ls(sh: Shell, before: list[str], prefix: str) -> list[str]:
    if prefix.startswith("-"):
        return options(prefix, ("-1",))
    return complete_path(sh, prefix)


def _ls_order(name: str) -> tuple[int, int, str]:
    return (0, int(name), "") if name.isascii() and name.isdigit() else (1, 0, name)


def columns(names: list[str], width: int = LS_WIDTH) -> str:
    """GNU ``ls -C``: names down the columns, as many columns as fit in ``width``.

    The layouts are tried from the most columns down, but only those that can fit are
    measured: each column takes at least the shortest name and two spaces, so no more than
    ``(width + 2) // (shortest + 2)`` of them fit, and a layout of more is passed over
    without a look. The cost is the names times that bound (at most 41), not the names
    squared: 30,000 tasks took five minutes."""
    if not names:
        return ""
    n = len(names)
    most = (width + 2) // (min(len(name) for name in names) + 2)
    tried = 0
    for ncols in range(n, 0, -1):
        nrows = -(-n // ncols)
        if nrows == tried:
            continue  # the same rows, the same layout as the last one tried
        tried = nrows
        if -(-n // nrows) > most and ncols != 1:
            continue
        cols = [names[i : i + nrows] for i in range(0, n, nrows)]
        widths = [max(len(name) for name in col) + 2 for col in cols]
        if sum(widths) - 2 <= width or ncols == 1:
            break
    rows = []
    for r in range(nrows):
        cells = [col[r].ljust(w) for col, w in zip(cols, widths, strict=True) if r < len(col)]
        rows.append("".join(cells).rstrip())
    return "\n".join(rows)


@command("ls", "list /proc directories", parser=_ls_parser, complete=_complete_ls)
def ls(sh: Shell, argv: list[str]) -> Result:
    args = parse(_ls_parser(), argv)
    k = sh.kernel
    paths = expand_files(sh, "ls", args.paths) or ["."]
    errors: list[str] = []
    files: list[str] = []
    dirs: list[tuple[str, list[str]]] = []
    for name in paths:
        full = resolve(name)
        if posixpath.normpath(full) in ("/", "//"):
            dirs.append((name, ["proc"]))
            continue
        try:
            dirs.append((name, sorted(list_proc(k, full), key=_ls_order)))
        except ProcError as err:
            if err.errno == ENOTDIR:
                files.append(name)
            else:
                errors.append(f"ls: {clip(name)}: {err.strerror}")
    one = args.one or sh.piped  # GNU ls: one name a line when not writing to a terminal
    blocks = [("\n".join(files) if one else columns(files))] if files else []
    for name, entries in dirs:
        body = "\n".join(entries) if one else columns(entries)
        blocks.append(f"{name}:\n{body}" if len(paths) > 1 else body)
    text = "\n\n".join(blocks)
    if errors:
        text = "\n".join(errors + ([text] if text else []))
    return Result(text, 1 if errors else 0)
