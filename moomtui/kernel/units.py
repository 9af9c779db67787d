"""Numbers as users write them: sizes, rates, durations and integers, bounded.

``"64M"``, ``"512K"``, ``"1G"``, ``"4096"`` (bytes) or ``"300 pages"``; rates are a size per
second (``"256K/s"``, ``"10 pages/s"``); durations ``"90s"``, ``"500ms"``, ``"2m"``,
``"1h"``, ``"250j"`` (jiffies) or a bare number of seconds, and the forms moomtui prints
them in (:func:`format_duration`): hours, minutes and seconds together, largest first —
``"1m30s"``, ``"5m00s"``, ``"1h02m"``, ``"1h02m03.5s"``, ``"1m 30s"``; integers are decimal,
written with ASCII digits. This is the one parser every part of moomtui reads such numbers with —
presets, program parameters, the console, scripts and the command line — so they all take
the same forms and refuse the same absurdities: every parser raises :class:`UnitError`
with a short message saying what was expected.

Bounded by construction: a number has at most :data:`MAX_DIGITS` digits, fractions are
computed exactly (no float, so no ``inf``), ``nan`` and ``inf`` — which TOML allows as
floats — are refused, a size is at most :data:`MAX_SIZE` bytes (16T) and a duration at most
:data:`MAX_DURATION` jiffies (a day). Callers check their own tighter ranges.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from ..patterns import anchored
from .constants import HZ, PAGE_SIZE


class UnitError(ValueError):
    """What was expected; ``detail`` says what was wrong beyond the form, if anything."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


MAX_DIGITS = 18
"""Digits a number may have, before and after the point together."""
MAX_SIZE = 1 << 44
"""The largest size: 16 TiB (a 2.4 machine had at most 64G of RAM; a 64-bit port gave a
process up to 2^31 pages of address space, 8T)."""
MAX_SIZE_PAGES = MAX_SIZE // PAGE_SIZE
MAX_DURATION = 24 * 3600 * HZ
"""The longest duration: a day, in jiffies."""

_NUMBER = r"(\d+(?:\.\d+)?)"
_SIZE = anchored(rf"\s*{_NUMBER}\s*(?:([kKmMgG])[bB]?\s*|[bB]\s*)?", re.ASCII)
_PAGES = anchored(r"\s*(\d+)\s*pages?\s*", re.ASCII)
_DURATION = anchored(rf"\s*{_NUMBER}\s*(?:(ms|s|m|h|j|jiffies)\s*)?", re.ASCII)
_INTEGER = anchored(r"[+-]?[0-9]+", re.ASCII)
_COMPOUND = anchored(r"(?:(\d+)h)? ?(?:(\d+)m(?!s))? ?(?:(\d+(?:\.\d+)?)s)?", re.ASCII)
_COMPOUND_TWO = (  # the same forms with two parts or three, as one pattern (the JSON Schema's)
    r"\s*(?:\d+h ?\d+m(?!s)(?: ?\d+(?:\.\d+)?s)?|\d+h ?\d+(?:\.\d+)?s"
    r"|\d+m(?!s) ?\d+(?:\.\d+)?s)\s*"
)
"""``1h02m03s``: at least two of hours, minutes and seconds, largest first, a space between
them or none (only the seconds a fraction). Tried on at most :data:`_COMPOUND_MAX` characters,
so that no text, however long, makes the optional parts backtrack for long."""
_COMPOUND_MAX = 48
_MULT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TIME = {
    "ms": Fraction(HZ, 1000),
    "s": Fraction(HZ),
    None: Fraction(HZ),
    "m": Fraction(60 * HZ),
    "h": Fraction(3600 * HZ),
    "j": Fraction(1),
    "jiffies": Fraction(1),
}

SIZE_HELP = 'a size like "64M", "512K", "4096" (bytes) or "300 pages"'
RATE_HELP = 'a rate like "256K/s" or "10 pages/s"'
DURATION_HELP = 'a duration like "90s", "1m30s", "500ms", "2m", "1h" or "250j" (jiffies)'


_TOO_LONG = f"a number of at most {MAX_DIGITS} digits"


def _decimal(digits: str, help_text: str) -> Fraction:
    """``"12.5"`` as an exact fraction; UnitError past :data:`MAX_DIGITS` digits."""
    if len(digits.replace(".", "")) > MAX_DIGITS:
        raise _expected(help_text, _TOO_LONG)
    return Fraction(digits)


def _number(value: object, help_text: str) -> Fraction | None:
    """A TOML number as an exact fraction (None for any other type); UnitError for nan,
    inf and numbers of more than :data:`MAX_DIGITS` digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise _expected(help_text, "not a finite number")
    if abs(value) >= 10**MAX_DIGITS:
        raise _expected(help_text, _TOO_LONG)
    return Fraction(value)


def _expected(help_text: str, detail: str = "") -> UnitError:
    return UnitError(f"expected {help_text}" + (f", {detail}" if detail else ""), detail)


def parse_integer(value: object, lo: int, hi: int) -> int:
    """An integer from ``lo`` to ``hi``: a TOML integer, or decimal text with ASCII digits.

    ``int()`` would also take ``"١٢"``, ``"1_000"`` and ten thousand digits.
    """
    expected = f"expected an integer from {lo} to {hi}"
    if isinstance(value, str):
        if _INTEGER.fullmatch(value) is None or len(value.lstrip("+-")) > MAX_DIGITS:
            raise UnitError(expected)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise UnitError(expected)
    return value


def parse_size(value: object) -> int:
    """A size in pages (bytes are rounded up to whole pages), at most :data:`MAX_SIZE`.

    A TOML integer is bytes; a float is refused (sizes are whole bytes or pages).
    """
    if isinstance(value, float):
        raise _expected(SIZE_HELP)
    number = _number(value, SIZE_HELP)
    if number is not None:
        if number < 0:
            raise _expected(SIZE_HELP, "not a negative number")
        return _pages(number)
    if not isinstance(value, str):
        raise _expected(SIZE_HELP)
    m = _PAGES.fullmatch(value)
    if m:
        return _pages(_decimal(m.group(1), SIZE_HELP) * PAGE_SIZE)
    m = _SIZE.fullmatch(value)
    if not m:
        raise _expected(SIZE_HELP)
    return _pages(_decimal(m.group(1), SIZE_HELP) * _MULT[(m.group(2) or "").lower()])


def _pages(size: Fraction) -> int:
    if size > MAX_SIZE:
        raise _expected(SIZE_HELP, "at most 16T")
    return -(-math.floor(size) // PAGE_SIZE)


def parse_rate(value: object) -> int:
    """A rate in pages per second: a size per second, or a TOML integer of bytes per second."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _expected(RATE_HELP)
    if isinstance(value, str):
        text = value.strip()
        if not text.endswith("/s"):
            raise _expected(RATE_HELP)
        value = text[:-2]
    try:
        return parse_size(value)
    except UnitError as err:
        raise _expected(RATE_HELP, err.detail) from None


def parse_duration(value: object) -> int:
    """A duration in jiffies (rounded to the nearest), at most :data:`MAX_DURATION`."""
    number = _number(value, DURATION_HELP)
    if number is not None:
        if number < 0:
            raise _expected(DURATION_HELP, "not a negative number")
        return _jiffies(number * HZ)
    if not isinstance(value, str):
        raise _expected(DURATION_HELP)
    m = _DURATION.fullmatch(value)
    if m:
        return _jiffies(_decimal(m.group(1), DURATION_HELP) * _TIME[m.group(2)])
    text = value.strip()
    m = _COMPOUND.fullmatch(text) if len(text) <= _COMPOUND_MAX else None
    if not m or sum(part is not None for part in m.groups()) < 2:
        raise _expected(DURATION_HELP)
    hours, minutes, seconds = (_decimal(part or "0", DURATION_HELP) for part in m.groups())
    return _jiffies((hours * 3600 + minutes * 60 + seconds) * HZ)


def _jiffies(amount: Fraction) -> int:
    if amount > MAX_DURATION:
        raise _expected(DURATION_HELP, "at most 24h")
    return round(amount)


def format_size(pages: int) -> str:
    """Pages as a short human size: ``"64M"``, ``"512K"``, ``"1.5G"``."""
    kb = pages * PAGE_SIZE // 1024
    if kb >= 1024 * 1024:
        return f"{kb / 1024 / 1024:.1f}G".replace(".0G", "G")
    if kb >= 1024:
        return f"{kb / 1024:.1f}M".replace(".0M", "M")
    return f"{kb}K"


def format_size_short(pages: int) -> str:
    """Pages in at most six characters, a unit always (the task columns, the memory panel):
    :func:`format_size`'s text, but a figure of 1000 or more goes up to the next unit, to a
    tenth — ``1017.7M`` is ``1.0G`` (``1017.7`` alone, cut to fit, read as a number of
    kilobytes beside ``1.3M``)."""
    kb = pages * PAGE_SIZE // 1024
    if kb < 1000:
        return f"{kb}K"
    value = kb / 1024
    for unit in "MGT":
        if round(value, 1) < 1000 or unit == "T":
            break
        value /= 1024
    if value < 1:  # rounded up across a unit: 1017.7M is 1.0G, just under 1G (1024M)
        return f"{value:.1f}{unit}"
    return f"{value:.1f}{unit}".replace(f".0{unit}", unit)  # as format_size: 64M, 1.5G


def format_tenths(jiffies: int) -> str:
    """Seconds to a tenth, cut rather than rounded: ``"4.9"`` for 4.96 s. A time shown beside
    a test against a whole number of seconds (``>= 5 * HZ``) then never reads ``5.0`` while
    the test still fails."""
    tenths = jiffies * 10 // HZ
    return f"{tenths // 10}.{tenths % 10}"


def format_duration(jiffies: int) -> str:
    """``"0.25s"``, ``"45s"``, ``"1m30s"``, ``"1h02m"``: to the jiffy below a minute, to the
    second below an hour, to the minute from then on. :func:`parse_duration` reads it back."""
    seconds = jiffies / HZ
    if seconds >= 3600:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    if seconds >= 60:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{seconds:.2f}s" if jiffies % HZ else f"{int(seconds)}s"
