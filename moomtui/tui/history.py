"""The console's command history, kept in ``$XDG_DATA_HOME/moomtui/history``.

Every line the user runs is appended to the file at once (and flushed), so a crash or a
killed terminal never loses what was typed. Reading is forgiving: a missing file, a folder in
its place, bytes that are not UTF-8 or a file we may not read give an empty or partial
history and a one-line warning, never an exception. The file only grows by appends; when it
passes :data:`TRIM_AT` lines it is rewritten, through a temporary file and an atomic rename,
keeping the newest :data:`KEEP` lines.
"""

from __future__ import annotations

import os
from pathlib import Path

KEEP = 1000
TRIM_AT = 5000


def default_history_path() -> Path:
    """``$XDG_DATA_HOME/moomtui/history``, or ``~/.local/share/moomtui/history``.

    As the XDG base directory spec says, a relative XDG_DATA_HOME is ignored.
    """
    data_home = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data_home) if os.path.isabs(data_home) else Path.home() / ".local" / "share"
    return base / "moomtui" / "history"


def _clean(line: str) -> str | None:
    line = line.rstrip("\r")
    if not line.strip() or any(ord(c) < 32 and c != "\t" for c in line):
        return None
    return line


class History:
    """Lines run at the prompt, oldest first, with a cursor for up/down browsing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lines: list[str] = []
        self.warning: str | None = None
        self._cursor = 0
        self._draft = ""
        self._on_disk = 0
        if path is not None:
            self._load(path)
        self._cursor = len(self.lines)

    def _load(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            self.warning = f"history: cannot read {path}: {error.strerror or error}"
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
            with self.path.open("a", encoding="utf-8") as file:
                file.write(line + "\n")
                file.flush()
            self._on_disk += 1
            if self._on_disk > TRIM_AT:
                self._trim()
        except OSError as error:
            self.warning = f"history: cannot write {self.path}: {error.strerror or error}"

    def _trim(self) -> None:
        assert self.path is not None
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("".join(line + "\n" for line in self.lines), encoding="utf-8")
        os.replace(tmp, self.path)
        self._on_disk = len(self.lines)

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
