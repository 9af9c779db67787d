"""Serial numbers: ``itertools.count`` as a kernel's state may hold it.

A kernel is pickled whole for the screen's rewind checkpoints (:mod:`moomtui.game.
checkpoint`), and ``itertools.count`` pickles only with a DeprecationWarning since Python
3.12, and not at all from 3.14. This is the same iterator as plain state.
"""

from __future__ import annotations


class Numbers:
    """``start``, ``start + 1``, … — ``next(numbers)`` as with ``itertools.count``."""

    __slots__ = ("value",)

    def __init__(self, start: int = 0) -> None:
        self.value = start

    def __iter__(self) -> Numbers:
        return self

    def __next__(self) -> int:
        value = self.value
        self.value = value + 1
        return value
