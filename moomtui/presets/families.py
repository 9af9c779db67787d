"""Workload families: a preset field given as a distribution, drawn from the run's seed.

Where a preset would give a value, a family gives a one-key table (docs/lab.md)::

    args = { children = { choice = [4, 8, 16] }, child_rate = { uniform = ["32K/s", "256K/s"] } }
    rss = { lognormal = ["2M", 0.5], within = ["512K", "8M"] }

- ``uniform = [LOW, HIGH]``: integers give an integer from LOW to HIGH; numbers with a unit
  (the same at both ends: ``"1s"``, ``"64M"``, ``"96K/s"``) give a number to a thousandth in
  that unit; plain floats a float to a ten-thousandth;
- ``choice = [A, B, …]``: one of the values (at most :data:`MAX_CHOICES`), each as likely;
- ``lognormal = [MEDIAN, SIGMA]`` with ``within = [LOW, HIGH]``: a log-normal value (the
  median's unit, clamped to the bounds, which are required: nothing drawn is unbounded).

The draws are made in the file's order from a generator seeded by the run's seed alone
(``random.Random`` seeded with text, which is the same in every process and on every
machine), before the preset is checked; the drawn preset is then checked like any other.
So a seed names one machine of the family, whichever process draws it. ``moomtui check``
checks the family at its own seed and at both ends of every distribution
(:func:`variants`); ``moomtui run`` prints the values drawn.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any

from ..patterns import anchored
from .quoting import clip

KINDS = ("uniform", "choice", "lognormal")
MAX_DISTRIBUTIONS = 64
"""Distributions one preset may have."""
MAX_CHOICES = 256
_QUANTITY = anchored(r"([0-9]{1,15}(?:\.[0-9]{1,9})?) ?([A-Za-z/]{0,8})", re.ASCII)


class FamilyError(Exception):
    """A malformed distribution: the message is ``PATH: problem``."""


def is_distribution(value: object) -> bool:
    """A one-key table naming a distribution (``lognormal`` with its ``within``)."""
    if not isinstance(value, dict):
        return False
    keys = set(value)
    return keys in ({"uniform"}, {"choice"}, {"lognormal", "within"}, {"lognormal"})


def _quantity(value: object, where: str) -> tuple[float, str, bool]:
    """``"2.5M"`` → (2.5, "M", False); ``8`` → (8, "", True): number, unit, integer?"""
    if isinstance(value, bool):
        raise FamilyError(f"{where}: expected a number or a number with a unit, got {value}")
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise FamilyError(f"{where}: {value} is too large")
        return float(value), "", True
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > 1e15:
            raise FamilyError(f"{where}: {value} is not a finite number")
        return value, "", False
    if isinstance(value, str):
        m = _QUANTITY.fullmatch(value.strip()) if len(value) <= 64 else None
        if m:
            return float(m.group(1)), m.group(2), False
    raise FamilyError(
        f"{where}: expected a number or a number with a unit, got {clip(repr(value))}"
    )


def _pair(value: object, where: str) -> list[Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise FamilyError(f"{where}: expected a list of two values [LOW, HIGH]")
    return value


def _bounds(value: object, where: str) -> tuple[float, float, str, bool]:
    (lo, lo_unit, lo_int), (hi, hi_unit, hi_int) = (
        _quantity(v, where) for v in _pair(value, where)
    )
    if lo_unit != hi_unit:
        raise FamilyError(f"{where}: both ends need the same unit, got {lo_unit!r} and {hi_unit!r}")
    if lo > hi:
        raise FamilyError(f"{where}: the low end is above the high end")
    return lo, hi, lo_unit, lo_int and hi_int


def _spell(number: float, unit: str, integer: bool) -> Any:
    """A drawn number as the preset would spell it."""
    if integer:
        return round(number)
    if unit:
        text = f"{number:.3f}".rstrip("0").rstrip(".")
        return f"{text}{unit}"
    return round(number, 4)


def check_distribution(value: dict[str, Any], where: str) -> None:
    """A distribution's shape, whatever is drawn; FamilyError if malformed."""
    kind = next(iter(value)) if "within" not in value else "lognormal"
    where = f"{where}.{kind}"
    if kind == "choice":
        options = value["choice"]
        if not isinstance(options, list) or not 1 <= len(options) <= MAX_CHOICES:
            raise FamilyError(f"{where}: expected a list of 1 to {MAX_CHOICES} values")
        for option in options:
            if isinstance(option, dict | list):
                raise FamilyError(f"{where}: each choice is one value, not a table or a list")
    elif kind == "uniform":
        _bounds(value["uniform"], where)
    else:
        if "within" not in value:
            raise FamilyError(f"{where}: needs within = [LOW, HIGH] (nothing drawn unbounded)")
        median, sigma = _pair(value["lognormal"], where)
        m, unit, _ = _quantity(median, where)
        s, s_unit, _ = _quantity(sigma, f"{where}[1]")
        if s_unit or not 0 < s <= 10:
            raise FamilyError(f"{where}: sigma must be a number above 0 and at most 10")
        if m <= 0:
            raise FamilyError(f"{where}: the median must be above 0")
        _, _, w_unit, _ = _bounds(value["within"], where.replace(".lognormal", ".within"))
        if w_unit != unit:
            raise FamilyError(f"{where}: within needs the median's unit ({unit or 'none'})")


def _draw(value: dict[str, Any], rng: random.Random | str | int) -> Any:
    """One value: from ``rng``, or ``"low"`` / ``"high"`` (an end), or the ``N``-th choice."""
    if "choice" in value:
        options = value["choice"]
        if isinstance(rng, random.Random):
            return options[rng.randrange(len(options))]
        if isinstance(rng, int):
            return options[min(rng, len(options) - 1)]
        return options[0 if rng == "low" else -1]
    if "uniform" in value:
        lo, hi, unit, integer = _bounds(value["uniform"], "")
        if isinstance(rng, random.Random):
            number = rng.randint(round(lo), round(hi)) if integer else rng.uniform(lo, hi)
        else:
            number = hi if rng == "high" else lo
        return _spell(number, unit, integer)
    median, sigma = value["lognormal"]
    m, unit, integer = _quantity(median, "")
    s = _quantity(sigma, "")[0]
    lo, hi, _, _ = _bounds(value["within"], "")
    if isinstance(rng, random.Random):
        number = min(max(math.exp(rng.gauss(math.log(m), s)), lo), hi)
    else:
        number = hi if rng == "high" else lo
    return _spell(number, unit, integer and isinstance(median, int))


def find(data: dict[str, Any]) -> list[str]:
    """The paths of the preset's distributions, in the file's order (``data`` is left as
    it is); FamilyError if one is malformed or there are too many."""
    return list(draw(copy.deepcopy(data), "low"))


class _Drawer:
    """Replaces each distribution in place by a value, recording it by path."""

    def __init__(self, how: random.Random | str | int) -> None:
        self.how = how
        self.drawn: dict[str, Any] = {}

    def __call__(self, path: str, value: dict[str, Any]) -> None:
        self.drawn[path] = _draw(value, self.how)


def draw(data: dict[str, Any], how: int | str) -> dict[str, Any]:
    """Draw every distribution of ``data`` in place; the values drawn, by path.

    ``how``: a seed (an integer: the run's), ``"low"`` / ``"high"`` (every distribution at
    that end; a choice's first or last value) or ``("option", N)`` as the integer ``-N-1``
    (every choice's N-th value, the others at their low end). FamilyError if malformed."""
    rng: random.Random | str | int
    if isinstance(how, int) and how >= 0:
        rng = random.Random(f"moomtui-family:{how}")
    elif isinstance(how, int):
        rng = -how - 1
    else:
        rng = how
    drawer = _Drawer(rng)
    _replace(data, "", drawer)
    return drawer.drawn


def _replace(node: Any, path: str, drawer: _Drawer) -> None:
    keys = (
        list(node) if isinstance(node, dict) else range(len(node)) if isinstance(node, list) else []
    )
    for key in keys:
        value = node[key]
        where = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        if is_distribution(value):
            check_distribution(value, where)
            if where == "seed":
                raise FamilyError("seed: a family's seed is the run's, not drawn")
            if len(drawer.drawn) >= MAX_DISTRIBUTIONS:
                raise FamilyError(f"more than {MAX_DISTRIBUTIONS} distributions in one preset")
            drawer(where, value)
            node[key] = drawer.drawn[where]
        else:
            _replace(value, where, drawer)


def variants(data: dict[str, Any]) -> list[int | str]:
    """What ``check`` draws a family at besides its seed: both ends, and each choice's
    every value (the N-th of every choice at once)."""
    widest = 0
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if is_distribution(node):
            if "choice" in node and isinstance(node["choice"], list):
                widest = max(widest, len(node["choice"]))
            continue
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return ["low", "high", *(-n - 1 for n in range(1, min(widest, MAX_CHOICES) - 1))]


def describe(drawn: dict[str, Any]) -> str:
    """``tasks[3].args.children = 8, …`` for ``moomtui run``."""
    return ", ".join(f"{path} = {value}" for path, value in drawn.items())
