"""What a served session keeps for its browser to download: a few screenshots, not long.

Textual's "Screenshot" command, in a browser, keeps the SVG in the app's memory until the
page downloads it — and textual-serve's server keeps a record of it (holding the whole
session) until then. A page that never downloads, or a visitor who asks for a screenshot a
second, made both grow for as long as the session lived. :class:`Retention` is the rule both
ends apply (:mod:`.driver` to the files, :mod:`.server` to its records): at most
:data:`~moomtui.web.SCREENSHOTS_KEPT` of them, :data:`~moomtui.web.SCREENSHOT_BYTES`
together, each for :data:`~moomtui.web.SCREENSHOT_LIFE` seconds; the oldest goes first.
"""

from __future__ import annotations

import io
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

from . import SCREENSHOT_BYTES, SCREENSHOT_LIFE, SCREENSHOTS_KEPT


class Retention:
    """Keys of kept things with their sizes and ages; :meth:`add` says which to drop."""

    def __init__(
        self,
        count: int = SCREENSHOTS_KEPT,
        size: int = SCREENSHOT_BYTES,
        life: float = SCREENSHOT_LIFE,
    ) -> None:
        self.count, self.size, self.life = count, size, life
        self._kept: OrderedDict[str, tuple[int, float]] = OrderedDict()  # oldest first
        self._bytes = 0

    def __contains__(self, key: object) -> bool:
        return key in self._kept

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def bytes(self) -> int:
        return self._bytes

    def add(self, key: str, size: int, now: float) -> list[str]:
        """Keep ``key`` (``size`` bytes, made at ``now``); the keys to drop, oldest first.

        Those past their life go, then the oldest while there are too many or they weigh too
        much; ``key`` itself, and nothing else, if it alone is heavier than the allowance.
        """
        dropped = self.expire(now)
        if size > self.size:
            return [*dropped, key]
        self._kept[key] = (size, now)
        self._bytes += size
        while self._kept and (len(self._kept) > self.count or self._bytes > self.size):
            oldest = next(iter(self._kept))
            self.discard(oldest)
            dropped.append(oldest)
        return dropped

    def expire(self, now: float) -> list[str]:
        """Forget the keys older than the life; those keys, oldest first."""
        old = [key for key, (_, since) in self._kept.items() if now - since >= self.life]
        for key in old:
            self.discard(key)
        return old

    def discard(self, key: str) -> None:
        """Forget ``key`` (downloaded, failed, or dropped); nothing if it is not kept."""
        entry = self._kept.pop(key, None)
        if entry is not None:
            self._bytes -= entry[0]

    def next_expiry(self) -> float | None:
        """When the oldest kept key expires (None when nothing is kept)."""
        for _, since in self._kept.values():
            return since + self.life
        return None


class KeptFiles:
    """The files a served app offered its page, closed — which frees them — when
    :class:`Retention` drops them. ``schedule(delay, callback)`` runs ``callback`` later on
    the app's loop (the app's ``set_timer``), to drop a file at the end of its life."""

    def __init__(
        self,
        schedule: Callable[[float, Callable[[], None]], object],
        retention: Retention | None = None,
    ) -> None:
        self.retention = retention or Retention()
        self._schedule = schedule
        self._files: dict[str, IO[Any]] = {}

    def offer(self, key: str, binary: IO[Any]) -> bool:
        """Keep ``binary`` for the page under ``key``; close the files this drops, and
        ``binary`` itself (False) if it alone weighs more than the allowance."""
        for old, file in list(self._files.items()):
            if file.closed:  # downloaded: the web driver closed it
                del self._files[old]
                self.retention.discard(old)
        for dropped in self.retention.add(key, _size(binary), time.monotonic()):
            self._close(dropped)
        if key not in self.retention:
            binary.close()
            return False
        self._files[key] = binary
        self._schedule(self.retention.life, self.expire)
        return True

    def expire(self) -> None:
        """Close the files past their life."""
        for key in self.retention.expire(time.monotonic()):
            self._close(key)

    def _close(self, key: str) -> None:
        file = self._files.pop(key, None)
        if file is not None:
            file.close()


def _size(binary: IO[Any]) -> int:
    """The length of a seekable file (characters of a text one), its position unchanged."""
    try:
        here = binary.tell()
        end = binary.seek(0, io.SEEK_END)
        binary.seek(here)
    except (OSError, ValueError):
        return 0
    return end
