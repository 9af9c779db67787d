"""What a log's reports have said already: a block printed in full once is named after.

A log of many OOMs from one machine repeats the same blocks in every report — the era's
evidence (the same kernel, layout and wording), the same notes, the same assumptions. In
``postmortem --print`` each is printed in full the first time, and in a later report that
says the same, word for word, it is one line naming the report that printed it::

      assumed: as for report 1

The blocks kept are the last :data:`KEEP` printed in full (a block is at most a few lines
of the report long): one printed before those is printed in full again, and named after
from there. The JSON (``--json``) is data, complete in every report.
"""

from __future__ import annotations

KEEP = 64
"""How many blocks printed in full are remembered."""


class Said:
    """The blocks printed in full so far, each with the number of the report that did."""

    __slots__ = ("first",)

    def __init__(self) -> None:
        self.first: dict[tuple[str, ...], int] = {}

    def before(self, key: tuple[str, ...], report: int) -> int | None:
        """The report that printed the block ``key`` (its kind, then its texts) in full
        before ``report``; ``None`` when none did: ``report`` prints it, and is named for
        it from now on."""
        first = self.first.get(key)
        if first is not None:
            return first
        if len(self.first) >= KEEP:
            del self.first[next(iter(self.first))]  # the oldest
        self.first[key] = report
        return None
