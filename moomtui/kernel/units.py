"""Sizes, rates and durations as users write them, converted to pages and jiffies.

``"64M"``, ``"512K"``, ``"1G"``, ``"4096"`` (bytes) or ``"300 pages"``; rates are a size per
second (``"256K/s"``, ``"10 pages/s"``); durations ``"90s"``, ``"500ms"``, ``"2m"``,
``"1h"``, ``"250j"`` (jiffies) or a bare number of seconds. Every parser raises
:class:`UnitError` with a short message saying what was expected.
"""

from __future__ import annotations

import re

from .constants import HZ, PAGE_SIZE


class UnitError(ValueError):
    pass


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*$")
_PAGES = re.compile(r"^\s*(\d+)\s*pages?\s*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|j|jiffies)?\s*$")
_MULT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_TIME = {"ms": HZ / 1000, "s": HZ, None: HZ, "m": 60 * HZ, "h": 3600 * HZ, "j": 1, "jiffies": 1}

SIZE_HELP = 'a size like "64M", "512K", "4096" (bytes) or "300 pages"'
RATE_HELP = 'a rate like "256K/s" or "10 pages/s"'
DURATION_HELP = 'a duration like "90s", "500ms", "2m", "1h" or "250j" (jiffies)'


def parse_size(value: object) -> int:
    """A size in pages (bytes are rounded up to whole pages)."""
    if isinstance(value, bool):
        raise UnitError(f"expected {SIZE_HELP}")
    if isinstance(value, int):
        if value < 0:
            raise UnitError(f"expected {SIZE_HELP}, not a negative number")
        return -(-value // PAGE_SIZE)
    if not isinstance(value, str):
        raise UnitError(f"expected {SIZE_HELP}")
    m = _PAGES.match(value)
    if m:
        return int(m.group(1))
    m = _SIZE.match(value)
    if not m:
        raise UnitError(f"expected {SIZE_HELP}")
    size = float(m.group(1)) * _MULT[m.group(2).lower()]
    return -(-int(size) // PAGE_SIZE)


def parse_rate(value: object) -> int:
    """A rate in pages per second."""
    if isinstance(value, bool):
        raise UnitError(f"expected {RATE_HELP}")
    if isinstance(value, int):
        return parse_size(value)
    if not isinstance(value, str):
        raise UnitError(f"expected {RATE_HELP}")
    text = value.strip()
    if not text.endswith("/s"):
        raise UnitError(f"expected {RATE_HELP}")
    try:
        return parse_size(text[:-2])
    except UnitError:
        raise UnitError(f"expected {RATE_HELP}") from None


def parse_duration(value: object) -> int:
    """A duration in jiffies."""
    if isinstance(value, bool):
        raise UnitError(f"expected {DURATION_HELP}")
    if isinstance(value, int | float):
        if value < 0:
            raise UnitError(f"expected {DURATION_HELP}, not a negative number")
        return round(value * HZ)
    if not isinstance(value, str):
        raise UnitError(f"expected {DURATION_HELP}")
    m = _DURATION.match(value)
    if not m:
        raise UnitError(f"expected {DURATION_HELP}")
    return round(float(m.group(1)) * _TIME[m.group(2)])


def format_size(pages: int) -> str:
    """Pages as a short human size: ``"64M"``, ``"512K"``, ``"1.5G"``."""
    kb = pages * PAGE_SIZE // 1024
    if kb >= 1024 * 1024:
        return f"{kb / 1024 / 1024:.1f}G".replace(".0G", "G")
    if kb >= 1024:
        return f"{kb / 1024:.1f}M".replace(".0M", "M")
    return f"{kb}K"


def format_duration(jiffies: int) -> str:
    seconds = jiffies / HZ
    if seconds >= 3600:
        return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"
    if seconds >= 60:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{seconds:.2f}s" if jiffies % HZ else f"{int(seconds)}s"
