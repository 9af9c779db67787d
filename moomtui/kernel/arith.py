"""The C arithmetic of 2.4 on i386, bit for bit: 32-bit ``int`` and ``unsigned int``,
division truncated toward zero, ``int_sqrt``.

A leaf of the kernel package (it imports nothing of moomtui): the simulator's classic killer
(:mod:`moomtui.modules.classic`) and the postmortem's 2.4 rule (:mod:`moomtui.real.eras`)
compute with it.
"""

from __future__ import annotations

from functools import lru_cache

from .constants import UINT_MAX


def s32(value: int) -> int:
    """``(int)value``: the low 32 bits, read as two's complement."""
    value &= UINT_MAX
    return value - (1 << 32) if value & 0x80000000 else value


def c_div(a: int, b: int) -> int:
    """C's signed ``a / b``: the quotient truncated toward zero."""
    if a >= 0 and b > 0:
        return a // b
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def c_abs(value: int) -> int:
    """``abs(int)``, with the C overflow: ``abs(INT_MIN)`` is ``INT_MIN``."""
    return s32(abs(s32(value)))


@lru_cache(maxsize=8192)
def int_sqrt(x: int) -> int:
    """A very rough approximation to the sqrt() function (not even monotonic).

    Cached: the walk over every task calls it three times per task, nearly always with
    small arguments.
    """
    x &= UINT_MAX
    out = x
    while x & ~1:
        x >>= 2
        out >>= 1
    if x:
        out -= out >> 2
    return out if out else 1
