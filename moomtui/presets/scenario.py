"""What a preset becomes: a :class:`Scenario` (the machine to boot, its scripted events and
goals), and the one-line :class:`PresetError` every problem with a preset is told as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..kernel.bootspec import BootSpec
from ..kernel.constants import HZ


class PresetError(Exception):
    """A preset that cannot be used; ``str()`` is the one-line message."""


@dataclass(slots=True)
class PresetEvent:
    at: int  # jiffies since boot
    run: str


@dataclass(slots=True)
class Scenario:
    name: str
    description: str
    source: str
    spec: BootSpec
    events: list[PresetEvent] = field(default_factory=list)
    goals: dict[str, Any] = field(default_factory=dict)
    length: int = 600 * HZ
    key: str = ""  # the preset's file stem, e.g. "fork-bomb"
