"""The console's session: which machine, which clock, which user, what was typed.

A :class:`Session` is what stays the same while commands come and go: the kernel (which a
``reboot`` or a preset switch may replace — read ``session.kernel`` each time), the clock
controller of the screen (``None`` in headless runs, where the script drives the clock),
the user the console runs as, and every command line typed, with the tick it was typed at,
so ``script save`` can write them out as a replayable script.

Users come from a small ``/etc/passwd``: the accounts a 2003 Debian or Red Hat server had.
A uid without an entry is shown as its number, as ``ps`` and ``id`` do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from ..patterns import anchored
from .base import parse_int
from .profile import LOCAL_CONSOLE, Profile

if TYPE_CHECKING:
    from ..kernel.kernel import Kernel

PASSWD: dict[str, int] = {
    "root": 0,
    "daemon": 1,
    "bin": 2,
    "sys": 3,
    "mail": 8,
    "postgres": 26,
    "mysql": 27,
    "www-data": 33,
    "nobody": 65534,
    "user": 1000,
    "guest": 1001,
}
"""``/etc/passwd``: user name → uid (each user's primary group has the same number)."""

_NAMES = {uid: name for name, uid in PASSWD.items()}

_PRESET_NAME = anchored(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}", re.ASCII)


def is_preset_name(text: str) -> bool:
    """Whether ``text`` is a preset's name (its file's stem: ``leaky-apache``) rather than a
    path: a name is at most 64 letters, digits, ``_``, ``-`` and ``.``, and does not end in
    ``.toml``. Anything else — ``./x.toml``, ``x.toml``, ``/tmp/x`` — is a path."""
    return _PRESET_NAME.fullmatch(text) is not None and not text.endswith(".toml")


def user_name(uid: int) -> str | None:
    """The name ``/etc/passwd`` gives ``uid``, or None."""
    return _NAMES.get(uid)


def lookup_user(text: str) -> int | None:
    """The uid of user ``text`` (a name, or a number as ``spawn --user`` and ``su`` take)."""
    if text in PASSWD:
        return PASSWD[text]
    try:
        uid = parse_int(text)
    except ValueError:
        return None
    return uid if 0 <= uid <= 0xFFFFFFFF else None


class ClockDriver(Protocol):
    """What the session needs of :class:`moomtui.kernel.clock.Driver`."""

    paused: bool
    speed: float

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def step(self, jiffies: int = 1) -> None: ...

    def advance(self, jiffies: int) -> bool:
        """Run ``jiffies`` for ``step``: True if done now, False if it runs in slices."""
        ...

    def set_speed(self, speed: float) -> None: ...


class Session:
    """One console session on one machine.

    ``clock`` says when a line was typed, for ``recorded``: by default the kernel's ticks
    since boot; a simulation passes the jiffies since its run began, which keep counting
    across reboots and are what its ``--script`` times mean. ``on_reboot`` replaces the
    default ``kernel.reboot()`` of the ``reboot`` command (the screen may want to rebuild
    the machine from its preset); ``presets`` lists the preset names ``boot`` and completion
    offer — and the only names ``boot`` takes —, and ``on_boot(name)`` switches to one (it
    should set ``session.kernel``; a ValueError's message is shown as the error). With a
    profile that reads files, ``boot`` also takes a path to ``on_boot``.

    ``profile`` is what the session's lines may do (:mod:`.profile`):
    :data:`~moomtui.shell.profile.LOCAL_CONSOLE` by default;
    :data:`~moomtui.shell.profile.SERVED` for a stranger at a browser (``moomtui serve``),
    where nothing reaches the host's files — and whoever builds the session lists only the
    shipped presets in ``presets`` (:class:`moomtui.sim.Simulation` does).
    """

    def __init__(
        self,
        kernel: Kernel,
        *,
        driver: ClockDriver | None = None,
        on_reboot: Callable[[], None] | None = None,
        presets: Callable[[], Iterable[str]] | None = None,
        on_boot: Callable[[str], None] | None = None,
        clock: Callable[[], int] | None = None,
        profile: Profile = LOCAL_CONSOLE,
    ) -> None:
        self.kernel = kernel
        self.profile = profile
        self.clock = clock
        self.driver = driver
        self.on_reboot = on_reboot
        self.presets = presets
        self.on_boot = on_boot
        self.uid = 0
        self.recorded: list[tuple[int, str]] = []
        self.logins: list[int] = []
        """The users ``su`` came from, for ``exit``."""
        self.on_exit: Callable[[], None] | None = None
        """What ``exit`` at the first shell does (the screen leaves the console)."""
        self.on_clear: Callable[[], None] | None = None
        """What ``clear`` does (the screen empties the console)."""
        self.on_rewind: Callable[[int | None], str] | None = None
        """What ``rewind DURATION`` does with the jiffies to go back (None: ``rewind``
        alone, which tells how far back it can go); its answer is the command's output, a
        ValueError's message its error. Without it, the session cannot rewind."""
        self.on_page: Callable[[str, str], None] | None = None
        """What ``less`` does with ``(title, text)`` at the end of a line typed at the
        console (the screen opens a view to scroll); without it, ``less`` prints."""
        self.columns: tuple[str, ...] | None = None
        """The task panel's columns as ``columns`` chose them, in order (COMMAND after
        them); None: every column, a narrow panel leaving out the least needed."""
        self.on_columns: Callable[[], None] | None = None
        """What a new choice of ``columns`` does (the screen redraws the panel and keeps
        the choice in the user's config file)."""
        kernel.current_uid = 0

    @property
    def user(self) -> str:
        """The current user's name (its uid as text if it has none)."""
        return user_name(self.uid) or str(self.uid)

    def su(self, uid: int) -> None:
        """Become ``uid`` in a new shell (``exit`` comes back); the kernel's permission
        checks follow."""
        self.logins.append(self.uid)
        self.uid = uid
        self.kernel.current_uid = uid

    def logout(self) -> bool:
        """Back to the user before the last ``su``; False at the first shell."""
        if not self.logins:
            return False
        self.uid = self.logins.pop()
        self.kernel.current_uid = self.uid
        return True

    def sync(self) -> None:
        """Keep ``kernel.current_uid`` in step after the kernel was replaced."""
        self.kernel.current_uid = self.uid

    def now(self) -> int:
        """The time ``recorded`` uses: ``clock()``, or the kernel's ticks since boot."""
        return self.clock() if self.clock is not None else self.kernel.ticks

    def record(self, line: str) -> None:
        self.recorded.append((self.now(), line))

    def preset_names(self) -> list[str]:
        if self.presets is None:
            return []
        return sorted(self.presets())
