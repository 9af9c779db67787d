"""What a command reads: the pipe, or ``/proc`` files named as ``cat`` takes them.

A command that reads text (``cat``, ``grep``, ``sort`` …) takes it from the files it is given
— their wildcards expanded against ``/proc`` (:mod:`.globs`) — or, with none or for ``-``,
from the pipe: :attr:`Shell.stdin <moomtui.shell.shell.Shell.stdin>`, what the command before
it printed. Outside a pipeline and without a file there is no input, and the command says so
in one line (a terminal would wait for the keyboard).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..kernel.procfs import ProcError, read_proc
from .base import CommandError, Output, clip, resolve
from .globs import GlobError, expand

if TYPE_CHECKING:
    from .shell import Shell

STDIN = "-"
STDIN_NAME = "(standard input)"


def read_file(sh: Shell, name: str) -> str:
    """The ``/proc`` file ``name`` as ``cat`` shows it (the NULs of ``cmdline`` as spaces);
    ProcError if it cannot be read."""
    text = read_proc(sh.kernel, resolve(name))
    return text.rstrip("\0").replace("\0", " ")


def expand_files(sh: Shell, prog: str, files: list[str]) -> list[str]:
    """``files`` with their wildcards expanded against ``/proc`` (:mod:`.globs`)."""
    try:
        return expand(sh.kernel, files)
    except GlobError as err:
        raise CommandError(f"{prog}: {err}", 126) from None


def no_input(prog: str, status: int = 1) -> CommandError:
    return CommandError(f"{prog}: no input: name a file, or read a pipe (dmesg | {prog} …)", status)


def inputs(
    sh: Shell,
    prog: str,
    files: list[str],
    out: Output,
    *,
    status: int = 1,
    expanded: bool = False,
) -> Iterator[tuple[str, str]]:
    """``(name, text)`` of each input in turn: the files (their wildcards expanded, unless
    ``expanded`` says they were) or, with none or for ``-``, the pipe. A file that cannot be
    read is an error line in ``out`` and is passed over (``out.failed`` then says so).
    ``status`` is the tool's for trouble."""
    if not files and sh.stdin is None:
        raise no_input(prog, status)
    names = (files if expanded else expand_files(sh, prog, files)) if files else [STDIN]
    for name in names:
        if name == STDIN:
            if sh.stdin is None:
                out.error(f"{prog}: -: no input: not in a pipeline")
            else:
                yield STDIN_NAME, sh.stdin
            continue
        try:
            text = read_file(sh, name)
        except ProcError as err:
            out.error(f"{prog}: {clip(name)}: {err.strerror}")
            continue
        yield name, text


def lines_of(text: str) -> list[str]:
    """The lines of ``text`` without their newlines (a last line without one counts)."""
    if not text:
        return []
    return text.removesuffix("\n").split("\n")
