"""The console's command history, kept in ``$XDG_DATA_HOME/moomtui/history``.

Every line the user runs is appended to the file at once, so a crash or a killed terminal
never loses what was typed. The file is read and written only through
:mod:`moomtui.userfiles`: only a regular file, without blocking, and at most its last MiB is
read. Reading is forgiving: bytes that are not UTF-8 give a partial history; a missing file
is a new one. Anything else at that path — a folder, a FIFO, a link to ``/dev/zero``, a file
we may not read — gives a one-line warning and a history kept in memory only, so moomtui
never writes to what it could not read as a history.

A write that fails later (a full disk, a file made read-only) is told once a session, in one
line (:meth:`History.take_warning`), and the lines typed stay in memory for the session. The
file only grows by appends; when it passes :data:`TRIM_AT` lines it is rewritten, through a
temporary file renamed over the real file — the one a symbolic link points to, so a linked
history stays a link — keeping the newest :data:`KEEP` lines of the file.

Two screens may share the file: appends take its lock shared and a trim takes it exclusively
(:func:`moomtui.userfiles.locked`) and keeps the newest lines *of the file*, read again under
the lock, so neither screen's trim drops the other's lines.
"""

from __future__ import annotations

import errno
from pathlib import Path

from ..dirs import data_dir
from ..shell.lines import FORBIDDEN, MAX_LINE
from ..userfiles import (
    UserFileError,
    append_user_text,
    locked,
    read_user_file,
    replace_user_text,
)

KEEP = 1000
TRIM_AT = 5000
MAX_READ = 1 << 20
"""At most the last MiB of the file is read (a thousand lines of a thousand characters)."""


def default_history_path() -> Path:
    """``$XDG_DATA_HOME/moomtui/history``, or ``~/.local/share/moomtui/history``
    (:func:`moomtui.dirs.data_dir`: a relative XDG_DATA_HOME is ignored)."""
    return data_dir() / "history"


def _clean(line: str) -> str | None:
    """``line`` if the shell could run it as one line (no line break, no control character,
    at most ``MAX_LINE`` characters), else None: such a line is not kept."""
    line = line.rstrip("\r")
    if not line.strip() or len(line) > MAX_LINE or any(c in FORBIDDEN for c in line):
        return None
    return line


class History:
    """Lines run at the prompt, oldest first, with a cursor for up/down browsing.

    ``path`` None keeps the history in memory only (a served session, a test).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lines: list[str] = []
        self.warning: str | None = None
        """The last problem with the file, one line (None: none)."""
        self._pending: str | None = None
        self._write_failed = False
        self._cursor = 0
        self._draft = ""
        self._on_disk = 0
        if path is not None:
            self._load(path)
        self._cursor = len(self.lines)

    def _warn(self, text: str) -> None:
        self.warning = text
        self._pending = text

    def take_warning(self) -> str | None:
        """The warning not yet shown, once: the screen shows it as a notification."""
        pending, self._pending = self._pending, None
        return pending

    def _load(self, path: Path) -> None:
        try:
            data = read_user_file(path, limit=MAX_READ, tail=True)
        except UserFileError as err:
            if err.errno == errno.ENOENT:  # a new history (through a link, if one is there)
                return
            self._warn(f"history: {err}: this session's history is kept in memory only")
            self.path = None
            return
        text = data.decode("utf-8", errors="replace")
        lines = [clean for raw in text.split("\n") if (clean := _clean(raw)) is not None]
        self._on_disk = len(lines)
        self.lines = lines[-KEEP:]

    def add(self, line: str) -> None:
        """Remember ``line`` (not twice in a row) and append it to the file."""
        self._cursor = len(self.lines)
        self._draft = ""
        clean = _clean(line)
        if clean is None:
            return
        if self.lines and self.lines[-1] == clean:
            return
        self.lines.append(clean)
        del self.lines[:-KEEP]
        self._cursor = len(self.lines)
        self._append(clean)

    def _append(self, line: str) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with locked(self.path, shared=True):
                append_user_text(self.path, line + "\n")
            self._on_disk += 1
            if self._on_disk > TRIM_AT:
                self._trim(self.path)
        except UserFileError as err:
            self._write_error(err.problem)
        except OSError as err:  # making the folder
            self._write_error(err.strerror or type(err).__name__)

    def _trim(self, path: Path) -> None:
        """Keep the file's newest :data:`KEEP` lines — read again under the lock, so the
        lines another screen appended meanwhile are among them, not this session's only."""
        with locked(path):
            data = read_user_file(path, limit=MAX_READ, tail=True)
            text = data.decode("utf-8", errors="replace")
            lines = [clean for raw in text.split("\n") if (clean := _clean(raw)) is not None]
            replace_user_text(path, "".join(line + "\n" for line in lines[-KEEP:]))
        self._on_disk = min(len(lines), KEEP)

    def _write_error(self, problem: str) -> None:
        """Told once a session: typing on does not repeat it."""
        if not self._write_failed:
            self._warn(f"history: cannot write {self.path}: {problem} (kept in memory)")
        self._write_failed = True

    # --- browsing -----------------------------------------------------------------------------
    def previous(self, current: str) -> str | None:
        """The line before the cursor (up arrow); ``current`` is kept as the draft."""
        if self._cursor == len(self.lines):
            self._draft = current
        if self._cursor == 0:
            return None
        self._cursor -= 1
        return self.lines[self._cursor]

    def next(self) -> str | None:
        """The line after the cursor (down arrow); past the newest, the draft comes back."""
        if self._cursor >= len(self.lines):
            return None
        self._cursor += 1
        if self._cursor == len(self.lines):
            return self._draft
        return self.lines[self._cursor]
