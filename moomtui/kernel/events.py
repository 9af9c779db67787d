"""The one event stream.

Everything the simulated kernel does that anyone might want to know about is a typed event:
a printk line, a fork, an exit, a signal, an OOM kill, a call of ``out_of_memory()``, an
allocation stall, a module load, a sysctl write, a panic, a reboot. The screen, the JSON-lines
trace, the score card and the tests all subscribe to the same :class:`EventBus`; nothing learns
what happened by scraping log text.

Each event carries the ``jiffies`` and the ``boot`` number at which it happened, filled in
by the kernel as it emits the event (``kernel.emit(Fork(pid=…, …))``). ``to_dict``
gives the JSON-lines trace record: ``{"jiffies": …, "boot": …, "event": "<kind>", …fields}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Event:
    """Base of every event; ``kind`` is the name used in traces.

    Made with its own fields only (``Fork(pid=…, ppid=…, comm=…, thread=…)``); the kernel
    sets ``jiffies`` and ``boot`` as it emits it (:meth:`stamp`).
    """

    kind: ClassVar[str] = "event"
    jiffies: int = 0
    boot: int = 0

    def stamp(self, jiffies: int, boot: int) -> None:
        """Say when the event happened: done once, by the kernel that emits it, before any
        subscriber sees it; nobody changes an event after that.

        (Events are not frozen dataclasses: a frozen one costs twice as much to make, and
        the kernel makes a dozen for each OOM kill of a fork bomb.)"""
        self.jiffies = jiffies
        self.boot = boot

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"jiffies": self.jiffies, "boot": self.boot, "event": self.kind}
        for f in fields(self):
            if f.name not in ("jiffies", "boot"):
                value = getattr(self, f.name)
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Printk(Event):
    kind: ClassVar[str] = "printk"
    level: int
    text: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Fork(Event):
    kind: ClassVar[str] = "fork"
    pid: int
    ppid: int
    comm: str
    thread: bool


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Exec(Event):
    """A task started running a program (at boot, from a preset, or by ``spawn``)."""

    kind: ClassVar[str] = "exec"
    pid: int
    comm: str
    program: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Exit(Event):
    kind: ClassVar[str] = "exit"
    pid: int
    comm: str
    code: int
    signal: int
    rss: int
    swap: int
    cpu: int


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Reap(Event):
    kind: ClassVar[str] = "reap"
    pid: int
    by: int


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Signal(Event):
    """A signal sent to a task. ``sender``: the pid of the task that sent it (earlyoom, a
    thread group's leader), 0 for the kernel (the OOM killers); a console command has no
    task, so its signals carry the uid of the console's user. ``ignored``: the task does
    not act on it."""

    kind: ClassVar[str] = "signal"
    pid: int
    comm: str
    sig: int
    sender: int
    ignored: bool


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class OomKill(Event):
    """``oom_kill_task()`` chose a task. ``reason``: victim, thread or parent."""

    kind: ClassVar[str] = "oom_kill"
    pid: int
    comm: str
    module: str
    reason: str
    points: int
    total_vm: int
    rss: int
    sig: int


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class OutOfMemory(Event):
    """Direct reclaim or kswapd failed and called ``out_of_memory()``."""

    kind: ClassVar[str] = "out_of_memory"
    pid: int
    nr_swap_pages: int
    free_pages: int
    handlers: tuple[str, ...]


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class AllocStall(Event):
    """A task entered (``stalled=True``) or left the allocator's retry loop."""

    kind: ClassVar[str] = "alloc_stall"
    pid: int
    comm: str
    pages: int
    stalled: bool


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class AllocFail(Event):
    """An allocation that may fail did: ENOMEM from overcommit, or a fault with no page."""

    kind: ClassVar[str] = "alloc_fail"
    pid: int
    comm: str
    pages: int
    reason: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class ModuleLoad(Event):
    kind: ClassVar[str] = "module_load"
    name: str
    builtin: bool
    params: tuple[str, ...]


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class ModuleUnload(Event):
    kind: ClassVar[str] = "module_unload"
    name: str
    reason: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class SysctlWrite(Event):
    kind: ClassVar[str] = "sysctl_write"
    key: str
    value: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Panic(Event):
    kind: ClassVar[str] = "panic"
    message: str
    timeout: int


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Reboot(Event):
    kind: ClassVar[str] = "reboot"
    new_boot: int


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class Swap(Event):
    """``swapon`` / ``swapoff`` changed the swap space."""

    kind: ClassVar[str] = "swap"
    total: int
    used: int
    on: bool


Subscriber = Callable[[Event], None]


class EventBus:
    """Fan-out of events to subscribers, in subscription order, synchronously."""

    __slots__ = ("_subscribers",)

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> Callable[[], None]:
        """Add ``fn``; returns a function that removes it again."""
        self._subscribers.append(fn)

        def unsubscribe() -> None:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

        return unsubscribe

    def emit(self, event: Event) -> None:
        for fn in tuple(self._subscribers):
            fn(event)

    def __len__(self) -> int:
        return len(self._subscribers)
