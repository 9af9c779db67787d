"""The printk macros of the patch's ``include/linux/oom_notifier.h``.

Each prints one line with a fixed prefix. The header spells it two ways and the policies
show both in the log: ``info()`` and ``error()`` say "Out of Memory: " (capital M, as 2.4's
own ``oom_kill_task`` did), ``dbg()`` and ``warn()`` say "Out of memory: ". The seed's
policies compile ``dbg()`` away (``DEBUG`` is not defined), so only ``info()`` and ``error()``
appear in their logs; the other two are here for policies written against the same header.
"""

from __future__ import annotations

from typing import Protocol

from ..kernel.printk import KERN_DEBUG, KERN_ERR, KERN_INFO, KERN_WARNING


class Printer(Protocol):
    def printk(self, level: int, text: str) -> None: ...


def dbg(k: Printer, text: str) -> None:
    k.printk(KERN_DEBUG, f"Out of memory: {text}")


def warn(k: Printer, text: str) -> None:
    k.printk(KERN_WARNING, f"Out of memory: {text}")


def info(k: Printer, text: str) -> None:
    k.printk(KERN_INFO, f"Out of Memory: {text}")


def error(k: Printer, text: str) -> None:
    k.printk(KERN_ERR, f"Out of Memory: {text}")
