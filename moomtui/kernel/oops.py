"""Oopses: a module's code that raises is that module's bug, not the machine's end.

In 2.4 a module that dereferences a bad pointer oopses: the kernel prints the oops, kills
the task that was running and goes on, marked tainted. The simulator treats every exception
a module's Python code raises the same way (the module loader removes the module and marks
the kernel tainted ``D``, the flag 2.6.9 later gave to "an oops happened"). Every exception
counts, ``BaseException`` subclasses such as ``KeyboardInterrupt`` and ``GeneratorExit``
included, but two: a real Ctrl+C from the user (:mod:`moomtui.interrupt`) and the kernel's
own panic unwinding (:class:`~moomtui.kernel.panic.KernelPanic` while the kernel is
panicked). A handler that never returns cannot be stopped: Python code cannot be preempted.
"""

from __future__ import annotations

from moomtui.errors import describe
from moomtui.interrupt import is_user_interrupt

from .panic import KernelPanic

__all__ = ["describe", "is_oops"]


def is_oops(kernel: object, exc: BaseException) -> bool:
    """Whether ``exc``, raised by a module's code, is that module's oops.

    Every exception is — ``BaseException`` subclasses like ``KeyboardInterrupt``,
    ``GeneratorExit`` and ``SystemExit`` included — except the two that must reach the
    kernel's entry points: the kernel's own panic unwinding (:class:`KernelPanic` while
    ``kernel.panicked`` is set; one a policy raises by hand is an oops) and a real Ctrl+C
    (:func:`moomtui.interrupt.is_user_interrupt`).
    """
    if isinstance(exc, KernelPanic):
        return getattr(kernel, "panicked", None) is None
    return not is_user_interrupt(exc)
