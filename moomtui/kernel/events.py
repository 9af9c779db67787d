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

from collections.abc import Callable, Iterable
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
    """Fan-out of events to subscribers, in subscription order, synchronously.

    A subscriber says which kinds it wants, so that the kernel builds no event nobody reads
    (a fork bomb makes a dozen per OOM kill): ``subscribe(fn, kinds=(Printk,))``, or an
    object with an ``event_handlers()`` method returning ``{EventClass: handler}`` (the
    score card's trackers: each kind goes straight to its handler). A plain ``subscribe(fn)``
    gets every event. ``route[cls]`` is the tuple of handlers an event of class ``cls``
    goes to, in subscription order (empty: nobody wants it); the kernel asks it before it
    builds an event.

    ``counts[cls]`` counts every event emitted on the bus, built or not: what ``moomtui run``
    reports as the events of each kind (:meth:`count_by_kind`).
    """

    __slots__ = ("_subscriptions", "counts", "route")

    def __init__(self) -> None:
        self._subscriptions: list[tuple[object, dict[type[Event], Subscriber] | None]] = []
        self.counts: dict[type[Event], int] = _Counts()
        self.route: dict[type[Event], tuple[Subscriber, ...]] = _Route(self)

    def subscribe(
        self, fn: Subscriber, kinds: Iterable[type[Event]] | None = None
    ) -> Callable[[], None]:
        """Add ``fn`` for the events of ``kinds`` (default: what its ``event_handlers()``
        says, else every event); returns a function that removes it again."""
        table: dict[type[Event], Subscriber] | None = None
        if kinds is not None:
            table = dict.fromkeys(kinds, fn)
        else:
            handlers = getattr(fn, "event_handlers", None)
            if handlers is not None:
                table = dict(handlers())
        entry = (fn, table)
        self._subscriptions.append(entry)
        self.route.clear()

        def unsubscribe() -> None:
            for i, other in enumerate(self._subscriptions):
                if other is entry:
                    del self._subscriptions[i]
                    self.route.clear()
                    return

        return unsubscribe

    def handlers_for(self, cls: type[Event]) -> tuple[Subscriber, ...]:
        """Who an event of class ``cls`` goes to, in subscription order."""
        out: list[Subscriber] = []
        for fn, table in self._subscriptions:
            if table is None:
                out.append(fn)  # type: ignore[arg-type]
                continue
            for kind, handler in table.items():
                if issubclass(cls, kind):
                    out.append(handler)
                    break
        return tuple(out)

    def emit(self, event: Event) -> None:
        cls = type(event)
        self.counts[cls] += 1
        for fn in self.route[cls]:
            fn(event)

    def count_by_kind(self) -> dict[str, int]:
        """Events emitted on this bus so far, by kind (only kinds that happened)."""
        out: dict[str, int] = {}
        for cls, n in self.counts.items():
            if n:
                out[cls.kind] = out.get(cls.kind, 0) + n
        return out

    def __len__(self) -> int:
        return len(self._subscriptions)


class _Counts(dict[type[Event], int]):
    """``counts[cls] += 1`` for a class not yet counted starts from 0."""

    __slots__ = ()

    def __missing__(self, cls: type[Event]) -> int:
        return 0


class _Route(dict[type[Event], tuple[Subscriber, ...]]):
    """``EventBus.route``: worked out for a class the first time it is asked, forgotten
    when a subscriber comes or goes."""

    __slots__ = ("bus",)

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self.bus = bus

    def __missing__(self, cls: type[Event]) -> tuple[Subscriber, ...]:
        handlers = self[cls] = self.bus.handlers_for(cls)
        return handlers
