"""One way text from data reaches a terminal: what a terminal would act on is shown, not sent.

Presets, reports, ``/proc``, the host's files and what a visitor types are data from
strangers, and a terminal obeys some of the characters in a string: ``ESC ]52;c;…`` puts a
command into the clipboard of a terminal that honours OSC 52, ``ESC ]0;…`` retitles it,
``ESC [2J`` clears it, a C1 ``CSI`` (U+009B) does what ``ESC [`` does, a NUL or a carriage
return hides what came before, and the bidirectional overrides (U+202E…) print text in
another order than it is read. Every piece of text from data passes :func:`visible` (or its
forms below) before it is printed or drawn; what it changes is *shown*, never emitted.

**The rule.** A character is *unsafe* when its Unicode category is ``Cc`` (C0 with NUL and
ESC, DEL, C1), ``Cf`` (format characters: the bidirectional embeddings, overrides and
isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and U+061C, the
zero-width characters, the soft hyphen, the byte order mark, the tags), ``Zl`` or ``Zp``
(the line and paragraph separators), ``Cs`` (a lone surrogate, as ``surrogateescape``
decodes a byte that is not UTF-8) or ``Cn`` (unassigned in this Python's Unicode: a newer
format character must not pass for a letter). Spaces other than the space (``Zs``: the
no-break space…) and private-use characters (``Co``) are printed as themselves: a
terminal draws them and acts on none. :meth:`str.isprintable` is stricter (it refuses
those too); the preset checker uses it to *refuse* text, this module to *show* text.

**The form.** An unsafe character is written as Python writes it in a string literal:
``\\t``, ``\\n``, ``\\r``, ``\\x1b``, ``\\x00``, ``\\x9b``, ``\\u202e``, ``\\U000e0001``.
Where a layout is printed (the lines of ``moomtui run``, a listing) the newline and the tab
are the layout's own and are kept (:data:`LAYOUT`); in a one-line field (a name, a quoted
value, an error) they are shown too (:func:`one_line`).

Where the rule is applied:

* the command line's streams (:func:`safe_streams`): ``moomtui run``, ``check``,
  ``presets``, ``compare``, ``postmortem``/``snapshot --print`` and every ``moomtui: …``
  error line write through a :class:`SafeStream`; the one deliberate styling (``compare``'s
  table on a terminal, drawn by Rich) asks for the terminal itself with :func:`styled`;
* JSON (:func:`dumps`): every unsafe character escaped as ``\\uXXXX``, so the document
  stays valid JSON and a pipe to a terminal gets nothing to act on;
* messages quoting a value (:func:`quote`), and the last-resort line (:mod:`moomtui.errors`);
* the screen: :class:`moomtui.tui.controls.ShowControls` draws any unsafe character that
  reaches a drawn line as a visible mark (Textual itself strips only BEL, BS, VT, FF and CR).

A leaf module: it imports nothing of moomtui, so every layer may use it.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import os
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from typing import IO, Any, TextIO, cast

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
"""The Unicode categories shown escaped (see the module docstring)."""

LAYOUT = "\n\t"
"""What a printed layout keeps as itself: its line breaks and tabs."""

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def unsafe(c: str) -> bool:
    """Whether the character ``c`` is shown escaped rather than sent (the module's rule)."""
    return not c.isprintable() and unicodedata.category(c) in UNSAFE_CATEGORIES


def escape(c: str) -> str:
    """The visible form of one character: ``\\x1b``, ``\\n``, ``\\u202e``, ``\\U000e0001``."""
    named = _NAMED.get(c)
    if named is not None:
        return named
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str, keep: str = "") -> str:
    """``text`` with every unsafe character but those in ``keep`` shown as its escape."""
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(escape(c) if unsafe(c) and c not in keep else c for c in text)


def printable(text: str) -> str:
    """``text`` with every character :meth:`str.isprintable` refuses shown as its escape —
    the no-break space and private-use characters too: text moomtui writes into a preset,
    whose checker asks for printable text."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else escape(c) for c in text)


def one_line(value: object) -> str:
    """``value`` (``str()`` of it) for a one-line field: every unsafe character shown, line
    breaks included."""
    if isinstance(value, str):
        return value if value.isprintable() else visible(value)  # the first: at C speed
    return visible(str(value))


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"


def printable_lines(text: str) -> bool:
    """Whether every character of ``text`` but the newline is printable
    (:meth:`str.isprintable`): ``text.replace("\n", "").isprintable()``, at a few
    instructions a character rather than a Unicode lookup each — the printable ASCII
    deleted from its bytes at C speed, only the rest (other scripts, controls) looked up."""
    return printable_utf8(text.encode("utf-8", "surrogatepass"))


def printable_utf8(data: bytes) -> bool:
    """:func:`printable_lines` of the text whose UTF-8 (``surrogatepass``) is ``data``."""
    rest = data.translate(None, _PRINTABLE_ASCII)
    return not rest or rest.decode("utf-8", "surrogatepass").isprintable()


def layout(text: str) -> str:
    """``text`` for printed lines: unsafe characters shown, the newline and tab kept."""
    if printable_lines(text):
        return text  # the usual writes: a part of a line, or lines
    return "\n".join(visible(line, LAYOUT) for line in text.split("\n"))


def clip(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters (the last one an ellipsis), to quote it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = 60) -> str:
    """``text`` cut short, in double quotes, ``"`` and ``\\`` escaped and every unsafe
    character shown: a message quoting it stays one line and sends nothing."""
    body = clip(text, limit).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{visible(body)}"'


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)`` with every unsafe character
    escaped as ``\\uXXXX``: readable names stay readable, the document stays valid JSON, and
    nothing in it is a terminal's control sequence."""
    text = json.dumps(value, ensure_ascii=False, **options)
    if text.isprintable():
        return text
    # A raw newline or tab in JSON is the indentation's (strings escape their own): the
    # lines are looked at one by one, and only one that holds something is rewritten.
    return "\n".join(
        line if line.isprintable() else "".join(_json_char(c) for c in line)
        for line in text.split("\n")
    )


def _json_char(c: str) -> str:
    return _json_escape(c) if c != "\t" and unsafe(c) else c


def _json_escape(c: str) -> str:
    code = ord(c)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


BULK = 1 << 12
"""A write of this many characters or more goes to a UTF-8 stream's bytes at once (see
:class:`SafeStream`)."""


class SafeStream:
    """A text stream whose every write is shown, not sent: :func:`layout` applied.

    Everything else — ``flush``, ``isatty``, ``fileno``, ``encoding`` — is the wrapped
    stream's. What must reach the terminal as written (a styled table) is written to
    :func:`styled` ``(stream)``, the wrapped stream, on purpose.

    A large write (:data:`BULK` characters or more: the printed reports of a log) to a
    UTF-8 text stream that writes its newlines as they are — the process's own standard
    streams on a system whose line end is ``\n``, or ``raw`` when ``bulk`` says so — is
    encoded once, checked on its bytes (:func:`printable_utf8`, the same check) and, when
    nothing in it is to be shown, written to the stream's ``buffer`` after what was written
    to the stream before (a flush), where the stream would have encoded it again. Anything
    else, and a write with something to show, goes through :func:`layout` to the stream.
    """

    def __init__(self, raw: IO[str], bulk: bool | None = None) -> None:
        self.raw = raw
        self.bulk: IO[bytes] | None = _bulk_buffer(raw, bulk)

    def write(self, text: str) -> int:
        bulk = self.bulk
        if bulk is not None and len(text) >= BULK:
            data = text.encode("utf-8", "surrogatepass")
            if printable_utf8(data):  # as layout(text) is text: written as it is
                raw = self.raw
                raw.flush()  # what came before goes first
                bulk.write(data)
                if raw.line_buffering:  # type: ignore[attr-defined]
                    bulk.flush()
                return len(text)
        self.raw.write(layout(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _bulk_buffer(raw: IO[str], bulk: bool | None) -> IO[bytes] | None:
    """``raw``'s byte stream, when text may go there encoded as UTF-8 (:class:`SafeStream`):
    ``raw`` a :class:`io.TextIOWrapper` (not a subclass) writing UTF-8, and either the
    process's own stdout or stderr on a system whose line end is ``\n`` (Python opens them
    writing ``\n`` as it is) or ``bulk`` true — whoever opened ``raw`` opened it so."""
    if bulk is False or type(raw) is not io.TextIOWrapper:
        return None
    if bulk is None and not (
        (raw is sys.__stdout__ or raw is sys.__stderr__) and os.linesep == "\n"
    ):
        return None
    try:
        if codecs.lookup(raw.encoding).name != "utf-8":
            return None
    except LookupError:
        return None
    return cast(IO[bytes], raw.buffer)


def safe(stream: IO[str]) -> TextIO:
    """``stream`` behind a :class:`SafeStream` (itself if it is one already)."""
    return cast(TextIO, stream if isinstance(stream, SafeStream) else SafeStream(stream))


def styled(stream: IO[str]) -> IO[str]:
    """The stream a deliberate styling writes to: the one a :class:`SafeStream` wraps.
    Whoever writes there shows the data in it with :func:`visible` first."""
    while isinstance(stream, SafeStream):
        stream = stream.raw
    return stream


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` behind :class:`SafeStream` while the block runs
    (the command line's, for its whole run); put back as they were after."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = safe(out), safe(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
