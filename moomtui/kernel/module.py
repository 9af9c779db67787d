r"""``include/linux/module.h``: what a loadable module is, and its ``MODULE_PARM``\s.

A module is a :class:`KernelModule` subclass: its name, ``modinfo`` fields, size, Kconfig
option (the seed's three have one: :mod:`moomtui.kernel.kconfig`) and parameters, and the
``module_init``/``module_exit`` hooks. Parameters are ``MODULE_PARM(name, "i")`` or ``"s"``
with their ``MODULE_PARM_DESC``; modutils 2.4 parses an ``int`` like ``strtol(…, 0)``
(:func:`parse_c_integer`) and writes its 32-bit pattern into the variable. Loading and
unloading are the loader's (:mod:`moomtui.kernel.module_loader`).

Simplified: of ``MODULE_PARM``'s types only ``"i"`` (int) and ``"s"`` (string) exist; there
are no symbol tables or module dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from moomtui.kernel.constants import INT_MAX, INT_MIN, UINT_MAX
from moomtui.kernel.events import Event
from moomtui.patterns import anchored

MODULE_DIR = "/lib/modules/2.4.22-moom/kernel/mm"
"""Where ``make modules_install`` puts the objects of ``mm/``."""

_C_INTEGER = anchored(r"[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


class ModuleError(Exception):
    """A failed module command; ``str(err)`` is the tool's one-line message."""


class KernelLike(Protocol):
    """What the loader needs of the kernel."""

    jiffies: int
    boot: int
    current_uid: int

    def printk(self, level: int, text: str) -> None: ...

    def emit(self, event: Event) -> None: ...


def parse_c_integer(text: str) -> int:
    """Parse ``text`` as ``strtol(text, &end, 0)`` with nothing left over: 10, 0x10, 010, -1.

    Raises ValueError for anything else, including Python-only forms like ``0o17`` or ``1_0``.
    """
    if _C_INTEGER.fullmatch(text) is None:
        raise ValueError(f"not a C integer: {text!r}")
    sign = -1 if text[0] == "-" else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        return sign * int(digits[2:], 16)
    if digits.startswith("0"):
        return sign * int(digits, 8)
    return sign * int(digits)


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
