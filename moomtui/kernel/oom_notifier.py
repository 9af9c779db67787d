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
- ``register_oom_notifier`` / ``unregister_oom_notifier`` from inside a handler would also
  deadlock in C; from another task they would wait until the chain had finished. The
  simulator lets them through, and since the walk runs over a snapshot of the chain they
  take effect from the next ``out_of_memory()`` — as the waiting task would have.

Left out: the ``EXPORT_SYMBOL`` plumbing. One deviation: C's ``out_of_memory()`` returns
``void``; this one returns the chain's value so callers and tests can see it.
"""

from __future__ import annotations

from moomtui.kernel.notifier import (
    NOTIFY_DONE,
    NotifierBlock,
    NotifierChain,
    notifier_call_chain,
    notifier_chain_register,
    notifier_chain_unregister,
)

OUT_OF_MEMORY = 0x1


class OomNotifier:
    """``oom_notify_list`` and ``notify_mutex``, with the three functions the patch exports."""

    __slots__ = ("_notify_mutex", "_oom_notify_list")

    def __init__(self) -> None:
        self._oom_notify_list = NotifierChain()
        self._notify_mutex = False

    @property
    def chain(self) -> tuple[NotifierBlock, ...]:
        """The registered handlers in call order."""
        return self._oom_notify_list.blocks

    @property
    def busy(self) -> bool:
        """True while ``out_of_memory()`` holds ``notify_mutex``."""
        return self._notify_mutex

    def register_oom_notifier(self, nb: NotifierBlock) -> int:
        return notifier_chain_register(self._oom_notify_list, nb)

    def snapshot(self) -> object:
        """The chain as it is now, for :meth:`restore` (the module loader undoes a failed
        ``init`` with it)."""
        return list(self._oom_notify_list._blocks)

    def restore(self, snapshot: object) -> None:
        """Put the chain back exactly as :meth:`snapshot` saw it."""
        assert isinstance(snapshot, list)
        self._oom_notify_list._blocks[:] = snapshot

    def unregister_oom_notifier(self, nb: NotifierBlock) -> int:
        return notifier_chain_unregister(self._oom_notify_list, nb)

    def out_of_memory(self) -> int:
        """Call every handler with ``OUT_OF_MEMORY``; a re-entrant call does nothing."""
        if self._notify_mutex:
            return NOTIFY_DONE
        self._notify_mutex = True
        try:
            return notifier_call_chain(self._oom_notify_list, OUT_OF_MEMORY, None)
        finally:
            self._notify_mutex = False
