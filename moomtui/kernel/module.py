r"""``include/linux/module.h``: what a loadable module is, and its ``MODULE_PARM``\s.

A module is a :class:`KernelModule` subclass: its name, ``modinfo`` fields, size, Kconfig
option (the seed's three have one: :mod:`moomtui.kernel.kconfig`) and parameters, and the
``module_init``/``module_exit`` hooks. Parameters are ``MODULE_PARM(name, "i")`` or ``"s"``
with their ``MODULE_PARM_DESC`` (the seed's two, ``oom_parent_max`` and
``oom_parent_expire``, are ``"i"``). modutils 2.4 reads an ``"i"`` value with the C
library's ``strtoul(input, &input, 0)`` (:func:`strtoul`: glibc's, with i386's 32-bit
``unsigned long``) and stores it with ``*(int *) loc = …``: the variable gets the 32-bit
pattern, whatever its C type. What ``insmod`` makes of the whole ``name=value`` argument is
the loader's (:func:`moomtui.kernel.module_loader.int_parameter`), as is loading and
unloading (:mod:`moomtui.kernel.module_loader`).

Simplified: of ``MODULE_PARM``'s types only ``"i"`` (int) and ``"s"`` (string) exist (``"l"``
would be ``"i"`` again on i386); there are no symbol tables or module dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from moomtui.kernel.constants import INT_MAX, INT_MIN, UINT_MAX
from moomtui.kernel.events import Event

MODULE_DIR = "/lib/modules/2.4.22-moom/kernel/mm"
"""Where ``make modules_install`` puts the objects of ``mm/``."""

C_SPACE = frozenset(" \t\n\v\f\r")
"""``isspace()`` in the C locale."""


class ModuleError(Exception):
    """A failed module command; ``str(err)`` is the tool's one-line message."""


class KernelLike(Protocol):
    """What the loader needs of the kernel."""

    jiffies: int
    boot: int
    current_uid: int

    def printk(self, level: int, text: str) -> None: ...

    def emit(self, event: Event) -> None: ...


def strtoul(text: str, *, bits: int = 32) -> tuple[int, int]:
    """glibc's ``strtoul(text, &end, 0)``: the value and the index of ``end``.

    Transliterated from glibc's ``stdlib/strtol_l.c``, for an ``unsigned long`` of ``bits``
    bits (32 on i386): white space skipped (``isspace``, C locale), then an optional ``+``
    or ``-``, then ``0x``/``0X`` for hex, a leading ``0`` for octal, else decimal, reading
    digits for as long as they belong to the base. A value past ``ULONG_MAX`` gives
    ``ULONG_MAX`` (``ERANGE``) whatever the sign; a ``-`` negates in unsigned arithmetic
    (``-1`` is ``ULONG_MAX``). With no digit at all the result is 0 and ``end`` is 0, or
    points at the ``x`` of a ``0x`` that no hex digit follows. ``end`` stops at a NUL, as
    C's string does.
    """
    ulong_max = (1 << bits) - 1
    n = len(text)
    i = 0
    while i < n and text[i] in C_SPACE:
        i += 1
    negative = False
    if i < n and text[i] in "+-":
        negative = text[i] == "-"
        i += 1
    base = 10
    if i < n and text[i] == "0":
        if i + 1 < n and text[i + 1] in "xX":
            i += 2
            base = 16
        else:
            base = 8
    save = i
    value = 0
    overflow = False
    while i < n:
        c = text[i]
        if "0" <= c <= "9":
            digit = ord(c) - ord("0")
        elif c.isascii() and c.isalpha():
            digit = ord(c.upper()) - ord("A") + 10
        else:
            break
        if digit >= base:
            break
        if value > (ulong_max - digit) // base:
            overflow = True
        else:
            value = value * base + digit
        i += 1
    if i == save:  # noconv
        if base == 16:
            return 0, save - 1
        return 0, 0
    if overflow:
        return ulong_max, i
    return (-value & ulong_max) if negative else value, i


@dataclass(frozen=True, slots=True)
class ModuleParam:
    """One ``MODULE_PARM(name, "i")`` or ``MODULE_PARM(name, "s")`` with its
    ``MODULE_PARM_DESC``.

    For ``"i"``, ``ctype`` is the C type of the variable behind it (``int`` or ``unsigned
    int``): any value that fits 32 bits, signed or unsigned, is accepted and stored wrapped
    to that type, as modutils writes the 32-bit pattern into the variable.
    ``minimum``/``maximum`` are checked on the stored value. An ``"s"`` parameter (a
    ``char *``) takes the text after ``=`` as it is.
    """

    name: str
    type: str
    desc: str
    default: int | str
    minimum: int | None = None
    maximum: int | None = None
    ctype: str = "int"

    def __post_init__(self) -> None:
        if self.type not in ("i", "s"):
            raise ValueError(f"{self.name}: MODULE_PARM type {self.type!r} is not supported")
        if self.type == "s":
            if not isinstance(self.default, str):
                raise ValueError(f"{self.name}: MODULE_PARM type 's' needs a string default")
            return
        if self.ctype not in ("int", "uint"):
            raise ValueError(f"{self.name}: ctype must be 'int' or 'uint', not {self.ctype!r}")
        if self.convert(self.default) != self.default:
            raise ValueError(f"{self.name}: default {self.default} is not a valid {self.ctype}")

    def convert(self, value: int | str) -> int | str:
        """The value stored for ``value``; ValueError says why it is refused."""
        if self.type == "s":
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
        if isinstance(value, str):
            raise ValueError("expected an integer")
        if not INT_MIN <= value <= UINT_MAX:
            raise ValueError("does not fit in 32 bits")
        stored = value & UINT_MAX
        if self.ctype == "int" and stored > INT_MAX:
            stored -= 1 << 32
        if self.minimum is not None and stored < self.minimum:
            raise ValueError(f"less than the minimum {self.minimum}")
        if self.maximum is not None and stored > self.maximum:
            raise ValueError(f"more than the maximum {self.maximum}")
        return stored


class KernelModule:
    """Base class of loadable modules: subclass, set the class attributes, override hooks.

    Each parameter in ``params`` becomes an instance attribute of the same name.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    author: ClassVar[str]
    license: ClassVar[str] = "GPL"
    size: ClassVar[int]
    kconfig: ClassVar[str | None] = None
    params: ClassVar[tuple[ModuleParam, ...]] = ()

    def __init__(self, kernel: KernelLike, **params: int | str) -> None:
        self.kernel = kernel
        self.use_count = 0
        self.builtin = False
        for param in self.params:
            setattr(self, param.name, param.convert(params.pop(param.name, param.default)))
        if params:
            raise TypeError(f"{self.name}: unknown parameters {', '.join(sorted(params))}")

    def init(self) -> int:
        """``module_init``: 0 on success or a negative errno, which fails the load."""
        return 0

    def exit(self) -> None:
        """``module_exit``: undo what :meth:`init` did."""
