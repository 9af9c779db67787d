"""The patch's ``mm/oom_notifier.c``: the one hook the VM calls when reclaim fails.

``out_of_memory()`` runs the ``oom_notify_list`` chain with ``OUT_OF_MEMORY`` under
``notify_mutex``; ``register_oom_notifier`` / ``unregister_oom_notifier`` take the same
mutex. Handlers (``oom_panic``, ``oom_kill``, ``oom_kill_parent``) all register at priority 0
and return 0, so every loaded handler runs on every call, in load order — unless one panics:
``panic()`` never returns, so the handlers after it do not run (the
:class:`~moomtui.kernel.panic.KernelPanic` unwinds through the walk, and ``notify_mutex`` is
let go on the way out, which in C it never would be). With none loaded, ``out_of_memory()``
does nothing.

How the mutex is modelled, since the simulator has a single thread:

- ``out_of_memory()`` called again from inside a handler would block on ``notify_mutex``,
  held by the same task, and deadlock in C. Here the inner call returns ``NOTIFY_DONE`` at
  once and calls nothing.
- A handler runs in the task that called ``out_of_memory()``, which holds the mutex: a
  ``register_oom_notifier`` / ``unregister_oom_notifier`` it made itself would deadlock on
  it (2.4's semaphores do not nest). From another task they wait until the walk is over.
  The simulator lets such calls through at once; the walk runs over a snapshot of the
  chain, so a block taken off still runs in this walk and a block put on runs from the
  next call — as it would have for the waiting task.
- ``rmmod`` of a module while the chain runs — a handler that unloads another module, say
  — is the waiting task's. A handler has no rmmod of its own: ``sys_delete_module`` called
  from it would reach ``cleanup_module`` → ``unregister_oom_notifier`` →
  ``down(&notify_mutex)`` in the task holding it, a deadlock that every later
  ``out_of_memory()``, kswapd's included, would queue behind. The ``rmmod`` program runs
  in a task of its own (started with ``call_usermodehelper``, or typed while the handler
  sleeps in ``oom_kill``'s ``yield()``): ``sys_delete_module`` finds the module, marks it
  ``MOD_DELETED`` (``find_module`` skips it from then on: a second ``rmmod`` says it is not
  loaded) and calls ``free_module`` → ``cleanup_module``, which sleeps in
  ``unregister_oom_notifier``'s ``down(&notify_mutex)`` until the walk lets go. So the
  module's handler, still on the chain, runs in this walk, and its ``Unregistered`` line,
  its unload and anything else its exit does come after the walk. The module loader does
  just that (:meth:`wait_for_mutex`); the deadlock is not modelled. ``insmod`` in a walk
  is let through at once (its ``Installing`` line comes first in C too; its handler runs
  from the next call).

What the simulator adds. In a running kernel every handler is called under a guard
(:class:`HandlerGuard`, the module loader): a handler that raises is its module's oops —
the module is removed, the kernel tainted, the call counts as ``NOTIFY_DONE`` and the chain
goes on — and one that returns anything but an ``int`` counts as ``NOTIFY_DONE`` with a
warning. ``chain`` and ``unregister_oom_notifier`` still see the blocks the modules
registered; the guards stand in for them on the list. ``out_of_memory()`` takes the task
whose allocation failed (C's ``current``), which the handlers read as :attr:`current`, and
tells the kernel of each call it makes (``on_call``), for the event stream.

Left out: the ``EXPORT_SYMBOL`` plumbing. One deviation: C's ``out_of_memory()`` returns
``void``; this one returns the chain's value so callers and tests can see it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from .notifier import (
    NOTIFY_DONE,
    NOTIFY_STOP_MASK,
    NotifierBlock,
    NotifierChain,
    notifier_chain_register,
    notifier_chain_unregister,
)

if TYPE_CHECKING:
    from .task import Task

OUT_OF_MEMORY = 0x1


class HandlerGuard(Protocol):
    """What stands guard over the handlers of a running kernel: its module loader."""

    def is_oops(self, exc: BaseException) -> bool:
        """Whether ``exc``, raised by a handler, is its module's oops (else it goes on up)."""
        ...

    def handler_oops(self, nb: NotifierBlock, exc: BaseException) -> bool:
        """Log the oops and remove the module that owns ``nb``; False if no module does."""
        ...

    def handler_returned(self, nb: NotifierBlock, ret: object) -> None:
        """``nb``'s handler returned ``ret``, which is not an ``int``."""
        ...


class OomNotifier:
    """``oom_notify_list`` and ``notify_mutex``, with the three functions the patch exports."""

    __slots__ = (
        "_guards",
        "_names",
        "_notify_mutex",
        "_on_call",
        "_oom_notify_list",
        "_owners",
        "_waiters",
        "current",
        "guard",
    )

    def __init__(self, *, on_call: Callable[[Task | None], None] | None = None) -> None:
        self._oom_notify_list = NotifierChain()
        self._notify_mutex = False
        self._on_call = on_call
        self._guards: dict[NotifierBlock, NotifierBlock] = {}
        self._owners: dict[NotifierBlock, NotifierBlock] = {}
        self.guard: HandlerGuard | None = None
        """Calls every handler under its oops guard once set (by the booting kernel)."""
        self.current: Task | None = None
        """The task whose allocation called ``out_of_memory()``; None outside a call."""
        self._names: tuple[str, ...] | None = None
        self._waiters: list[Callable[[], None]] = []

    @property
    def chain(self) -> tuple[NotifierBlock, ...]:
        """The registered handlers in call order."""
        return tuple(self._owners[guard] for guard in self._oom_notify_list.blocks)

    def names(self) -> tuple[str, ...]:
        """The names of the registered handlers in call order (kept until the chain
        changes: every ``out_of_memory()`` call reports them)."""
        if self._names is None:
            self._names = tuple(nb.name for nb in self.chain)
        return self._names

    @property
    def busy(self) -> bool:
        """True while ``out_of_memory()`` holds ``notify_mutex``."""
        return self._notify_mutex

    def register_oom_notifier(self, nb: NotifierBlock) -> int:
        if nb in self._guards:
            raise ValueError(f"notifier block {nb.name or nb!r} is already on the chain")
        call = partial(self._guarded, nb)  # not a closure: a kernel is pickled whole
        guard = NotifierBlock(notifier_call=call, priority=nb.priority, name=nb.name)
        self._names = None
        err = notifier_chain_register(self._oom_notify_list, guard)
        self._guards[nb] = guard
        self._owners[guard] = nb
        return err

    def unregister_oom_notifier(self, nb: NotifierBlock) -> int:
        self._names = None
        guard = self._guards.pop(nb, None)
        if guard is None:
            return notifier_chain_unregister(self._oom_notify_list, nb)
        del self._owners[guard]
        return notifier_chain_unregister(self._oom_notify_list, guard)

    def wait_for_mutex(self, waiter: Callable[[], None]) -> None:
        """Another task's ``down(&notify_mutex)`` while ``out_of_memory()`` holds it:
        ``waiter`` runs when the walk lets go (``up``), after those that came before it —
        or never, if the walk ends in a panic (or any exception: the machine is stopped).
        Only while :attr:`busy`."""
        if not self._notify_mutex:
            raise RuntimeError("notify_mutex is free: nothing to wait for")
        self._waiters.append(waiter)

    def out_of_memory(self, current: Task | None = None) -> int:
        """Call every handler with ``OUT_OF_MEMORY`` for ``current``'s failed allocation; a
        re-entrant call does nothing. Then whoever waited for the mutex runs."""
        if self._notify_mutex:
            return NOTIFY_DONE
        self._notify_mutex = True
        done = False
        try:
            if self._on_call is not None:
                self._on_call(current)
            self.current = current
            # notifier_call_chain(), with each guard's call made here: the same calls in
            # the same order, two Python calls fewer per handler.
            ret = NOTIFY_DONE
            owners = self._owners
            for guard in tuple(self._oom_notify_list._blocks):
                nb = owners.get(guard)
                if nb is None:  # a block put on the chain by hand, or taken off meanwhile
                    ret = guard.notifier_call(guard, OUT_OF_MEMORY, None)
                else:
                    ret = self._call(nb, OUT_OF_MEMORY, None)
                if ret & NOTIFY_STOP_MASK:
                    break
            done = True
        finally:
            self.current = None
            self._notify_mutex = False
            waiters = self._waiters
            if waiters:
                self._waiters = []
        if done and waiters:
            for waiter in waiters:  # up(&notify_mutex): the tasks that waited, in turn
                waiter()
        return ret

    def snapshot(self) -> object:
        """The chain as it is now, for :meth:`restore` (the module loader undoes a failed
        ``init`` with it)."""
        return self._oom_notify_list.blocks, dict(self._guards), dict(self._owners)

    def restore(self, snapshot: object) -> None:
        """Put the chain back exactly as :meth:`snapshot` saw it."""
        assert isinstance(snapshot, tuple)
        blocks, guards, owners = snapshot
        self._names = None
        self._oom_notify_list.restore(blocks)
        self._guards = dict(guards)
        self._owners = dict(owners)

    def _guarded(self, nb: NotifierBlock, guard: NotifierBlock, val: int, data: object) -> int:
        return self._call(nb, val, data)

    def _call(self, nb: NotifierBlock, val: int, data: object) -> int:
        guard = self.guard
        if guard is None:
            return nb.notifier_call(nb, val, data)
        try:
            ret = nb.notifier_call(nb, val, data)
        except BaseException as exc:
            if not guard.is_oops(exc):
                raise
            if not guard.handler_oops(nb, exc):
                self.unregister_oom_notifier(nb)
            return NOTIFY_DONE
        if isinstance(ret, bool) or not isinstance(ret, int):
            guard.handler_returned(nb, ret)
            return NOTIFY_DONE
        return ret
