"""Notifier chains, as in 2.4 ``kernel/sys.c`` and ``include/linux/notifier.h``.

A chain is a list of :class:`NotifierBlock` kept sorted by priority, highest first; blocks of
equal priority run in the order they were registered, because ``notifier_chain_register``
walks past every block that is not of strictly lower priority. ``notifier_call_chain`` calls
the blocks in turn and stops early only when a block returns a value with
``NOTIFY_STOP_MASK`` set. The patch's ``mm/oom_notifier.c`` builds the OOM handler hook on
this (see :mod:`moomtui.kernel.oom_notifier`).

Left out: the ``notifier_lock`` rwlock (the simulator is single-threaded) and the ``next``
pointer inside each block (the chain holds a Python list instead). Two differences follow
from that, both safer than C:

- ``notifier_call_chain`` walks a snapshot taken when it starts, so a handler that
  registers or unregisters blocks changes the *next* call, never the walk in progress. In C
  the walk follows ``nb->next`` live: a block unregistered by an earlier handler would be
  skipped, one inserted after the current block would run.
- Registering a block that is already on the chain raises :class:`ValueError`. In C
  ``notifier_chain_register`` walks past the block itself and every block of its
  priority after it, then links it in before the first block of lower priority
  (``n->next = *list; *list = n;``). What that does depends on where the block is:

  - the last of its priority (the last block on the chain, say): ``list`` is its own
    ``next``, so it is linked to itself. The blocks after it drop off the chain and the
    next ``notifier_call_chain`` calls it for ever, unless it returns a value with
    ``NOTIFY_STOP_MASK``.
  - followed by blocks of its priority: the last of those now points to it, but it
    points past them, to the first block of lower priority. No loop: the blocks of its
    priority registered after it are cut off the chain — never called again, and
    ``notifier_chain_unregister`` of one returns ``-ENOENT``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errno import ENOENT

NOTIFY_DONE = 0
NOTIFY_OK = 1
NOTIFY_STOP_MASK = 0x8000
NOTIFY_BAD = 0x8002


@dataclass(eq=False, slots=True)
class NotifierBlock:
    """``struct notifier_block``; compared by identity, as the C code compares pointers."""

    notifier_call: Callable[[NotifierBlock, int, object], int]
    priority: int = 0
    name: str = ""


class NotifierChain:
    """The head of a chain (``struct notifier_block *``): its blocks in call order."""

    __slots__ = ("_blocks",)

    def __init__(self) -> None:
        self._blocks: list[NotifierBlock] = []

    @property
    def blocks(self) -> tuple[NotifierBlock, ...]:
        return tuple(self._blocks)

    def restore(self, blocks: tuple[NotifierBlock, ...]) -> None:
        """Put back the blocks :attr:`blocks` gave (the simulator's undo of a failed module
        load; C has no such thing)."""
        self._blocks[:] = blocks


def notifier_chain_register(chain: NotifierChain, nb: NotifierBlock) -> int:
    """Insert ``nb`` before the first block of strictly lower priority; return 0."""
    blocks = chain._blocks
    if any(b is nb for b in blocks):
        raise ValueError(f"notifier block {nb.name or nb!r} is already on the chain")
    index = next((i for i, b in enumerate(blocks) if nb.priority > b.priority), len(blocks))
    blocks.insert(index, nb)
    return 0


def notifier_chain_unregister(chain: NotifierChain, nb: NotifierBlock) -> int:
    """Take ``nb`` off the chain: 0, or ``-ENOENT`` when it is not on it."""
    blocks = chain._blocks
    for i, b in enumerate(blocks):
        if b is nb:
            del blocks[i]
            return 0
    return -ENOENT


def notifier_call_chain(chain: NotifierChain, val: int, v: object) -> int:
    """Call every block with ``(nb, val, v)``; stop at a ``NOTIFY_STOP_MASK`` return.

    Returns the last value returned, or ``NOTIFY_DONE`` for an empty chain.
    """
    ret = NOTIFY_DONE
    for nb in tuple(chain._blocks):
        ret = nb.notifier_call(nb, val, v)
        if ret & NOTIFY_STOP_MASK:
            return ret
    return ret
